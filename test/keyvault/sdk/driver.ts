/**
 * Drives the official @azure/keyvault-secrets SecretClient against a running pipevault, one scenario after the
 * other, and prints one JSON line per scenario: {"name", "ok", "error"?}. It runs in its own process because
 * Node reads NODE_EXTRA_CA_CERTS (pipevault's CA bundle) only at start. Configuration comes from env (PVT_*),
 * written by sdk-contract.test.ts.
 */
import assert from 'node:assert/strict';
import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`driver needs env ${k}`);
  return v;
};

const url = env('PVT_URL');
const tenant = env('PVT_TENANT');
const canary = env('PVT_CANARY');
const poll = { intervalInMs: 20 };

const clientOptions = (extra: Partial<SecretClientOptions> = {}): SecretClientOptions => ({
  disableChallengeResourceVerification: true,
  retryOptions: { maxRetries: 0 },
  ...extra,
});

const spCredential = (appKey: string, secretKey: string) =>
  new ClientSecretCredential(tenant, env(appKey), env(secretKey), {
    authorityHost: url,
    disableInstanceDiscovery: true,
  });

const officer = new SecretClient(url, spCredential('PVT_OFFICER_APP', 'PVT_OFFICER_SECRET'), clientOptions());
const lister = new SecretClient(url, spCredential('PVT_LISTER_APP', 'PVT_LISTER_SECRET'), clientOptions());

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  details?: { error?: { innerError?: { code?: string }; innererror?: { code?: string } } };
}

async function expectRestError(p: Promise<unknown>, status: number, code: string, inner?: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    const err = e as RestErrorLike;
    assert.equal(err.statusCode, status, `status of ${String(e)}`);
    assert.equal(err.code, code);
    if (inner) {
      const ie = err.details?.error?.innerError ?? err.details?.error?.innererror;
      assert.equal(ie?.code, inner);
    }
    return;
  }
  assert.fail(`expected ${status} ${code}`);
}

const scenarios: Record<string, () => Promise<void>> = {
  'set, get latest and by version, update properties, list versions': async () => {
    const a = await officer.setSecret('sdk-basic', `${canary}-a`, { contentType: 'text/plain', tags: { env: 'test' } });
    assert.match(a.properties.version ?? '', /^[0-9a-f]{32}$/);
    assert.equal(a.properties.vaultUrl, url);
    assert.equal(a.properties.enabled, true);
    assert.ok(a.properties.createdOn instanceof Date);
    const b = await officer.setSecret('sdk-basic', `${canary}-b`);
    assert.notEqual(a.properties.version, b.properties.version);
    assert.equal((await officer.getSecret('sdk-basic')).value, `${canary}-b`);
    const old = await officer.getSecret('sdk-basic', { version: a.properties.version });
    assert.equal(old.value, `${canary}-a`);
    assert.equal(old.properties.contentType, 'text/plain');
    assert.deepEqual(old.properties.tags, { env: 'test' });
    const expiresOn = new Date(Date.UTC(2030, 0, 1));
    const upd = await officer.updateSecretProperties('sdk-basic', b.properties.version ?? '', {
      tags: { x: 'y' },
      expiresOn,
    });
    assert.deepEqual(upd.tags, { x: 'y' });
    assert.equal(upd.expiresOn?.getTime(), expiresOn.getTime());
    const versions: string[] = [];
    for await (const p of officer.listPropertiesOfSecretVersions('sdk-basic')) versions.push(p.version ?? '');
    assert.deepEqual(new Set(versions), new Set([a.properties.version, b.properties.version]));
  },

  'list pages past 25 with absolute nextLinks': async () => {
    for (let i = 0; i < 30; i++) await officer.setSecret(`sdk-page-${String(i).padStart(2, '0')}`, `${canary}-p${i}`);
    const pages: number[] = [];
    for await (const page of officer.listPropertiesOfSecrets().byPage({ maxPageSize: 25 })) pages.push(page.length);
    assert.equal(pages[0], 25);
    assert.ok(pages.length >= 2, `pages ${pages.join(',')}`);
    const names = new Set<string>();
    for await (const p of officer.listPropertiesOfSecrets()) names.add(p.name);
    for (let i = 0; i < 30; i++) assert.ok(names.has(`sdk-page-${String(i).padStart(2, '0')}`));
    const small: number[] = [];
    for await (const page of officer.listPropertiesOfSecrets().byPage({ maxPageSize: 7 })) small.push(page.length);
    assert.ok(small.every((n) => n <= 7));
  },

  'disabled secret is 403 Forbidden/SecretDisabled; missing is 404 SecretNotFound': async () => {
    await officer.setSecret('sdk-disabled', `${canary}-d`, { enabled: false });
    await expectRestError(officer.getSecret('sdk-disabled'), 403, 'Forbidden', 'SecretDisabled');
    await expectRestError(officer.getSecret('sdk-missing'), 404, 'SecretNotFound');
  },

  'a second principal without get is refused with 403': async () => {
    await officer.setSecret('sdk-guarded', `${canary}-g`);
    await expectRestError(lister.getSecret('sdk-guarded'), 403, 'Forbidden', 'AccessDenied');
    await expectRestError(lister.setSecret('sdk-guarded', 'x'), 403, 'Forbidden', 'AccessDenied');
    let seen = false;
    for await (const p of lister.listPropertiesOfSecrets()) if (p.name === 'sdk-guarded') seen = true;
    assert.ok(seen, 'list permission lists');
  },

  'delete, recover and purge pollers': async () => {
    await officer.setSecret('sdk-lifecycle', `${canary}-l1`);
    await officer.setSecret('sdk-lifecycle', `${canary}-l2`);
    const delPoller = await officer.beginDeleteSecret('sdk-lifecycle', poll);
    const deleted = await delPoller.pollUntilDone();
    assert.equal(deleted.recoveryId, `${url}/deletedsecrets/sdk-lifecycle`);
    assert.ok(deleted.deletedOn instanceof Date);
    assert.ok(deleted.scheduledPurgeDate instanceof Date);
    await expectRestError(officer.getSecret('sdk-lifecycle'), 404, 'SecretNotFound');
    await expectRestError(officer.setSecret('sdk-lifecycle', 'x'), 409, 'Conflict', 'ObjectIsDeletedButRecoverable');
    assert.equal((await officer.getDeletedSecret('sdk-lifecycle')).name, 'sdk-lifecycle');
    let listed = false;
    for await (const d of officer.listDeletedSecrets()) if (d.name === 'sdk-lifecycle') listed = true;
    assert.ok(listed);
    const recPoller = await officer.beginRecoverDeletedSecret('sdk-lifecycle', poll);
    await recPoller.pollUntilDone();
    assert.equal((await officer.getSecret('sdk-lifecycle')).value, `${canary}-l2`);
    await (await officer.beginDeleteSecret('sdk-lifecycle', poll)).pollUntilDone();
    await officer.purgeDeletedSecret('sdk-lifecycle');
    await expectRestError(officer.getDeletedSecret('sdk-lifecycle'), 404, 'SecretNotFound');
    await officer.setSecret('sdk-lifecycle', `${canary}-l3`);
  },

  'backup and restore keep every version': async () => {
    const v1 = await officer.setSecret('sdk-backup', `${canary}-b1`);
    await officer.setSecret('sdk-backup', `${canary}-b2`);
    const blob = await officer.backupSecret('sdk-backup');
    assert.ok(blob instanceof Uint8Array && blob.length > 0);
    assert.ok(!Buffer.from(blob ?? []).includes(Buffer.from(canary)));
    await (await officer.beginDeleteSecret('sdk-backup', poll)).pollUntilDone();
    await officer.purgeDeletedSecret('sdk-backup');
    const restored = await officer.restoreSecretBackup(blob as Uint8Array);
    assert.equal(restored.name, 'sdk-backup');
    assert.equal((await officer.getSecret('sdk-backup')).value, `${canary}-b2`);
    assert.equal((await officer.getSecret('sdk-backup', { version: v1.properties.version })).value, `${canary}-b1`);
    await expectRestError(officer.restoreSecretBackup(blob as Uint8Array), 409, 'Conflict');
  },

  'older api-versions (7.0, 7.5) speak the same protocol': async () => {
    for (const serviceVersion of ['7.0', '7.5'] as const) {
      const c = new SecretClient(
        url,
        spCredential('PVT_OFFICER_APP', 'PVT_OFFICER_SECRET'),
        clientOptions({ serviceVersion }),
      );
      await c.setSecret(`sdk-v${serviceVersion.replace('.', '')}`, `${canary}-v`);
      assert.equal((await c.getSecret(`sdk-v${serviceVersion.replace('.', '')}`)).value, `${canary}-v`);
    }
  },

  'ManagedIdentityCredential (IMDS-style endpoint) reads what the factory identity was granted': async () => {
    await officer.setSecret('sdk-mi', `${canary}-mi`);
    const mi = new SecretClient(url, new ManagedIdentityCredential(), clientOptions());
    assert.equal((await mi.getSecret('sdk-mi')).value, `${canary}-mi`);
    await expectRestError(mi.setSecret('sdk-mi', 'x'), 403, 'Forbidden', 'AccessDenied');
  },
};

const only = process.argv.slice(2);
for (const [name, run] of Object.entries(scenarios)) {
  if (only.length && !only.includes(name)) continue;
  try {
    await run();
    process.stdout.write(JSON.stringify({ name, ok: true }) + '\n');
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    process.stdout.write(JSON.stringify({ name, ok: false, error }) + '\n');
  }
}
