import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ActivityDefinition } from '../../src/adf/activities/index.js';
import { act, dep, expr, failing, openEnv, pipeline, runPipeline, type TestEnv } from '../engine/helpers.js';

/** Records how many of its instances run at once. */
function concurrencyProbe() {
  const probe = { now: 0, max: 0 };
  const def: ActivityDefinition = {
    type: 'Probe',
    async execute(ctx) {
      probe.now++;
      probe.max = Math.max(probe.max, probe.now);
      await ctx.sleep(1000);
      probe.now--;
      return { output: { item: ctx.expressionContext.item } };
    },
  };
  return { probe, def };
}

describe('ForEach', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('ForEach records its inner activity runs once per iteration, with item() and the iteration number', async () => {
    const r = await runPipeline(env, [
      pipeline(
        'fe',
        [
          act('Loop', 'ForEach', {
            items: expr("@createArray('x', 'y', 'z')"),
            isSequential: true,
            activities: [
              act('Add', 'AppendVariable', { variableName: 'seen', value: expr("@concat('item-', item())") }),
            ],
          }),
        ],
        { variables: { seen: { type: 'Array' } } },
      ),
    ]);
    const adds = r.activityRuns.filter((a) => a.activityName === 'Add');
    assert.deepEqual(
      adds.map((a) => a.iteration),
      [0, 1, 2],
    );
    assert.deepEqual(
      adds.map((a) => (a.input as { value: string }).value),
      ['item-x', 'item-y', 'item-z'],
    );
    assert.ok(adds.every((a) => a.parentActivityRunId === r.byName.get('Loop')!.activityRunId));
    assert.deepEqual(r.byName.get('Loop')!.input, { ItemsCount: 3 });
    assert.deepEqual(r.byName.get('Loop')!.output, {});
  });

  test('ForEach runs batchCount iterations at once when parallel, one at a time when sequential', async () => {
    const par = concurrencyProbe();
    await runPipeline(
      env,
      [
        pipeline('fe-par', [
          act('Loop', 'ForEach', { items: expr('@range(0, 12)'), batchCount: 4, activities: [act('P', 'Probe')] }),
        ]),
      ],
      undefined,
      {},
      { extra: [par.def] },
    );
    assert.equal(par.probe.max, 4);
    const seq = concurrencyProbe();
    await runPipeline(
      env,
      [
        pipeline('fe-seq', [
          act('Loop', 'ForEach', {
            items: expr('@range(0, 5)'),
            isSequential: 'true',
            batchCount: 4,
            activities: [act('P', 'Probe')],
          }),
        ]),
      ],
      undefined,
      {},
      { extra: [seq.def] },
    );
    assert.equal(seq.probe.max, 1, 'isSequential as the string "true" is honoured');
    const dflt = concurrencyProbe();
    await runPipeline(
      env,
      [
        pipeline('fe-default', [
          act('Loop', 'ForEach', { items: expr('@range(0, 30)'), activities: [act('P', 'Probe')] }),
        ]),
      ],
      undefined,
      {},
      { extra: [dflt.def] },
    );
    assert.equal(dflt.probe.max, 20, 'default batchCount is 20');
  });

  test('ForEach runs every iteration even when one fails, then fails naming the inner activity', async () => {
    const r = await runPipeline(env, [
      pipeline('fe-fail', [
        act('Loop', 'ForEach', {
          items: expr('@range(0, 4)'),
          isSequential: true,
          activities: [
            act('Check', 'IfCondition', {
              expression: expr('@equals(item(), 1)'),
              ifTrueActivities: [failing('Boom')],
            }),
          ],
        }),
      ]),
    ]);
    assert.equal(r.activityRuns.filter((a) => a.activityName === 'Check').length, 4);
    assert.equal(r.statusOf('Loop'), 'Failed');
    assert.match(r.byName.get('Loop')!.error!.message, /Inner activity name: Check/);
  });

  test('item() scoping: nested containers inside a ForEach see the iteration item; activity() sees outer activities', async () => {
    const r = await runPipeline(env, [
      pipeline(
        'fe-scope',
        [
          act('Prefix', 'SetVariable', { variableName: 'prefix', value: 'p-' }),
          act(
            'Loop',
            'ForEach',
            {
              items: expr('@createArray(1, 2)'),
              isSequential: true,
              activities: [
                act('If', 'IfCondition', {
                  expression: expr('@greater(item(), 0)'),
                  ifTrueActivities: [
                    act('Sw', 'Switch', {
                      on: expr('@string(item())'),
                      cases: [],
                      defaultActivities: [
                        act('Add', 'AppendVariable', {
                          variableName: 'out',
                          value: expr("@concat(activity('Prefix').output.value, string(item()))"),
                        }),
                      ],
                    }),
                  ],
                }),
              ],
            },
            dep('Prefix'),
          ),
        ],
        { variables: { prefix: { type: 'String' }, out: { type: 'Array' } } },
      ),
    ]);
    assert.equal(r.run.status, 'Succeeded');
    assert.deepEqual(
      r.activityRuns.filter((a) => a.activityName === 'Add').map((a) => (a.input as { value: string }).value),
      ['p-1', 'p-2'],
    );
  });

  test('ForEach over a non-array fails with a message naming items', async () => {
    const r = await runPipeline(env, [
      pipeline('fe-bad', [act('Loop', 'ForEach', { items: expr("@'abc'"), activities: [] })]),
    ]);
    assert.match(r.byName.get('Loop')!.error!.message, /items must evaluate to an array/);
  });
});

describe('Until', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('Until runs its body, then the expression, until the expression is true', async () => {
    const r = await runPipeline(env, [
      pipeline(
        'until',
        [
          act('Loop', 'Until', {
            expression: expr("@greaterOrEquals(length(variables('ticks')), 3)"),
            activities: [act('Tick', 'AppendVariable', { variableName: 'ticks', value: 1 })],
          }),
        ],
        { variables: { ticks: { type: 'Array', defaultValue: [] } } },
      ),
    ]);
    assert.deepEqual(
      r.activityRuns.filter((a) => a.activityName === 'Tick').map((a) => a.iteration),
      [0, 1, 2],
    );
    assert.equal(r.statusOf('Loop'), 'Succeeded');
  });

  test("Until's expression reads the outputs of its body's activities from the last iteration", async () => {
    const r = await runPipeline(env, [
      pipeline(
        'until-body',
        [
          act('Loop', 'Until', {
            expression: expr("@equals(activity('Count').output.value, '3')"),
            activities: [
              act('Add', 'AppendVariable', { variableName: 'n', value: 1 }),
              act(
                'Count',
                'SetVariable',
                { variableName: 'c', value: expr("@string(length(variables('n')))") },
                dep('Add'),
              ),
            ],
          }),
        ],
        { variables: { n: { type: 'Array' }, c: { type: 'String' } } },
      ),
    ]);
    assert.equal(r.statusOf('Loop'), 'Succeeded');
    assert.equal(r.activityRuns.filter((a) => a.activityName === 'Count').length, 3);
  });

  test('Until times out after its timeout with ActivityTimedOut', async () => {
    const r = await runPipeline(env, [
      pipeline('until-timeout', [
        act('Loop', 'Until', {
          expression: expr('@false'),
          timeout: '0.00:05:00',
          activities: [act('W', 'Wait', { waitTimeInSeconds: 60 })],
        }),
      ]),
    ]);
    assert.equal(r.statusOf('Loop'), 'Failed');
    assert.equal(r.byName.get('Loop')!.error!.errorCode, 'ActivityTimedOut');
    assert.equal(r.activityRuns.filter((a) => a.activityName === 'W').length, 5);
  });

  test('an inner failure does not stop Until; it reports the last iteration outcome', async () => {
    const r = await runPipeline(env, [
      pipeline(
        'until-fail',
        [
          act('Loop', 'Until', {
            expression: expr("@equals(length(variables('n')), 2)"),
            activities: [act('Add', 'AppendVariable', { variableName: 'n', value: 1 }), failing('Boom', dep('Add'))],
          }),
        ],
        { variables: { n: { type: 'Array' } } },
      ),
    ]);
    assert.equal(r.activityRuns.filter((a) => a.activityName === 'Boom').length, 2);
    assert.equal(r.statusOf('Loop'), 'Failed');
  });
});

describe('Wait and Filter', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('Wait waits waitTimeInSeconds (an expression allowed)', async () => {
    const t0 = env.clock.now();
    const r = await runPipeline(env, [pipeline('wait', [act('W', 'Wait', { waitTimeInSeconds: expr('@add(5, 5)') })])]);
    assert.equal(r.byName.get('W')!.durationInMs, 10_000);
    assert.equal(env.clock.now() - t0, 10_000);
  });

  test('Filter outputs Value, ItemsCount and FilteredItemsCount', async () => {
    const r = await runPipeline(env, [
      pipeline('filter', [
        act('F', 'Filter', { items: expr('@range(0, 10)'), condition: expr('@greater(item(), 6)') }),
      ]),
    ]);
    assert.deepEqual(r.byName.get('F')!.output, { ItemsCount: 10, FilteredItemsCount: 3, Value: [7, 8, 9] });
  });
});
