import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { act, dep, expr, openEnv, pipeline, runPipeline, type TestEnv } from '../engine/helpers.js';

describe('SetVariable and AppendVariable', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('SetVariable sets a declared variable; its output is {name, value}', async () => {
    const r = await runPipeline(env, [
      pipeline('set', [act('S', 'SetVariable', { variableName: 'flag', value: expr('@equals(1, 1)') })], {
        variables: { flag: { type: 'Boolean' } },
      }),
    ]);
    assert.deepEqual(r.byName.get('S')!.output, { name: 'flag', value: true });
    assert.deepEqual(r.byName.get('S')!.input, { variableName: 'flag', value: true });
  });

  test('SetVariable rejects a value of the wrong type with a message naming the variable', async () => {
    const r = await runPipeline(env, [
      pipeline('set-type', [act('S', 'SetVariable', { variableName: 'v', value: expr('@createArray(1)') })], {
        variables: { v: { type: 'String' } },
      }),
    ]);
    assert.equal(r.byName.get('S')!.status, 'Failed');
    assert.match(
      r.byName.get('S')!.error!.message,
      /variable 'v' of type 'String' cannot be updated with a value of type 'Array'/,
    );
  });

  test('SetVariable on an undeclared variable fails', async () => {
    const r = await runPipeline(env, [
      pipeline('set-undeclared', [act('S', 'SetVariable', { variableName: 'nope', value: 'x' })]),
    ]);
    assert.match(r.byName.get('S')!.error!.message, /variable 'nope' is not declared/);
  });

  test('pipeline return value: typed key/value list becomes the run return value', async () => {
    const r = await runPipeline(env, [
      pipeline('ret', [
        act('R', 'SetVariable', {
          variableName: 'pipelineReturnValue',
          setSystemVariable: true,
          value: [
            { key: 'str', value: { type: 'String', content: '@not-an-expression' } },
            { key: 'expr', value: { type: 'Expression', content: "@concat('a', 'b')" } },
            { key: 'n', value: { type: 'Int', content: 3 } },
            { key: 'b', value: { type: 'Boolean', content: true } },
            { key: 'nil', value: { type: 'Null' } },
            {
              key: 'arr',
              value: {
                type: 'Array',
                content: [
                  { type: 'String', content: 'x' },
                  { type: 'Expression', content: '@add(1, 1)' },
                ],
              },
            },
            {
              key: 'obj',
              value: { type: 'Object', content: [{ key: 'inner', value: { type: 'Float', content: 1.5 } }] },
            },
          ],
        }),
      ]),
    ]);
    const expected = {
      str: '@not-an-expression',
      expr: 'ab',
      n: 3,
      b: true,
      nil: null,
      arr: ['x', 2],
      obj: { inner: 1.5 },
    };
    assert.deepEqual(r.run.returnValue, expected);
    assert.deepEqual(r.byName.get('R')!.output, { name: 'pipelineReturnValue', value: expected });
  });

  test('AppendVariable appends to an Array variable; earlier reads are not changed by later appends', async () => {
    const r = await runPipeline(env, [
      pipeline(
        'append',
        [
          act('A1', 'AppendVariable', { variableName: 'list', value: 'a' }),
          act('Snap', 'SetVariable', { variableName: 'snapshot', value: expr("@variables('list')") }, dep('A1')),
          act('A2', 'AppendVariable', { variableName: 'list', value: expr('@createArray(1)') }, dep('Snap')),
          act(
            'Out',
            'SetVariable',
            { variableName: 'out', value: expr("@string(createArray(variables('list'), variables('snapshot')))") },
            dep('A2'),
          ),
        ],
        {
          variables: {
            list: { type: 'Array', defaultValue: [] },
            snapshot: { type: 'Array' },
            out: { type: 'String' },
          },
        },
      ),
    ]);
    assert.equal(r.run.status, 'Succeeded');
    assert.deepEqual(JSON.parse((r.byName.get('Out')!.output as { value: string }).value), [['a', [1]], ['a']]);
  });

  test('AppendVariable on a non-Array variable fails', async () => {
    const r = await runPipeline(env, [
      pipeline('append-bad', [act('A', 'AppendVariable', { variableName: 's', value: 'x' })], {
        variables: { s: { type: 'String' } },
      }),
    ]);
    assert.match(r.byName.get('A')!.error!.message, /AppendVariable needs an Array variable/);
  });
});
