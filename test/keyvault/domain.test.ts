import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/common/clock.js';
import { PipevaultError } from '../../src/common/errors.js';
import { randomIds } from '../../src/common/ids.js';
import { AuditLog } from '../../src/keyvault/audit/audit.js';
import { authorize, vaultScope, secretScope } from '../../src/keyvault/domain/authorization.js';
import type { Caller } from '../../src/keyvault/domain/model.js';
import { SecretService } from '../../src/keyvault/domain/secrets.js';
import { parseAccessPolicies, parseSetSecret, parseUpdateSecret } from '../../src/keyvault/domain/validate.js';
import { VaultService } from '../../src/keyvault/domain/vaults.js';
import { createBarrier } from '../../src/storage/barrier.js';
import type { Database } from '../../src/storage/database.js';
import { KeyVaultStore } from '../../src/storage/keyvault-store.js';
import { forEachAdapter } from '../helpers/pg.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const START = Date.UTC(2026, 0, 1);

/** Expects `fn` to reject with a PipevaultError of the given status/code/inner code. */
async function rejects(
  fn: () => Promise<unknown>,
  status: number,
  code: string,
  inner?: string,
): Promise<PipevaultError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof PipevaultError, `expected a PipevaultError, got ${String(e)}`);
    assert.equal(e.status, status, e.message);
    assert.equal(e.code, code, e.message);
    if (inner !== undefined) assert.equal(e.innerCode, inner);
    return e;
  }
  assert.fail(`expected ${status} ${code}`);
}

forEachAdapter('keyvault domain', (target) => {
  let database: Database;
  let store: KeyVaultStore;
  let clock: ManualClock;
  let vaults: VaultService;
  let secrets: SecretService;

  before(async () => {
    database = await target().open();
    await database.migrate();
    store = new KeyVaultStore(database.db);
    clock = new ManualClock(START);
    vaults = new VaultService({ store, clock, tenantId: TENANT });
    secrets = new SecretService({ store, clock, ids: randomIds, barrier: createBarrier(randomBytes(32)) });
  });
  after(async () => {
    await database?.close();
  });

  test('set creates a new 32-hex version each time; get reads the latest or a given version at once', async () => {
    const v = await vaults.ensure('default');
    const a = await secrets.set(v, 'Api-Key', { value: 'one', attributes: {} });
    assert.match(a.version, /^[0-9a-f]{32}$/);
    assert.equal(a.value, 'one');
    assert.equal(a.attributes.enabled, true);
    assert.equal(a.attributes.created, START / 1000);
    assert.equal(a.attributes.recoveryLevel, 'Recoverable+Purgeable');
    assert.equal(a.attributes.recoverableDays, 90);
    clock.advance(1000);
    const b = await secrets.set(v, 'api-key', { value: 'two', contentType: 'text/plain', tags: { env: 'dev' } });
    assert.notEqual(a.version, b.version);
    assert.equal(b.name, 'Api-Key', 'names are case-insensitive and keep their first spelling');
    assert.equal((await secrets.get(v, 'API-KEY')).value, 'two');
    assert.equal((await secrets.get(v, 'api-key', a.version)).value, 'one');
    assert.equal((await secrets.get(v, 'api-key', b.version.toUpperCase())).contentType, 'text/plain');
  });

  test('update changes attributes and tags of one version only; a disabled version is 403 SecretDisabled', async () => {
    const v = await vaults.ensure('default');
    const first = await secrets.set(v, 'toggle', { value: 'v1' });
    const second = await secrets.set(v, 'toggle', { value: 'v2', tags: { a: '1' } });
    const upd = await secrets.update(v, 'toggle', second.version, { attributes: { enabled: false }, tags: { b: '2' } });
    assert.equal(upd.value, undefined);
    assert.deepEqual(upd.tags, { b: '2' });
    await rejects(() => secrets.get(v, 'toggle'), 403, 'Forbidden', 'SecretDisabled');
    assert.equal((await secrets.get(v, 'toggle', first.version)).value, 'v1');
    // empty attributes change nothing (what the SDK sends with a tags-only update)
    const same = await secrets.update(v, 'toggle', second.version, parseUpdateSecret({ attributes: {} }));
    assert.equal(same.attributes.enabled, false);
    const props = await secrets.properties(v, 'toggle');
    assert.equal(props.attributes.enabled, false);
    const listed = (await secrets.list(v, 25)).items.find((s) => s.name === 'toggle');
    assert.equal(listed?.attributes.enabled, false, 'lists still show disabled secrets');
  });

  test('nbf and exp are informational: an expired secret is still readable', async () => {
    const v = await vaults.ensure('default');
    await secrets.set(v, 'expired', { value: 'old', attributes: { nbf: 100, exp: 200 } });
    const got = await secrets.get(v, 'expired');
    assert.equal(got.value, 'old');
    assert.equal(got.attributes.exp, 200);
  });

  test('list and list-versions page by maxresults past 25', async () => {
    const v = (await vaults.createOrUpdate('paging', {})).vault;
    for (let i = 0; i < 30; i++) await secrets.set(v, `s-${String(i).padStart(2, '0')}`, { value: `v${i}` });
    const p1 = await secrets.list(v, 25);
    assert.equal(p1.items.length, 25);
    assert.ok(p1.next);
    const p2 = await secrets.list(v, 25, p1.next ?? undefined);
    assert.equal(p2.items.length, 5);
    assert.equal(p2.next, null);
    assert.equal(new Set([...p1.items, ...p2.items].map((s) => s.name)).size, 30);
    assert.ok([...p1.items, ...p2.items].every((s) => s.value === undefined));
    for (let i = 0; i < 27; i++) await secrets.set(v, 'many', { value: `m${i}` });
    const versions: string[] = [];
    let next: string | null | undefined;
    do {
      const page = await secrets.listVersions(v, 'many', 10, next ?? undefined);
      versions.push(...page.items.map((s) => s.version));
      next = page.next;
    } while (next);
    assert.equal(new Set(versions).size, 27);
    await rejects(() => secrets.list(v, 25, 'not-a-token'), 400, 'BadParameter');
  });

  test('delete is soft: 404 on get, 409 on set, visible as deleted, recoverable with all versions', async () => {
    const v = await vaults.ensure('default');
    const one = await secrets.set(v, 'gone', { value: 'a' });
    await secrets.set(v, 'gone', { value: 'b' });
    const { deleted, recoverable } = await secrets.delete(v, 'gone');
    assert.equal(recoverable, true);
    assert.equal(deleted.scheduledPurgeDate - deleted.deletedDate, 90 * 86400);
    await rejects(() => secrets.get(v, 'gone'), 404, 'SecretNotFound');
    await rejects(() => secrets.set(v, 'gone', { value: 'c' }), 409, 'Conflict', 'ObjectIsDeletedButRecoverable');
    await rejects(() => secrets.delete(v, 'gone'), 404, 'SecretNotFound');
    assert.ok((await secrets.listDeleted(v, 25)).items.some((s) => s.name === 'gone'));
    assert.equal((await secrets.getDeleted(v, 'gone')).deletedDate, deleted.deletedDate);
    await secrets.recover(v, 'gone');
    assert.equal((await secrets.get(v, 'gone')).value, 'b');
    assert.equal((await secrets.get(v, 'gone', one.version)).value, 'a');
    await rejects(() => secrets.getDeleted(v, 'gone'), 404, 'SecretNotFound');
  });

  test('purge removes for good; purge protection refuses it; retention ends in a purge', async () => {
    const v = await vaults.ensure('default');
    await secrets.set(v, 'purge-me', { value: 'x' });
    await secrets.delete(v, 'purge-me');
    await secrets.purge(v, 'purge-me');
    await rejects(() => secrets.getDeleted(v, 'purge-me'), 404, 'SecretNotFound');
    await secrets.set(v, 'purge-me', { value: 'fresh' });

    const pp = (await vaults.createOrUpdate('protected', { enablePurgeProtection: true, softDeleteRetentionInDays: 7 }))
      .vault;
    const s = await secrets.set(pp, 'kept', { value: 'x' });
    assert.equal(s.attributes.recoveryLevel, 'CustomizedRecoverable');
    assert.equal(s.attributes.recoverableDays, 7);
    await secrets.delete(pp, 'kept');
    await rejects(() => secrets.purge(pp, 'kept'), 403, 'Forbidden');
    clock.advance(7 * 86400 * 1000 + 1000);
    await rejects(() => secrets.getDeleted(pp, 'kept'), 404, 'SecretNotFound');
    assert.equal((await secrets.set(pp, 'kept', { value: 'again' })).value, 'again');
    await rejects(() => vaults.createOrUpdate('protected', { enablePurgeProtection: false }), 400, 'BadParameter');
  });

  test('a vault without soft delete deletes at once and has nothing to recover', async () => {
    const v = (await vaults.createOrUpdate('nosoft', { enableSoftDelete: false })).vault;
    const s = await secrets.set(v, 'x', { value: 'y' });
    assert.equal(s.attributes.recoveryLevel, 'Purgeable');
    assert.equal(s.attributes.recoverableDays, 0);
    const { recoverable } = await secrets.delete(v, 'x');
    assert.equal(recoverable, false);
    await secrets.set(v, 'x', { value: 'again' });
  });

  test('backup holds every version; restore recreates them with the same ids, only where the name is free', async () => {
    const v = await vaults.ensure('default');
    const a = await secrets.set(v, 'bk', { value: 'first', tags: { t: '1' } });
    const b = await secrets.set(v, 'bk', { value: 'second', contentType: 'ct' });
    const blob = await secrets.backup(v, 'bk');
    assert.ok(!blob.includes(Buffer.from('first')) && !blob.includes(Buffer.from('second')), 'backup blob is sealed');
    await rejects(() => secrets.restore(v, blob), 409, 'Conflict');
    const other = (await vaults.createOrUpdate('restore-target', {})).vault;
    const restored = await secrets.restore(other, blob);
    assert.equal(restored.version, b.version);
    assert.equal(restored.value, undefined);
    assert.equal((await secrets.get(other, 'bk', a.version)).value, 'first');
    assert.deepEqual((await secrets.get(other, 'bk', a.version)).tags, { t: '1' });
    assert.equal((await secrets.get(other, 'bk')).value, 'second');
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1] ^= 1;
    await secrets.delete(other, 'bk');
    await secrets.purge(other, 'bk');
    await rejects(() => secrets.restore(other, tampered), 400, 'BadParameter');
    await rejects(() => secrets.restore(other, Buffer.from('garbage')), 400, 'BadParameter');
    await rejects(() => secrets.get(other, 'bk'), 404, 'SecretNotFound');
  });

  test('bad input is rejected with Key Vault errors and stores nothing', async () => {
    const v = (await vaults.createOrUpdate('badinput', {})).vault;
    await rejects(() => secrets.set(v, 'bad_name', { value: 'x' }), 400, 'BadParameter');
    await rejects(() => secrets.set(v, 'x'.repeat(128), { value: 'x' }), 400, 'BadParameter');
    await rejects(() => secrets.get(v, 'ok', 'not-a-version'), 400, 'BadParameter');
    const bad: unknown[] = [
      null,
      [],
      'str',
      {},
      { value: 5 },
      { value: 'x'.repeat(25 * 1024 + 1) },
      { value: 'x', tags: { a: 1 } },
      { value: 'x', tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'])) },
      { value: 'x', attributes: { enabled: 'yes' } },
      { value: 'x', attributes: { exp: '2026-01-01' } },
      { value: 'x', attributes: { nbf: 1.5 } },
      { value: 'x', attributes: { nbf: 200, exp: 100 } },
      { value: 'x', contentType: 'c'.repeat(256) },
      { value: 'x', attributes: [] },
    ];
    for (const body of bad) {
      assert.throws(
        () => parseSetSecret(body),
        (e: unknown) => e instanceof PipevaultError && e.code === 'BadParameter' && e.status === 400,
        JSON.stringify(body)?.slice(0, 80),
      );
    }
    assert.equal(parseSetSecret({ value: 'x'.repeat(25 * 1024) }).value.length, 25 * 1024);
    assert.throws(() => parseUpdateSecret({ value: 'new' }), /cannot be changed/);
    assert.equal((await secrets.list(v, 25)).items.length, 0);
  });

  test('access policies: add merges, replace swaps, remove takes away; default deny names principal and permission', async () => {
    const v0 = (await vaults.createOrUpdate('policies', {})).vault;
    const caller: Caller = { tenantId: TENANT, objectId: 'aaaaaaaa-0000-4000-8000-000000000001', appId: 'app-1' };
    const check = (vault: typeof v0, op: Parameters<typeof authorize>[0]['operation']) =>
      authorize({ vault, caller, operation: op, assignments: async () => [] });
    const denied = await rejects(() => check(v0, 'SecretGet'), 403, 'Forbidden', 'AccessDenied');
    assert.match(denied.message, /oid=aaaaaaaa-0000-4000-8000-000000000001/);
    assert.match(denied.message, /does not have secrets get permission on key vault 'policies/);
    const add = parseAccessPolicies(
      [{ objectId: caller.objectId.toUpperCase(), permissions: { secrets: ['Get'] } }],
      'p',
      TENANT,
    );
    let v = await vaults.updateAccessPolicies('policies', 'add', add);
    await check(v, 'SecretGet');
    await rejects(() => check(v, 'SecretList'), 403, 'Forbidden', 'AccessDenied');
    v = await vaults.updateAccessPolicies(
      'policies',
      'add',
      parseAccessPolicies([{ objectId: caller.objectId, permissions: { secrets: ['list'] } }], 'p', TENANT),
    );
    await check(v, 'SecretGet');
    await check(v, 'SecretListVersions');
    v = await vaults.updateAccessPolicies(
      'policies',
      'replace',
      parseAccessPolicies([{ objectId: caller.objectId, permissions: { secrets: ['all'] } }], 'p', TENANT),
    );
    await check(v, 'SecretPurge');
    v = await vaults.updateAccessPolicies(
      'policies',
      'remove',
      parseAccessPolicies([{ objectId: caller.objectId, permissions: { secrets: ['purge'] } }], 'p', TENANT),
    );
    await rejects(() => check(v, 'SecretPurge'), 403, 'Forbidden', 'AccessDenied');
    await check(v, 'SecretSet');
    v = await vaults.updateAccessPolicies(
      'policies',
      'remove',
      parseAccessPolicies([{ objectId: caller.objectId, permissions: {} }], 'p', TENANT),
    );
    assert.equal(v.accessPolicies.length, 0);
    assert.throws(
      () => parseAccessPolicies([{ objectId: 'x', permissions: { secrets: ['read'] } }], 'p', TENANT),
      /not a secret permission/,
    );
    await authorize({
      vault: v,
      caller: { ...caller, admin: true },
      operation: 'SecretPurge',
      assignments: async () => [],
    });
  });

  test('RBAC: roles at vault or secret scope; denial is ForbiddenByRbac', async () => {
    const v = (await vaults.createOrUpdate('rbacvault', { enableRbacAuthorization: true })).vault;
    const caller: Caller = { tenantId: TENANT, objectId: 'bbbbbbbb-0000-4000-8000-000000000002', appId: 'app-2' };
    const run = (
      operation: Parameters<typeof authorize>[0]['operation'],
      secretName: string | undefined,
      assignments: { roleDefinitionId: string; scope: string }[],
    ) => authorize({ vault: v, caller, operation, secretName, assignments: async () => assignments });
    const e = await rejects(() => run('SecretGet', 'a', []), 403, 'Forbidden', 'ForbiddenByRbac');
    assert.match(e.message, /Action: 'Microsoft.KeyVault\/vaults\/secrets\/getSecret\/action'/);
    const user = [{ roleDefinitionId: 'Key Vault Secrets User', scope: vaultScope('rbacvault') }];
    await run('SecretGet', 'a', user);
    await run('SecretList', undefined, user);
    await rejects(() => run('SecretSet', 'a', user), 403, 'Forbidden', 'ForbiddenByRbac');
    const onOne = [{ roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6', scope: secretScope('rbacvault', 'a') }];
    await run('SecretGet', 'a', onOne);
    await rejects(() => run('SecretGet', 'b', onOne), 403, 'Forbidden', 'ForbiddenByRbac');
    const reader = [
      { roleDefinitionId: 'Key Vault Reader', scope: '/subscriptions/00000000-0000-0000-0000-000000000000' },
    ];
    await run('SecretList', undefined, reader);
    await rejects(() => run('SecretGet', 'a', reader), 403, 'Forbidden', 'ForbiddenByRbac');
    await run('SecretPurge', 'a', [{ roleDefinitionId: 'Key Vault Secrets Officer', scope: vaultScope('rbacvault') }]);
  });

  test('audit records are written and queried newest first, and hold no value', async () => {
    const audit = new AuditLog({ store, clock });
    await audit.record({
      vault: 'default',
      operation: 'SecretGet',
      secretName: 'api-key',
      version: 'v1',
      principalOid: 'oid-1',
      principalApp: 'app-1',
      status: 200,
      clientIp: '127.0.0.1',
      apiVersion: '7.4',
    });
    clock.advance(10);
    await audit.record({
      vault: 'default',
      operation: 'SecretGet',
      secretName: 'api-key',
      principalOid: 'oid-2',
      status: 403,
      reason: 'AccessDenied',
    });
    const all = await audit.query({ vault: 'default', secretName: 'api-key' });
    assert.equal(all.length, 2);
    assert.equal(all[0].result, 'Denied');
    assert.equal(all[1].result, 'Success');
    assert.equal(all[1].clientAddress, '127.0.0.1');
    assert.equal((await audit.query({ principal: 'app-1' })).length, 1);
    assert.equal((await audit.query({ result: 'Denied', vault: 'default' })).length, 1);
    // concurrent records are written together, each caller waiting for its own
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        audit.record({ vault: 'burst', operation: 'SecretGet', secretName: `s${i}`, status: 200 }),
      ),
    );
    const burst = await audit.query({ vault: 'burst', limit: 1000 });
    assert.equal(burst.length, 60);
    assert.equal(new Set(burst.map((r) => r.secretName)).size, 60);
  });

  test('the store holds ciphertext only', async () => {
    const v = await vaults.ensure('default');
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    await secrets.set(v, 'canary', { value: canary });
    const rows = await database.db.selectFrom('kv_secret_versions').selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(canary));
    assert.ok(rows.every((r) => !Buffer.from(r.value_ct).includes(Buffer.from(canary))));
  });
});
