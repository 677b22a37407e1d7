import type BetterSqlite3 from 'better-sqlite3';
import { closeSync, openSync, readSync } from 'node:fs';
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * Persistence for Key Vault: vaults, secrets and their versions, audit records.
 * It knows rows, not rules: soft delete, authorization and encryption live in src/keyvault. Values arrive and
 * leave as barrier ciphertext (`valueCt`), so nothing here ever holds a secret in clear. Works on SQLite and
 * PostgreSQL through Kysely; the hot read (`latest`/`version`) is one indexed query.
 *
 * Given the whole Database (not just its Kysely), the SQLite adapter runs the hot statements — vault read,
 * latest/version read, audit insert — as better-sqlite3 statements prepared once per connection, and keeps the
 * latest-version rows it read (ciphertext and attributes, never a value in clear) in a per-connection cache
 * (SqliteHot below). PostgreSQL runs the same statements as named prepared statements and always reads the
 * database: other servers may write to it.
 */

export interface AccessPolicyRow {
  tenantId: string;
  objectId: string;
  applicationId?: string;
  permissions: { secrets: string[]; keys?: string[]; certificates?: string[]; storage?: string[] };
}

export interface VaultRow {
  /** Lower-case name: the key. */
  name: string;
  displayName: string;
  tenantId: string;
  enableRbac: boolean;
  enableSoftDelete: boolean;
  retentionDays: number;
  purgeProtection: boolean;
  accessPolicies: AccessPolicyRow[];
  tags: Record<string, string>;
  createdMs: number;
  updatedMs: number;
}

export interface SecretHeadRow {
  vault: string;
  nameKey: string;
  name: string;
  latestVersion: string;
  latestSeq: number;
  deletedS: number | null;
  purgeS: number | null;
}

export interface SecretVersionRow {
  vault: string;
  nameKey: string;
  version: string;
  seq: number;
  /** Barrier ciphertext. */
  valueCt: Buffer;
  contentType: string | null;
  tags: Record<string, string> | null;
  enabled: boolean;
  nbfS: number | null;
  expS: number | null;
  createdS: number;
  updatedS: number;
}

/** A version joined with its secret's head (display name, deleted state). */
export interface SecretViewRow extends SecretVersionRow {
  name: string;
  deletedS: number | null;
  purgeS: number | null;
}

export interface AuditRow {
  id?: number;
  timeMs: number;
  vault: string;
  operation: string;
  secretName: string | null;
  version: string | null;
  principalOid: string | null;
  principalApp: string | null;
  result: string;
  status: number;
  reason: string | null;
  clientIp: string | null;
  apiVersion: string | null;
  requestId: string | null;
}

export interface AuditQuery {
  vault?: string;
  secretName?: string;
  principal?: string;
  operation?: string;
  result?: string;
  sinceMs?: number;
  untilMs?: number;
  /** Newest first; at most this many. */
  limit: number;
}

export interface VersionPatch {
  contentType?: string | null;
  tags?: Record<string, string> | null;
  enabled?: boolean;
  nbfS?: number | null;
  expS?: number | null;
  updatedS: number;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const bool = (v: unknown): boolean => v === true || v === 1 || v === '1';
const json = <T>(v: unknown): T => JSON.parse(String(v)) as T;

function toVault(r: any): VaultRow {
  return {
    name: r.name,
    displayName: r.display_name,
    tenantId: r.tenant_id,
    enableRbac: bool(r.enable_rbac),
    enableSoftDelete: bool(r.enable_soft_delete),
    retentionDays: num(r.retention_days),
    purgeProtection: bool(r.purge_protection),
    accessPolicies: json(r.access_policies),
    tags: json(r.tags),
    createdMs: num(r.created_ms),
    updatedMs: num(r.updated_ms),
  };
}

function fromVault(v: VaultRow): Record<string, unknown> {
  return {
    name: v.name,
    display_name: v.displayName,
    tenant_id: v.tenantId,
    enable_rbac: v.enableRbac ? 1 : 0,
    enable_soft_delete: v.enableSoftDelete ? 1 : 0,
    retention_days: v.retentionDays,
    purge_protection: v.purgeProtection ? 1 : 0,
    access_policies: JSON.stringify(v.accessPolicies),
    tags: JSON.stringify(v.tags),
    created_ms: v.createdMs,
    updated_ms: v.updatedMs,
  };
}

function toHead(r: any): SecretHeadRow {
  return {
    vault: r.vault,
    nameKey: r.name_key,
    name: r.name,
    latestVersion: r.latest_version,
    latestSeq: num(r.latest_seq),
    deletedS: numOrNull(r.deleted_s),
    purgeS: numOrNull(r.purge_s),
  };
}

function toVersion(r: any): SecretVersionRow {
  return {
    vault: r.vault,
    nameKey: r.name_key,
    version: r.version,
    seq: num(r.seq),
    valueCt: Buffer.isBuffer(r.value_ct) ? r.value_ct : Buffer.from(r.value_ct as Uint8Array),
    contentType: r.content_type ?? null,
    tags: r.tags === null || r.tags === undefined ? null : json(r.tags),
    enabled: bool(r.enabled),
    nbfS: numOrNull(r.nbf_s),
    expS: numOrNull(r.exp_s),
    createdS: num(r.created_s),
    updatedS: num(r.updated_s),
  };
}

function toView(r: any): SecretViewRow {
  return { ...toVersion(r), name: r.name, deletedS: numOrNull(r.deleted_s), purgeS: numOrNull(r.purge_s) };
}

function fromVersion(v: SecretVersionRow): Record<string, unknown> {
  return {
    vault: v.vault,
    name_key: v.nameKey,
    version: v.version,
    seq: v.seq,
    value_ct: v.valueCt,
    content_type: v.contentType,
    tags: v.tags === null ? null : JSON.stringify(v.tags),
    enabled: v.enabled ? 1 : 0,
    nbf_s: v.nbfS,
    exp_s: v.expS,
    created_s: v.createdS,
    updated_s: v.updatedS,
  };
}

function toAudit(r: any): AuditRow {
  return {
    id: num(r.id),
    timeMs: num(r.time_ms),
    vault: r.vault,
    operation: r.operation,
    secretName: r.secret_name ?? null,
    version: r.version ?? null,
    principalOid: r.principal_oid ?? null,
    principalApp: r.principal_app ?? null,
    result: r.result,
    status: num(r.status),
    reason: r.reason ?? null,
    clientIp: r.client_ip ?? null,
    apiVersion: r.api_version ?? null,
    requestId: r.request_id ?? null,
  };
}

const VIEW_COLUMNS = [
  'v.vault',
  'v.name_key',
  'v.version',
  'v.seq',
  'v.value_ct',
  'v.content_type',
  'v.tags',
  'v.enabled',
  'v.nbf_s',
  'v.exp_s',
  'v.created_s',
  'v.updated_s',
  's.name',
  's.deleted_s',
  's.purge_s',
] as const;

/**
 * A hot query: built and compiled by Kysely once, then run with fresh parameters only (the driver's prepared
 * statement does the rest). `params` must follow the order the builder placed them in.
 */
class HotQuery {
  private sql: string | undefined;
  constructor(
    private readonly arity: number,
    private readonly build: (db: Kysely<any>) => Compilable,
  ) {}

  async run(db: Kysely<any>, params: readonly unknown[]): Promise<any[]> {
    if (this.sql === undefined) {
      const compiled = this.build(db).compile();
      if (compiled.parameters.length !== this.arity) throw new Error('hot query parameter count changed');
      this.sql = compiled.sql;
    }
    return (await db.executeQuery(CompiledQuery.raw(this.sql, params as unknown[]))).rows as any[];
  }
}

const AUDIT_COLUMNS = [
  'time_ms',
  'vault',
  'operation',
  'secret_name',
  'version',
  'principal_oid',
  'principal_app',
  'result',
  'status',
  'reason',
  'client_ip',
  'api_version',
  'request_id',
] as const;

/** Same order as AUDIT_COLUMNS. */
function auditParams(a: AuditRow): unknown[] {
  return [
    a.timeMs,
    a.vault,
    a.operation,
    a.secretName,
    a.version,
    a.principalOid,
    a.principalApp,
    a.result,
    a.status,
    a.reason,
    a.clientIp,
    a.apiVersion,
    a.requestId,
  ];
}

/**
 * The audit columns a run of records shares (all but time_ms and request_id), in AUDIT_COLUMNS order; the
 * SQLite insert binds them once per run (SqliteHot.appendAudit).
 */
const AUDIT_CONTEXT_COLUMNS = AUDIT_COLUMNS.slice(1, -1);

/** The end of the run of records from `from` on whose context columns all equal rows[from]'s. */
function sameContextRun(rows: readonly AuditRow[], from: number): number {
  const a = rows[from];
  let i = from + 1;
  for (; i < rows.length; i++) {
    const b = rows[i];
    if (
      b.vault !== a.vault ||
      b.operation !== a.operation ||
      b.secretName !== a.secretName ||
      b.version !== a.version ||
      b.principalOid !== a.principalOid ||
      b.principalApp !== a.principalApp ||
      b.result !== a.result ||
      b.status !== a.status ||
      b.reason !== a.reason ||
      b.clientIp !== a.clientIp ||
      b.apiVersion !== a.apiVersion
    )
      break;
  }
  return i;
}

/** Largest multi-row audit INSERT; one compiled statement per row count up to it. */
const AUDIT_CHUNK = 64;

const LATEST_SQL =
  'select v.vault, v.name_key, v.version, v.seq, v.value_ct, v.content_type, v.tags, v.enabled, v.nbf_s, v.exp_s,' +
  ' v.created_s, v.updated_s, s.name, s.deleted_s, s.purge_s from kv_secrets s join kv_secret_versions v' +
  ' on v.vault = s.vault and v.name_key = s.name_key';

/** Rows the latest-version cache holds at most, over all vaults of a connection. */
const LATEST_CACHE_LIMIT = 10_000;

/**
 * Tells cheaply whether any connection may have committed to a WAL database since the last look, so that the
 * row cache's freshness check does not start a read transaction on every read.
 *
 * `PRAGMA data_version` is exact but costs a read transaction (shared-memory locks, system calls): about 2.4 µs
 * on a quiet machine and 6 µs in the server under load, per secret GET. What it compares is SQLite's WAL-index
 * header: the first 48 bytes of the `-shm` file, which every commit, by any connection of any process, rewrites
 * before the commit returns (its `iChange` counter is incremented on each commit, and its frame count,
 * checksums and salts move with it; https://www.sqlite.org/walformat.html §2.2). SQLite maps that file shared,
 * so a plain read of its first bytes sees what the last commit wrote. One 48-byte `pread` costs about 1 µs.
 *
 * So: a read first takes the header; if it is byte-for-byte the one taken before the last `data_version`
 * check, nothing has committed since that check and the cache stands. Otherwise the exact check runs (and the
 * header just taken becomes the reference). Taking the header before the exact check keeps this safe against a
 * commit landing between the two: such a commit changes the header again, so the next read checks again. Our
 * own audit commits change the header too, so the exact check runs about once per audit group commit instead
 * of once per read.
 *
 * Where the header cannot be read — no `-shm` file (not WAL), or one that does not look like a live WAL index —
 * every read runs the exact check, as before. While this connection is open the `-shm` file stays in place: SQLite
 * only removes or re-initialises it once no connection has the database open.
 */
class WalHeaderProbe {
  private fd = -1;
  private readonly current = new Int32Array(WAL_HEADER_BYTES / 4);
  private readonly reference = new Int32Array(WAL_HEADER_BYTES / 4);
  private hasReference = false;

  constructor(shmPath: string) {
    try {
      this.fd = openSync(shmPath, 'r');
      // a live WAL index: format version 3007000 and isInit set (https://www.sqlite.org/walformat.html §2.2)
      if (!this.take() || this.current[0] !== 3007000 || (this.current[3] & 0xff) !== 1) this.close();
    } catch {
      this.close();
    }
  }

  get usable(): boolean {
    return this.fd >= 0;
  }

  /** Reads the header now; false if it could not be read whole (a failed read also retires the probe). */
  private take(): boolean {
    try {
      return readSync(this.fd, this.current, 0, WAL_HEADER_BYTES, 0) === WAL_HEADER_BYTES;
    } catch {
      this.close(); // from now on every read runs the exact check
      return false;
    }
  }

  /**
   * True when the header is the one recorded at the last `rememberChecked` — no commit since that exact
   * check. False otherwise (the caller then runs the exact check and calls `rememberChecked`).
   */
  unchangedSinceCheck(): boolean {
    if (this.fd < 0 || !this.take()) return false;
    if (!this.hasReference) return false;
    const c = this.current;
    const r = this.reference;
    for (let i = 0; i < c.length; i++) if (c[i] !== r[i]) return false;
    return true;
  }

  /** Records the header taken by the last `unchangedSinceCheck` (taken before the exact check that followed). */
  rememberChecked(): void {
    if (this.fd < 0) return;
    this.reference.set(this.current);
    this.hasReference = true;
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    this.hasReference = false;
  }
}

/** Bytes of the WAL-index header SQLite keeps at the start of the `-shm` file (its first copy). */
const WAL_HEADER_BYTES = 48;

/** Closes the `-shm` descriptor of a connection's hot path that was dropped without being seen closed. */
const probeFds = new FinalizationRegistry<WalHeaderProbe>((p) => p.close());

/**
 * The SQLite hot path of one connection, shared by every KeyVaultStore over it (so a write through any of them
 * clears the cache the others read).
 *
 * The latest-version cache is safe because every way a row can change is seen: writes through a KeyVaultStore
 * on this connection clear it (before and after the write); writes by any other connection — another process
 * on the same file, or a second connection in this one — change SQLite's `PRAGMA data_version`, and every read
 * makes sure it has not moved (see WalHeaderProbe for how that is made cheap) and clears the cache when it
 * has. Rows are frozen: callers share them.
 */
class SqliteHot {
  private prepared:
    | {
        vault: BetterSqlite3.Statement;
        latest: BetterSqlite3.Statement;
        version: BetterSqlite3.Statement;
        dataVersion: BetterSqlite3.Statement;
      }
    | undefined;
  private readonly audit = new Map<number, BetterSqlite3.Statement>();
  private readonly latestRows = new Map<string, Map<string, SecretViewRow | null>>();
  private cached = 0;
  private dataVersion = -1;
  /** undefined: not looked for yet; null: none (in-memory database, or no readable WAL index). */
  private walProbe: WalHeaderProbe | null | undefined;

  constructor(private readonly native: BetterSqlite3.Database) {}

  /** Prepared on first use, when the migrations have created the tables. */
  private get stmt() {
    return (this.prepared ??= {
      vault: this.native.prepare('select * from kv_vaults where name = ?'),
      latest: this.native.prepare(
        `${LATEST_SQL} and v.version = s.latest_version where s.vault = ? and s.name_key = ?`,
      ),
      version: this.native.prepare(`${LATEST_SQL} where s.vault = ? and s.name_key = ? and v.version = ?`),
      dataVersion: this.native.prepare('pragma data_version').pluck(),
    });
  }

  /** Whether the connection is free for a statement of ours (not inside someone's Kysely transaction). */
  get free(): boolean {
    if (!this.native.open) {
      this.walProbe?.close();
      return false;
    }
    return !this.native.inTransaction;
  }

  vault(name: string): any {
    return this.stmt.vault.get(name);
  }

  /** The WAL header probe, made on first need (after the migrations, when the `-shm` file exists). */
  private get probe(): WalHeaderProbe | undefined {
    if (this.walProbe === undefined) {
      const p = this.native.memory ? undefined : new WalHeaderProbe(`${this.native.name}-shm`);
      this.walProbe = p?.usable ? p : null;
      if (p?.usable) probeFds.register(this, p);
    }
    return this.walProbe ?? undefined;
  }

  /** Clears the cache if another connection committed since the last check (see WalHeaderProbe). */
  private checkFresh(): void {
    const probe = this.probe;
    if (probe?.unchangedSinceCheck()) return;
    const dv = this.stmt.dataVersion.get() as number;
    probe?.rememberChecked();
    if (dv !== this.dataVersion) {
      this.clear();
      this.dataVersion = dv;
    }
  }

  latest(vault: string, nameKey: string): SecretViewRow | undefined {
    this.checkFresh();
    let rows = this.latestRows.get(vault);
    const hit = rows?.get(nameKey);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.stmt.latest.get(vault, nameKey);
    const row = r ? freezeView(toView(r)) : null;
    if (this.cached >= LATEST_CACHE_LIMIT) this.clear();
    if (!rows) this.latestRows.set(vault, (rows = new Map()));
    rows.set(nameKey, row);
    this.cached++;
    return row ?? undefined;
  }

  version(vault: string, nameKey: string, version: string): any {
    return this.stmt.version.get(vault, nameKey, version);
  }

  /**
   * One group commit of audit records. Records of one request pattern share everything but their time and
   * request id (same vault, operation, secret, version, principal, result, address, api-version), and binding a
   * value costs more than inserting it (better-sqlite3 converts each string; 13 per row were ~2/3 of the
   * insert's CPU). So each run of consecutive records with the same shared fields binds those once:
   *   insert into kv_audit (…) select v.column1, c.vault, …, v.column2
   *   from (select ? as vault, …) c, (values (?, ?), (?, ?), …) v
   * (2 values per row instead of 13), in arrival order, so ids follow arrival as before. Several runs or chunks
   * go in one transaction: still one commit per flush.
   */
  appendAudit(rows: readonly AuditRow[]): void {
    const n = rows.length;
    let end = sameContextRun(rows, 0);
    if (end === n && n <= AUDIT_CHUNK) {
      this.auditRun(rows, 0, n);
      return;
    }
    this.native.transaction(() => {
      for (let from = 0; from < n; from = end) {
        end = Math.min(sameContextRun(rows, from), from + AUDIT_CHUNK);
        this.auditRun(rows, from, end);
      }
    })();
  }

  /** Inserts rows[from, to), which share every context column, with the context bound once. */
  private auditRun(rows: readonly AuditRow[], from: number, to: number): void {
    const n = to - from;
    let stmt = this.audit.get(n);
    if (!stmt) {
      const context = AUDIT_CONTEXT_COLUMNS.map((c) => `? as ${c}`).join(', ');
      const columns = ['v.column1', ...AUDIT_CONTEXT_COLUMNS.map((c) => `c.${c}`), 'v.column2'].join(', ');
      stmt = this.native.prepare(
        `insert into kv_audit (${AUDIT_COLUMNS.join(', ')}) select ${columns}` +
          ` from (select ${context}) c, (values ${Array.from({ length: n }, () => '(?, ?)').join(', ')}) v`,
      );
      this.audit.set(n, stmt);
    }
    const a = rows[from];
    const params: unknown[] = new Array(AUDIT_CONTEXT_COLUMNS.length + 2 * n);
    params[0] = a.vault;
    params[1] = a.operation;
    params[2] = a.secretName;
    params[3] = a.version;
    params[4] = a.principalOid;
    params[5] = a.principalApp;
    params[6] = a.result;
    params[7] = a.status;
    params[8] = a.reason;
    params[9] = a.clientIp;
    params[10] = a.apiVersion;
    let k = AUDIT_CONTEXT_COLUMNS.length;
    for (let i = from; i < to; i++) {
      params[k++] = rows[i].timeMs;
      params[k++] = rows[i].requestId;
    }
    stmt.run(params);
  }

  /** Forgets every cached row (any write of secrets on this connection calls it, before and after). */
  clear(): void {
    this.latestRows.clear();
    this.cached = 0;
  }
}

const sqliteHots = new WeakMap<BetterSqlite3.Database, SqliteHot>();

/** Secrets joined to their versions: every version, or only the one each secret's head points at. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function secretVersions(db: Kysely<any>, o: { latestOnly: boolean }) {
  return db
    .selectFrom('kv_secrets as s')
    .innerJoin('kv_secret_versions as v', (j) => {
      const same = j.onRef('v.vault', '=', 's.vault').onRef('v.name_key', '=', 's.name_key');
      return o.latestOnly ? same.onRef('v.version', '=', 's.latest_version') : same;
    })
    .select(VIEW_COLUMNS);
}

/** The same, by the Database's Kysely: a store given only `database.db` still clears the cache it writes under. */
const hotsByKysely = new WeakMap<object, SqliteHot>();

function sqliteHotOf(native: BetterSqlite3.Database): SqliteHot {
  let h = sqliteHots.get(native);
  if (!h) sqliteHots.set(native, (h = new SqliteHot(native)));
  return h;
}

function freezeView(r: SecretViewRow): SecretViewRow {
  if (r.tags) Object.freeze(r.tags);
  return Object.freeze(r);
}

export class KeyVaultStore {
  private readonly db: Kysely<any>;
  /** SQLite, outside a transaction of ours: the native hot path (undefined on PostgreSQL and in transactions). */
  private readonly fast: SqliteHot | undefined;
  /** The connection's latest-version cache, which this store's writes clear (transaction stores too). */
  private readonly parentCache: SqliteHot | undefined;

  private readonly hot = {
    vault: new HotQuery(1, (db) => db.selectFrom('kv_vaults').selectAll().where('name', '=', '')),
    latest: new HotQuery(2, (db) =>
      secretVersions(db, { latestOnly: true }).where('s.vault', '=', '').where('s.name_key', '=', ''),
    ),
    audit: new HotQuery(AUDIT_COLUMNS.length, (db) =>
      db.insertInto('kv_audit').values(Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, null]))),
    ),
  };

  /**
   * `source`: the Database (SQLite then takes the native hot path and the row cache), or a Kysely instance
   * (every query through Kysely). `parent` is for transaction stores only.
   */
  constructor(
    source: Kysely<any> | Database,
    parent?: { auditInserts: Map<number, HotQuery>; cache: SqliteHot | undefined },
  ) {
    const database = 'migrate' in source ? source : undefined;
    this.db = database ? database.db : (source as Kysely<any>);
    this.auditInserts = parent?.auditInserts ?? new Map();
    this.fast = database?.sqlite && !parent ? sqliteHotOf(database.sqlite) : undefined;
    if (this.fast) hotsByKysely.set(this.db, this.fast);
    this.parentCache = parent?.cache;
  }

  /** Looked up at write time: a store made from the bare Kysely may predate the Database store that caches. */
  private get cache(): SqliteHot | undefined {
    return this.parentCache ?? this.fast ?? hotsByKysely.get(this.db);
  }

  /** Multi-row audit inserts by row count; a transaction's store shares its parent's (same dialect). */
  private readonly auditInserts: Map<number, HotQuery>;

  /** The native path when the connection is free; otherwise Kysely, which waits for the running transaction. */
  private get native(): SqliteHot | undefined {
    return this.fast?.free ? this.fast : undefined;
  }

  /** Runs a write that changes secrets, clearing the latest-version cache before and after it. */
  private async changing<T>(fn: () => Promise<T>): Promise<T> {
    this.cache?.clear();
    try {
      return await fn();
    } finally {
      this.cache?.clear();
    }
  }

  private changingTransaction<T>(fn: (store: KeyVaultStore) => Promise<T>): Promise<T> {
    return this.changing(() => this.transaction(fn));
  }

  /** Runs `fn` in one transaction: either every write lands or none does. */
  transaction<T>(fn: (store: KeyVaultStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.db
      .transaction()
      .execute((trx) => fn(new KeyVaultStore(trx, { auditInserts: this.auditInserts, cache: this.cache })));
  }

  // ---- vaults -------------------------------------------------------------------------------------------

  async getVault(name: string): Promise<VaultRow | undefined> {
    const fast = this.native;
    const r = fast ? fast.vault(name) : (await this.hot.vault.run(this.db, [name]))[0];
    return r ? toVault(r) : undefined;
  }

  async listVaults(): Promise<VaultRow[]> {
    const rows = await this.db.selectFrom('kv_vaults').selectAll().orderBy('name').execute();
    return rows.map(toVault);
  }

  async insertVault(v: VaultRow): Promise<void> {
    await this.db.insertInto('kv_vaults').values(fromVault(v)).execute();
  }

  async updateVault(v: VaultRow): Promise<void> {
    const { name: _name, ...rest } = fromVault(v);
    await this.db.updateTable('kv_vaults').set(rest).where('name', '=', v.name).execute();
  }

  /** Removes the vault with its secrets; audit records stay. */
  async deleteVault(name: string): Promise<void> {
    await this.changingTransaction(async (s) => {
      for (const t of ['kv_secret_versions', 'kv_secrets']) {
        await s.db.deleteFrom(t).where('vault', '=', name).execute();
      }
      await s.db.deleteFrom('kv_vaults').where('name', '=', name).execute();
    });
  }

  // ---- secrets ------------------------------------------------------------------------------------------

  async getHead(vault: string, nameKey: string): Promise<SecretHeadRow | undefined> {
    const r = await this.db
      .selectFrom('kv_secrets')
      .selectAll()
      .where('vault', '=', vault)
      .where('name_key', '=', nameKey)
      .executeTakeFirst();
    return r ? toHead(r) : undefined;
  }

  /** The latest version of a secret, deleted or not (the caller decides what a deleted one means). */
  async latest(vault: string, nameKey: string): Promise<SecretViewRow | undefined> {
    const fast = this.native;
    if (fast) return fast.latest(vault, nameKey);
    const [r] = await this.hot.latest.run(this.db, [vault, nameKey]);
    return r ? toView(r) : undefined;
  }

  /**
   * `latest` without a promise when the answer is at hand: on SQLite outside a transaction (the native path and
   * its row cache) the row, or null when there is none; `undefined` when only `latest` can answer (PostgreSQL,
   * or another caller's transaction holds the connection). The secret GET's hot path.
   */
  latestNow(vault: string, nameKey: string): SecretViewRow | null | undefined {
    const fast = this.native;
    return fast ? (fast.latest(vault, nameKey) ?? null) : undefined;
  }

  async version(vault: string, nameKey: string, version: string): Promise<SecretViewRow | undefined> {
    const fast = this.native;
    if (fast) {
      const row = fast.version(vault, nameKey, version);
      return row ? toView(row) : undefined;
    }
    const r = await secretVersions(this.db, { latestOnly: false })
      .where('s.vault', '=', vault)
      .where('s.name_key', '=', nameKey)
      .where('v.version', '=', version)
      .executeTakeFirst();
    return r ? toView(r) : undefined;
  }

  /** Adds a version and makes it the latest; creates the secret's head on first set. */
  async addVersion(head: { vault: string; nameKey: string; name: string }, v: SecretVersionRow): Promise<void> {
    await this.changingTransaction(async (s) => {
      const existing = await s.getHead(head.vault, head.nameKey);
      if (existing) {
        await s.db
          .updateTable('kv_secrets')
          .set({ latest_version: v.version, latest_seq: v.seq })
          .where('vault', '=', head.vault)
          .where('name_key', '=', head.nameKey)
          .execute();
      } else {
        await s.db
          .insertInto('kv_secrets')
          .values({
            vault: head.vault,
            name_key: head.nameKey,
            name: head.name,
            latest_version: v.version,
            latest_seq: v.seq,
            deleted_s: null,
            purge_s: null,
          })
          .execute();
      }
      await s.db.insertInto('kv_secret_versions').values(fromVersion(v)).execute();
    });
  }

  async patchVersion(vault: string, nameKey: string, version: string, patch: VersionPatch): Promise<void> {
    const set: Record<string, unknown> = { updated_s: patch.updatedS };
    if (patch.contentType !== undefined) set.content_type = patch.contentType;
    if (patch.tags !== undefined) set.tags = patch.tags === null ? null : JSON.stringify(patch.tags);
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    if (patch.nbfS !== undefined) set.nbf_s = patch.nbfS;
    if (patch.expS !== undefined) set.exp_s = patch.expS;
    await this.changing(() =>
      this.db
        .updateTable('kv_secret_versions')
        .set(set)
        .where('vault', '=', vault)
        .where('name_key', '=', nameKey)
        .where('version', '=', version)
        .execute(),
    );
  }

  /** One page of live secrets (latest versions), by name, after `afterKey`. */
  listLatest(vault: string, afterKey: string | null, limit: number): Promise<SecretViewRow[]> {
    return this.listPage({ vault, deleted: false, afterKey, limit });
  }

  /** One page of soft-deleted secrets (latest versions), by name, after `afterKey`. */
  listDeleted(vault: string, afterKey: string | null, limit: number): Promise<SecretViewRow[]> {
    return this.listPage({ vault, deleted: true, afterKey, limit });
  }

  private async listPage(o: {
    vault: string;
    deleted: boolean;
    afterKey: string | null;
    limit: number;
  }): Promise<SecretViewRow[]> {
    let q = secretVersions(this.db, { latestOnly: true })
      .where('s.vault', '=', o.vault)
      .where('s.deleted_s', o.deleted ? 'is not' : 'is', null);
    if (o.afterKey !== null) q = q.where('s.name_key', '>', o.afterKey);
    const rows = await q.orderBy('s.name_key').limit(o.limit).execute();
    return rows.map(toView);
  }

  /** One page of a secret's versions, oldest first, after sequence number `afterSeq`. */
  async listVersions(vault: string, nameKey: string, afterSeq: number, limit: number): Promise<SecretViewRow[]> {
    const rows = await secretVersions(this.db, { latestOnly: false })
      .where('s.vault', '=', vault)
      .where('s.name_key', '=', nameKey)
      .where('v.seq', '>', afterSeq)
      .orderBy('v.seq')
      .limit(limit)
      .execute();
    return rows.map(toView);
  }

  async allVersions(vault: string, nameKey: string): Promise<SecretVersionRow[]> {
    const rows = await this.db
      .selectFrom('kv_secret_versions')
      .selectAll()
      .where('vault', '=', vault)
      .where('name_key', '=', nameKey)
      .orderBy('seq')
      .execute();
    return rows.map(toVersion);
  }

  async setDeleted(vault: string, nameKey: string, deletedS: number | null, purgeS: number | null): Promise<void> {
    await this.changing(() =>
      this.db
        .updateTable('kv_secrets')
        .set({ deleted_s: deletedS, purge_s: purgeS })
        .where('vault', '=', vault)
        .where('name_key', '=', nameKey)
        .execute(),
    );
  }

  /** Removes a secret and every version for good. */
  async purge(vault: string, nameKey: string): Promise<void> {
    await this.changingTransaction(async (s) => {
      await s.db.deleteFrom('kv_secret_versions').where('vault', '=', vault).where('name_key', '=', nameKey).execute();
      await s.db.deleteFrom('kv_secrets').where('vault', '=', vault).where('name_key', '=', nameKey).execute();
    });
  }

  /** Purges every soft-deleted secret of the vault whose scheduled purge date has come. */
  async purgeDue(vault: string, nowS: number): Promise<number> {
    const due = await this.db
      .selectFrom('kv_secrets')
      .select('name_key')
      .where('vault', '=', vault)
      .where('purge_s', 'is not', null)
      .where('purge_s', '<=', nowS)
      .execute();
    for (const r of due) await this.purge(vault, r.name_key as string);
    return due.length;
  }

  /** Writes a whole secret (head and versions) at once, as restore does. */
  async insertSecret(head: SecretHeadRow, versions: SecretVersionRow[]): Promise<void> {
    await this.changingTransaction(async (s) => {
      await s.db
        .insertInto('kv_secrets')
        .values({
          vault: head.vault,
          name_key: head.nameKey,
          name: head.name,
          latest_version: head.latestVersion,
          latest_seq: head.latestSeq,
          deleted_s: head.deletedS,
          purge_s: head.purgeS,
        })
        .execute();
      for (const v of versions) await s.db.insertInto('kv_secret_versions').values(fromVersion(v)).execute();
    });
  }

  // ---- audit --------------------------------------------------------------------------------------------

  async appendAudit(a: AuditRow): Promise<void> {
    const fast = this.native;
    if (fast) return fast.appendAudit([a]);
    await this.hot.audit.run(this.db, auditParams(a));
  }

  /**
   * Several records at once: the audit log's group commit. Up to AUDIT_CHUNK rows go in one multi-row INSERT
   * compiled once per row count (building a 13-column insert through the query builder on every flush cost more
   * than the insert); a larger batch is several such statements in one transaction, so still one commit.
   */
  async appendAuditBatch(rows: readonly AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    const fast = this.native;
    if (fast) return fast.appendAudit(rows);
    if (rows.length <= AUDIT_CHUNK) return this.appendAuditChunk(rows);
    await this.transaction(async (s) => {
      for (let i = 0; i < rows.length; i += AUDIT_CHUNK) await s.appendAuditChunk(rows.slice(i, i + AUDIT_CHUNK));
    });
  }

  private async appendAuditChunk(rows: readonly AuditRow[]): Promise<void> {
    let q = this.auditInserts.get(rows.length);
    if (!q) {
      const n = rows.length;
      const empty = Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, null]));
      q = new HotQuery(n * AUDIT_COLUMNS.length, (db) =>
        db.insertInto('kv_audit').values(Array.from({ length: n }, () => empty)),
      );
      this.auditInserts.set(n, q);
    }
    await q.run(this.db, rows.length === 1 ? auditParams(rows[0]) : rows.flatMap(auditParams));
  }

  async queryAudit(q: AuditQuery): Promise<AuditRow[]> {
    let s = this.db.selectFrom('kv_audit').selectAll();
    if (q.vault !== undefined) s = s.where('vault', '=', q.vault);
    if (q.secretName !== undefined) s = s.where('secret_name', '=', q.secretName);
    if (q.principal !== undefined)
      s = s.where((eb) => eb.or([eb('principal_oid', '=', q.principal), eb('principal_app', '=', q.principal)]));
    if (q.operation !== undefined) s = s.where('operation', '=', q.operation);
    if (q.result !== undefined) s = s.where('result', '=', q.result);
    if (q.sinceMs !== undefined) s = s.where('time_ms', '>=', q.sinceMs);
    if (q.untilMs !== undefined) s = s.where('time_ms', '<', q.untilMs);
    const rows = await s.orderBy('time_ms', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(toAudit);
  }
}
