import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness, pipeline, standIn, writeFactory, type Harness } from './helpers.js';

/**
 * The product's scenario end to end over real HTTPS: a Web activity reads a vault secret with the factory's
 * managed identity (latest and versioned URIs), Key Vault's own answers become ADF activity failures, a later
 * activity sends the value with secure input, and the value never reaches a record.
 */

const SECRET = 'canary-3f1e9a7c-swordfish';
const OLD = 'canary-old-version-7d2b';
const V1 = '0123456789abcdef0123456789abcdef';
const FACTORY_OID = '6a4c2b8e-0f1d-4e3a-9b7c-5d6e7f8a9b0c';
const MSI = { type: 'MSI', resource: 'https://vault.azure.net' };

const web = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'WebActivity',
  dependsOn: [],
  policy: { timeout: '0.00:05:00', retry: 0, secureOutput: true, secureInput: false },
  userProperties: [],
  typeProperties: { url, method: 'GET', authentication: MSI, ...extra },
});

// set up at the top level: `after` hooks registered inside a `before` hook run when that hook ends
const api = await standIn((req, res) => {
  const ok = req.headers['x-api-key'] === SECRET || req.url === '/versioned';
  res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
  res.end(JSON.stringify(ok ? { accepted: true } : { error: 'bad key' }));
});
const dir = writeFactory({
  'factory/demo-factory.json': {
    name: 'demo-factory',
    location: 'westeurope',
    identity: { type: 'SystemAssigned', principalId: FACTORY_OID, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
  },
  'pipeline/ReadSecret.json': pipeline('ReadSecret', [
    web('Web1', 'https://demo-kv.vault.azure.net/secrets/api-key?api-version=7.0'),
    {
      name: 'CallApi',
      type: 'WebActivity',
      dependsOn: [{ activity: 'Web1', dependencyConditions: ['Succeeded'] }],
      policy: { secureInput: true, secureOutput: false },
      typeProperties: {
        url: 'https://api.contoso.com/check',
        method: 'POST',
        headers: { 'x-api-key': { value: "@activity('Web1').output.value", type: 'Expression' } },
        body: { value: '{"ping": true}', type: 'Expression' },
      },
    },
  ]),
  'pipeline/Versioned.json': pipeline('Versioned', [
    web('Old', `https://demo-kv.vault.azure.net/secrets/api-key/${V1}?api-version=7.0`, {}),
    {
      name: 'SendOld',
      type: 'WebActivity',
      dependsOn: [{ activity: 'Old', dependencyConditions: ['Succeeded'] }],
      policy: { secureInput: true },
      typeProperties: {
        url: 'https://api.contoso.com/versioned',
        method: 'PUT',
        headers: [{ name: 'x-old', value: "@activity('Old').output.value" }],
        body: { old: true },
      },
    },
  ]),
  'pipeline/NoApiVersion.json': pipeline('NoApiVersion', [
    web('Web1', 'https://demo-kv.vault.azure.net/secrets/api-key'),
  ]),
  'pipeline/Denied.json': pipeline('Denied', [
    web('Web1', 'https://locked-kv.vault.azure.net/secrets/hidden?api-version=7.0'),
  ]),
  'pipeline/Disabled.json': pipeline('Disabled', [
    web('Web1', 'https://demo-kv.vault.azure.net/secrets/retired?api-version=7.4'),
  ]),
  'pipeline/UnknownVault.json': pipeline('UnknownVault', [
    web('Web1', 'https://nope-kv.vault.azure.net/secrets/x?api-version=7.4'),
  ]),
  'pipeline/Egress.json': pipeline('Egress', [
    { name: 'Out', type: 'WebActivity', typeProperties: { url: 'https://example.org/data', method: 'get' } },
  ]),
  'pipevault.json': {
    factory: { name: 'demo-factory' },
    vaults: {
      'demo-kv': {
        secrets: {
          'api-key': { versions: [{ value: OLD, version: V1 }, { fromEnv: 'E2E_API_KEY' }] },
          retired: { value: 'canary-retired-99', enabled: false },
        },
        accessPolicies: [{ principal: 'factory', secrets: ['get', 'list'] }],
      },
      'locked-kv': { secrets: { hidden: { value: 'canary-locked-55' } } },
    },
    hosts: { 'api.contoso.com': api.url },
  },
});
const h: Harness = await harness(dir, { env: { E2E_API_KEY: SECRET } });

test('the factory identity keeps the object ID its factory file gives', () => {
  assert.equal(h.applied.factoryIdentity.objectId, FACTORY_OID);
  assert.equal(h.applied.factoryName, 'demo-factory');
});

test('latest secret URI: secure output, value used downstream with secure input, hidden in records', async () => {
  const { run, activities } = await h.run('ReadSecret');
  assert.equal(run.status, 'Succeeded', JSON.stringify(activities.map((a) => a.error)));
  const [w, call] = activities;
  assert.equal(w?.output, '**********');
  assert.equal(w?.secureOutput, true);
  assert.equal(call?.input, '**********');
  assert.deepEqual((call?.output as Record<string, unknown>).accepted, true);
  const sent = api.requests.at(-1)!;
  assert.equal(sent.headers['x-api-key'], SECRET);
  assert.equal(sent.body, '{"ping": true}');
  assert.doesNotMatch(JSON.stringify({ run, activities }), new RegExp(SECRET));
});

test('a versioned secret URI returns that version', async () => {
  // secure output hides it in the record; what the next activity sent shows which version it was
  const { run, activities } = await h.run('Versioned');
  assert.equal(run.status, 'Succeeded', JSON.stringify(activities.map((a) => a.error)));
  assert.equal(activities[0]?.output, '**********');
  const sent = api.requests.find((r) => r.url === '/versioned')!;
  assert.equal(sent.headers['x-old'], OLD);
  assert.equal(sent.method, 'PUT');
  assert.deepEqual(JSON.parse(sent.body), { old: true });
});

test('without api-version the vault answers 400 and the activity fails with its message', async () => {
  const { run, activities } = await h.run('NoApiVersion');
  assert.equal(run.status, 'Failed');
  const e = activities[0]!.error!;
  assert.equal(e.errorCode, '2108');
  const body = JSON.parse(e.message) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'BadParameter');
  assert.match(body.error.message, /api-version/);
});

test('no access policy: the activity fails with the 403 naming the missing get permission', async () => {
  const { activities } = await h.run('Denied');
  const e = activities[0]!.error!;
  assert.equal(e.errorCode, '2108');
  assert.equal(e.target, 'Web1');
  assert.match(e.message, /Forbidden/);
  assert.match(e.message, /does not have secrets get permission on key vault 'locked-kv/);
});

test("a disabled secret fails the activity with Key Vault's SecretDisabled answer", async () => {
  const { activities } = await h.run('Disabled');
  const e = activities[0]!.error!;
  assert.equal(e.errorCode, '2108');
  assert.match(e.message, /SecretDisabled|disabled/i);
  assert.doesNotMatch(JSON.stringify(activities), /canary-retired-99/);
});

test('a vault the workspace does not define fails, naming it', async () => {
  const { activities } = await h.run('UnknownVault');
  const e = activities[0]!.error!;
  assert.equal(e.errorCode, 'VaultNotFound');
  assert.match(e.message, /'nope-kv'/);
});

test('an unmapped production host fails fast, naming the host and both ways out', async () => {
  const { activities } = await h.run('Egress');
  const e = activities[0]!.error!;
  assert.equal(e.errorCode, 'OutboundHostNotAllowed');
  assert.match(e.message, /'example\.org'/);
  assert.match(e.message, /"hosts"/);
  assert.match(e.message, /--allow-egress/);
});
