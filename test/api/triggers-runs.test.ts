import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachAdapter } from '../helpers/pg.js';
import { tempDir } from '../helpers/tmp.js';
import { spawnServer, type SpawnedServer } from '../keyvault/helpers/server.js';
import { API, factoryPath, startApi, window, type ApiHarness } from './helpers.js';

/**
 * Trigger runs kept in the store (SQLite and PostgreSQL): queryTriggerRuns with filters, orderBy,
 * lastUpdatedAfter/Before and continuationToken paging; still there after a restart; a window rerun, an
 * Inprogress trigger run cancelled, as ADF's triggerRuns/{runId}/rerun and /cancel do.
 */

const F = factoryPath('default');

type TriggerRun = {
  triggerRunId: string;
  triggerName: string;
  status: string;
  message: string;
  triggerRunTimestamp: string;
  properties: Record<string, string>;
  triggeredPipelines: Record<string, string>;
};

const pipeline = (waitSeconds: number) => ({
  properties: {
    parameters: { ws: { type: 'String' } },
    activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: waitSeconds } }],
  },
});

/** A TumblingWindowTrigger of `n` one-minute windows, all already past. */
const windows = (pipelineName: string, n: number, maxConcurrency = n) => {
  const start = Math.floor(Date.now() / 60_000) * 60_000 - n * 60_000;
  return {
    properties: {
      type: 'TumblingWindowTrigger',
      pipeline: {
        pipelineReference: { referenceName: pipelineName, type: 'PipelineReference' },
        parameters: { ws: '@trigger().outputs.windowStartTime' },
      },
      typeProperties: {
        frequency: 'Minute',
        interval: 1,
        startTime: new Date(start).toISOString(),
        endTime: new Date(start + n * 60_000).toISOString(),
        maxConcurrency,
      },
    },
  };
};

async function query(h: ApiHarness, body: Record<string, unknown>) {
  const r = await h.call('POST', `${F}/queryTriggerRuns?${API}`, { body: { ...window(), ...body } });
  assert.equal(r.status, 200, r.text);
  return r.json as { value: TriggerRun[]; continuationToken?: string };
}

const byName = (name: string) => ({ filters: [{ operand: 'TriggerName', operator: 'Equals', values: [name] }] });

async function until(h: ApiHarness, name: string, ok: (runs: TriggerRun[]) => boolean): Promise<TriggerRun[]> {
  let runs: TriggerRun[] = [];
  for (let i = 0; i < 600; i++) {
    runs = (await query(h, { ...byName(name), pageSize: 1000 })).value;
    if (ok(runs)) return runs;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`trigger runs of ${name} never got there: ${JSON.stringify(runs)}`);
}

async function put(h: ApiHarness, kind: string, name: string, body: unknown) {
  const r = await h.call('PUT', `${F}/${kind}/${name}?${API}`, { body });
  assert.equal(r.status, 200, r.text);
}

const post = (h: ApiHarness, path: string) => h.call('POST', `${F}/${path}?${API}`);

forEachAdapter('trigger runs', (target) => {
  // one data dir (master key, TLS) for every server of this store
  const dataDir = tempDir();
  const open = () => startApi({ dataDir, store: target().url, storeSchema: target().schema });
  test('queryTriggerRuns: filters, orderBy, lastUpdatedAfter/Before and continuationToken paging over stored runs', async () => {
    const h = await open();
    await put(h, 'pipelines', 'quick', pipeline(0));
    await put(h, 'triggers', 'five', windows('quick', 5));
    await put(h, 'triggers', 'two', windows('quick', 2));
    assert.equal((await post(h, 'triggers/five/start')).status, 200);
    assert.equal((await post(h, 'triggers/two/start')).status, 200);
    await until(h, 'five', (r) => r.length === 5 && r.every((x) => x.status === 'Succeeded'));
    await until(h, 'two', (r) => r.length === 2 && r.every((x) => x.status === 'Succeeded'));
    assert.equal((await post(h, 'triggers/five/stop')).status, 200);
    assert.equal((await post(h, 'triggers/two/stop')).status, 200);

    // pages of 2, ordered by window (TriggerRunTimestamp) descending, only 'five'
    const seen: TriggerRun[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const body = {
        ...byName('FIVE'),
        orderBy: [{ orderBy: 'TriggerRunTimestamp', order: 'DESC' }],
        pageSize: 2,
        ...(token ? { continuationToken: token } : {}),
      };
      const r = await query(h, body);
      seen.push(...r.value);
      token = r.continuationToken;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.equal(new Set(seen.map((r) => r.triggerRunId)).size, 5, 'each run once across pages');
    assert.ok(seen.every((r) => r.triggerName === 'five'));
    const stamps = seen.map((r) => Date.parse(r.triggerRunTimestamp));
    assert.deepEqual(
      stamps,
      [...stamps].sort((a, b) => b - a),
    );
    const forged = await h.call('POST', `${F}/queryTriggerRuns?${API}`, {
      body: { ...window(), continuationToken: 'bm90LW91cnM' },
    });
    assert.equal(forged.status, 400);
    assert.equal(forged.json.error.code, 'BadRequest');

    const both = await query(h, {
      filters: [
        { operand: 'TriggerName', operator: 'In', values: ['five', 'two'] },
        { operand: 'Status', operator: 'Equals', values: ['Succeeded'] },
      ],
      orderBy: [{ orderBy: 'TriggerName', order: 'ASC' }],
    });
    assert.deepEqual(
      both.value.map((r) => r.triggerName),
      ['five', 'five', 'five', 'five', 'five', 'two', 'two'],
    );
    assert.equal(
      (await query(h, { filters: [{ operand: 'TriggerName', operator: 'NotEquals', values: ['five'] }] })).value.length,
      2,
    );
    assert.equal(
      (await query(h, { filters: [{ operand: 'Status', operator: 'In', values: ['Failed', 'Inprogress'] }] })).value
        .length,
      0,
    );

    // lastUpdatedAfter/Before: when the run last changed
    const past = await query(h, {
      lastUpdatedAfter: new Date(Date.now() - 7200_000).toISOString(),
      lastUpdatedBefore: new Date(Date.now() - 3600_000).toISOString(),
    });
    assert.equal(past.value.length, 0);
    const future = await query(h, { lastUpdatedAfter: new Date(Date.now() + 1000).toISOString() });
    assert.equal(future.value.length, 0);
    assert.equal((await query(h, {})).value.length, 7);

    const badSize = await h.call('POST', `${F}/queryTriggerRuns?${API}`, { body: { ...window(), pageSize: 0 } });
    assert.equal(badSize.status, 400);
    assert.match(badSize.json.error.message, /pageSize must be a whole number/);
    // the next test starts its own server on this store
    await h.server.close();
  });

  test('after a restart: trigger runs still queryable, windows not run again', async () => {
    const a = await open();
    await put(a, 'pipelines', 'quick', pipeline(0));
    await put(a, 'triggers', 'kept', windows('quick', 3));
    assert.equal((await post(a, 'triggers/kept/start')).status, 200);
    const before = await until(a, 'kept', (r) => r.length === 3 && r.every((x) => x.status === 'Succeeded'));
    await a.server.close();

    const b = await open();
    const after = (await query(b, { ...byName('kept') })).value;
    assert.deepEqual(after.map((r) => r.triggerRunId).sort(), before.map((r) => r.triggerRunId).sort());
    assert.ok(after.every((r) => r.status === 'Succeeded'));
    assert.deepEqual(
      Object.fromEntries(after.map((r) => [r.triggerRunId, r.triggeredPipelines])),
      Object.fromEntries(before.map((r) => [r.triggerRunId, r.triggeredPipelines])),
    );
    // still Started after the restart, yet no window runs twice
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await query(b, byName('kept'))).value.length, 3);
    const pipelineRuns = await b.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['kept'] }] },
    });
    assert.equal(pipelineRuns.json.value.length, 3);
    assert.equal((await post(b, 'triggers/kept/stop')).status, 200);
    await b.server.close();
  });

  test('cancel an Inprogress window, rerun it; what cannot be cancelled or rerun is refused, nothing changed', async () => {
    const h = await open();
    await put(h, 'pipelines', 'long', pipeline(600));
    await put(h, 'triggers', 'win', windows('long', 1));
    assert.equal((await post(h, 'triggers/win/start')).status, 200);
    const [running] = await until(h, 'win', (r) => r.length === 1 && Object.keys(r[0].triggeredPipelines).length === 1);
    assert.equal(running.status, 'Inprogress');

    const busy = await post(h, `triggers/win/triggerRuns/${running.triggerRunId}/rerun`);
    assert.equal(busy.status, 400);
    assert.match(busy.json.error.message, /is in progress/);

    const cancel = await post(h, `triggers/win/triggerRuns/${running.triggerRunId}/cancel`);
    assert.equal(cancel.status, 200, cancel.text);
    const [cancelled] = (await query(h, byName('win'))).value;
    assert.equal(cancelled.status, 'Failed');
    assert.match(cancelled.message, /^Cancelled by user/);
    const pr = await h.waitRun('default', running.triggeredPipelines.long);
    assert.equal(pr.status, 'Cancelled');
    const again = await post(h, `triggers/win/triggerRuns/${running.triggerRunId}/cancel`);
    assert.equal(again.status, 400);
    assert.match(again.json.error.message, /is Failed; only an Inprogress trigger run can be cancelled/);

    // rerun with the pipeline made quick: the same trigger run, a new pipeline run, Succeeded
    await put(h, 'pipelines', 'long', pipeline(0));
    assert.equal((await post(h, `triggers/win/triggerRuns/${running.triggerRunId}/rerun`)).status, 200);
    const [done] = await until(h, 'win', (r) => r.length === 1 && r[0].status === 'Succeeded');
    assert.equal(done.triggerRunId, running.triggerRunId);
    assert.notEqual(done.triggeredPipelines.long, running.triggeredPipelines.long);
    assert.equal(done.message, '');

    // not found: a run of another trigger, an unknown run, an unknown trigger
    await put(h, 'triggers', 'other', windows('long', 1));
    const wrongTrigger = await post(h, `triggers/other/triggerRuns/${running.triggerRunId}/rerun`);
    assert.equal(wrongTrigger.status, 404);
    assert.equal(wrongTrigger.json.error.code, 'NotFound');
    const unknown = await post(h, 'triggers/win/triggerRuns/00000000-0000-4000-8000-000000000000/cancel');
    assert.equal(unknown.status, 404);
    assert.equal((await post(h, `triggers/nope/triggerRuns/${running.triggerRunId}/rerun`)).status, 404);

    // a ScheduleTrigger's firing is not rerun (its pipeline runs are)
    const first = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    await put(h, 'triggers', 'sched', {
      properties: {
        type: 'ScheduleTrigger',
        pipelines: [
          {
            pipelineReference: { referenceName: 'long', type: 'PipelineReference' },
            parameters: { ws: '@trigger().scheduledTime' },
          },
        ],
        typeProperties: {
          recurrence: { frequency: 'Minute', interval: 1, startTime: first.toISOString(), timeZone: 'UTC' },
        },
      },
    });
    assert.equal((await post(h, 'triggers/sched/start')).status, 200);
    const [fired] = await until(h, 'sched', (r) => r.length === 1 && r[0].status !== 'Inprogress');
    assert.equal(fired.status, 'Succeeded', fired.message);
    assert.equal((await post(h, 'triggers/sched/stop')).status, 200);
    const schedRerun = await post(h, `triggers/sched/triggerRuns/${fired.triggerRunId}/rerun`);
    assert.equal(schedRerun.status, 400);
    assert.match(schedRerun.json.error.message, /only a TumblingWindowTrigger's windows are rerun/);
    const [unchanged] = (await query(h, byName('sched'))).value;
    assert.deepEqual(unchanged, fired);

    // a Reader may look but not rerun or cancel
    const sp = await h.servicePrincipal('trigger-run-reader');
    await h.grant(
      sp.objectId,
      'Reader',
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault',
    );
    const token = await h.tokenFor(sp.appId, sp.password);
    const denied = await h.call('POST', `${F}/triggers/win/triggerRuns/${running.triggerRunId}/rerun?${API}`, {
      token,
    });
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, 'AuthorizationFailed');
    assert.equal((await post(h, 'triggers/win/stop')).status, 200);
    await h.server.close();
  });
});

// A server process stopped while a window runs (in another process, so nothing of it runs on afterwards here)
test('a window a stopped server left Inprogress is Failed after the restart, and can be rerun', async () => {
  const dataDir = tempDir();
  const adminOk = async (s: SpawnedServer, method: string, path: string, body?: unknown) => {
    const r = await s.admin(method, `${F}/${path}?${API}`, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };
  const runsOf = async (s: SpawnedServer) =>
    (await adminOk(s, 'POST', 'queryTriggerRuns', { ...window(), ...byName('stuck') })).value as TriggerRun[];
  const a = await spawnServer({ dataDir });
  let running: TriggerRun | undefined;
  try {
    await adminOk(a, 'PUT', 'pipelines/slow', pipeline(600));
    await adminOk(a, 'PUT', 'triggers/stuck', windows('slow', 1));
    await adminOk(a, 'POST', 'triggers/stuck/start');
    for (let i = 0; i < 600 && !running; i++) {
      const [r] = await runsOf(a);
      if (r && Object.keys(r.triggeredPipelines).length === 1) running = r;
      else await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(running, 'the window started');
    assert.equal(running.status, 'Inprogress');
  } finally {
    await a.stop();
  }

  const b = await spawnServer({ dataDir });
  try {
    const [ended] = await runsOf(b);
    assert.equal(ended.triggerRunId, running.triggerRunId);
    assert.equal(ended.status, 'Failed');
    assert.match(ended.message, /server stopped before this trigger run ended/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await runsOf(b)).length, 1, 'the window is not run again by itself');

    // rerun with the pipeline made quick: the same trigger run and window, a new pipeline run
    await adminOk(b, 'PUT', 'pipelines/slow', pipeline(0));
    await adminOk(b, 'POST', `triggers/stuck/triggerRuns/${ended.triggerRunId}/rerun`);
    let rerun: TriggerRun | undefined;
    for (let i = 0; i < 600 && rerun?.status !== 'Succeeded'; i++) {
      [rerun] = await runsOf(b);
      if (rerun?.status !== 'Succeeded') await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(rerun?.status, 'Succeeded', JSON.stringify(rerun));
    assert.equal(rerun.triggerRunId, ended.triggerRunId);
    assert.equal(rerun.properties.WindowStartTime, ended.properties.WindowStartTime);
    assert.notEqual(rerun.triggeredPipelines.slow, ended.triggeredPipelines.slow);
    const run = await adminOk(b, 'GET', `pipelineruns/${rerun.triggeredPipelines.slow}`);
    assert.equal(run.invokedBy.id, ended.triggerRunId);
    assert.equal(run.parameters.ws, ended.properties.WindowStartTime);
    await adminOk(b, 'POST', 'triggers/stuck/stop');
  } finally {
    await b.stop();
  }
});
