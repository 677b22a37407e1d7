import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, redactUrl } from '../../src/storage/database.js';
import { migrations } from '../../src/storage/migrations/index.js';
import type { Migration } from '../../src/storage/migrate.js';
import { forEachAdapter } from '../helpers/pg.js';

const testTable: Migration = {
  id: '9001_test_table',
  async up(db, { binary }) {
    await db.schema
      .createTable('t_items')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('n', 'bigint', (c) => c.notNull())
      .addColumn('flag', 'integer', (c) => c.notNull())
      .addColumn('data', binary)
      .execute();
  },
};

forEachAdapter('database', (target) => {
  test('migrate applies each migration once and records it', async () => {
    const t = target();
    const store = await openDatabase({ url: t.url, schema: t.schema, migrations: [...migrations, testTable] });
    try {
      await store.migrate();
      await store.migrate();
      const rows = await store.db.selectFrom('pipevault_migrations').select('id').orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => r.id),
        [...migrations.map((m) => m.id), '9001_test_table'],
      );
      assert.equal(store.kind, t.kind);
    } finally {
      await store.close();
    }
  });

  test('a second process sees the migrated schema and runs nothing again', async () => {
    const t = target();
    const a = await openDatabase({ url: t.url, schema: t.schema, migrations: [...migrations, testTable] });
    const b = await openDatabase({ url: t.url, schema: t.schema, migrations: [...migrations, testTable] });
    try {
      // PostgreSQL: both at once (the advisory lock serialises them). SQLite: one after the other, because
      // better-sqlite3 waits for a file lock synchronously, which would block the very event loop holding it.
      if (t.kind === 'postgres') await Promise.all([a.migrate(), b.migrate()]);
      else {
        await a.migrate();
        await b.migrate();
      }
      const rows = await b.db.selectFrom('pipevault_migrations').selectAll().execute();
      assert.equal(rows.length, migrations.length + 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a failing migration changes nothing', async () => {
    const t = target();
    const broken: Migration = {
      id: '9002_broken',
      async up(db) {
        await db.schema.createTable('t_half').addColumn('id', 'text').execute();
        throw new Error('migration failed on purpose');
      },
    };
    const store = await openDatabase({ url: t.url, schema: t.schema, migrations: [...migrations, testTable, broken] });
    try {
      await assert.rejects(store.migrate(), /on purpose/);
      const rows = await store.db
        .selectFrom('pipevault_migrations')
        .select('id')
        .where('id', '=', '9002_broken')
        .execute();
      assert.equal(rows.length, 0);
      await assert.rejects(store.db.selectFrom('t_half').selectAll().execute());
    } finally {
      await store.close();
    }
  });

  test('integers, instants in ms and binary round-trip the same on every adapter', async () => {
    const t = target();
    const store = await openDatabase({ url: t.url, schema: t.schema, migrations: [...migrations, testTable] });
    try {
      await store.migrate();
      const ms = 1_790_000_000_123;
      await store.db
        .insertInto('t_items')
        .values({ id: 'round-trip', n: ms, flag: 1, data: Buffer.from([0, 1, 2, 255]) })
        .execute();
      const row = await store.db
        .selectFrom('t_items')
        .selectAll()
        .where('id', '=', 'round-trip')
        .executeTakeFirstOrThrow();
      assert.strictEqual(row.n, ms);
      assert.strictEqual(row.flag, 1);
      assert.ok(Buffer.isBuffer(row.data));
      assert.deepEqual([...(row.data as Buffer)], [0, 1, 2, 255]);
    } finally {
      await store.close();
    }
  });

  test('a transaction that throws leaves nothing behind; one that returns commits', async () => {
    const t = target();
    const store = await openDatabase({ url: t.url, schema: t.schema, migrations: [...migrations, testTable] });
    try {
      await store.migrate();
      await assert.rejects(
        store.transaction(async (trx) => {
          await trx.insertInto('t_items').values({ id: 'tx-a', n: 1, flag: 0 }).execute();
          await trx.insertInto('t_items').values({ id: 'tx-b', n: 2, flag: 0 }).execute();
          throw new Error('abort');
        }),
        /abort/,
      );
      const none = await store.db.selectFrom('t_items').select('id').where('id', 'in', ['tx-a', 'tx-b']).execute();
      assert.equal(none.length, 0);
      const out = await store.transaction(async (trx) => {
        await trx.insertInto('t_items').values({ id: 'tx-c', n: 3, flag: 0 }).execute();
        return 'done';
      });
      assert.equal(out, 'done');
      const one = await store.db.selectFrom('t_items').select('id').where('id', '=', 'tx-c').execute();
      assert.equal(one.length, 1);
    } finally {
      await store.close();
    }
  });

  test('concurrent transactions and repeated statements stay correct', async () => {
    const t = target();
    const store = await openDatabase({ url: t.url, schema: t.schema, migrations: [...migrations, testTable] });
    try {
      await store.migrate();
      await store.db.insertInto('t_items').values({ id: 'counter', n: 0, flag: 0 }).execute();
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.transaction(async (trx) => {
            if (t.kind === 'postgres') {
              await sql`select 1 from t_items where id = 'counter' for update`.execute(trx);
            }
            const r = await trx.selectFrom('t_items').select('n').where('id', '=', 'counter').executeTakeFirstOrThrow();
            await trx
              .updateTable('t_items')
              .set({ n: Number(r.n) + 1 })
              .where('id', '=', 'counter')
              .execute();
          }),
        ),
      );
      const r = await store.db.selectFrom('t_items').select('n').where('id', '=', 'counter').executeTakeFirstOrThrow();
      assert.equal(r.n, 20);
    } finally {
      await store.close();
    }
  });
});

test('an unknown store URL is refused with a message naming the accepted forms, without the password', async () => {
  await assert.rejects(openDatabase({ url: 'mysql://u:hunter2@h/db' }), (e: Error) => {
    assert.match(e.message, /--store: unsupported store URL/);
    assert.match(e.message, /sqlite:PATH/);
    return true;
  });
  assert.equal(redactUrl('postgres://u:hunter2@h:5432/db'), 'postgres://u:***@h:5432/db');
});

test('sqlite::memory: works for throw-away stores', async () => {
  const store = await openDatabase({ url: 'sqlite::memory:' });
  try {
    await store.migrate();
    const rows = await store.db.selectFrom('identity_tenants').selectAll().execute();
    assert.deepEqual(rows, []);
  } finally {
    await store.close();
  }
});

test('a SQLite file store checkpoints its WAL off the main connection, and closes cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipevault-ckpt-'));
  const file = join(dir, 'pv.db');
  const store = await openDatabase({
    url: `sqlite:${file}`,
    migrations: [testTable],
    checkpoint: { walBytes: 64 * 1024, intervalMs: 10 },
  });
  try {
    await store.migrate();
    // the main connection never checkpoints on its own
    assert.equal(store.sqlite?.pragma('wal_autocheckpoint', { simple: true }), 0);
    const blob = Buffer.alloc(1024, 7);
    for (let i = 0; i < 20; i++) {
      await store.transaction(async (trx) => {
        for (let j = 0; j < 100; j++) {
          await trx
            .insertInto('t_items')
            .values({ id: `${i}-${j}`, n: i * 100 + j, flag: 1, data: blob })
            .execute();
        }
      });
    }
    // ~2 MB of rows reach the database file itself only through the worker's checkpoints
    const deadline = Date.now() + 10_000;
    while (statSync(file).size < 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(statSync(file).size >= 1024 * 1024, `database file is ${statSync(file).size} bytes`);
    const count = await store.db
      .selectFrom('t_items')
      .select((eb) => eb.fn.countAll().as('c'))
      .executeTakeFirst();
    assert.equal(Number(count?.c), 2000);
  } finally {
    await store.close();
  }
  // the main connection closed last, so it checkpointed everything and removed the WAL
  assert.equal(existsSync(file + '-wal'), false);
  rmSync(dir, { recursive: true, force: true });
});
