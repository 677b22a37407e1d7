import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Clock } from '../../src/common/clock.js';
import type { Database } from '../../src/storage/database.js';
import { TriggerRunsStore, type TriggerRunRecord } from '../../src/storage/trigger-runs-store.js';
import { forEachAdapter } from '../helpers/pg.js';

/** Trigger runs persisted in ADF's TriggerRun shape, on SQLite and PostgreSQL. */

let now = Date.parse('2026-03-01T00:00:00.000Z');
const clock: Clock = { now: () => now };

function triggerRun(id: string, over: Partial<TriggerRunRecord> = {}): TriggerRunRecord {
  return {
    triggerRunId: id,
    triggerName: 'Hourly',
    triggerType: 'TumblingWindowTrigger',
    triggerRunTimestamp: new Date(now).toISOString(),
    status: 'Inprogress',
    message: '',
    properties: { WindowStartTime: '2026-03-01T00:00:00.000Z', WindowEndTime: '2026-03-01T01:00:00.000Z' },
    triggeredPipelines: {},
    runDimension: {},
    dependencyStatus: {},
    factory: 'Fact',
    ...over,
  };
}

forEachAdapter('trigger runs store', (target) => {
  let database: Database;
  let store: TriggerRunsStore;
  before(async () => {
    database = await target().open();
    await database.migrate();
    store = new TriggerRunsStore({ database, clock });
  });
  after(async () => {
    await database.close();
  });

  test('a trigger run round-trips in ADF shape; saves made in a row land in order', async () => {
    const r = triggerRun('w1');
    // not awaited one by one: the last save wins because saves are applied in order
    void store.save(r);
    void store.save({ ...r, triggeredPipelines: { pl: 'run-1' } });
    await store.save({ ...r, status: 'Succeeded', triggeredPipelines: { pl: 'run-1' }, message: 'ok' });
    const got = await store.get('fact', 'w1');
    assert.deepEqual(got, { ...r, status: 'Succeeded', triggeredPipelines: { pl: 'run-1' }, message: 'ok' });
    assert.equal(await store.get('other', 'w1'), undefined, 'keyed by factory');
    assert.equal(await store.get('fact', 'nope'), undefined);
  });

  test('list: by factory (any case), trigger name (any case), status and when last updated; oldest first', async () => {
    now += 60_000;
    const t1 = now;
    await store.save(triggerRun('s1', { triggerName: 'Sched', triggerType: 'ScheduleTrigger', status: 'Failed' }));
    now += 60_000;
    const t2 = now;
    await store.save(triggerRun('s2', { triggerName: 'Sched', triggerType: 'ScheduleTrigger', status: 'Succeeded' }));
    await store.save(triggerRun('x1', { factory: 'Other' }));
    const all = await store.list({ factory: 'FACT' });
    assert.deepEqual(
      all.map((r) => r.triggerRunId),
      ['w1', 's1', 's2'],
    );
    assert.deepEqual(
      (await store.list({ factory: 'fact', triggerName: 'SCHED' })).map((r) => r.triggerRunId),
      ['s1', 's2'],
    );
    assert.deepEqual(
      (await store.list({ factory: 'fact', statuses: ['Failed', 'Inprogress'] })).map((r) => r.triggerRunId),
      ['s1'],
    );
    assert.deepEqual(
      (await store.list({ factory: 'fact', lastUpdatedAfter: t1, lastUpdatedBefore: t1 })).map((r) => r.triggerRunId),
      ['s1'],
    );
    assert.deepEqual(
      (await store.list({ factory: 'fact', lastUpdatedAfter: t2 })).map((r) => r.triggerRunId),
      ['s2'],
    );
    assert.deepEqual([...(await store.ids('fact', 'sched'))].sort(), ['s1', 's2']);
  });

  test('endUnfinished fails what a previous process left Inprogress, and only that', async () => {
    now += 60_000;
    await store.save(triggerRun('w2', { status: 'Inprogress', triggeredPipelines: { pl: 'run-2' } }));
    const n = await store.endUnfinished('server stopped');
    assert.equal(n, 2, 'w2 and the other factory’s x1');
    const w2 = await store.get('fact', 'w2');
    assert.equal(w2?.status, 'Failed');
    assert.equal(w2?.message, 'server stopped');
    assert.deepEqual(w2?.triggeredPipelines, { pl: 'run-2' });
    assert.equal((await store.get('fact', 's2'))?.status, 'Succeeded');
    assert.equal((await store.list({ factory: 'fact', lastUpdatedAfter: now })).length, 1, 'w2 updated now');
    assert.equal(await store.endUnfinished('again'), 0);
  });

  test('deleteFactory forgets that factory’s trigger runs only', async () => {
    await store.deleteFactory('OTHER');
    assert.equal((await store.list({ factory: 'other' })).length, 0);
    assert.equal((await store.list({ factory: 'fact' })).length, 4);
  });
});
