import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  act,
  dep,
  expr,
  failing,
  makeEngine,
  openEnv,
  pipeline,
  runPipeline,
  succeed,
  type TestEnv,
} from '../engine/helpers.js';

describe('Fail', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  const cases: [string, Record<string, unknown>, string, string][] = [
    ['both strings', { message: expr("@concat('bad ', 'input')"), errorCode: expr("@'E42'") }, 'bad input', 'E42'],
    ['message missing', { errorCode: 'E1' }, "Fail message wasn't provided", 'E1'],
    ['errorCode missing', { message: 'm' }, 'm', 'ErrorCodeNotString'],
    [
      'message not a string',
      { message: expr('@createArray(1)'), errorCode: 'E2' },
      "F fail message parameter couldn't be interpreted as a string",
      'E2',
    ],
    ['message blank', { message: '   ', errorCode: 'E3' }, 'Failed to interpret F fail message or error code', 'E3'],
    ['errorCode not a string', { message: 'm', errorCode: expr('@add(1, 2)') }, 'm', 'ErrorCodeNotString'],
    ['errorCode blank', { message: 'm', errorCode: '' }, 'm', 'ErrorCodeNotString'],
    [
      'neither interpretable',
      { message: '', errorCode: expr('@null') },
      'Failed to interpret F fail message or error code',
      'ErrorCodeNotString',
    ],
  ];
  for (const [name, props, message, code] of cases) {
    test(`Fail: ${name}`, async () => {
      const r = await runPipeline(env, [pipeline(`fail-${name}`, [act('F', 'Fail', props)])]);
      const f = r.byName.get('F')!;
      assert.equal(f.status, 'Failed');
      assert.deepEqual(f.error, { errorCode: code, message, failureType: 'UserError', target: 'F' });
      assert.equal(r.run.message, `Operation on target F failed: ${message}`);
    });
  }
});

describe('ExecutePipeline', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  const child = pipeline(
    'child',
    [
      act('W', 'Wait', { waitTimeInSeconds: 30 }),
      act(
        'Ret',
        'SetVariable',
        {
          variableName: 'pipelineReturnValue',
          setSystemVariable: true,
          value: [{ key: 'got', value: { type: 'Expression', content: '@pipeline().parameters.items' } }],
        },
        dep('W'),
      ),
    ],
    { parameters: { items: { type: 'array' }, label: { type: 'string', defaultValue: 'd' } } },
  );
  const call = (wait?: boolean) =>
    act('Call', 'ExecutePipeline', {
      pipeline: { referenceName: 'child', type: 'PipelineReference' },
      parameters: { items: expr("@createArray('a', 'b')") },
      ...(wait === undefined ? {} : { waitOnCompletion: wait }),
    });

  test('waitOnCompletion true: ends as the child does and exposes pipelineReturnValue', async () => {
    const r = await runPipeline(env, [
      pipeline(
        'parent',
        [
          call(true),
          act(
            'Use',
            'SetVariable',
            { variableName: 'v', value: expr("@string(activity('Call').output.pipelineReturnValue.got)") },
            dep('Call'),
          ),
        ],
        { variables: { v: { type: 'String' } } },
      ),
      child,
    ]);
    const c = r.byName.get('Call')!;
    assert.equal(c.status, 'Succeeded');
    assert.equal(c.durationInMs, 30_000);
    const out = c.output as { pipelineName: string; pipelineRunId: string; pipelineReturnValue: unknown };
    assert.equal(out.pipelineName, 'child');
    assert.deepEqual(out.pipelineReturnValue, { got: ['a', 'b'] });
    assert.deepEqual(r.byName.get('Use')!.output, { name: 'v', value: '["a","b"]' });
    const childRun = (await env.store.getPipelineRun(out.pipelineRunId))!;
    assert.equal(childRun.parentRunId, r.run.runId);
    assert.deepEqual(childRun.parameters, { items: '["a","b"]', label: 'd' });
    assert.deepEqual(childRun.invokedBy, {
      name: 'Call',
      id: c.activityRunId,
      invokedByType: 'PipelineActivity',
      pipelineName: 'parent',
      pipelineRunId: r.run.runId,
    });
  });

  test('waitOnCompletion absent defaults to false: the activity succeeds at once, the child runs on', async () => {
    const r = await runPipeline(env, [pipeline('parent-nowait', [call()]), child]);
    const c = r.byName.get('Call')!;
    assert.equal(c.durationInMs, 0);
    assert.equal((c.output as Record<string, unknown>).pipelineReturnValue, undefined);
    const childRun = (await env.store.getPipelineRun((c.output as { pipelineRunId: string }).pipelineRunId))!;
    assert.equal(childRun.status, 'Succeeded', 'the child finished (engine.idle waits for it)');
  });

  test('a failed child fails a waiting ExecutePipeline and the parent, naming the child failure', async () => {
    const r = await runPipeline(env, [
      pipeline('parent-fail', [
        act('Call', 'ExecutePipeline', { pipeline: { referenceName: 'bad' }, waitOnCompletion: true }),
      ]),
      pipeline('bad', [failing('Oops')]),
    ]);
    assert.equal(r.byName.get('Call')!.status, 'Failed');
    assert.match(
      r.byName.get('Call')!.error!.message,
      /pipeline 'bad' \(run .*\) failed: Operation on target Oops failed: Oops failed on purpose/,
    );
    assert.equal(r.run.status, 'Failed');
  });

  test('a child that cannot start (unknown pipeline, missing parameter) fails the activity with that reason', async () => {
    const r = await runPipeline(env, [
      pipeline('parent-bad', [
        act('Call', 'ExecutePipeline', { pipeline: { referenceName: 'child' }, waitOnCompletion: true }),
      ]),
      child,
    ]);
    assert.match(r.byName.get('Call')!.error!.message, /No value provided for Parameter 'items'/);
  });
});

describe('mocks', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('an unsupported activity type without a mock fails, naming the type and how to mock it', async () => {
    const r = await runPipeline(env, [pipeline('unsupported', [act('Copy sales', 'Copy', { source: {} })])]);
    const c = r.byName.get('Copy sales')!;
    assert.equal(c.status, 'Failed');
    assert.equal(c.error!.errorCode, 'UnsupportedActivityType');
    assert.match(
      c.error!.message,
      /type 'Copy', which pipevault does not run\. Mock it: add "mocks": \{"unsupported\/Copy sales"/,
    );
  });

  test('a mock gives the activity its output; outputs may hold expressions evaluated in the activity context', async () => {
    const r = await runPipeline(
      env,
      [
        pipeline(
          'mocked',
          [
            act('Loop', 'ForEach', {
              items: expr("@createArray('a', 'b')"),
              isSequential: true,
              activities: [act('Copy', 'Copy', { source: { query: expr('@dataset().x') } })],
            }),
            act('Lookup', 'Lookup', {}),
            act(
              'Use',
              'SetVariable',
              { variableName: 'v', value: expr("@string(activity('Lookup').output.firstRow.n)") },
              dep('Lookup'),
            ),
          ],
          { variables: { v: { type: 'String' } } },
        ),
      ],
      undefined,
      {},
      {
        mocks: {
          'mocked/Copy': { output: { rowsCopied: 10, file: '@{item()}.csv' } },
          Lookup: { status: 'Succeeded', output: { firstRow: { n: 7 } } },
          'other/Lookup': { status: 'Failed' },
        },
      },
    );
    assert.equal(r.run.status, 'Succeeded');
    assert.deepEqual(
      r.activityRuns.filter((a) => a.activityName === 'Copy').map((a) => a.output),
      [
        { rowsCopied: 10, file: 'a.csv' },
        { rowsCopied: 10, file: 'b.csv' },
      ],
    );
    assert.deepEqual(r.byName.get('Use')!.output, { name: 'v', value: '7' });
  });

  test('a Failed mock fails the activity with the given error, and handlers run', async () => {
    const r = await runPipeline(
      env,
      [pipeline('mock-fail', [act('Copy', 'Copy'), succeed('Handle', dep('Copy', 'Failed'))])],
      undefined,
      {},
      {
        mocks: { Copy: { status: 'Failed', error: { errorCode: '2200', message: 'sink unreachable' } } },
      },
    );
    assert.deepEqual(r.byName.get('Copy')!.error, {
      errorCode: '2200',
      message: 'sink unreachable',
      failureType: 'UserError',
      target: 'Copy',
    });
    assert.equal(r.statusOf('Handle'), 'Succeeded');
    assert.equal(r.run.status, 'Succeeded');
  });

  test('concurrent branches and the engine: a mock overrides even a supported type', async () => {
    const engine = makeEngine(env, [pipeline('override', [act('W', 'Wait', { waitTimeInSeconds: 999 })])], {
      mocks: { W: { output: { mocked: true } } },
    });
    const h = await engine.createRun({ pipelineName: 'override' });
    const run = await h.done;
    const [w] = await env.store.listActivityRuns(run.runId);
    assert.deepEqual(w.output, { mocked: true });
    assert.equal(w.durationInMs, 0);
  });
});
