import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { after, describe, test } from 'node:test';
import { API, factoryPath, startApi, type ApiHarness } from './helpers.js';

/**
 * Trigger runs on the live feed (`GET /pipevault/adf/events`): a `triggerRun` event, in the shape
 * queryTriggerRuns returns, when a trigger run is created and when it changes (a pipeline run started, ended,
 * rerun) — also for one that fails before starting any pipeline run, which sends no pipeline run event — and a
 * `trigger` event when a trigger is started or stopped. Only the factory followed receives them.
 */

const h: ApiHarness = await startApi();
const F = factoryPath('default');

interface FeedEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Follows a factory's feed; `until` resolves once an event satisfies `ok`. */
function follow(factory: string) {
  const events: FeedEvent[] = [];
  const waiters: { ok: (e: FeedEvent) => boolean; resolve: (e: FeedEvent) => void }[] = [];
  let buf = '';
  const url = new URL(`${h.server.url}/pipevault/adf/events?factory=${factory}`);
  const req: ClientRequest = request(url, { headers: { authorization: `Bearer ${h.adminToken}` }, ca: h.server.ca });
  const ready = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      assert.equal(res.statusCode, 200);
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!event || !data) continue;
          if (event === 'ready') resolve();
          const e = { event, data: JSON.parse(data) as Record<string, unknown> };
          events.push(e);
          for (const w of [...waiters]) {
            if (!w.ok(e)) continue;
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      });
    });
    req.on('error', reject);
  });
  req.end();
  const until = (ok: (e: FeedEvent) => boolean, what: string): Promise<FeedEvent> => {
    const seen = events.find(ok);
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<FeedEvent>((resolve) => waiters.push({ ok, resolve })),
      new Promise<never>((_, rej) =>
        setTimeout(() => rej(new Error(`no event: ${what}; got ${JSON.stringify(events)}`)), 20_000).unref(),
      ),
    ]);
  };
  return { events, ready, until, close: () => req.destroy() };
}

/** One one-minute window, already past, so it runs as soon as the trigger starts. */
const oneWindow = (pipelineName: string) => {
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  return {
    properties: {
      type: 'TumblingWindowTrigger',
      pipeline: { pipelineReference: { referenceName: pipelineName, type: 'PipelineReference' } },
      typeProperties: {
        frequency: 'Minute',
        interval: 1,
        startTime: new Date(start).toISOString(),
        endTime: new Date(start + 60_000).toISOString(),
        maxConcurrency: 1,
      },
    },
  };
};

async function put(path: string, body: unknown) {
  const r = await h.call('PUT', `${path}?${API}`, { body });
  assert.equal(r.status, 200, r.text);
}

const isTriggerRun = (name: string, status?: string) => (e: FeedEvent) =>
  e.event === 'triggerRun' && e.data.triggerName === name && (status === undefined || e.data.status === status);

after(() => h.server.close());

describe('trigger runs on the live feed', () => {
  test('a window: created Inprogress, then ended Succeeded with its pipeline run, as queryTriggerRuns has it; a rerun too', async () => {
    // a second's wait: the feed sends a run's latest state per flush, so Inprogress is seen on its own
    await put(`${F}/pipelines/quick`, {
      properties: { activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 1 } }] },
    });
    await put(`${F}/triggers/win`, oneWindow('quick'));
    await put(factoryPath('elsewhere'), { location: 'local' });
    const feed = follow('default');
    const other = follow('elsewhere');
    await Promise.all([feed.ready, other.ready]);

    assert.equal((await h.call('POST', `${F}/triggers/win/start?${API}`)).status, 200);
    await feed.until(
      (e) => e.event === 'trigger' && e.data.name === 'win' && e.data.runtimeState === 'Started',
      'win Started',
    );
    const created = await feed.until(isTriggerRun('win', 'Inprogress'), 'win Inprogress');
    const ended = await feed.until(isTriggerRun('win', 'Succeeded'), 'win Succeeded');
    assert.equal(created.data.triggerRunId, ended.data.triggerRunId);
    assert.equal(created.data.triggerType, 'TumblingWindowTrigger');
    assert.ok(created.data.properties && typeof created.data.properties === 'object');
    assert.match(String((created.data.properties as Record<string, string>).WindowStartTime), /^\d{4}-/);
    assert.equal(created.data.factory, undefined, 'the ADF shape: no pipevault bookkeeping');
    const runId = (ended.data.triggeredPipelines as Record<string, string>).quick;
    assert.ok(runId, JSON.stringify(ended.data));

    // the event is what queryTriggerRuns answers (it was saved before it was sent)
    const q = await h.call('POST', `${F}/queryTriggerRuns?${API}`, {
      body: {
        lastUpdatedAfter: new Date(Date.now() - 3600_000).toISOString(),
        lastUpdatedBefore: new Date(Date.now() + 3600_000).toISOString(),
        filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['win'] }],
      },
    });
    assert.equal(q.status, 200, q.text);
    assert.deepEqual(q.json.value, [ended.data]);

    // a rerun of the window: Inprogress again (a new pipeline run), then ended
    const before = feed.events.length;
    const rerun = await h.call('POST', `${F}/triggers/win/triggerRuns/${String(ended.data.triggerRunId)}/rerun?${API}`);
    assert.equal(rerun.status, 200, rerun.text);
    const later = (ok: (e: FeedEvent) => boolean) => (e: FeedEvent) => feed.events.indexOf(e) >= before && ok(e);
    await feed.until(later(isTriggerRun('win', 'Inprogress')), 'win rerun Inprogress');
    const again = await feed.until(later(isTriggerRun('win', 'Succeeded')), 'win rerun Succeeded');
    assert.equal(again.data.triggerRunId, ended.data.triggerRunId);
    assert.notEqual((again.data.triggeredPipelines as Record<string, string>).quick, runId);

    assert.equal((await h.call('POST', `${F}/triggers/win/stop?${API}`)).status, 200);
    await feed.until(
      (e) => e.event === 'trigger' && e.data.name === 'win' && e.data.runtimeState === 'Stopped',
      'win Stopped',
    );
    assert.deepEqual(
      other.events.filter((e) => e.event === 'triggerRun' || e.event === 'trigger'),
      [],
      "another factory's feed carries none",
    );
    feed.close();
    other.close();
  });

  test('a trigger run that fails before starting any pipeline run is sent (no pipeline run event is)', async () => {
    // the pipeline needs a parameter the trigger does not pass: createRun refuses it, no pipeline run starts
    await put(`${F}/pipelines/needy`, {
      properties: {
        parameters: { needed: { type: 'String' } },
        activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
      },
    });
    await put(`${F}/triggers/orphan`, oneWindow('needy'));
    const feed = follow('default');
    await feed.ready;
    assert.equal((await h.call('POST', `${F}/triggers/orphan/start?${API}`)).status, 200);
    const failed = await feed.until(isTriggerRun('orphan', 'Failed'), 'orphan Failed');
    assert.match(String(failed.data.message), /needy.*needed/);
    assert.deepEqual(failed.data.triggeredPipelines, {});
    assert.equal(feed.events.filter((e) => e.event === 'pipelineRun').length, 0);
    assert.equal((await h.call('POST', `${F}/triggers/orphan/stop?${API}`)).status, 200);
    feed.close();
  });

  test("a secret quoted in a trigger run's message is masked, on the feed and in queryTriggerRuns", async () => {
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    // a run given the canary as a SecureString: the factory's runs now mask it wherever it shows up
    await put(`${F}/pipelines/secretive`, {
      properties: {
        parameters: { apiKey: { type: 'SecureString' } },
        activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
      },
    });
    const run = await h.call('POST', `${F}/pipelines/secretive/createRun?${API}`, { body: { apiKey: canary } });
    assert.equal(run.status, 200, run.text);
    await h.waitRun('default', run.json.runId);
    // a trigger passing it where an Int is declared: createRun refuses it, quoting the value
    await put(`${F}/pipelines/typed`, {
      properties: {
        parameters: { n: { type: 'Int' } },
        activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
      },
    });
    const trigger = oneWindow('typed');
    (trigger.properties.pipeline as Record<string, unknown>).parameters = { n: canary };
    await put(`${F}/triggers/leaky`, trigger);
    const feed = follow('default');
    await feed.ready;
    assert.equal((await h.call('POST', `${F}/triggers/leaky/start?${API}`)).status, 200);
    const failed = await feed.until(isTriggerRun('leaky', 'Failed'), 'leaky Failed');
    assert.match(String(failed.data.message), /typed.*\*{10}/);
    assert.ok(!JSON.stringify(feed.events).includes(canary), 'the canary is on the feed');
    const q = await h.call('POST', `${F}/queryTriggerRuns?${API}`, {
      body: {
        lastUpdatedAfter: new Date(Date.now() - 3600_000).toISOString(),
        lastUpdatedBefore: new Date(Date.now() + 3600_000).toISOString(),
        filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['leaky'] }],
      },
    });
    assert.equal(q.status, 200);
    assert.ok(!q.text.includes(canary), `the canary is in a stored trigger run: ${q.text}`);
    assert.deepEqual(q.json.value, [failed.data]);
    assert.equal((await h.call('POST', `${F}/triggers/leaky/stop?${API}`)).status, 200);
    feed.close();
  });
});
