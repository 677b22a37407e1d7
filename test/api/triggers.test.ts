import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';
import { API, factoryPath, startApi, window, type ApiHarness } from './helpers.js';

/**
 * Triggers as ADF has them: runtimeState owned by the service (Stopped when written, Started by start), a
 * started trigger refusing PUT and DELETE (TriggerEnabledCannotUpdate), a started ScheduleTrigger firing
 * pipeline runs invoked by it with trigger() outputs, and queryTriggerRuns.
 */

const h: ApiHarness = await startApi();
const F = factoryPath('trig-factory');
await h.call('PUT', `${F}?${API}`, { body: { location: 'local' } });

const pipeline = {
  properties: {
    parameters: { scheduled: { type: 'String' }, started: { type: 'String' } },
    variables: { who: { type: 'String' } },
    activities: [
      {
        name: 'Who',
        type: 'SetVariable',
        typeProperties: {
          variableName: 'who',
          value: { value: '@{pipeline().TriggerName}|@{pipeline().TriggerType}', type: 'Expression' },
        },
      },
    ],
  },
};

const schedule = (startTime: string, extra: Record<string, unknown> = {}) => ({
  properties: {
    type: 'ScheduleTrigger',
    runtimeState: 'Started',
    pipelines: [
      {
        pipelineReference: { referenceName: 'stamped', type: 'PipelineReference' },
        parameters: { scheduled: '@trigger().scheduledTime', started: '@trigger().startTime' },
      },
    ],
    typeProperties: { recurrence: { frequency: 'Minute', interval: 1, startTime, timeZone: 'UTC', ...extra } },
  },
});

const state = async (name: string) =>
  (await h.call('GET', `${F}/triggers/${name}?${API}`)).json.properties.runtimeState;

describe('triggers', () => {
  test('runtimeState: Stopped when written whatever the body says; start, stop; a started trigger cannot be replaced or deleted', async () => {
    assert.equal((await h.call('PUT', `${F}/pipelines/stamped?${API}`, { body: pipeline })).status, 200);
    const later = new Date(Date.now() + 3600_000).toISOString();
    const put = await h.call('PUT', `${F}/triggers/hourly?${API}`, { body: schedule(later) });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.properties.runtimeState, 'Stopped');
    assert.equal(await state('hourly'), 'Stopped');

    const start = await h.call('POST', `${F}/triggers/hourly/start?${API}`);
    assert.equal(start.status, 200, start.text);
    assert.equal(await state('hourly'), 'Started');
    // starting a started trigger is fine (ADF answers 200)
    assert.equal((await h.call('POST', `${F}/triggers/hourly/start?${API}`)).status, 200);

    // the same definition again is no change (a factory folder published anew): still started
    const same = await h.call('PUT', `${F}/triggers/hourly?${API}`, { body: schedule(later) });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.json.properties.runtimeState, 'Started');
    const changed = schedule(new Date(Date.now() + 7200_000).toISOString());
    const replace = await h.call('PUT', `${F}/triggers/hourly?${API}`, { body: changed });
    assert.equal(replace.status, 400);
    assert.equal(replace.json.error.code, 'TriggerEnabledCannotUpdate');
    assert.equal(replace.json.error.message, 'Cannot update enabled Trigger; the trigger needs to be disabled first.');
    const del = await h.call('DELETE', `${F}/triggers/hourly?${API}`);
    assert.equal(del.status, 400);
    assert.equal(del.json.error.code, 'TriggerEnabledCannotUpdate');
    assert.equal(await state('hourly'), 'Started', 'nothing changed');

    assert.equal((await h.call('POST', `${F}/triggers/hourly/stop?${API}`)).status, 200);
    assert.equal(await state('hourly'), 'Stopped');
    assert.equal((await h.call('PUT', `${F}/triggers/hourly?${API}`, { body: changed })).status, 200);
    assert.equal(await state('hourly'), 'Stopped');
    assert.equal((await h.call('DELETE', `${F}/triggers/hourly?${API}`)).status, 200);
  });

  test('a started ScheduleTrigger fires: a run invoked by the trigger, trigger() outputs, a trigger run', async () => {
    const first = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    const put = await h.call('PUT', `${F}/triggers/every-minute?${API}`, { body: schedule(first.toISOString()) });
    assert.equal(put.status, 200, put.text);
    assert.equal((await h.call('POST', `${F}/triggers/every-minute/start?${API}`)).status, 200);

    let runs: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; i < 200 && !runs.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const q = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
        body: { ...window(), filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['every-minute'] }] },
      });
      runs = q.json.value;
    }
    assert.equal(runs.length, 1, 'one run at the first instant');
    const run = await h.waitRun('trig-factory', runs[0].runId);
    assert.equal(run.status, 'Succeeded', run.message);
    assert.equal(run.invokedBy.name, 'every-minute');
    assert.equal(run.invokedBy.invokedByType, 'ScheduleTrigger');
    assert.equal(run.parameters.scheduled, first.toISOString());
    assert.ok(Date.parse(run.parameters.started) >= first.getTime(), run.parameters.started);

    const acts = await h.call('POST', `${F}/pipelineruns/${run.runId}/queryActivityruns?${API}`, { body: window() });
    assert.equal(acts.json.value[0].output.value, 'every-minute|ScheduleTrigger');

    const tr = await h.call('POST', `${F}/queryTriggerRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['every-minute'] }] },
    });
    assert.equal(tr.status, 200, tr.text);
    assert.equal(tr.json.value.length, 1);
    const t = tr.json.value[0];
    assert.equal(t.triggerName, 'every-minute');
    assert.equal(t.triggerType, 'ScheduleTrigger');
    assert.equal(t.status, 'Succeeded');
    assert.equal(t.triggerRunId, run.invokedBy.id);
    assert.deepEqual(t.triggeredPipelines, { stamped: run.runId });
    assert.equal(t.properties.ScheduleTime, first.toISOString());
    assert.equal(t.factory, undefined, 'no pipevault bookkeeping in the ARM shape');

    assert.equal((await h.call('POST', `${F}/triggers/every-minute/stop?${API}`)).status, 200);
    const none = await h.call('POST', `${F}/queryTriggerRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'Status', operator: 'Equals', values: ['Failed'] }] },
    });
    assert.equal(none.json.value.length, 0);
  });

  test('bad input: an unusable recurrence, a missing trigger, a bad query, a reader — ARM errors, nothing changed', async () => {
    const bad = schedule(new Date().toISOString(), { frequency: 'Fortnight' });
    assert.equal((await h.call('PUT', `${F}/triggers/broken?${API}`, { body: bad })).status, 200);
    const start = await h.call('POST', `${F}/triggers/broken/start?${API}`);
    assert.equal(start.status, 400);
    assert.equal(start.json.error.code, 'BadRequest');
    assert.match(start.json.error.message, /typeProperties\.recurrence\.frequency must be one of Minute/);
    assert.equal(await state('broken'), 'Stopped');

    const missing = await h.call('POST', `${F}/triggers/nope/start?${API}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'NotFound');

    const q = await h.call('POST', `${F}/queryTriggerRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'PipelineName', operator: 'Equals', values: ['x'] }] },
    });
    assert.equal(q.status, 400);
    assert.match(q.json.error.message, /operand 'PipelineName' is not supported here/);

    const sp = await h.servicePrincipal('trigger-reader');
    await h.grant(
      sp.objectId,
      'Reader',
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault',
    );
    const token = await h.tokenFor(sp.appId, sp.password);
    const denied = await h.call('POST', `${F}/triggers/broken/start?${API}`, { token });
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, 'AuthorizationFailed');
    const look = await h.call('POST', `${F}/queryTriggerRuns?${API}`, { token, body: window() });
    assert.equal(look.status, 200, look.text);

    const listed = await h.call('POST', `${F}/querytriggers?${API}`, { body: {} });
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.json.value.some((t: { name: string }) => t.name === 'broken'));
  });

  test('a started trigger is started again after a restart, and fires', async () => {
    const dataDir = tempDir();
    const a = await startApi({ dataDir });
    const D = factoryPath('default');
    assert.equal((await a.call('PUT', `${D}/pipelines/stamped?${API}`, { body: pipeline })).status, 200);
    const first = new Date(Math.ceil((Date.now() + 5000) / 1000) * 1000);
    const t = schedule(first.toISOString());
    assert.equal((await a.call('PUT', `${D}/triggers/survivor?${API}`, { body: t })).status, 200);
    assert.equal((await a.call('POST', `${D}/triggers/survivor/start?${API}`)).status, 200);
    await a.server.close();

    const b = await startApi({ dataDir });
    const got = await b.call('GET', `${D}/triggers/survivor?${API}`);
    assert.equal(got.json.properties.runtimeState, 'Started');
    let runs: { runId: string; parameters: Record<string, string> }[] = [];
    // the first instant, or (on a machine too slow to restart in 5 s) the one a minute later
    for (let i = 0; i < 1500 && !runs.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const q = await b.call('POST', `${D}/queryPipelineRuns?${API}`, {
        body: { ...window(), filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['survivor'] }] },
      });
      runs = q.json.value;
    }
    assert.equal(runs.length, 1);
    assert.equal(
      (Date.parse(runs[0].parameters.scheduled) - first.getTime()) % 60_000,
      0,
      'an instant of the schedule',
    );
    assert.equal((await b.call('POST', `${D}/triggers/survivor/stop?${API}`)).status, 200);
  });

  test('a started TumblingWindowTrigger runs each window once (past ones too), maxConcurrency at a time; not again after stop/start', async () => {
    const windowed = {
      properties: {
        parameters: { ws: { type: 'String' }, we: { type: 'String' } },
        activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
      },
    };
    assert.equal((await h.call('PUT', `${F}/pipelines/windowed?${API}`, { body: windowed })).status, 200);
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 60_000;
    const tw = (extra: Record<string, unknown> = {}) => ({
      properties: {
        type: 'TumblingWindowTrigger',
        pipeline: {
          pipelineReference: { referenceName: 'windowed', type: 'PipelineReference' },
          parameters: { ws: '@trigger().outputs.windowStartTime', we: '@trigger().outputs.windowEndTime' },
        },
        typeProperties: {
          frequency: 'Minute',
          interval: 1,
          startTime: new Date(start).toISOString(),
          endTime: new Date(start + 3 * 60_000).toISOString(),
          maxConcurrency: 1,
          ...extra,
        },
      },
    });
    assert.equal((await h.call('PUT', `${F}/triggers/windows?${API}`, { body: tw() })).status, 200);
    assert.equal((await h.call('POST', `${F}/triggers/windows/start?${API}`)).status, 200);
    const query = async (trigger: string) =>
      (
        await h.call('POST', `${F}/queryTriggerRuns?${API}`, {
          body: {
            ...window(),
            filters: [{ operand: 'TriggerName', operator: 'Equals', values: [trigger] }],
            orderBy: [{ orderBy: 'TriggerRunTimestamp', order: 'ASC' }],
          },
        })
      ).json.value as {
        status: string;
        triggerRunId: string;
        properties: Record<string, string>;
        triggeredPipelines: Record<string, string>;
      }[];
    let runs = await query('windows');
    for (let i = 0; i < 400 && !(runs.length === 3 && runs.every((r) => r.status === 'Succeeded')); i++) {
      await new Promise((r) => setTimeout(r, 50));
      runs = await query('windows');
    }
    assert.equal(runs.length, 3, JSON.stringify(runs));
    assert.ok(
      runs.every((r) => r.status === 'Succeeded'),
      JSON.stringify(runs),
    );
    const starts = runs.map((r) => Date.parse(r.properties.WindowStartTime)).sort();
    assert.deepEqual(starts, [start, start + 60_000, start + 120_000]);
    let previousEnd = 0;
    for (const r of [...runs].sort((a, b) =>
      a.properties.WindowStartTime.localeCompare(b.properties.WindowStartTime),
    )) {
      const run = await h.waitRun('trig-factory', r.triggeredPipelines.windowed);
      assert.ok(Date.parse(run.runStart) >= previousEnd, 'maxConcurrency 1: one window after the other, in order');
      previousEnd = Date.parse(run.runEnd);
      assert.equal(run.invokedBy.invokedByType, 'TumblingWindowTrigger');
      assert.equal(run.invokedBy.id, r.triggerRunId);
      assert.equal(run.parameters.ws, r.properties.WindowStartTime);
      assert.equal(Date.parse(run.parameters.we) - Date.parse(run.parameters.ws), 60_000);
    }

    // stopped and started again: the windows already run are known by their runs and not run again
    assert.equal((await h.call('POST', `${F}/triggers/windows/stop?${API}`)).status, 200);
    assert.equal((await h.call('POST', `${F}/triggers/windows/start?${API}`)).status, 200);
    await new Promise((r) => setTimeout(r, 1000));
    const q = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['windows'] }] },
    });
    assert.equal(q.json.value.length, 3, 'no window ran twice');
    assert.equal((await h.call('POST', `${F}/triggers/windows/stop?${API}`)).status, 200);

    // a window whose run fails is retried as retryPolicy says, then its trigger run is Failed
    const failing = {
      properties: {
        parameters: { ws: { type: 'String' }, we: { type: 'String' } },
        activities: [{ name: 'No', type: 'Fail', typeProperties: { message: 'window failed', errorCode: '7' } }],
      },
    };
    assert.equal((await h.call('PUT', `${F}/pipelines/windowed?${API}`, { body: failing })).status, 200);
    const one = tw({
      endTime: new Date(start + 60_000).toISOString(),
      retryPolicy: { count: 1, intervalInSeconds: 0 },
    });
    assert.equal((await h.call('PUT', `${F}/triggers/retried?${API}`, { body: one })).status, 200);
    assert.equal((await h.call('POST', `${F}/triggers/retried/start?${API}`)).status, 200);
    let failed = await query('retried');
    for (let i = 0; i < 400 && !(failed.length === 1 && failed[0].status === 'Failed'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      failed = await query('retried');
    }
    assert.equal(failed.length, 1);
    assert.equal(failed[0].status, 'Failed');
    const tries = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['retried'] }] },
    });
    assert.equal(tries.json.value.length, 2, 'the run and one retry');
    assert.equal((await h.call('POST', `${F}/triggers/retried/stop?${API}`)).status, 200);

    const noConcurrency = tw({ maxConcurrency: undefined });
    assert.equal((await h.call('PUT', `${F}/triggers/unbounded?${API}`, { body: noConcurrency })).status, 200);
    const refused = await h.call('POST', `${F}/triggers/unbounded/start?${API}`);
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /typeProperties\.maxConcurrency is required/);
  });
});
