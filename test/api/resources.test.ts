import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { API, factoryPath, startApi, SUB, RG, type ApiHarness } from './helpers.js';

/** Factories and their resources: PUT / GET / DELETE / list, validation as `pipevault validate`, ARM errors. */

const h: ApiHarness = await startApi();
const F = factoryPath('res-factory');

describe('factories', () => {
  test('PUT creates a factory with a system-assigned identity; GET, list, DELETE', async () => {
    const put = await h.call('PUT', `${F}?${API}`, {
      body: { location: 'westeurope', tags: { team: 'data' }, identity: { type: 'SystemAssigned' } },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.name, 'res-factory');
    assert.equal(put.json.type, 'Microsoft.DataFactory/factories');
    assert.equal(
      put.json.id,
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DataFactory/factories/res-factory`,
    );
    assert.match(put.json.identity.principalId, /^[0-9a-f-]{36}$/);
    assert.equal(put.json.identity.tenantId, h.server.tenantId);
    assert.equal(put.json.properties.provisioningState, 'Succeeded');
    assert.deepEqual(put.json.tags, { team: 'data' });
    const again = await h.call('PUT', `${F}?${API}`, { body: { location: 'westeurope' } });
    assert.equal(again.json.identity.principalId, put.json.identity.principalId, 'the identity is kept');
    const get = await h.call('GET', `${F}?${API}`);
    assert.equal(get.status, 200);
    const list = await h.call(
      'GET',
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DataFactory/factories?${API}`,
    );
    assert.ok(list.json.value.some((f: { name: string }) => f.name === 'default'));
    assert.ok(list.json.value.some((f: { name: string }) => f.name === 'res-factory'));
    const bySub = await h.call('GET', `/subscriptions/${SUB}/providers/Microsoft.DataFactory/factories?${API}`);
    assert.equal(bySub.json.value.length, list.json.value.length);

    const tmp = factoryPath('doomed-factory');
    assert.equal((await h.call('PUT', `${tmp}?${API}`, { body: { location: 'x' } })).status, 200);
    assert.equal(
      (await h.call('PUT', `${tmp}/pipelines/p?${API}`, { body: { properties: { activities: [] } } })).status,
      200,
    );
    assert.equal((await h.call('DELETE', `${tmp}?${API}`)).status, 200);
    assert.equal((await h.call('DELETE', `${tmp}?${API}`)).status, 204);
    const gone = await h.call('GET', `${tmp}?${API}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error.code, 'ResourceNotFound');
    const gonePipeline = await h.call('GET', `${tmp}/pipelines/p?${API}`);
    assert.equal(gonePipeline.status, 404);
  });

  test('bad factory input is a 400 naming what is wrong, and creates nothing', async () => {
    const badName = await h.call('PUT', `${factoryPath('no_underscores')}?${API}`, { body: { location: 'x' } });
    assert.equal(badName.status, 400);
    assert.match(badName.json.error.message, /Factory name 'no_underscores' is invalid/);
    const badBody = await h.call('PUT', `${factoryPath('ok-name')}?${API}`, { body: [1] });
    assert.equal(badBody.status, 400);
    const badTags = await h.call('PUT', `${factoryPath('ok-name')}?${API}`, {
      body: { location: 'x', tags: { n: 1 } },
    });
    assert.equal(badTags.status, 400);
    assert.match(badTags.json.error.message, /tags/);
    const badIdentity = await h.call('PUT', `${factoryPath('ok-name')}?${API}`, {
      body: { identity: { type: 'UserAssigned' } },
    });
    assert.equal(badIdentity.status, 400);
    assert.equal((await h.call('GET', `${factoryPath('ok-name')}?${API}`)).status, 404);
  });

  test('api-version is required and checked', async () => {
    const none = await h.call('GET', `${F}`);
    assert.equal(none.status, 400);
    assert.equal(none.json.error.code, 'MissingApiVersionParameter');
    const wrong = await h.call('GET', `${F}?api-version=2017-09-01-preview`);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error.code, 'InvalidApiVersionParameter');
    assert.match(wrong.json.error.message, /2018-06-01/);
  });
});

describe('factory resources', () => {
  const ls = { type: 'AzureKeyVault', typeProperties: { baseUrl: 'https://demo.vault.azure.net/' } };
  const ds = {
    type: 'Json',
    linkedServiceName: { referenceName: 'kv', type: 'LinkedServiceReference' },
    typeProperties: {},
  };
  const pipeline = { activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }] };
  const trigger = {
    type: 'ScheduleTrigger',
    pipelines: [{ pipelineReference: { referenceName: 'p1', type: 'PipelineReference' } }],
    typeProperties: { recurrence: { frequency: 'Hour', interval: 1, startTime: '2026-01-01T00:00:00Z' } },
  };
  const credential = { type: 'ManagedIdentity', typeProperties: {} };
  const globals = { env: { type: 'String', value: 'test' } };

  const cases: [string, string, Record<string, unknown>, string][] = [
    ['linkedservices', 'kv', ls, 'Microsoft.DataFactory/factories/linkedservices'],
    ['datasets', 'ds1', ds, 'Microsoft.DataFactory/factories/datasets'],
    ['pipelines', 'p1', pipeline, 'Microsoft.DataFactory/factories/pipelines'],
    ['triggers', 't1', trigger, 'Microsoft.DataFactory/factories/triggers'],
    ['credentials', 'cred1', credential, 'Microsoft.DataFactory/factories/credentials'],
    ['globalParameters', 'default', globals, 'Microsoft.DataFactory/factories/globalParameters'],
  ];

  test('PUT, GET and list every kind, in dependency order', async () => {
    for (const [kind, name, properties, type] of cases) {
      const put = await h.call('PUT', `${F}/${kind}/${name}?${API}`, { body: { properties } });
      assert.equal(put.status, 200, `${kind}: ${put.text}`);
      assert.equal(put.json.name, name);
      assert.equal(put.json.type, type);
      assert.equal(put.json.id, `${F}/${kind}/${name}`);
      assert.ok(put.json.etag);
      const get = await h.call('GET', `${F}/${kind}/${name.toUpperCase()}?${API}`);
      assert.equal(get.status, 200, `${kind} get (names are case-insensitive): ${get.text}`);
      // a trigger's runtimeState is the service's (Stopped until started; docs/api.md "Triggers")
      assert.deepEqual(
        get.json.properties,
        kind === 'triggers' ? { ...properties, runtimeState: 'Stopped' } : properties,
      );
      const list = await h.call('GET', `${F}/${kind}?${API}`);
      assert.deepEqual(
        list.json.value.map((r: { name: string }) => r.name),
        [name],
      );
    }
  });

  test('a replaced resource keeps its name as first written and gets a new etag', async () => {
    const a = await h.call('PUT', `${F}/pipelines/Keep?${API}`, { body: { properties: pipeline } });
    const b = await h.call('PUT', `${F}/pipelines/KEEP?${API}`, {
      body: { properties: { ...pipeline, description: 'v2' } },
    });
    assert.equal(b.json.name, 'Keep');
    assert.notEqual(a.json.etag, b.json.etag);
    assert.equal((await h.call('GET', `${F}/pipelines/keep?${API}`)).json.properties.description, 'v2');
  });

  test('validation as pipevault validate: problems name the resource, the JSON path and the reason; nothing is stored', async () => {
    const badDep = await h.call('PUT', `${F}/pipelines/broken?${API}`, {
      body: {
        properties: {
          activities: [
            {
              name: 'A',
              type: 'Wait',
              typeProperties: { waitTimeInSeconds: 1 },
              dependsOn: [{ activity: 'Nope', dependencyConditions: ['Succeeded'] }],
            },
          ],
        },
      },
    });
    assert.equal(badDep.status, 400);
    assert.equal(badDep.json.error.code, 'BadRequest');
    assert.match(badDep.json.error.message, /pipelines\/broken \$\.properties\.activities\[0\]\.dependsOn\[0\]/);
    assert.match(badDep.json.error.message, /Nope/);
    assert.equal((await h.call('GET', `${F}/pipelines/broken?${API}`)).status, 404);

    const badRef = await h.call('PUT', `${F}/datasets/ds2?${API}`, {
      body: { properties: { ...ds, linkedServiceName: { referenceName: 'missing', type: 'LinkedServiceReference' } } },
    });
    assert.equal(badRef.status, 400);
    assert.match(badRef.json.error.message, /linked service 'missing', which the factory does not contain/);

    const badExpr = await h.call('PUT', `${F}/pipelines/expr?${API}`, {
      body: {
        properties: {
          activities: [{ name: 'S', type: 'SetVariable', typeProperties: { variableName: 'v', value: '@concat(' } }],
          variables: { v: { type: 'String' } },
        },
      },
    });
    assert.equal(badExpr.status, 400);
    assert.match(badExpr.json.error.message, /pipelines\/expr/);

    const badName = await h.call('PUT', `${F}/pipelines/bad:name?${API}`, { body: { properties: pipeline } });
    assert.equal(badName.status, 400);
    assert.match(badName.json.error.message, /must not contain/);

    const noProps = await h.call('PUT', `${F}/pipelines/np?${API}`, { body: { name: 'np' } });
    assert.equal(noProps.status, 400);
    assert.match(noProps.json.error.message, /properties/);
    const mismatch = await h.call('PUT', `${F}/pipelines/one?${API}`, { body: { name: 'two', properties: pipeline } });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.json.error.message, /does not match/);
    const badJson = await h.call('PUT', `${F}/pipelines/j?${API}`, { raw: '{"properties": {' });
    assert.equal(badJson.status, 400);
    assert.match(badJson.json.error.message, /not valid JSON/);
    const missingFactory = await h.call('PUT', `${factoryPath('no-such-factory')}/pipelines/p?${API}`, {
      body: { properties: pipeline },
    });
    assert.equal(missingFactory.status, 404);
    assert.equal(missingFactory.json.error.code, 'ResourceNotFound');
  });

  test('global parameters reach runs; DELETE removes a resource (200, then 204; GET 404 NotFound)', async () => {
    const p = await h.call('PUT', `${F}/pipelines/globals?${API}`, {
      body: {
        properties: {
          variables: { v: { type: 'String' } },
          activities: [
            {
              name: 'S',
              type: 'SetVariable',
              typeProperties: { variableName: 'v', value: '@pipeline().globalParameters.env' },
            },
          ],
        },
      },
    });
    assert.equal(p.status, 200, p.text);
    const r = await h.call('POST', `${F}/pipelines/globals/createRun?${API}`);
    const run = await h.waitRun('res-factory', r.json.runId);
    assert.equal(run.status, 'Succeeded', run.message);
    const acts = await h.call('POST', `${F}/pipelineruns/${run.runId}/queryActivityruns?${API}`, {
      body: { lastUpdatedAfter: '2000-01-01T00:00:00Z', lastUpdatedBefore: '2100-01-01T00:00:00Z' },
    });
    assert.equal(acts.json.value[0].output.value, 'test');

    assert.equal((await h.call('DELETE', `${F}/credentials/cred1?${API}`)).status, 200);
    assert.equal((await h.call('DELETE', `${F}/credentials/cred1?${API}`)).status, 204);
    const gone = await h.call('GET', `${F}/credentials/cred1?${API}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error.code, 'NotFound');
  });
});
