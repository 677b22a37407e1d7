import { sql, type Kysely } from 'kysely';
import type { DatabaseKind } from './database.js';

/** What a migration may need to know about the adapter it runs on. */
export interface MigrationContext {
  kind: DatabaseKind;
  /** The adapter's binary column type. */
  binary: 'blob' | 'bytea';
}

/**
 * A numbered migration. Ids sort in the order they run: 00xx storage/identity, 01xx Key Vault, 02xx ADF runs.
 * `up` receives the transaction it must use.
 */
export interface Migration {
  id: string;
  up(db: Kysely<any>, ctx: MigrationContext): Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const TABLE = 'pipevault_migrations';
// Any constant works; it only has to be the same in every process migrating the same PostgreSQL schema.
const PG_LOCK_KEY = 720_304_117;

export async function runMigrations(opts: {
  db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  kind: DatabaseKind;
  migrations: readonly Migration[];
  now: number;
}): Promise<void> {
  const { db, kind, migrations, now } = opts;
  const ids = new Set<string>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new Error(`Migration ${m.id} is listed twice in src/storage/migrations/index.ts`);
    ids.add(m.id);
  }
  const ctx: MigrationContext = { kind, binary: kind === 'sqlite' ? 'blob' : 'bytea' };
  await db.connection().execute(async (conn) => {
    // SQLite: take the write lock up front so two processes starting on one file don't both migrate.
    await sql.raw(kind === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    try {
      if (kind === 'postgres') await sql`select pg_advisory_xact_lock(${PG_LOCK_KEY})`.execute(conn);
      await conn.schema
        .createTable(TABLE)
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('applied_at', 'bigint', (c) => c.notNull())
        .execute();
      const done = new Set((await conn.selectFrom(TABLE).select('id').execute()).map((r) => r.id as string));
      for (const m of migrations) {
        if (done.has(m.id)) continue;
        await m.up(conn, ctx);
        await conn.insertInto(TABLE).values({ id: m.id, applied_at: now }).execute();
      }
      await sql.raw('commit').execute(conn);
    } catch (e) {
      await sql
        .raw('rollback')
        .execute(conn)
        .catch(() => undefined);
      throw e;
    }
  });
}
