import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, sql } from 'kysely';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { silentLogger, type Logger } from '../common/logger.js';
import type { Database } from './database.js';
import {
  ACTIVITY_RUN_COLUMNS,
  PIPELINE_RUN_COLUMNS,
  activityRunToRow,
  pipelineRunToRow,
  rowToActivityRun,
  rowToPipelineRun,
  type ActivityRunRecord,
  type ActivityRunRow,
  type PipelineRunRecord,
  type PipelineRunRow,
  type PipelineRunStatus,
} from './runs-records.js';

export * from './runs-records.js';

export interface RunsStoreOptions {
  database: Database;
  clock?: Clock;
  logger?: Logger;
  /** Buffered records at which writers are asked to wait for a flush (`mustDrain`). Bounds memory. */
  highWaterMark?: number;
  /** Delay before a scheduled flush; 0 = the next turn of the event loop. */
  flushDelayMs?: number;
}

export interface PipelineRunFilter {
  factoryName?: string;
  pipelineName?: string;
  statuses?: PipelineRunStatus[];
  parentRunId?: string;
  runGroupId?: string;
  latestOnly?: boolean;
  lastUpdatedAfter?: string;
  lastUpdatedBefore?: string;
  limit?: number;
}

/**
 * Rows per multi-row statement at most: 256 × 21 columns stays far under SQLite's 32,766 and PostgreSQL's
 * 65,535 bound parameters. A batch is cut into power-of-two statements (256, 128, … 1), so each table needs at
 * most nine statement texts and the adapters keep every one prepared.
 */
const MAX_ROWS_PER_STATEMENT = 256;

type Table = 'adf_pipeline_runs' | 'adf_activity_runs';
const TABLE_COLUMNS: Record<Table, readonly string[]> = {
  adf_pipeline_runs: PIPELINE_RUN_COLUMNS,
  adf_activity_runs: ACTIVITY_RUN_COLUMNS,
};
/** Word for word the predicate of the partial index `adf_pipeline_runs_unfinished` (migration 0203). */
export const UNFINISHED_PREDICATE = "status in ('Queued', 'InProgress', 'Canceling')";

const TABLE_KEY: Record<Table, string> = { adf_pipeline_runs: 'run_id', adf_activity_runs: 'activity_run_id' };

/**
 * Multi-row INSERT texts, built once per (adapter, table, row count, upsert) and then only bound: the write path
 * runs for every record, so no query builder runs on it. The same text each time also lets the adapters reuse
 * their prepared statement (database.ts caches them by text).
 */
const statementTexts = new Map<string, string>();

function insertText(kind: Database['kind'], table: Table, rows: number, upsert: boolean): string {
  const cacheKey = `${kind}|${table}|${rows}|${upsert ? 1 : 0}`;
  let text = statementTexts.get(cacheKey);
  if (text) return text;
  const columns = TABLE_COLUMNS[table];
  const tuples: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const marks: string[] = [];
    for (let c = 0; c < columns.length; c++) marks.push(kind === 'postgres' ? `$${++n}` : '?');
    tuples.push(`(${marks.join(',')})`);
  }
  text = `insert into ${table} (${columns.join(',')}) values ${tuples.join(',')}`;
  if (upsert) {
    const key = TABLE_KEY[table];
    const set = columns.filter((c) => c !== key).map((c) => `${c} = excluded.${c}`);
    text += ` on conflict (${key}) do update set ${set.join(', ')}`;
  }
  statementTexts.set(cacheKey, text);
  return text;
}

/**
 * Prepared statements of the SQLite write path, per connection: compiled once, then only bound. A transaction
 * of a few hundred rows is then a handful of native calls, where Kysely's promise chain (a connection mutex,
 * a query object and several promises per statement) cost more per transaction than the engine spends running
 * a short pipeline's activities.
 */
const nativeStatements = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

function nativeStatement(native: BetterSqlite3.Database, text: string): BetterSqlite3.Statement {
  let byText = nativeStatements.get(native);
  if (!byText) nativeStatements.set(native, (byText = new Map()));
  let stmt = byText.get(text);
  if (!stmt) byText.set(text, (stmt = native.prepare(text)));
  return stmt;
}

/** The rows of a table cut into power-of-two statements: calls `run(statementText, params)` for each. */
function eachStatement(
  kind: Database['kind'],
  table: Table,
  rows: readonly (PipelineRunRow | ActivityRunRow)[],
  upsert: boolean,
  run: (text: string, params: unknown[]) => void,
): void {
  const columns = TABLE_COLUMNS[table];
  let i = 0;
  while (i < rows.length) {
    let n = MAX_ROWS_PER_STATEMENT;
    while (n > rows.length - i) n >>= 1;
    const params: unknown[] = new Array(n * columns.length);
    let p = 0;
    for (let r = i; r < i + n; r++) {
      const row = rows[r] as unknown as Record<string, unknown>;
      for (let c = 0; c < columns.length; c++) params[p++] = row[columns[c]];
    }
    run(insertText(kind, table, n, upsert), params);
    i += n;
  }
}

/**
 * Pipeline and activity runs, persisted through a write-behind buffer: `save*` snapshots a record into memory at
 * once (coalescing repeated saves of the same run) and a flush writes everything buffered in ONE transaction on
 * the next turn of the event loop. So a record is durable a few milliseconds after it happens, a crash loses at
 * most that tail (the run it belonged to is then failed by recovery), and no transaction ever leaves a record
 * half-written. Reads flush first, so a reader always sees every save made before it.
 */
export class RunsStore {
  readonly database: Database;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly highWaterMark: number;
  private readonly flushDelayMs: number;
  private pipelineBuf = new Map<string, PipelineRunRow>();
  private activityBuf = new Map<string, ActivityRunRow>();
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private lastError: unknown = null;
  private closed = false;

  constructor(opts: RunsStoreOptions) {
    this.database = opts.database;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.highWaterMark = opts.highWaterMark ?? 2000;
    this.flushDelayMs = opts.flushDelayMs ?? 0;
  }

  /** Opens the store on a database, applying migrations. */
  static async open(opts: RunsStoreOptions): Promise<RunsStore> {
    await opts.database.migrate();
    return new RunsStore(opts);
  }

  savePipelineRun(r: PipelineRunRecord): void {
    this.pipelineBuf.set(r.runId, pipelineRunToRow(r));
    this.schedule();
  }

  saveActivityRun(r: ActivityRunRecord): void {
    this.activityBuf.set(r.activityRunId, activityRunToRow(r, this.clock.now()));
    this.schedule();
  }

  /** Records buffered and not yet written. */
  get pending(): number {
    return this.pipelineBuf.size + this.activityBuf.size;
  }

  /** True when a writer producing records in a tight loop should `await flush()` before producing more. */
  get mustDrain(): boolean {
    return this.pending >= this.highWaterMark;
  }

  /** Writes everything saved so far; resolves when it is durable. Rejects if a write failed. */
  async flush(): Promise<void> {
    while (this.inFlight || this.pending) {
      if (this.inFlight) await this.inFlight;
      else await this.startFlush();
      // A failed write keeps its rows buffered for a later flush; trying again at once would spin for as long
      // as the cause lasts (a closed database never comes back).
      if (this.lastError) break;
    }
    if (this.lastError) {
      const e = this.lastError;
      this.lastError = null;
      throw e;
    }
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const run = () => {
      this.timer = null;
      if (!this.inFlight) void this.startFlush().catch(() => undefined);
    };
    // setTimeout(0) waits at least a millisecond; setImmediate is the next turn of the loop, after I/O.
    this.timer = this.flushDelayMs > 0 ? setTimeout(run, this.flushDelayMs) : setImmediate(run);
  }

  private cancelTimer(): void {
    const t = this.timer;
    this.timer = null;
    if (t === null) return;
    if ('refresh' in t) clearTimeout(t);
    else clearImmediate(t as NodeJS.Immediate);
  }

  private startFlush(): Promise<void> {
    this.cancelTimer();
    const pipelines = [...this.pipelineBuf.values()];
    const activities = [...this.activityBuf.values()];
    this.pipelineBuf = new Map();
    this.activityBuf = new Map();
    const p = this.write(pipelines, activities)
      .catch((e: unknown) => {
        // Keep what failed to land unless a newer version was saved meanwhile; the next flush retries it.
        for (const r of pipelines) if (!this.pipelineBuf.has(r.run_id)) this.pipelineBuf.set(r.run_id, r);
        for (const r of activities)
          if (!this.activityBuf.has(r.activity_run_id)) this.activityBuf.set(r.activity_run_id, r);
        this.lastError = e;
        this.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'writing run records failed');
      })
      .finally(() => {
        this.inFlight = null;
        if (this.pending && !this.lastError) this.schedule();
      });
    this.inFlight = p;
    return p;
  }

  private async write(pipelines: PipelineRunRow[], activities: ActivityRunRow[]): Promise<void> {
    if (!pipelines.length && !activities.length) return;
    await this.writeRows(pipelines, activities, true);
    // better-sqlite3 is synchronous: give timers and I/O a turn between batches.
    await yieldToLoop();
  }

  /**
   * Writes rows in one transaction. On SQLite, when no Kysely transaction holds the one connection, through
   * the connection's own prepared statements and transaction (synchronously: nothing else can run in between);
   * otherwise, and on PostgreSQL, through Kysely.
   */
  private async writeRows(
    pipelines: readonly PipelineRunRow[],
    activities: readonly ActivityRunRow[],
    upsert: boolean,
  ): Promise<void> {
    const native = this.database.sqlite;
    if (native && native.open && !native.inTransaction) {
      const run = (text: string, params: unknown[]) => void nativeStatement(native, text).run(params);
      native.exec('begin');
      try {
        eachStatement('sqlite', 'adf_pipeline_runs', pipelines, upsert, run);
        eachStatement('sqlite', 'adf_activity_runs', activities, upsert, run);
        native.exec('commit');
      } catch (e) {
        if (native.inTransaction) native.exec('rollback');
        throw e;
      }
      return;
    }
    await this.database.transaction(async (trx) => {
      await this.insertRows(trx, 'adf_pipeline_runs', pipelines, upsert);
      await this.insertRows(trx, 'adf_activity_runs', activities, upsert);
    });
  }

  private async insertRows(
    trx: Pick<Database['db'], 'executeQuery'>,
    table: Table,
    rows: readonly (PipelineRunRow | ActivityRunRow)[],
    upsert: boolean,
  ): Promise<void> {
    const queries: CompiledQuery[] = [];
    eachStatement(this.database.kind, table, rows, upsert, (text, params) =>
      queries.push(CompiledQuery.raw(text, params)),
    );
    for (const q of queries) await trx.executeQuery(q);
  }

  /**
   * The raw-insert baseline of the engine benchmark: the same records converted to rows and inserted the
   * plainest fast way (prepared multi-row INSERTs, no upsert, all in one transaction), bypassing the buffer.
   */
  async insertRunsRaw(
    pipelines: readonly PipelineRunRecord[],
    activities: readonly ActivityRunRecord[],
  ): Promise<void> {
    const now = this.clock.now();
    await this.writeRows(
      pipelines.map(pipelineRunToRow),
      activities.map((r) => activityRunToRow(r, now)),
      false,
    );
  }

  async getPipelineRun(runId: string): Promise<PipelineRunRecord | undefined> {
    await this.flush();
    const row = await this.database.db
      .selectFrom('adf_pipeline_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return row ? rowToPipelineRun(row as PipelineRunRow) : undefined;
  }

  async listPipelineRuns(f: PipelineRunFilter = {}): Promise<PipelineRunRecord[]> {
    await this.flush();
    let q = this.database.db.selectFrom('adf_pipeline_runs').selectAll();
    if (f.factoryName !== undefined) q = q.where('factory_name', '=', f.factoryName);
    if (f.pipelineName !== undefined) q = q.where('pipeline_name', '=', f.pipelineName);
    if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
    if (f.parentRunId !== undefined) q = q.where('parent_run_id', '=', f.parentRunId);
    if (f.runGroupId !== undefined) q = q.where('run_group_id', '=', f.runGroupId);
    if (f.latestOnly) q = q.where('is_latest', '=', 1);
    if (f.lastUpdatedAfter) q = q.where('last_updated', '>=', Date.parse(f.lastUpdatedAfter));
    if (f.lastUpdatedBefore) q = q.where('last_updated', '<=', Date.parse(f.lastUpdatedBefore));
    q = q.orderBy('queued_at').orderBy('run_id');
    if (f.limit) q = q.limit(f.limit);
    return (await q.execute()).map((r) => rowToPipelineRun(r as PipelineRunRow));
  }

  /**
   * Runs not ended yet (Queued, InProgress, Canceling), oldest first: what restart recovery ends. The predicate
   * is written literally, as the partial index of such runs is (migration 0203), so that the index serves it.
   */
  async listUnfinishedPipelineRuns(factoryName?: string): Promise<PipelineRunRecord[]> {
    await this.flush();
    let q = this.database.db.selectFrom('adf_pipeline_runs').selectAll().where(sql.raw<boolean>(UNFINISHED_PREDICATE));
    if (factoryName !== undefined) q = q.where('factory_name', '=', factoryName);
    q = q.orderBy('queued_at').orderBy('run_id');
    return (await q.execute()).map((r) => rowToPipelineRun(r as PipelineRunRow));
  }

  /** Activity runs of one pipeline run in the order they started (loops: once per iteration). */
  async listActivityRuns(
    pipelineRunId: string,
    opts: { statuses?: string[]; afterSeq?: number; limit?: number } = {},
  ): Promise<ActivityRunRecord[]> {
    await this.flush();
    let q = this.database.db.selectFrom('adf_activity_runs').selectAll().where('pipeline_run_id', '=', pipelineRunId);
    if (opts.statuses?.length) q = q.where('status', 'in', opts.statuses);
    if (opts.afterSeq !== undefined) q = q.where('seq', '>', opts.afterSeq);
    q = q.orderBy('seq');
    if (opts.limit) q = q.limit(opts.limit);
    return (await q.execute()).map((r) => rowToActivityRun(r as ActivityRunRow));
  }

  async countActivityRuns(pipelineRunId: string): Promise<number> {
    await this.flush();
    const r = await this.database.db
      .selectFrom('adf_activity_runs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('pipeline_run_id', '=', pipelineRunId)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Stops the flush timer after writing what is buffered. The database stays open (its owner closes it). */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.flush();
    } finally {
      this.cancelTimer();
    }
  }
}
