import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '../../src/common/clock.js';
import { randomIds } from '../../src/common/ids.js';
import { AuditLog } from '../../src/keyvault/audit/audit.js';
import { SecretService } from '../../src/keyvault/domain/secrets.js';
import { VaultService } from '../../src/keyvault/domain/vaults.js';
import { createBarrier } from '../../src/storage/barrier.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import {
  KeyVaultStore,
  type AuditRow,
  type SecretVersionRow,
  type SecretViewRow,
} from '../../src/storage/keyvault-store.js';
import { forEachAdapter } from '../helpers/pg.js';

const require = createRequire(import.meta.url);

/**
 * What the secret-GET hot path relies on, on both adapters: audit group commits of every size (one compiled
 * multi-row insert per size, larger batches chunked inside one transaction) store every record; the barrier's
 * data-key cache never opens a value the barrier would refuse.
 */

function row(i: number, vault: string): AuditRow {
  return {
    timeMs: 1_700_000_000_000 + i,
    vault,
    operation: 'SecretGet',
    secretName: `s${i}`,
    version: i % 2 ? 'a'.repeat(32) : null,
    principalOid: '00000000-0000-4000-8000-000000000001',
    principalApp: null,
    result: 'Success',
    status: 200,
    reason: null,
    clientIp: '127.0.0.1',
    apiVersion: '7.4',
    requestId: `req-${i}`,
  };
}

// Each test runs through a store made from the Database (on SQLite: the native statements, context bound once per
// run of records) and one made from the bare Kysely (the query-builder path).
for (const via of ['database', 'kysely'] as const)
  forEachAdapter(`audit batches (store from the ${via === 'database' ? 'Database' : 'bare Kysely'})`, (target) => {
    let database: Database;
    let store: KeyVaultStore;

    before(async () => {
      database = await target().open();
      await database.migrate();
      store = new KeyVaultStore(via === 'database' ? database : database.db);
    });
    after(async () => {
      await database?.close();
    });

    for (const size of [1, 2, 7, 64, 65, 150]) {
      test(`a batch of ${size} stores every record with every field`, async () => {
        const vault = `batch-${size}`;
        const rows = Array.from({ length: size }, (_, i) => row(i, vault));
        await store.appendAuditBatch(rows);
        await store.appendAuditBatch(rows.slice(0, 1)); // a second, smaller batch reuses nothing wrongly
        const stored = await store.queryAudit({ vault, limit: 1000 });
        assert.equal(stored.length, size + 1);
        const byRequest = new Map(stored.map((r) => [r.requestId, r]));
        for (const r of rows) {
          const s = byRequest.get(r.requestId);
          assert.ok(s, `record ${r.requestId} stored`);
          const { id: _id, ...fields } = s;
          if (r.requestId !== 'req-0') assert.deepEqual(fields, r);
        }
      });
    }

    test('batches mixing runs of shared context with single records keep every field and arrival order', async () => {
      const vault = 'runs';
      const shared = (i: number, ctx: number): AuditRow => ({
        ...row(0, vault),
        timeMs: 1_700_000_100_000 + Math.floor(i / 7), // several records per millisecond: the id breaks the tie
        secretName: `ctx${ctx}`,
        version: ctx % 2 ? null : 'b'.repeat(32),
        status: ctx === 3 ? 403 : 200,
        result: ctx === 3 ? 'Denied' : 'Success',
        reason: ctx === 3 ? 'AccessDenied' : null,
        requestId: `run-${i}`,
      });
      // runs of 1, 3, 70 (chunked), 1, 2 and a context coming back after others
      const contexts = [0, 1, 1, 1, ...Array<number>(70).fill(2), 3, 4, 4, 1];
      const rows = contexts.map((ctx, i) => shared(i, ctx));
      await store.appendAuditBatch(rows);
      const stored = (await store.queryAudit({ vault, limit: 1000 })).reverse(); // oldest first
      assert.equal(stored.length, rows.length);
      stored.forEach((s, i) => {
        const { id: _id, ...fields } = s;
        assert.deepEqual(fields, rows[i], `record ${i} in arrival order with every field`);
        if (i > 0) assert.ok((s.id as number) > (stored[i - 1].id as number));
      });
    });

    test('concurrent records through the audit log land together and each caller waits for its own', async () => {
      const audit = new AuditLog({ store, clock: systemClock });
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          audit.record({ vault: 'concurrent', operation: 'SecretGet', status: i % 5 ? 200 : 403, requestId: `c${i}` }),
        ),
      );
      const stored = await audit.query({ vault: 'concurrent', limit: 1000 });
      assert.equal(stored.length, 100);
      assert.equal(stored.filter((r) => r.result === 'Denied').length, 20);
    });
  });

test('barrier data-key cache: a second read opens the same value; other AAD or altered bytes still fail', () => {
  const barrier = createBarrier(randomBytes(32));
  const blob = barrier.encrypt(Buffer.from('canary-value'), 'keyvault/v/n/1');
  assert.equal(barrier.decrypt(blob, 'keyvault/v/n/1').toString(), 'canary-value');
  assert.equal(barrier.decrypt(blob, 'keyvault/v/n/1').toString(), 'canary-value');
  // the cached data key is bound to the AAD it was unwrapped under
  assert.throws(() => barrier.decrypt(blob, 'keyvault/v/n/2'), { code: 'SealedValueUnreadable' });
  // the value is authenticated on every read, cached key or not
  const altered = Buffer.from(blob);
  altered[altered.length - 1] ^= 1;
  assert.throws(() => barrier.decrypt(altered, 'keyvault/v/n/1'), { code: 'SealedValueUnreadable' });
  const badTag = Buffer.from(blob);
  badTag[90] ^= 1;
  assert.throws(() => barrier.decrypt(badTag, 'keyvault/v/n/1'), { code: 'SealedValueUnreadable' });
  // a wrapped key changed after the first read is not served from the cache
  const badWrap = Buffer.from(blob);
  badWrap[30] ^= 1;
  assert.throws(() => barrier.decrypt(badWrap, 'keyvault/v/n/1'), { code: 'SealedValueUnreadable' });
  // many values: the bounded cache evicts and every value still opens
  const many = Array.from({ length: 5000 }, (_, i) => barrier.encrypt(Buffer.from(`v${i}`), `a/${i}`));
  many.forEach((b, i) => assert.equal(barrier.decrypt(b, `a/${i}`).toString(), `v${i}`));
  assert.equal(barrier.decrypt(many[0], 'a/0').toString(), 'v0');
});

function version(vault: string, nameKey: string, v: string, seq: number, over: Partial<SecretVersionRow> = {}) {
  return {
    vault,
    nameKey,
    version: v.padEnd(32, '0'),
    seq,
    valueCt: Buffer.from(`ciphertext-${v}`),
    contentType: null,
    tags: null,
    enabled: true,
    nbfS: null,
    expS: null,
    createdS: 1_700_000_000 + seq,
    updatedS: 1_700_000_000 + seq,
    ...over,
  } satisfies SecretVersionRow;
}

forEachAdapter('secret reads through the Database (prepared statements; row cache on SQLite)', (target) => {
  let database: Database;
  let store: KeyVaultStore;
  before(async () => {
    database = await target().open();
    await database.migrate();
    store = new KeyVaultStore(database);
  });
  after(async () => {
    await database?.close();
  });

  test('every write path is visible to the next read (read-your-writes through the cache)', async () => {
    const head = { vault: 'ryw', nameKey: 'a', name: 'A' };
    assert.equal(await store.latest('ryw', 'a'), undefined);
    await store.addVersion(head, version('ryw', 'a', 'a1', 1));
    assert.equal((await store.latest('ryw', 'a'))?.version, 'a1'.padEnd(32, '0'));
    await store.addVersion(head, version('ryw', 'a', 'a2', 2));
    const latest = await store.latest('ryw', 'a');
    assert.equal(latest?.version, 'a2'.padEnd(32, '0'));
    assert.equal(latest?.name, 'A');
    assert.deepEqual(latest?.valueCt, Buffer.from('ciphertext-a2'));
    assert.equal((await store.version('ryw', 'a', 'a1'.padEnd(32, '0')))?.seq, 1);
    await store.patchVersion('ryw', 'a', 'a2'.padEnd(32, '0'), { enabled: false, tags: { t: '1' }, updatedS: 5 });
    assert.equal((await store.latest('ryw', 'a'))?.enabled, false);
    assert.deepEqual((await store.latest('ryw', 'a'))?.tags, { t: '1' });
    await store.setDeleted('ryw', 'a', 10, 20);
    assert.equal((await store.latest('ryw', 'a'))?.deletedS, 10);
    await store.setDeleted('ryw', 'a', null, null);
    assert.equal((await store.latest('ryw', 'a'))?.deletedS, null);
    await store.purge('ryw', 'a');
    assert.equal(await store.latest('ryw', 'a'), undefined);
    await store.insertSecret(
      {
        vault: 'ryw',
        nameKey: 'a',
        name: 'A',
        latestVersion: 'a9'.padEnd(32, '0'),
        latestSeq: 1,
        deletedS: null,
        purgeS: null,
      },
      [version('ryw', 'a', 'a9', 1)],
    );
    assert.equal((await store.latest('ryw', 'a'))?.version, 'a9'.padEnd(32, '0'));
    await store.setDeleted('ryw', 'a', 10, 20);
    assert.equal(await store.purgeDue('ryw', 30), 1);
    assert.equal(await store.latest('ryw', 'a'), undefined);
    await store.addVersion(head, version('ryw', 'a', 'b1', 1));
    assert.ok(await store.latest('ryw', 'a'));
    await store.deleteVault('ryw');
    assert.equal(await store.latest('ryw', 'a'), undefined);
  });

  test('a write through another store on another connection is seen by the next read', async () => {
    const other = await target().open();
    try {
      const otherStore = new KeyVaultStore(other);
      const head = { vault: 'two', nameKey: 'x', name: 'x' };
      await store.addVersion(head, version('two', 'x', 'c1', 1));
      assert.equal((await store.latest('two', 'x'))?.version, 'c1'.padEnd(32, '0'));
      await otherStore.addVersion(head, version('two', 'x', 'c2', 2));
      assert.equal((await store.latest('two', 'x'))?.version, 'c2'.padEnd(32, '0'));
      await otherStore.setDeleted('two', 'x', 1, 2);
      assert.equal((await store.latest('two', 'x'))?.deletedS, 1);
    } finally {
      await other.close();
    }
  });

  test('a write through a store made from the bare Kysely on the same connection is seen too', async () => {
    const plain = new KeyVaultStore(database.db);
    const head = { vault: 'plain', nameKey: 'p', name: 'p' };
    await plain.addVersion(head, version('plain', 'p', 'e1', 1));
    assert.equal((await store.latest('plain', 'p'))?.version, 'e1'.padEnd(32, '0'));
    await plain.addVersion(head, version('plain', 'p', 'e2', 2));
    assert.equal((await store.latest('plain', 'p'))?.version, 'e2'.padEnd(32, '0'));
    await plain.setDeleted('plain', 'p', 3, 4);
    assert.equal((await store.latest('plain', 'p'))?.deletedS, 3);
  });

  test("reads and audit records issued during another caller's transaction wait for it, and survive its rollback", async () => {
    const head = { vault: 'trx', nameKey: 'k', name: 'k' };
    await store.addVersion(head, version('trx', 'k', 'd1', 1));
    assert.equal((await store.latest('trx', 'k'))?.version, 'd1'.padEnd(32, '0'));
    let read: Promise<SecretViewRow | undefined> | undefined;
    let audited: Promise<void> | undefined;
    await assert.rejects(
      database.transaction(async (trx) => {
        await trx
          .updateTable('kv_secrets')
          .set({ latest_version: 'nope'.padEnd(32, '0') })
          .where('vault', '=', 'trx')
          .execute();
        read = store.latest('trx', 'k');
        audited = store.appendAuditBatch([row(1, 'trx')]);
        await new Promise((r) => setImmediate(r));
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(
      (await read)?.version,
      'd1'.padEnd(32, '0'),
      'the read saw neither the uncommitted row nor a cache of it',
    );
    await audited;
    assert.equal(
      (await store.queryAudit({ vault: 'trx', limit: 10 })).length,
      1,
      'the audit record was not rolled back',
    );
    assert.equal((await store.latest('trx', 'k'))?.version, 'd1'.padEnd(32, '0'));
  });
});

/**
 * The SQLite row cache against writers it is not told about: a raw statement on another connection and another
 * process. Its freshness check reads SQLite's WAL-index header and runs `PRAGMA data_version` only when the header
 * moved (our own audit commits move it too), so these hold only if that shortcut never misses a commit.
 */
describe('row cache freshness against other connections and processes [sqlite]', () => {
  let dir: string;
  let url: string;
  let database: Database;
  let store: KeyVaultStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pipevault-rowcache-'));
    url = `sqlite:${join(dir, 'pipevault.db')}`;
    database = await openDatabase({ url });
    await database.migrate();
    store = new KeyVaultStore(database);
  });
  after(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a raw write by another connection (no store of ours) is seen by the next read, each time', async () => {
    const other = await openDatabase({ url });
    try {
      const head = { vault: 'raw', nameKey: 'r', name: 'r' };
      await store.addVersion(head, version('raw', 'r', 'f1', 1));
      // audit commits of our own in between, as under load: they change the WAL header but not the rows
      for (let i = 0; i < 20; i++) {
        const sql = other.sqlite as NonNullable<typeof other.sqlite>;
        const enabled = i % 2;
        sql.prepare("update kv_secret_versions set enabled = ? where vault = 'raw' and name_key = 'r'").run(enabled);
        assert.equal((await store.latest('raw', 'r'))?.enabled, enabled === 1, `read ${i} after the raw write`);
        assert.equal((await store.latest('raw', 'r'))?.enabled, enabled === 1, `read ${i} again (cached)`);
        await store.appendAuditBatch([row(i, 'raw')]);
        assert.equal((await store.latest('raw', 'r'))?.enabled, enabled === 1, `read ${i} after our own commit`);
      }
    } finally {
      await other.close();
    }
  });

  test('a write by another process to the same file is seen by the next read', async () => {
    const file = (database.sqlite as NonNullable<typeof database.sqlite>).name;
    const head = { vault: 'proc', nameKey: 'p', name: 'p' };
    await store.addVersion(head, version('proc', 'p', 'g1', 1));
    assert.equal((await store.latest('proc', 'p'))?.enabled, true);
    for (const enabled of [0, 1, 0]) {
      // a child process writes and exits; its commit returned before the read below is issued
      const r = spawnSync(
        process.execPath,
        [
          '-e',
          `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const d = new D(process.argv[1]);` +
            ` d.pragma('busy_timeout = 5000');` +
            ` d.prepare("update kv_secret_versions set enabled = ${enabled} where vault = 'proc'").run(); d.close();`,
          file,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal((await store.latest('proc', 'p'))?.enabled, enabled === 1);
      assert.equal((await store.latest('proc', 'p'))?.enabled, enabled === 1);
    }
  });

  test('opened values kept beside cached rows: opened once per row, again after any write, re-authenticated', async () => {
    const real = createBarrier(randomBytes(32));
    let opens = 0;
    const barrier = { encrypt: real.encrypt, decrypt: (b: Buffer, aad: string) => (opens++, real.decrypt(b, aad)) };
    const vaults = new VaultService({ store, clock: systemClock, tenantId: '11111111-1111-4111-8111-111111111111' });
    const secrets = new SecretService({ store, barrier, clock: systemClock, ids: randomIds });
    const vault = await vaults.ensure('opened');
    await secrets.set(vault, 'val', { value: 'one' });
    for (let i = 0; i < 3; i++) assert.equal(secrets.getNow(vault, 'val')?.value, 'one');
    assert.equal(opens, 1, 'one open for three reads of the same cached row');
    // a write through the service: the next read opens the new latest version
    await secrets.set(vault, 'val', { value: 'two' });
    assert.equal(secrets.getNow(vault, 'val')?.value, 'two');
    assert.equal((await secrets.get(vault, 'val')).value, 'two');
    // another connection swaps in another valid ciphertext of the same version: seen by the next read
    const latest = await store.latest('opened', 'val');
    assert.ok(latest);
    const aad = `keyvault/opened/val/${latest.version}`;
    const other = await openDatabase({ url });
    try {
      const raw = other.sqlite as NonNullable<typeof other.sqlite>;
      const swap = raw.prepare(
        "update kv_secret_versions set value_ct = ? where vault = 'opened' and name_key = 'val' and version = ?",
      );
      swap.run(real.encrypt(Buffer.from('three'), aad), latest.version);
      assert.equal(secrets.getNow(vault, 'val')?.value, 'three');
      // an altered ciphertext is opened (and refused) again: a kept value never outlives its row
      const altered = real.encrypt(Buffer.from('four'), aad);
      altered[altered.length - 1] ^= 1;
      swap.run(altered, latest.version);
      assert.throws(() => secrets.getNow(vault, 'val'), { code: 'SealedValueUnreadable' });
    } finally {
      await other.close();
    }
    // disabled and deleted: the same errors as get, kept value or not
    await secrets.set(vault, 'val', { value: 'five' });
    assert.equal(secrets.getNow(vault, 'val')?.value, 'five');
    // the bundle is frozen and reused while the row is cached, until the vault's recovery settings change
    const b1 = secrets.getNow(vault, 'val');
    assert.ok(b1 && Object.isFrozen(b1) && Object.isFrozen(b1.attributes));
    assert.equal(secrets.getNow(vault, 'val'), b1);
    assert.deepEqual(b1, await secrets.get(vault, 'val'));
    const shorter = { ...vault, softDeleteRetentionInDays: 30 };
    const b2 = secrets.getNow(shorter, 'val');
    assert.equal(b2?.attributes.recoverableDays, 30);
    assert.equal(b2?.attributes.recoveryLevel, 'CustomizedRecoverable+Purgeable');
    assert.deepEqual(b2, await secrets.get(shorter, 'val'));
    assert.equal(secrets.getNow(vault, 'val')?.attributes.recoverableDays, 90);
    await secrets.update(vault, 'val', undefined, { attributes: { enabled: false } });
    assert.throws(() => secrets.getNow(vault, 'val'), { code: 'Forbidden' });
    await secrets.delete(vault, 'val');
    assert.throws(() => secrets.getNow(vault, 'val'), { code: 'SecretNotFound' });
  });
});
