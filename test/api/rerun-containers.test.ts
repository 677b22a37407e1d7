import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { API, factoryPath, startApi, window, type ApiHarness } from './helpers.js';

/**
 * Rerun container rules (specs/adf-runtime.md §2.8): a ForEach loops over all its items again, an If is
 * re-evaluated, and an ExecutePipeline reruns its child as a rerun of the earlier child run, so the child's
 * succeeded activities are not run again.
 */

const h: ApiHarness = await startApi();
const F = factoryPath('default');

const child = (broken: boolean) => ({
  properties: {
    activities: [
      { name: 'Child ok', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } },
      broken
        ? {
            name: 'Child step',
            type: 'Fail',
            dependsOn: [{ activity: 'Child ok', dependencyConditions: ['Succeeded'] }],
            typeProperties: { message: 'child broken', errorCode: '7' },
          }
        : {
            name: 'Child step',
            type: 'Wait',
            dependsOn: [{ activity: 'Child ok', dependencyConditions: ['Succeeded'] }],
            typeProperties: { waitTimeInSeconds: 0 },
          },
    ],
  },
});

const parent = {
  properties: {
    activities: [
      {
        name: 'Loop',
        type: 'ForEach',
        typeProperties: {
          items: { value: '@range(0, 3)', type: 'Expression' },
          activities: [
            {
              name: 'Branch',
              type: 'IfCondition',
              typeProperties: {
                expression: { value: '@equals(item(), 1)', type: 'Expression' },
                ifTrueActivities: [{ name: 'One', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
              },
            },
          ],
        },
      },
      {
        name: 'Call child',
        type: 'ExecutePipeline',
        dependsOn: [{ activity: 'Loop', dependencyConditions: ['Succeeded'] }],
        typeProperties: { pipeline: { referenceName: 'child', type: 'PipelineReference' }, waitOnCompletion: true },
      },
    ],
  },
};

const activityNames = async (runId: string) =>
  (await h.call('POST', `${F}/pipelineruns/${runId}/queryActivityruns?${API}`, { body: window() })).json.value.map(
    (a: { activityName: string }) => a.activityName,
  );

describe('rerun container rules', () => {
  test('ExecutePipeline reruns its child from the child’s failure; a rerun ForEach loops again and If is re-evaluated', async () => {
    assert.equal((await h.call('PUT', `${F}/pipelines/child?${API}`, { body: child(true) })).status, 200);
    assert.equal((await h.call('PUT', `${F}/pipelines/parent?${API}`, { body: parent })).status, 200);
    const r1 = await h.call('POST', `${F}/pipelines/parent/createRun?${API}`);
    const first = await h.waitRun('default', r1.json.runId);
    assert.equal(first.status, 'Failed');
    const children1 = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'PipelineName', operator: 'Equals', values: ['child'] }] },
    });
    assert.equal(children1.json.value.length, 1);
    const firstChild = children1.json.value[0];
    assert.equal(firstChild.status, 'Failed');

    // fix the child, rerun the parent from its failure: Loop succeeded and is reused, Call child reruns
    assert.equal((await h.call('PUT', `${F}/pipelines/child?${API}`, { body: child(false) })).status, 200);
    const r2 = await h.call(
      'POST',
      `${F}/pipelines/parent/createRun?${API}&referencePipelineRunId=${first.runId}&isRecovery=true&startFromFailure=true`,
    );
    assert.equal(r2.status, 200, r2.text);
    const second = await h.waitRun('default', r2.json.runId);
    assert.equal(second.status, 'Succeeded', second.message);
    assert.deepEqual(await activityNames(second.runId), ['Call child']);

    const children2 = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
      body: { ...window(), filters: [{ operand: 'PipelineName', operator: 'Equals', values: ['child'] }] },
    });
    const rerunChild = children2.json.value.find((r: { runId: string }) => r.runId !== firstChild.runId);
    assert.ok(rerunChild, 'a new child run');
    assert.equal(rerunChild.runGroupId, firstChild.runGroupId, "the child's rerun joins the child's group");
    assert.equal(rerunChild.status, 'Succeeded');
    assert.deepEqual(
      await activityNames(rerunChild.runId),
      ['Child step'],
      "the child's succeeded activity is not run again",
    );
    assert.equal((await h.call('GET', `${F}/pipelineruns/${firstChild.runId}?${API}`)).json.isLatest, false);

    // rerun from the ForEach: it loops over all three items again and the If is evaluated per item
    const r3 = await h.call(
      'POST',
      `${F}/pipelines/parent/createRun?${API}&referencePipelineRunId=${second.runId}&isRecovery=true&startActivityName=Loop`,
    );
    const third = await h.waitRun('default', r3.json.runId);
    assert.equal(third.status, 'Succeeded', third.message);
    const names = await activityNames(third.runId);
    assert.equal(names.filter((n: string) => n === 'Branch').length, 3);
    assert.equal(names.filter((n: string) => n === 'One').length, 1);
    assert.ok(names.includes('Call child'), 'downstream of Loop runs again');
  });
});
