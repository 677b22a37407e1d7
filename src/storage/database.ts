import { createHash } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type PostgresPool } from 'kysely';
import pg from 'pg';
import { badInput } from '../common/catalogue.js';
import { systemClock, type Clock } from '../common/clock.js';
import { runMigrations, type Migration } from './migrate.js';
import { migrations as allMigrations } from './migrations/index.js';

/**
 * One persistence entry point for the whole product. A store URL picks the adapter:
 * `sqlite:PATH` (the embedded default), `sqlite::memory:`, or `postgres://…` / `postgresql://…`.
 *
 * Portable column conventions every concern follows so the same queries run on both adapters:
 * booleans are integers 0/1, instants are integer milliseconds (`bigint`, read back as a JS number on both),
 * JSON is `text`, binary is the adapter's binary type (`blob` / `bytea`, see MigrationContext.binary).
 */

export type DatabaseKind = 'sqlite' | 'postgres';

export interface OpenDatabaseOptions {
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://…`. */
  url: string;
  /** PostgreSQL only: the schema every table lives in (created when missing). Tests use one per run. */
  schema?: string;
  /** Migrations to apply on `migrate()`; defaults to the product's full ordered list. */
  migrations?: readonly Migration[];
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** Stamps the migrations table. */
  clock?: Clock;
  /** SQLite file only: when the WAL is checkpointed (by a worker thread, off the main thread). */
  checkpoint?: CheckpointOptions;
}

export interface Database {
  readonly kind: DatabaseKind;
  /** Untyped on purpose: each concern declares its own row types next to its queries. */
  readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /**
   * SQLite only: the connection under `db`, for hot paths that run their own prepared statements (one native
   * call instead of Kysely's promise chain). Such a caller must go through `db` instead while
   * `sqlite.inTransaction` is true: that is another caller's transaction on this one connection.
   */
  readonly sqlite?: BetterSqlite3.Database;
  /** Runs `fn` in one transaction: all its writes land, or none do. */
  transaction<T>(fn: (trx: Kysely<any>) => Promise<T>): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Applies every migration not yet recorded, in order, inside one transaction. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const url = opts.url.trim();
  const migrations = opts.migrations ?? allMigrations;
  const clock = opts.clock ?? systemClock;
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), migrations, clock, opts.checkpoint);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://'))
    return openPostgres(url, opts, migrations, clock);
  throw badInput(
    `unsupported store URL '${redactUrl(url)}'; use sqlite:PATH, sqlite::memory: or postgres://user@host:port/db`,
    '--store',
  );
}

/** A store URL as it may appear in a message: any password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

function openSqlite(
  path: string,
  migrations: readonly Migration[],
  clock: Clock,
  checkpointOpts?: CheckpointOptions,
): Database {
  if (!path) throw badInput('sqlite: needs a file path, e.g. sqlite:.pipevault/pipevault.db', '--store');
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const native = new BetterSqlite3(memory ? ':memory:' : path);
  if (!memory) native.pragma('journal_mode = WAL');
  // WAL + NORMAL: a commit is an append to the WAL without fsync, durable against a crash of the process (the
  // OS has the pages); only an OS crash or power loss can lose the last commits. See docs/storage.md.
  native.pragma('synchronous = NORMAL');
  // Checkpoints (copying the WAL back into the database file, with fsyncs) stalled the one thread for up to tens
  // of ms when the committing connection ran them. So this connection never checkpoints: a worker thread with its
  // own connection runs PASSIVE checkpoints once the WAL has grown (PASSIVE never waits for, nor blocks, readers
  // or writers). The WAL file is cut back to journal_size_limit when it restarts after a checkpoint.
  if (!memory) {
    native.pragma('wal_autocheckpoint = 0');
    native.pragma('journal_size_limit = 67108864');
  }
  native.pragma('busy_timeout = 5000');
  native.pragma('foreign_keys = ON');
  const checkpointer = memory ? undefined : walCheckpointer(native, resolve(path), checkpointOpts);
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: cachingStatements(native) }) }); // eslint-disable-line @typescript-eslint/no-explicit-any
  return assemble({ kind: 'sqlite', db, migrations, clock, sqlite: native, beforeClose: checkpointer?.close });
}

/** When the WAL is checkpointed off the main thread (tests lower these). */
export interface CheckpointOptions {
  /** WAL size from which a checkpoint runs (default 4 MiB, about 1,000 pages: SQLite's own default). */
  walBytes?: number;
  /** How often the WAL size is looked at, in ms (default 250). */
  intervalMs?: number;
}

// The worker is plain CommonJS evaluated from this string (no build step or file path to resolve at run time);
// it gets better-sqlite3's resolved entry point from here.
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or the file is going away: the next round tries again
  }
  parentPort.postMessage('done');
});
`;

/**
 * Looks at the WAL's size on an unref'd timer and, past the threshold, asks a worker thread (started on first
 * need, so short-lived databases never start one) to checkpoint. One checkpoint at a time.
 */
function walCheckpointer(native: BetterSqlite3.Database, path: string, opts: CheckpointOptions = {}) {
  const walBytes = opts.walBytes ?? 4 * 1024 * 1024;
  let worker: Worker | undefined;
  let running = false;
  let failed = false;
  const walSize = () => {
    try {
      return statSync(path + '-wal').size;
    } catch {
      return 0;
    }
  };
  const timer = setInterval(() => {
    if (running || walSize() < walBytes) return;
    if (failed) return void native.pragma('wal_checkpoint(PASSIVE)');
    if (!worker) {
      worker = new Worker(CHECKPOINT_WORKER, {
        eval: true,
        workerData: { path, module: createRequire(import.meta.url).resolve('better-sqlite3') },
      });
      worker.unref();
      worker.on('message', () => (running = false));
      // a worker that failed (it should not) leaves checkpoints to this thread rather than let the WAL grow
      worker.on('error', () => {
        worker = undefined;
        failed = true;
        running = false;
      });
    }
    running = true;
    worker.postMessage('checkpoint');
  }, opts.intervalMs ?? 250);
  timer.unref();
  return {
    close: async () => {
      clearInterval(timer);
      const w = worker;
      worker = undefined;
      if (!w) return;
      // closed before the main connection, so that one is the last and checkpoints and removes the WAL itself
      const exited = new Promise((r) => w.once('exit', r));
      w.postMessage('close');
      const t = setTimeout(() => void w.terminate(), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares per query. Reusing compiled
 * statements by SQL text makes hot paths (secret reads, audit and run-record writes) prepared statements.
 * The SQLite dialect holds a single connection behind a mutex, so a cached statement is never used twice at once.
 */
function cachingStatements(native: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => native.close(),
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = native.prepare(text);
        if (cache.size >= 512) cache.delete(cache.keys().next().value as string);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

async function openPostgres(
  url: string,
  opts: OpenDatabaseOptions,
  migrations: readonly Migration[],
  clock: Clock,
): Promise<Database> {
  const schema = opts.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw badInput(`invalid PostgreSQL schema name '${schema}' (lower-case letters, digits, _)`, 'schema');
  }
  if (schema) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    types: { getTypeParser: pgTypeParser } as unknown as pg.CustomTypesConfig,
  });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) }); // eslint-disable-line @typescript-eslint/no-explicit-any
  return assemble({ kind: 'postgres', db, migrations, clock });
}

/** int8 (bigint) and numeric counts come back as JS numbers, so millisecond instants read the same on both adapters. */
function pgTypeParser(oid: number, format?: 'text' | 'binary') {
  if (oid === 20) return (v: string) => Number(v);
  return pg.types.getTypeParser(oid, format as 'text');
}

/**
 * Names each data statement after a hash of its text so pg prepares it once per connection and then only
 * binds parameters. DDL and transaction control stay unnamed.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name) {
      name = 'pv_' + createHash('sha1').update(text).digest('hex').slice(0, 24);
      if (names.size < 2048) names.set(text, name);
    }
    return name;
  };
  return {
    end: () => pool.end(),
    connect: async () => {
      const client = await pool.connect();
      const wrapped = {
        release: (destroy?: boolean) => client.release(destroy),
        query: (text: unknown, values?: unknown[]) => {
          if (typeof text === 'string' && /^\s*(select|insert|update|delete|with)\b/i.test(text)) {
            return client.query({ name: nameOf(text), text, values });
          }
          return client.query(text as string, values);
        },
      };
      return wrapped as unknown as Awaited<ReturnType<PostgresPool['connect']>>;
    },
  };
}

function assemble(parts: {
  kind: DatabaseKind;
  sqlite?: BetterSqlite3.Database;
  db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  migrations: readonly Migration[];
  clock: Clock;
  beforeClose?: () => Promise<void>;
}): Database {
  const { kind, db, migrations, clock, sqlite, beforeClose } = parts;
  let closed = false;
  return {
    kind,
    db,
    ...(sqlite ? { sqlite } : {}),
    transaction: (fn) => db.transaction().execute(fn),
    migrate: () => runMigrations({ db, kind, migrations, now: clock.now() }),
    close: async () => {
      if (closed) return;
      closed = true;
      await beforeClose?.();
      await db.destroy();
    },
  };
}

export { sql };
