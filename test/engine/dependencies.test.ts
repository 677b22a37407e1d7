import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { act, dep, expr, failing, openEnv, pipeline, runPipeline, succeed, type TestEnv } from './helpers.js';

describe('dependency conditions', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('entries are AND: an activity depending on two failures runs only when both failed', async () => {
    const r = await runPipeline(env, [
      pipeline('and', [
        failing('A'),
        succeed('B'),
        succeed('C', [...dep('A', 'Failed'), ...dep('B', 'Failed')]),
        succeed('D', [...dep('A', 'Failed'), ...dep('B', 'Succeeded')]),
      ]),
    ]);
    assert.equal(r.statusOf('C'), undefined, 'C is Skipped and has no activity run');
    assert.equal(r.statusOf('D'), 'Succeeded');
  });

  test('conditions within one entry are OR: a handler on [Failed, Skipped] runs on either', async () => {
    const r = await runPipeline(env, [
      pipeline('or', [
        failing('A'),
        succeed('H', dep('A', 'Failed', 'Skipped')),
        succeed('S', dep('A', 'Skipped', 'Succeeded')),
      ]),
    ]);
    assert.equal(r.statusOf('H'), 'Succeeded');
    assert.equal(r.statusOf('S'), undefined);
  });

  test('Completed matches Succeeded and Failed, not Skipped', async () => {
    const r = await runPipeline(env, [
      pipeline('completed', [
        failing('A'),
        succeed('B'),
        succeed('X', dep('A', 'Succeeded')),
        succeed('afterFailed', dep('A', 'Completed')),
        succeed('afterSucceeded', dep('B', 'Completed')),
        succeed('afterSkipped', dep('X', 'Completed')),
      ]),
    ]);
    assert.equal(r.statusOf('afterFailed'), 'Succeeded');
    assert.equal(r.statusOf('afterSucceeded'), 'Succeeded');
    assert.equal(r.statusOf('afterSkipped'), undefined);
  });

  test('Skipped propagates through Succeeded, Failed and Completed edges; only Skipped edges fire', async () => {
    const r = await runPipeline(env, [
      pipeline('propagate', [
        failing('A'),
        succeed('B', dep('A', 'Succeeded')),
        succeed('C', dep('B', 'Succeeded')),
        succeed('D', dep('B', 'Failed')),
        succeed('E', dep('B', 'Completed')),
        succeed('F', dep('C', 'Skipped')),
      ]),
    ]);
    for (const n of ['B', 'C', 'D', 'E']) assert.equal(r.statusOf(n), undefined, `${n} skipped`);
    assert.equal(r.statusOf('F'), 'Succeeded');
  });

  test('an activity waits until every upstream has a final status', async () => {
    const r = await runPipeline(env, [
      pipeline(
        'waits',
        [
          act('Slow', 'Wait', { waitTimeInSeconds: 50 }),
          succeed('Fast'),
          act('After', 'SetVariable', { variableName: 'v', value: 'x' }, [...dep('Slow'), ...dep('Fast')]),
        ],
        { variables: { v: { type: 'String' } } },
      ),
    ]);
    const after = r.byName.get('After')!;
    assert.ok(Date.parse(after.activityRunStart!) >= Date.parse(r.byName.get('Slow')!.activityRunEnd!));
  });

  test('independent branches run concurrently', async () => {
    const start = env.clock.now();
    const r = await runPipeline(env, [
      pipeline('parallel', [
        act('W1', 'Wait', { waitTimeInSeconds: 100 }),
        act('W2', 'Wait', { waitTimeInSeconds: 100 }),
        act('W3', 'Wait', { waitTimeInSeconds: 100 }),
      ]),
    ]);
    assert.equal(r.run.status, 'Succeeded');
    // Three 100 s waits side by side take 100 s of (virtual) time, not 300 s.
    assert.equal(env.clock.now() - start, 100_000);
    assert.equal(r.run.durationInMs, 100_000);
  });

  test('an expression in a dependent activity reads the upstream output', async () => {
    const r = await runPipeline(env, [
      pipeline(
        'reads',
        [
          act('Set', 'SetVariable', { variableName: 'v', value: 'hello' }),
          act(
            'Use',
            'SetVariable',
            { variableName: 'w', value: expr("@concat(activity('Set').output.value, '!')") },
            dep('Set'),
          ),
        ],
        { variables: { v: { type: 'String' }, w: { type: 'String' } } },
      ),
    ]);
    assert.deepEqual(r.byName.get('Use')!.output, { name: 'w', value: 'hello!' });
  });
});
