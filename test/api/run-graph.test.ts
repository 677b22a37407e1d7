import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { API, factoryPath, startApi, type ApiHarness } from './helpers.js';

/**
 * The monitor's run graph (pipevault extension `pipelineruns/{runId}/graph`): laid out on the server, one node
 * per activity of the pipeline's definition however many activity runs the run has, containers holding
 * theirs, edges carrying their dependency conditions.
 */

const h: ApiHarness = await startApi();
const F = factoryPath('default');

describe('run graph', () => {
  test('nodes are the definition’s activities (not its activity runs), nested, laid out; edges keep conditions', async () => {
    const put = await h.call('PUT', `${F}/pipelines/shape?${API}`, {
      body: {
        properties: {
          activities: [
            {
              name: 'Loop',
              type: 'ForEach',
              typeProperties: {
                items: { value: '@range(0, 40)', type: 'Expression' },
                activities: [
                  { name: 'A', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } },
                  {
                    name: 'B',
                    type: 'Wait',
                    dependsOn: [{ activity: 'A', dependencyConditions: ['Succeeded'] }],
                    typeProperties: { waitTimeInSeconds: 0 },
                  },
                ],
              },
            },
            {
              name: 'Branch',
              type: 'IfCondition',
              dependsOn: [{ activity: 'Loop', dependencyConditions: ['Failed', 'Skipped'] }],
              typeProperties: {
                expression: { value: '@true', type: 'Expression' },
                ifTrueActivities: [{ name: 'Yes', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
                ifFalseActivities: [{ name: 'No', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
              },
            },
          ],
        },
      },
    });
    assert.equal(put.status, 200, put.text);
    const r = await h.call('POST', `${F}/pipelines/shape/createRun?${API}`);
    const run = await h.waitRun('default', r.json.runId);
    const s = await h.call('GET', `${F}/pipelineruns/${run.runId}/activitySummary?${API}`);
    assert.equal(s.json.total, 81, '40 iterations of two activities and the ForEach');

    const g = await h.call('GET', `${F}/pipelineruns/${run.runId}/graph?${API}`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.pipelineName, 'shape');
    const nodes = Object.fromEntries(g.json.nodes.map((n: { id: string }) => [n.id, n]));
    assert.deepEqual(Object.keys(nodes).sort(), ['Branch', 'Branch/No', 'Branch/Yes', 'Loop', 'Loop/A', 'Loop/B']);
    assert.equal(nodes.Loop.container, true);
    assert.equal(nodes['Loop/A'].parent, 'Loop');
    assert.equal(nodes['Branch/Yes'].branch, 'True');
    assert.equal(nodes['Branch/No'].branch, 'False');
    assert.equal(nodes.Loop.parent, undefined);
    // laid out left to right: B after A inside the loop, the If after the loop; children fit in their container
    assert.ok(nodes['Loop/B'].x > nodes['Loop/A'].x, 'B right of A');
    assert.ok(nodes.Branch.x >= nodes.Loop.x + nodes.Loop.width, 'Branch right of Loop');
    for (const c of ['Loop/A', 'Loop/B'])
      assert.ok(
        nodes[c].x + nodes[c].width <= nodes.Loop.width && nodes[c].y + nodes[c].height <= nodes.Loop.height,
        c,
      );
    const edges = Object.fromEntries(
      g.json.edges.map((e: { source: string; target: string }) => [`${e.source}>${e.target}`, e]),
    );
    assert.deepEqual(edges['Loop>Branch'].conditions, ['Failed', 'Skipped']);
    assert.deepEqual(edges['Loop/A>Loop/B'].conditions, ['Succeeded']);

    const again = await h.call('GET', `${F}/pipelineruns/${run.runId}/graph?${API}`);
    assert.deepEqual(again.json, g.json, 'the same definition, the same layout');
  });

  test('a missing run is a 404; a run whose pipeline was deleted is a 404 naming the pipeline', async () => {
    const none = await h.call('GET', `${F}/pipelineruns/00000000-0000-0000-0000-000000000001/graph?${API}`);
    assert.equal(none.status, 404);
    await h.call('PUT', `${F}/pipelines/brief?${API}`, {
      body: { properties: { activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }] } },
    });
    const r = await h.call('POST', `${F}/pipelines/brief/createRun?${API}`);
    await h.waitRun('default', r.json.runId);
    assert.equal((await h.call('DELETE', `${F}/pipelines/brief?${API}`)).status, 200);
    const gone = await h.call('GET', `${F}/pipelineruns/${r.json.runId}/graph?${API}`);
    assert.equal(gone.status, 404);
    assert.match(gone.json.error.message, /brief/);
  });
});
