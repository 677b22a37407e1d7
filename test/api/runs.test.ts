import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { API, factoryPath, startApi, window, type ApiHarness } from './helpers.js';

/** createRun, pipelineruns get / cancel, queryPipelineRuns, queryActivityruns and reruns over HTTPS. */

const F = factoryPath('default');

const filterA = {
  name: 'A',
  type: 'Filter',
  typeProperties: {
    items: { value: '@createArray(1,2,3)', type: 'Expression' },
    condition: { value: '@greater(item(), 1)', type: 'Expression' },
  },
};
const failB = {
  name: 'B',
  type: 'Fail',
  dependsOn: [{ activity: 'A', dependencyConditions: ['Succeeded'] }],
  typeProperties: { message: 'broken on purpose', errorCode: '500' },
};
const fixedB = { name: 'B', type: 'Wait', dependsOn: failB.dependsOn, typeProperties: { waitTimeInSeconds: 0 } };
const useC = {
  name: 'C',
  type: 'SetVariable',
  dependsOn: [{ activity: 'B', dependencyConditions: ['Succeeded'] }],
  typeProperties: { variableName: 'v', value: { value: "@string(activity('A').output.Value)", type: 'Expression' } },
};
const pipe = (activities: unknown[]) => ({
  properties: {
    activities,
    parameters: { who: { type: 'String', defaultValue: 'world' }, n: { type: 'Int', defaultValue: 1 } },
    variables: { v: { type: 'String' } },
  },
});

const h: ApiHarness = await startApi();

describe('runs API', () => {
  before(async () => {
    const put = await h.call('PUT', `${F}/pipelines/chain?${API}`, { body: pipe([filterA, failB, useC]) });
    assert.equal(put.status, 200, put.text);
    const ok = await h.call('PUT', `${F}/pipelines/quick?${API}`, {
      body: pipe([{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }]),
    });
    assert.equal(ok.status, 200, ok.text);
    const slow = await h.call('PUT', `${F}/pipelines/slow?${API}`, {
      body: pipe([{ name: 'Sleep', type: 'Wait', typeProperties: { waitTimeInSeconds: 30 } }]),
    });
    assert.equal(slow.status, 200, slow.text);
  });

  test('createRun takes the parameters object as its body; the run records them as strings', async () => {
    const r = await h.call('POST', `${F}/pipelines/quick/createRun?${API}`, { body: { who: 'you', n: '7' } });
    assert.equal(r.status, 200, r.text);
    const run = await h.waitRun('default', r.json.runId);
    assert.equal(run.status, 'Succeeded');
    assert.deepEqual(run.parameters, { who: 'you', n: '7' });
    assert.equal(run.runGroupId, run.runId);
    assert.equal(run.isLatest, true);
    assert.equal(run.invokedBy.name, 'Manual');
    assert.equal(typeof run.durationInMs, 'number');
  });

  test('createRun without a body uses defaults; a mistyped parameter is a 400 that creates nothing', async () => {
    const r = await h.call('POST', `${F}/pipelines/quick/createRun?${API}`);
    assert.equal(r.status, 200, r.text);
    const bad = await h.call('POST', `${F}/pipelines/quick/createRun?${API}`, { body: { n: 'seven' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'BadRequest');
    assert.match(bad.json.error.message, /Parameter 'n'/);
    const notObject = await h.call('POST', `${F}/pipelines/quick/createRun?${API}`, { body: [1, 2] });
    assert.equal(notObject.status, 400);
    const badJson = await h.call('POST', `${F}/pipelines/quick/createRun?${API}`, { raw: '{"n": ' });
    assert.equal(badJson.status, 400);
    assert.match(badJson.json.error.message, /not valid JSON/);
    const missing = await h.call('POST', `${F}/pipelines/nope/createRun?${API}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'NotFound');
  });

  test('get of an unknown run is 404 PipelineRunNotFound', async () => {
    const r = await h.call('GET', `${F}/pipelineruns/00000000-0000-4000-8000-000000000000?${API}`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'PipelineRunNotFound');
  });

  test('a failed run, its activity runs, and a rerun from failure after fixing the pipeline', async () => {
    const first = await h.call('POST', `${F}/pipelines/chain/createRun?${API}`, { body: { who: 'rerun' } });
    const run = await h.waitRun('default', first.json.runId);
    assert.equal(run.status, 'Failed');
    assert.match(run.message, /Operation on target B failed/);
    const acts = await h.call('POST', `${F}/pipelineruns/${run.runId}/queryActivityruns?${API}`, { body: window() });
    assert.equal(acts.status, 200, acts.text);
    assert.deepEqual(
      acts.json.value.map((a: { activityName: string }) => a.activityName),
      ['A', 'B'],
    );
    const b = acts.json.value[1];
    assert.equal(b.status, 'Failed');
    assert.equal(b.error.message, 'broken on purpose');
    assert.equal(acts.json.value[0].error.errorCode, '');

    // rerunning a run that has not failed anything: start from failure is rejected
    const put = await h.call('PUT', `${F}/pipelines/chain?${API}`, { body: pipe([filterA, fixedB, useC]) });
    assert.equal(put.status, 200, put.text);
    const rerun = await h.call(
      'POST',
      `${F}/pipelines/chain/createRun?${API}&referencePipelineRunId=${run.runId}&isRecovery=true&startFromFailure=true`,
    );
    assert.equal(rerun.status, 200, rerun.text);
    const second = await h.waitRun('default', rerun.json.runId);
    assert.equal(second.status, 'Succeeded', second.message);
    assert.equal(second.runGroupId, run.runId);
    assert.equal(second.isLatest, true);
    assert.deepEqual(second.parameters, run.parameters);
    const old = await h.call('GET', `${F}/pipelineruns/${run.runId}?${API}`);
    assert.equal(old.json.isLatest, false);
    const acts2 = await h.call('POST', `${F}/pipelineruns/${second.runId}/queryActivityruns?${API}`, {
      body: window(),
    });
    // A succeeded before: not run again, its output reused by C
    assert.deepEqual(
      acts2.json.value.map((a: { activityName: string }) => a.activityName),
      ['B', 'C'],
    );
    assert.equal(acts2.json.value[1].input.value, '[2,3]');

    // the group: LatestOnly and RunGroupId filters
    const group = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'RunGroupId', operator: 'Equals', values: [run.runId] }] },
    });
    assert.equal(group.json.value.length, 2);
    const latest = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: {
        ...window(),
        filters: [
          { operand: 'RunGroupId', operator: 'Equals', values: [run.runId] },
          { operand: 'LatestOnly', operator: 'Equals', values: ['true'] },
        ],
      },
    });
    assert.deepEqual(
      latest.json.value.map((r: { runId: string }) => r.runId),
      [second.runId],
    );

    const nothing = await h.call(
      'POST',
      `${F}/pipelines/chain/createRun?${API}&referencePipelineRunId=${second.runId}&isRecovery=true&startFromFailure=true`,
    );
    assert.equal(nothing.status, 400);
    assert.match(nothing.json.error.message, /no failed or cancelled activity/);

    const fromC = await h.call(
      'POST',
      `${F}/pipelines/chain/createRun?${API}&referencePipelineRunId=${second.runId}&isRecovery=true&startActivityName=c`,
    );
    assert.equal(fromC.status, 200, fromC.text);
    const third = await h.waitRun('default', fromC.json.runId);
    assert.equal(third.status, 'Succeeded');
    const acts3 = await h.call('POST', `${F}/pipelineruns/${third.runId}/queryActivityruns?${API}`, { body: window() });
    assert.deepEqual(
      acts3.json.value.map((a: { activityName: string }) => a.activityName),
      ['C'],
    );

    const badStart = await h.call(
      'POST',
      `${F}/pipelines/chain/createRun?${API}&referencePipelineRunId=${second.runId}&isRecovery=true&startActivityName=Zed`,
    );
    assert.equal(badStart.status, 400);
    assert.match(badStart.json.error.message, /startActivityName 'Zed'/);
  });

  test('cancel ends an in-progress run as Cancelled; cancelling an ended run is a no-op', async () => {
    const r = await h.call('POST', `${F}/pipelines/slow/createRun?${API}`);
    const c = await h.call('POST', `${F}/pipelineruns/${r.json.runId}/cancel?${API}&isRecursive=true`);
    assert.equal(c.status, 200, c.text);
    const run = await h.waitRun('default', r.json.runId);
    assert.equal(run.status, 'Cancelled');
    const again = await h.call('POST', `${F}/pipelineruns/${r.json.runId}/cancel?${API}`);
    assert.equal(again.status, 200);
    const badFlag = await h.call('POST', `${F}/pipelineruns/${r.json.runId}/cancel?${API}&isRecursive=maybe`);
    assert.equal(badFlag.status, 400);
  });

  test('queryPipelineRuns: filters, orderBy and continuationToken paging', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.call('POST', `${F}/pipelines/quick/createRun?${API}`)).json.runId);
    for (const id of ids) await h.waitRun('default', id);
    const q = {
      ...window(),
      filters: [{ operand: 'PipelineName', operator: 'Equals', values: ['quick'] }],
      pageSize: 2,
    };
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await h.call('POST', `${F}/queryPipelineRuns?${API}`, { body: { ...q, continuationToken: token } });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.value.length <= 2);
      seen.push(...r.json.value.map((x: { runId: string }) => x.runId));
      token = r.json.continuationToken;
      pages++;
    } while (token);
    assert.ok(pages >= 3);
    assert.equal(new Set(seen).size, seen.length);
    for (const id of ids) assert.ok(seen.includes(id));

    const asc = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), orderBy: [{ orderBy: 'RunStart', order: 'ASC' }] },
    });
    const starts = asc.json.value.map((r: { runStart: string }) => Date.parse(r.runStart));
    assert.deepEqual(
      starts,
      [...starts].sort((a, b) => a - b),
    );

    const failed = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'Status', operator: 'In', values: ['Failed', 'Cancelled'] }] },
    });
    assert.ok(failed.json.value.length >= 2);
    assert.ok(failed.json.value.every((r: { status: string }) => ['Failed', 'Cancelled'].includes(r.status)));
    const notQuick = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'PipelineName', operator: 'NotEquals', values: ['QUICK'] }] },
    });
    assert.ok(notQuick.json.value.every((r: { pipelineName: string }) => r.pipelineName !== 'quick'));
    const future = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { lastUpdatedAfter: '2100-01-01T00:00:00Z', lastUpdatedBefore: '2100-01-02T00:00:00Z' },
    });
    assert.deepEqual(future.json.value, []);
  });

  test('bad RunFilterParameters are 400s naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /lastUpdatedAfter is required/],
      [
        { lastUpdatedAfter: 'yesterday', lastUpdatedBefore: '2030-01-01T00:00:00Z' },
        /lastUpdatedAfter must be an ISO 8601/,
      ],
      [{ ...window(), filters: [{ operand: 'Colour', operator: 'Equals', values: ['x'] }] }, /operand 'Colour'/],
      [{ ...window(), filters: [{ operand: 'Status', operator: 'Like', values: ['x'] }] }, /operator 'Like'/],
      [{ ...window(), filters: [{ operand: 'Status', operator: 'In', values: [] }] }, /values must be a non-empty/],
      [{ ...window(), orderBy: [{ orderBy: 'Colour', order: 'ASC' }] }, /orderBy 'Colour'/],
      [{ ...window(), orderBy: [{ orderBy: 'RunStart', order: 'UP' }] }, /ASC or DESC/],
      [{ ...window(), continuationToken: 'garbage' }, /continuationToken/],
    ];
    for (const [body, re] of cases) {
      const r = await h.call('POST', `${F}/queryPipelineRuns?${API}`, { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, 'BadRequest');
      assert.match(r.json.error.message, re);
    }
  });

  test('queryActivityruns filters by ActivityName and Status and pages', async () => {
    const r = await h.call('POST', `${F}/pipelines/chain/createRun?${API}`);
    const run = await h.waitRun('default', r.json.runId);
    const only = await h.call('POST', `${F}/pipelineruns/${run.runId}/queryActivityruns?${API}`, {
      body: { ...window(), filters: [{ operand: 'ActivityName', operator: 'Equals', values: ['c'] }] },
    });
    assert.deepEqual(
      only.json.value.map((a: { activityName: string }) => a.activityName),
      ['C'],
    );
    const byType = await h.call('POST', `${F}/pipelineruns/${run.runId}/queryActivityruns?${API}`, {
      body: { ...window(), filters: [{ operand: 'ActivityType', operator: 'NotIn', values: ['Filter', 'Wait'] }] },
    });
    assert.deepEqual(
      byType.json.value.map((a: { activityName: string }) => a.activityName),
      ['C'],
    );
    const p1 = await h.call('POST', `${F}/pipelineruns/${run.runId}/queryActivityruns?${API}`, {
      body: { ...window(), pageSize: 2, orderBy: [{ orderBy: 'ActivityName', order: 'DESC' }] },
    });
    assert.deepEqual(
      p1.json.value.map((a: { activityName: string }) => a.activityName),
      ['C', 'B'],
    );
    assert.ok(p1.json.continuationToken);
    const p2 = await h.call('POST', `${F}/pipelineruns/${run.runId}/queryActivityruns?${API}`, {
      body: {
        ...window(),
        pageSize: 2,
        orderBy: [{ orderBy: 'ActivityName', order: 'DESC' }],
        continuationToken: p1.json.continuationToken,
      },
    });
    assert.deepEqual(
      p2.json.value.map((a: { activityName: string }) => a.activityName),
      ['A'],
    );
    assert.equal(p2.json.continuationToken, undefined);
    // the default order pages in the database (keyset tokens)
    const names: string[] = [];
    let tok: string | undefined;
    do {
      const pg = await h.call('POST', `${F}/pipelineruns/${run.runId}/queryActivityruns?${API}`, {
        body: { ...window(), pageSize: 1, continuationToken: tok },
      });
      assert.equal(pg.status, 200, pg.text);
      names.push(...pg.json.value.map((a: { activityName: string }) => a.activityName));
      tok = pg.json.continuationToken;
    } while (tok);
    assert.deepEqual(names, ['A', 'B', 'C']);
    const forged = await h.call('POST', `${F}/pipelineruns/${run.runId}/queryActivityruns?${API}`, {
      body: { ...window(), continuationToken: Buffer.from('{"k":1,"s":"ar:other"}').toString('base64url') },
    });
    assert.equal(forged.status, 400);
    // a token from another query is refused
    const other = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), continuationToken: p1.json.continuationToken },
    });
    assert.equal(other.status, 400);
  });
});
