import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ActivityDefinition } from '../../src/adf/activities/index.js';
import { MAX_QUEUED_RUNS } from '../../src/adf/engine/engine.js';
import { realTimers } from '../../src/adf/engine/timers.js';
import { SECURE_MARKER } from '../../src/storage/runs-store.js';
import { act, dep, expr, makeEngine, openEnv, pipeline, runPipeline, type TestEnv } from './helpers.js';

/** Fails the first `failTimes` attempts of each activity name, then succeeds. */
function flaky(failTimes: number): ActivityDefinition {
  const attempts = new Map<string, number>();
  return {
    type: 'Flaky',
    execute(ctx) {
      const n = (attempts.get(ctx.activityName) ?? 0) + 1;
      attempts.set(ctx.activityName, n);
      if (n <= failTimes) throw new Error(`attempt ${n} failed`);
      return { output: { attempt: n } };
    },
  };
}

/** Sleeps `seconds` honouring cancellation and timeouts through ctx.sleep. */
const sleepy: ActivityDefinition = {
  type: 'Sleepy',
  async execute(ctx) {
    await ctx.sleep(Number(ctx.input.seconds) * 1000);
    return { output: { slept: ctx.input.seconds } };
  },
};

describe('activity policies', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('retry: each attempt is its own activity run with retryAttempt, spaced by retryIntervalInSeconds', async () => {
    const start = env.clock.now();
    const r = await runPipeline(
      env,
      [pipeline('retry', [{ ...act('F', 'Flaky'), policy: { retry: 3, retryIntervalInSeconds: 45 } }])],
      undefined,
      {},
      { extra: [flaky(2)] },
    );
    const runs = r.activityRuns.filter((a) => a.activityName === 'F');
    assert.deepEqual(
      runs.map((a) => [a.status, a.retryAttempt]),
      [
        ['Failed', null],
        ['Failed', 1],
        ['Succeeded', 2],
      ],
    );
    assert.equal(runs[0].error!.message, 'Internal error: attempt 1 failed');
    assert.equal(env.clock.now() - start, 90_000, 'two intervals of 45 s, on the virtual clock');
    assert.equal(r.run.status, 'Succeeded');
  });

  test('retry: exhausting the retries fails the activity with the last attempt error', async () => {
    const r = await runPipeline(
      env,
      [
        pipeline(
          'retry-out',
          [{ ...act('F', 'Flaky'), policy: { retry: '@pipeline().parameters.n', retryIntervalInSeconds: 30 } }],
          { parameters: { n: { type: 'int' } } },
        ),
      ],
      undefined,
      { n: 1 },
      { extra: [flaky(5)] },
    );
    assert.equal(r.activityRuns.length, 2);
    assert.equal(r.run.status, 'Failed');
    assert.match(r.run.message, /attempt 2 failed/);
  });

  test('timeout: an activity running past policy.timeout fails with ActivityTimedOut (off-pattern timespan accepted)', async () => {
    const r = await runPipeline(
      env,
      [pipeline('timeout', [{ ...act('S', 'Sleepy', { seconds: 3600 }), policy: { timeout: '0.0:10:00' } }])],
      undefined,
      {},
      { extra: [sleepy] },
    );
    const s = r.byName.get('S')!;
    assert.equal(s.status, 'Failed');
    assert.equal(s.error!.errorCode, 'ActivityTimedOut');
    assert.equal(s.durationInMs, 600_000);
    assert.match(s.error!.message, /timed out after 0\.00:10:00/);
  });

  test('timeout: a malformed policy.timeout fails the activity with a message naming it', async () => {
    const r = await runPipeline(
      env,
      [pipeline('bad-timeout', [{ ...act('S', 'Sleepy', { seconds: 1 }), policy: { timeout: 'ten minutes' } }])],
      undefined,
      {},
      { extra: [sleepy] },
    );
    assert.equal(r.byName.get('S')!.status, 'Failed');
    assert.match(r.byName.get('S')!.error!.message, /policy\.timeout 'ten minutes' is not a timespan/);
  });

  test('secureInput and secureOutput: records hold the marker, downstream activities still get the value', async () => {
    const canary = 'CANARY-s3cr3t-7f1e';
    const r = await runPipeline(
      env,
      [
        pipeline(
          'secure',
          [
            {
              ...act('Get', 'SetVariable', { variableName: 'secret', value: expr('@pipeline().parameters.token') }),
              policy: { secureInput: true, secureOutput: true },
            },
            {
              ...act(
                'Use',
                'SetVariable',
                { variableName: 'copy', value: expr("@activity('Get').output.value") },
                dep('Get'),
              ),
              policy: { secureInput: true, secureOutput: true },
            },
            act(
              'Len',
              'SetVariable',
              { variableName: 'len', value: expr("@string(length(variables('copy')))") },
              dep('Use'),
            ),
          ],
          {
            parameters: { token: { type: 'securestring' } },
            variables: { secret: { type: 'String' }, copy: { type: 'String' }, len: { type: 'String' } },
          },
        ),
      ],
      undefined,
      { token: canary },
    );
    assert.equal(r.run.status, 'Succeeded');
    assert.equal(r.byName.get('Get')!.input, SECURE_MARKER);
    assert.equal(r.byName.get('Get')!.output, SECURE_MARKER);
    assert.equal(r.byName.get('Get')!.secureOutput, true);
    assert.deepEqual(r.byName.get('Len')!.output, { name: 'len', value: String(canary.length) });
    assert.equal(r.run.parameters.token, SECURE_MARKER, 'SecureString parameters are masked in the run record');
    const everything = JSON.stringify([r.run, r.activityRuns, await env.store.listPipelineRuns()]);
    assert.ok(!everything.includes(canary), 'the secret reaches no record');
  });

  test('maskRecord hook: values it masks never reach a record even without secure flags', async () => {
    const canary = 'CANARY-unflagged-91';
    const r = await runPipeline(
      env,
      [
        pipeline('mask-hook', [act('Set', 'SetVariable', { variableName: 'v', value: `prefix ${canary} suffix` })], {
          variables: { v: { type: 'String' } },
        }),
      ],
      undefined,
      {},
      { maskRecord: (v) => JSON.parse(JSON.stringify(v).split(canary).join('***')) },
    );
    assert.ok(!JSON.stringify(r.activityRuns).includes(canary));
    assert.deepEqual(r.byName.get('Set')!.output, { name: 'v', value: 'prefix *** suffix' });
  });
});

describe('cancellation', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('cancelling a run aborts in-flight activities, starts nothing further and ends Cancelled', async () => {
    const engine = makeEngine(env, [
      pipeline('long', [
        act('W', 'Wait', { waitTimeInSeconds: 3600 }),
        act('After', 'Wait', { waitTimeInSeconds: 1 }, dep('W')),
      ]),
    ]);
    const h = await engine.createRun({ pipelineName: 'long' });
    await new Promise((r) => setImmediate(r));
    await engine.cancel(h.runId);
    const run = await h.done;
    assert.equal(run.status, 'Cancelled');
    const acts = await env.store.listActivityRuns(h.runId);
    assert.deepEqual(
      acts.map((a) => [a.activityName, a.status]),
      [['W', 'Cancelled']],
    );
  });

  test('cancellation is recursive into child pipeline runs', async () => {
    const engine = makeEngine(env, [
      pipeline('parent', [
        act('Call', 'ExecutePipeline', {
          pipeline: { referenceName: 'child', type: 'PipelineReference' },
          waitOnCompletion: true,
        }),
      ]),
      pipeline('child', [act('W', 'Wait', { waitTimeInSeconds: 3600 })]),
    ]);
    const h = await engine.createRun({ pipelineName: 'parent' });
    while (!(await env.store.listPipelineRuns({ parentRunId: h.runId })).length)
      await new Promise((r) => setImmediate(r));
    await engine.cancel(h.runId, { recursive: true });
    assert.equal((await h.done).status, 'Cancelled');
    await engine.idle();
    const [child] = await env.store.listPipelineRuns({ parentRunId: h.runId });
    assert.equal(child.status, 'Cancelled');
    assert.equal(child.invokedBy.invokedByType, 'PipelineActivity');
    assert.equal(child.invokedBy.pipelineRunId, h.runId);
  });

  test('cancelling a run that already ended changes nothing', async () => {
    const engine = makeEngine(env, [pipeline('quick', [act('W', 'Wait', { waitTimeInSeconds: 0 })])]);
    const h = await engine.createRun({ pipelineName: 'quick' });
    await h.done;
    await engine.cancel(h.runId);
    assert.equal((await env.store.getPipelineRun(h.runId))!.status, 'Succeeded');
  });
});

describe('pipeline concurrency and queueing', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('runs beyond concurrency are Queued and start in order as earlier runs end', async () => {
    const engine = makeEngine(env, [
      pipeline('single', [act('W', 'Wait', { waitTimeInSeconds: 10 })], { concurrency: 1 }),
    ]);
    const a = await engine.createRun({ pipelineName: 'single' });
    const b = await engine.createRun({ pipelineName: 'single' });
    assert.equal((await env.store.getPipelineRun(b.runId))!.status, 'Queued');
    const ra = await a.done;
    const rb = await b.done;
    assert.equal(rb.status, 'Succeeded');
    assert.ok(Date.parse(rb.runStart!) >= Date.parse(ra.runEnd!), 'b started after a ended');
    assert.ok(Date.parse(rb.queuedAt) < Date.parse(rb.runStart!));
  });

  test(`at most ${MAX_QUEUED_RUNS} runs queue per pipeline; the next is throttled with ADF's message`, async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const gated: ActivityDefinition = { type: 'Gate', execute: async () => (await gate, {}) };
    // Real timers: on virtual time the gate's 7-day default timeout would pass while the test waits on it.
    const engine = makeEngine(env, [pipeline('capped', [act('G', 'Gate')], { concurrency: 1 })], {
      extra: [gated],
      timers: realTimers,
    });
    const handles = [];
    for (let i = 0; i < MAX_QUEUED_RUNS + 1; i++) handles.push(await engine.createRun({ pipelineName: 'capped' }));
    await assert.rejects(
      engine.createRun({ pipelineName: 'capped' }),
      /Pipeline execution throttled\. If the concurrency value is set for a pipeline, a maximum of 100 runs will be queued/,
    );
    const queued = await env.store.listPipelineRuns({ pipelineName: 'capped', statuses: ['Queued'] });
    assert.equal(queued.length, MAX_QUEUED_RUNS);
    await engine.cancel(handles[5].runId);
    assert.equal((await handles[5].done).status, 'Cancelled');
    open();
    await engine.idle();
    const all = await env.store.listPipelineRuns({ pipelineName: 'capped' });
    assert.equal(all.filter((r) => r.status === 'Succeeded').length, MAX_QUEUED_RUNS);
  });
});

describe('crash recovery', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('on start, a run left InProgress is failed with a message saying why, and so are its open activity runs', async () => {
    const engine = makeEngine(env, [pipeline('x', [act('W', 'Wait', { waitTimeInSeconds: 1 })])]);
    env.store.savePipelineRun({
      runId: 'stale-run',
      runGroupId: 'stale-run',
      isLatest: true,
      pipelineName: 'x',
      parameters: {},
      runDimensions: {},
      invokedBy: { name: 'Manual', id: 'm', invokedByType: 'Manual' },
      lastUpdated: '2026-03-01T09:00:00.000Z',
      runStart: '2026-03-01T09:00:00.000Z',
      runEnd: null,
      durationInMs: null,
      status: 'InProgress',
      message: '',
      annotations: [],
      factoryName: 'test-factory',
      parentRunId: null,
      queuedAt: '2026-03-01T09:00:00.000Z',
    });
    env.store.saveActivityRun({
      pipelineName: 'x',
      pipelineRunId: 'stale-run',
      activityName: 'W',
      activityType: 'Wait',
      activityRunId: 'stale-act',
      linkedServiceName: null,
      status: 'InProgress',
      activityRunStart: '2026-03-01T09:00:00.000Z',
      activityRunEnd: null,
      durationInMs: null,
      input: {},
      output: null,
      error: null,
      retryAttempt: null,
      userProperties: {},
      iterationHash: null,
      parentActivityRunId: null,
      iteration: null,
      secureInput: false,
      secureOutput: false,
      seq: 1,
    });
    assert.equal(await engine.recover(), 1);
    const run = (await env.store.getPipelineRun('stale-run'))!;
    assert.equal(run.status, 'Failed');
    assert.match(run.message, /interrupted: the pipevault process executing it stopped/);
    assert.equal(run.durationInMs, 3_600_000);
    const [a] = await env.store.listActivityRuns('stale-run');
    assert.equal(a.status, 'Failed');
    assert.equal(a.error!.errorCode, 'RunInterrupted');
    assert.equal(await engine.recover(), 0, 'recovery is idempotent');
  });
});

describe('run input', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('an unknown pipeline or a missing required parameter is bad input and records nothing', async () => {
    const engine = makeEngine(env, [
      pipeline('needs', [act('W', 'Wait', { waitTimeInSeconds: 0 })], { parameters: { p: { type: 'String' } } }),
    ]);
    await assert.rejects(
      engine.createRun({ pipelineName: 'nope' }),
      (e: Error & { exitCode?: number }) =>
        e.exitCode === 2 && /Pipeline 'nope' not found; the factory has: needs/.test(e.message),
    );
    await assert.rejects(engine.createRun({ pipelineName: 'needs' }), /No value provided for Parameter 'p'/);
    assert.equal((await env.store.listPipelineRuns()).length, 0);
  });

  test('parameters are typed by their declared types, defaults applied, recorded as strings', async () => {
    const r = await runPipeline(
      env,
      [
        pipeline(
          'typed',
          [
            act('Set', 'SetVariable', {
              variableName: 'v',
              value: expr('@string(add(pipeline().parameters.n, length(pipeline().parameters.arr)))'),
            }),
          ],
          {
            parameters: { n: { type: 'int' }, arr: { type: 'array' }, flag: { type: 'bool', defaultValue: true } },
            variables: { v: { type: 'String' } },
          },
        ),
      ],
      undefined,
      { n: '40', arr: '["a","b"]' },
    );
    assert.deepEqual(r.byName.get('Set')!.output, { name: 'v', value: '42' });
    assert.deepEqual(r.run.parameters, { n: '40', arr: '["a","b"]', flag: 'true' });
  });
});
