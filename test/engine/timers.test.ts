import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ActivityDefinition } from '../../src/adf/activities/index.js';
import { realTimers } from '../../src/adf/engine/timers.js';
import { act, dep, makeEngine, openEnv, pipeline, runOn, type TestEnv } from './helpers.js';

/** Never settles by itself: ends only when the engine aborts its signal (timeout or cancellation). */
const hang: ActivityDefinition = {
  type: 'Hang',
  execute: (ctx) =>
    new Promise((_resolve, reject) =>
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
    ),
};
/** Settles asynchronously at once, as a Web activity answered quickly does. */
const quick: ActivityDefinition = { type: 'Quick', execute: async () => ({ output: { ok: true } }) };

const pendingTimeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('real timers: schedule (the policy timeout of asynchronous activities)', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('schedule calls back after the delay, and never once stopped', async () => {
    const fired: string[] = [];
    realTimers.schedule!(5, () => fired.push('a'));
    const stop = realTimers.schedule!(5, () => fired.push('b'));
    stop();
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(fired, ['a']);
  });

  test('an asynchronous activity running past policy.timeout fails with ActivityTimedOut and its signal is aborted', async () => {
    const engine = makeEngine(env, [pipeline('hang', [{ ...act('H', 'Hang'), policy: { timeout: '0.00:00:01' } }])], {
      extra: [hang],
      timers: realTimers,
    });
    const r = await runOn(engine, 'hang', {});
    const h = r.byName.get('H')!;
    assert.equal(h.status, 'Failed');
    assert.equal(h.error!.errorCode, 'ActivityTimedOut');
    assert.equal(r.run.status, 'Failed');
  });

  test('activities that settle first leave no timeout timer behind', async () => {
    const before = pendingTimeouts();
    const engine = makeEngine(
      env,
      [
        pipeline('many', [
          {
            ...act('Each', 'ForEach', {
              items: { value: '@range(0, 200)', type: 'Expression' },
              batchCount: 20,
              activities: [{ ...act('Q', 'Quick'), policy: { timeout: '0.01:00:00' } }],
            }),
          },
        ]),
      ],
      { extra: [quick], timers: realTimers },
    );
    const r = await runOn(engine, 'many', {});
    assert.equal(r.run.status, 'Succeeded');
    assert.equal(r.activityRuns.filter((a) => a.activityName === 'Q' && a.status === 'Succeeded').length, 200);
    assert.ok(pendingTimeouts() <= before, `no hour-long timeout timers left (${pendingTimeouts()} vs ${before})`);
  });
});

describe('cancellation of in-flight asynchronous activities (one run listener fanning out to each attempt)', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test("cancelling aborts every in-flight attempt's signal, and none of the attempts already ended", async () => {
    const started: AbortSignal[] = [];
    const ended: AbortSignal[] = [];
    const track: ActivityDefinition = {
      type: 'Track',
      execute: (ctx) => {
        const signal = ctx.signal;
        if (ctx.input.hang !== true) {
          ended.push(signal);
          return Promise.resolve({ output: {} });
        }
        started.push(signal);
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
        );
      },
    };
    const engine = makeEngine(
      env,
      [
        pipeline('p', [
          act('Each', 'ForEach', {
            items: { value: '@range(0, 10)', type: 'Expression' },
            batchCount: 10,
            activities: [{ ...act('Q', 'Track', { hang: false }), policy: { timeout: '0.01:00:00' } }],
          }),
          act(
            'Hangs',
            'ForEach',
            {
              items: { value: '@range(0, 30)', type: 'Expression' },
              batchCount: 30,
              activities: [{ ...act('H', 'Track', { hang: true }), policy: { timeout: '0.01:00:00' } }],
            },
            dep('Each'),
          ),
        ]),
      ],
      { extra: [track], timers: realTimers },
    );
    const h = await engine.createRun({ pipelineName: 'p' });
    while (started.length < 30) await new Promise((r) => setTimeout(r, 5));
    await engine.cancel(h.runId);
    const run = await h.done;
    assert.equal(run.status, 'Cancelled');
    assert.equal(ended.length, 10);
    assert.ok(
      ended.every((s) => !s.aborted),
      'attempts that had ended are not aborted by a later cancellation',
    );
    assert.ok(
      started.every((s) => s.aborted),
      'every in-flight attempt is aborted',
    );
    const acts = await env.store.listActivityRuns(h.runId);
    assert.equal(acts.filter((a) => a.activityName === 'H' && a.status === 'Cancelled').length, 30);
  });
});
