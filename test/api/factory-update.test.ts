import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { API, factoryPath, RG, startApi, SUB, type ApiHarness } from './helpers.js';

/** Factories_Update (PATCH with FactoryUpdateParameters: tags, identity, properties.publicNetworkAccess). */

const h: ApiHarness = await startApi();
const F = factoryPath('patched');

describe('factories update (PATCH)', () => {
  test('tags replace the tag set, identity stays SystemAssigned, publicNetworkAccess is kept; the rest is untouched', async () => {
    const put = await h.call('PUT', `${F}?${API}`, {
      body: {
        location: 'westeurope',
        tags: { team: 'data', env: 'dev' },
        properties: { globalParameters: { region: { type: 'String', value: 'eu' } } },
      },
    });
    assert.equal(put.status, 200, put.text);
    const patch = await h.call('PATCH', `${F}?${API}`, {
      body: { tags: { env: 'prod' }, identity: { type: 'SystemAssigned' } },
    });
    assert.equal(patch.status, 200, patch.text);
    assert.deepEqual(patch.json.tags, { env: 'prod' });
    assert.equal(patch.json.location, 'westeurope');
    assert.equal(patch.json.identity.type, 'SystemAssigned');
    assert.equal(patch.json.identity.principalId, put.json.identity.principalId, 'the same managed identity');
    assert.deepEqual(patch.json.properties.globalParameters, { region: { type: 'String', value: 'eu' } });
    assert.notEqual(patch.json.eTag, put.json.eTag);

    const access = await h.call('PATCH', `${F}?${API}`, { body: { properties: { publicNetworkAccess: 'Disabled' } } });
    assert.equal(access.status, 200, access.text);
    assert.deepEqual(access.json.tags, { env: 'prod' }, 'tags not given are kept');
    const got = await h.call('GET', `${F}?${API}`);
    assert.equal(got.json.properties.publicNetworkAccess, 'Disabled');
    assert.deepEqual(got.json.tags, { env: 'prod' });
    assert.equal(
      got.json.id,
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DataFactory/factories/patched`,
    );
  });

  test('bad input is a 400 naming what, and changes nothing; a missing factory is a 404; a reader is refused', async () => {
    const before = (await h.call('GET', `${F}?${API}`)).json;
    const cases: [unknown, RegExp][] = [
      [{ identity: { type: 'UserAssigned' } }, /identity.type 'UserAssigned' is not supported/],
      [{ tags: { n: 1 } }, /tags must be an object of string values/],
      [{ location: 'eastus' }, /'location' cannot be updated with PATCH/],
      [{ properties: { globalParameters: {} } }, /properties.globalParameters cannot be updated with PATCH/],
      [{ properties: { publicNetworkAccess: 'Sometimes' } }, /publicNetworkAccess must be Enabled or Disabled/],
      [[1], /must be a JSON object/],
    ];
    for (const [body, why] of cases) {
      const r = await h.call('PATCH', `${F}?${API}`, { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, 'BadRequest');
      assert.match(r.json.error.message, why);
    }
    const after = (await h.call('GET', `${F}?${API}`)).json;
    assert.equal(after.eTag, before.eTag, 'nothing changed');

    const missing = await h.call('PATCH', `${factoryPath('nowhere')}?${API}`, { body: { tags: {} } });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'ResourceNotFound');

    const sp = await h.servicePrincipal('patch-reader');
    await h.grant(sp.objectId, 'Reader', `/subscriptions/${SUB}/resourceGroups/${RG}`);
    const token = await h.tokenFor(sp.appId, sp.password);
    const denied = await h.call('PATCH', `${F}?${API}`, { token, body: { tags: {} } });
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, 'AuthorizationFailed');
  });
});
