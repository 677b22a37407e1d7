import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createBarrier, loadMasterKey } from '../../src/storage/barrier.js';
import type { Migration } from '../../src/storage/migrate.js';
import { migrations } from '../../src/storage/migrations/index.js';
import { openDatabase } from '../../src/storage/database.js';
import { forEachAdapter } from '../helpers/pg.js';
import { tempDir } from '../helpers/tmp.js';

test('a sealed value opens only with the same master key and the same AAD', () => {
  const key = randomBytes(32);
  const barrier = createBarrier(key);
  const blob = barrier.encrypt(Buffer.from('s3cret-value'), 'keyvault/default/db/v1');
  assert.equal(barrier.decrypt(blob, 'keyvault/default/db/v1').toString(), 's3cret-value');
  assert.ok(!blob.includes(Buffer.from('s3cret-value')));
  // another record's AAD: a blob swapped between rows does not open
  assert.throws(() => barrier.decrypt(blob, 'keyvault/default/other/v1'), /belongs to another record or was altered/);
  // another master key
  assert.throws(() => createBarrier(randomBytes(32)).decrypt(blob, 'keyvault/default/db/v1'), /different master key/);
  // any flipped byte, in the wrapped key or in the ciphertext
  for (const i of [30, 60, 75, 90, blob.length - 1]) {
    const bad = Buffer.from(blob);
    bad[i] ^= 1;
    assert.throws(() => barrier.decrypt(bad, 'keyvault/default/db/v1'), /cannot be decrypted/);
  }
  assert.throws(() => barrier.decrypt(Buffer.from('junk'), 'x'), /not a pipevault sealed value/);
});

test('each encryption uses a fresh data key and nonce', () => {
  const barrier = createBarrier(randomBytes(32));
  const a = barrier.encrypt(Buffer.from('same'), 'aad');
  const b = barrier.encrypt(Buffer.from('same'), 'aad');
  assert.ok(!a.equals(b));
  assert.equal(barrier.decrypt(Buffer.alloc(0).length ? a : a, 'aad').toString(), 'same');
  assert.equal(barrier.decrypt(barrier.encrypt(Buffer.alloc(0), 'e'), 'e').length, 0);
});

test('the master key is generated once into the data dir with mode 0600 and reused', () => {
  const dir = tempDir();
  const k1 = loadMasterKey({ dataDir: dir, env: {} });
  const file = join(dir, 'master.key');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const k2 = loadMasterKey({ dataDir: dir, env: {} });
  assert.ok(k1.equals(k2));
  chmodSync(file, 0o644);
  assert.throws(() => loadMasterKey({ dataDir: dir, env: {} }), /readable by other users.*chmod 600/);
});

test('the master key can come from PIPEVAULT_MASTER_KEY (base64 or hex), and a bad one is refused clearly', () => {
  const key = randomBytes(32);
  assert.ok(loadMasterKey({ env: { PIPEVAULT_MASTER_KEY: key.toString('base64') } }).equals(key));
  assert.ok(loadMasterKey({ env: { PIPEVAULT_MASTER_KEY: key.toString('hex') } }).equals(key));
  assert.throws(
    () => loadMasterKey({ env: { PIPEVAULT_MASTER_KEY: 'too-short' } }),
    /env PIPEVAULT_MASTER_KEY must hold 32 bytes/,
  );
  assert.throws(
    () => loadMasterKey({ env: { PIPEVAULT_MASTER_KEY: 'too-short' } }),
    (e: Error) => {
      assert.ok(!e.message.includes('too-short'));
      return true;
    },
  );
});

const sealedTable: Migration = {
  id: '9101_sealed',
  async up(db, { binary }) {
    await db.schema
      .createTable('t_sealed')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('blob', binary, (c) => c.notNull())
      .execute();
  },
};

forEachAdapter('barrier at rest', (target) => {
  test('a canary value stored through the barrier is nowhere in the store in clear', async () => {
    const t = target();
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    const barrier = createBarrier(randomBytes(32));
    const store = await openDatabase({ url: t.url, schema: t.schema, migrations: [...migrations, sealedTable] });
    try {
      await store.migrate();
      await store.db
        .insertInto('t_sealed')
        .values({ id: 'row1', blob: barrier.encrypt(Buffer.from(canary), 't_sealed/row1') })
        .execute();
      const row = await store.db.selectFrom('t_sealed').selectAll().executeTakeFirstOrThrow();
      assert.equal(barrier.decrypt(row.blob as Buffer, 't_sealed/row1').toString(), canary);
    } finally {
      await store.close();
    }
    if (t.kind === 'sqlite') {
      const dir = t.url.slice('sqlite:'.length).replace(/\/[^/]+$/, '');
      for (const f of readdirSync(dir)) {
        assert.ok(!readFileSync(join(dir, f)).includes(Buffer.from(canary)), `${f} holds the canary in clear`);
      }
    } else {
      const client = new pg.Client({ connectionString: t.url });
      await client.connect();
      try {
        const r = await client.query(`select encode(blob, 'escape') as b from "${t.schema}".t_sealed`);
        assert.ok(!String(r.rows[0].b).includes(canary));
      } finally {
        await client.end();
      }
    }
  });
});
