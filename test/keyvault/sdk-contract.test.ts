import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir } from '../helpers/tmp.js';
import { spawnServer, type SpawnedServer } from './helpers/server.js';

/**
 * The contract: the official @azure/keyvault-secrets SecretClient, authenticated by ClientSecretCredential and
 * by ManagedIdentityCredential, against `pipevault start` over HTTPS, unchanged but for the endpoint,
 * `disableChallengeResourceVerification` and the CA bundle. The SDK runs in test/keyvault/sdk/driver.ts (its own
 * process, so NODE_EXTRA_CA_CERTS applies); each scenario it reports becomes one test here. Every value the
 * driver stores carries a canary, which must appear neither in the SQLite files nor in the server's log.
 */

const root = new URL('../../', import.meta.url).pathname;
const MGMT =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault/providers/Microsoft.KeyVault/vaults';

describe('Key Vault contract with @azure/keyvault-secrets', () => {
  let server: SpawnedServer;
  let dataDir: string;
  let removeDir: (() => void) | undefined;
  const canary = `canary${randomBytes(8).toString('hex')}`;
  const results = new Map<string, { ok: boolean; error?: string }>();
  let driverOutput = '';

  before(async () => {
    ({ dir: dataDir, remove: removeDir } = makeTempDir());
    server = await spawnServer({ dataDir });
    const sp = async (name: string) => {
      const r = await server.admin('POST', '/pipevault/admin/principals', {
        type: 'servicePrincipal',
        displayName: name,
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return r.json as { appId: string; objectId: string; password: string };
    };
    const officer = await sp('sdk-officer');
    const lister = await sp('sdk-lister');
    const ident = await server.admin('GET', '/pipevault/admin/identity');
    const factory = (ident.json.factories as Array<{ factory: string; objectId: string }>).find(
      (f) => f.factory === 'default',
    );
    assert.ok(factory, JSON.stringify(ident.json));
    const policies = [
      { tenantId: server.tenant, objectId: officer.objectId, permissions: { secrets: ['all'] } },
      { tenantId: server.tenant, objectId: lister.objectId, permissions: { secrets: ['list'] } },
      { tenantId: server.tenant, objectId: factory.objectId, permissions: { secrets: ['get', 'list'] } },
    ];
    const grant = await server.admin('PUT', `${MGMT}/default/accessPolicies/add?api-version=2023-07-01`, {
      properties: { accessPolicies: policies },
    });
    assert.equal(grant.status, 200, JSON.stringify(grant.json));

    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/keyvault/sdk/driver.ts')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: server.caBundleFile,
        AZURE_POD_IDENTITY_AUTHORITY_HOST: server.url,
        PVT_URL: server.url,
        PVT_TENANT: server.tenant,
        PVT_CANARY: canary,
        PVT_OFFICER_APP: officer.appId,
        PVT_OFFICER_SECRET: officer.password,
        PVT_LISTER_APP: lister.appId,
        PVT_LISTER_SECRET: lister.password,
      },
    });
    driverOutput = `${r.stdout}\n${r.stderr}`;
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const o = JSON.parse(line) as { name: string; ok: boolean; error?: string };
      results.set(o.name, o);
    }
  });
  after(async () => {
    await server?.stop();
    removeDir?.();
  });

  const scenario = (name: string) =>
    test(name, () => {
      const r = results.get(name);
      assert.ok(r, `the driver did not report this scenario:\n${driverOutput.slice(0, 4000)}`);
      assert.ok(r.ok, r.error);
    });

  scenario('set, get latest and by version, update properties, list versions');
  scenario('list pages past 25 with absolute nextLinks');
  scenario('disabled secret is 403 Forbidden/SecretDisabled; missing is 404 SecretNotFound');
  scenario('a second principal without get is refused with 403');
  scenario('delete, recover and purge pollers');
  scenario('backup and restore keep every version');
  scenario('older api-versions (7.0, 7.5) speak the same protocol');
  scenario('ManagedIdentityCredential (IMDS-style endpoint) reads what the factory identity was granted');

  test('canary: no secret value in clear in the SQLite files or the server log', async () => {
    assert.ok(results.size > 0, 'the driver ran');
    const dbFiles = readdirSync(dataDir).filter((f) => f.startsWith('pipevault.db'));
    assert.ok(dbFiles.length > 0);
    for (const f of dbFiles) {
      const bytes = readFileSync(join(dataDir, f));
      assert.ok(!bytes.includes(Buffer.from(canary)), `${f} holds a secret value in clear`);
    }
    assert.ok(server.output().length > 0, 'the server logged something');
    assert.ok(!server.output().includes(canary), 'the server log holds a secret value');
  });

  test('plain http on the vault port is not served', async () => {
    const r = await fetch(`http://127.0.0.1:${server.port}/secrets?api-version=7.4`).then(
      (res) => res.status,
      () => 'refused',
    );
    assert.equal(r, 'refused');
  });

  test('the audit trail records SDK calls, allowed and denied, without values', async () => {
    const r = await server.admin('GET', '/pipevault/admin/keyvault/audit?vault=default&top=1000');
    assert.equal(r.status, 200);
    const records = r.json.value as Array<{ operation: string; result: string; secretName: string | null }>;
    assert.ok(
      records.some((x) => x.operation === 'SecretGet' && x.result === 'Denied' && x.secretName === 'sdk-guarded'),
    );
    assert.ok(records.some((x) => x.operation === 'SecretPurge' && x.result === 'Success'));
    assert.ok(records.some((x) => x.operation === 'SecretRestore' && x.result === 'Success'));
    assert.ok(!JSON.stringify(r.json).includes(canary));
  });
});
