import type { Clock } from '../common/clock.js';
import type { Database } from './database.js';

/**
 * Trigger runs in ADF's TriggerRun shape, persisted (SQLite or PostgreSQL) so queryTriggerRuns answers after a
 * restart and a TumblingWindowTrigger's window can be rerun. A record is saved whole each time it changes
 * (started, a pipeline run started, ended); saves are applied in the order they were made.
 */

export type TriggerRunStatus = 'Succeeded' | 'Failed' | 'Inprogress';

export interface TriggerRunRecord {
  triggerRunId: string;
  triggerName: string;
  triggerType: string;
  triggerRunTimestamp: string;
  status: TriggerRunStatus;
  message: string;
  properties: Record<string, string>;
  triggeredPipelines: Record<string, string>;
  runDimension: Record<string, string>;
  dependencyStatus: Record<string, unknown>;
  /** The factory it belongs to (not part of ADF's shape). */
  factory: string;
}

export interface TriggerRunFilter {
  factory: string;
  triggerName?: string;
  statuses?: TriggerRunStatus[];
  /** Inclusive bounds on when a record last changed, in ms. */
  lastUpdatedAfter?: number;
  lastUpdatedBefore?: number;
}

interface TriggerRunRow {
  factory_key: string;
  trigger_run_id: string;
  factory_name: string;
  trigger_name: string;
  trigger_key: string;
  trigger_type: string;
  run_timestamp: number;
  status: string;
  message: string;
  properties: string;
  triggered_pipelines: string;
  run_dimension: string;
  dependency_status: string;
  updated_at: number;
}

const TABLE = 'adf_trigger_runs';

function toRow(r: TriggerRunRecord, now: number): TriggerRunRow {
  return {
    factory_key: r.factory.toLowerCase(),
    trigger_run_id: r.triggerRunId,
    factory_name: r.factory,
    trigger_name: r.triggerName,
    trigger_key: r.triggerName.toLowerCase(),
    trigger_type: r.triggerType,
    run_timestamp: Date.parse(r.triggerRunTimestamp),
    status: r.status,
    message: r.message,
    properties: JSON.stringify(r.properties),
    triggered_pipelines: JSON.stringify(r.triggeredPipelines),
    run_dimension: JSON.stringify(r.runDimension),
    dependency_status: JSON.stringify(r.dependencyStatus),
    updated_at: now,
  };
}

function fromRow(r: TriggerRunRow): TriggerRunRecord {
  return {
    triggerRunId: r.trigger_run_id,
    triggerName: r.trigger_name,
    triggerType: r.trigger_type,
    triggerRunTimestamp: new Date(Number(r.run_timestamp)).toISOString(),
    status: r.status as TriggerRunStatus,
    message: r.message,
    properties: JSON.parse(r.properties) as Record<string, string>,
    triggeredPipelines: JSON.parse(r.triggered_pipelines) as Record<string, string>,
    runDimension: JSON.parse(r.run_dimension) as Record<string, string>,
    dependencyStatus: JSON.parse(r.dependency_status) as Record<string, unknown>,
    factory: r.factory_name,
  };
}

export class TriggerRunsStore {
  private readonly database: Database;
  private readonly clock: Clock;
  // one chain of writes: a record saved twice in quick succession lands in the order it was saved
  private tail: Promise<void> = Promise.resolve();

  constructor(o: { database: Database; clock: Clock }) {
    this.database = o.database;
    this.clock = o.clock;
  }

  /** Creates or replaces a trigger run (a copy of it as it is now). Resolves once written. */
  save(r: TriggerRunRecord): Promise<void> {
    const row = toRow(r, this.clock.now());
    const { factory_key: _f, trigger_run_id: _t, ...rest } = row;
    const write = this.tail.then(async () => {
      await this.database.db
        .insertInto(TABLE)
        .values(row)
        .onConflict((oc) => oc.columns(['factory_key', 'trigger_run_id']).doUpdateSet(rest))
        .execute();
    });
    this.tail = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every save made so far is written. */
  flush(): Promise<void> {
    return this.tail;
  }

  async get(factory: string, triggerRunId: string): Promise<TriggerRunRecord | undefined> {
    await this.flush();
    const r = await this.database.db
      .selectFrom(TABLE)
      .selectAll()
      .where('factory_key', '=', factory.toLowerCase())
      .where('trigger_run_id', '=', triggerRunId)
      .executeTakeFirst();
    return r ? fromRow(r as TriggerRunRow) : undefined;
  }

  /** A factory's trigger runs, oldest first. */
  async list(f: TriggerRunFilter): Promise<TriggerRunRecord[]> {
    await this.flush();
    let q = this.database.db.selectFrom(TABLE).selectAll().where('factory_key', '=', f.factory.toLowerCase());
    if (f.triggerName !== undefined) q = q.where('trigger_key', '=', f.triggerName.toLowerCase());
    if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
    if (f.lastUpdatedAfter !== undefined) q = q.where('updated_at', '>=', f.lastUpdatedAfter);
    if (f.lastUpdatedBefore !== undefined) q = q.where('updated_at', '<=', f.lastUpdatedBefore);
    const rows = await q.orderBy('run_timestamp').orderBy('trigger_run_id').execute();
    return rows.map((r) => fromRow(r as TriggerRunRow));
  }

  /** The IDs of a trigger's runs (a TumblingWindowTrigger's windows already run, whatever their outcome). */
  async ids(factory: string, trigger: string): Promise<Set<string>> {
    await this.flush();
    const rows = await this.database.db
      .selectFrom(TABLE)
      .select('trigger_run_id')
      .where('factory_key', '=', factory.toLowerCase())
      .where('trigger_key', '=', trigger.toLowerCase())
      .execute();
    return new Set(rows.map((r) => r.trigger_run_id as string));
  }

  /**
   * Ends the trigger runs a previous process left Inprogress (it stopped before they ended): Failed with
   * `message`. Returns how many.
   */
  async endUnfinished(message: string): Promise<number> {
    await this.flush();
    const res = await this.database.db
      .updateTable(TABLE)
      .set({ status: 'Failed', message, updated_at: this.clock.now() })
      .where('status', '=', 'Inprogress')
      .executeTakeFirst();
    return Number(res.numUpdatedRows ?? 0);
  }

  /** Forgets a deleted factory's trigger runs. */
  async deleteFactory(factory: string): Promise<void> {
    await this.flush();
    await this.database.db.deleteFrom(TABLE).where('factory_key', '=', factory.toLowerCase()).execute();
  }
}
