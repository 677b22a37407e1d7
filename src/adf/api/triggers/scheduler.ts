import { createHash } from 'node:crypto';
import type { Clock } from '../../../common/clock.js';
import type { IdGenerator } from '../../../common/ids.js';
import type { Logger } from '../../../common/logger.js';
import type { TriggerRunRecord, TriggerRunsStore } from '../../../storage/trigger-runs-store.js';
import { interpolate } from '../../expressions/index.js';
import {
  nextOccurrence,
  parseRecurrence,
  parseTumblingWindow,
  windowOf,
  type Recurrence,
  type TumblingWindow,
} from './recurrence.js';

/**
 * Started triggers that fire on a clock. A ScheduleTrigger fires at each instant of its recurrence; every
 * firing is a trigger run (persisted for queryTriggerRuns) that starts each of the trigger's pipelines with its
 * parameters evaluated against the firing (`@trigger().scheduledTime`, `@trigger().startTime`,
 * `@pipeline().TriggerTime` …), invoked by the trigger. A TumblingWindowTrigger runs its pipeline once per
 * window (`@trigger().outputs.windowStartTime` / `windowEndTime`), windows already past included, at most
 * maxConcurrency at a time, retrying a failed window as its retryPolicy says; a window's trigger run ID is
 * derived from the trigger and the window, so windows already run (before a stop or a restart) are known by the
 * pipeline runs they started and are not run again. An ended window can be rerun (same trigger run, a new
 * pipeline run); an Inprogress trigger run can be cancelled (its pipeline runs cancelled, no retry, Failed).
 * Event triggers can be started and stopped but do not fire
 * here (no storage or Event Grid events reach a local server).
 */

export type { TriggerRunRecord } from '../../../storage/trigger-runs-store.js';

export interface TriggerDefinition {
  name: string;
  properties: {
    type: string;
    pipelines?: { pipelineReference?: { referenceName?: string }; parameters?: Record<string, unknown> }[];
    pipeline?: { pipelineReference?: { referenceName?: string }; parameters?: Record<string, unknown> };
    typeProperties?: Record<string, unknown>;
  };
}

export interface FireRequest {
  factory: string;
  pipelineName: string;
  parameters: Record<string, unknown>;
  trigger: { name: string; type: string; id: string; time: string; object: Record<string, unknown> };
  invokedBy: { name: string; id: string; invokedByType: string };
}

export interface TriggerSchedulerOptions {
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** Starts one pipeline run; returns its run ID. */
  startRun(r: FireRequest): Promise<string>;
  /** Waits for a run to end; returns its final status. */
  waitRun(factory: string, runId: string): Promise<string>;
  /** Cancels a pipeline run and the child runs it started. */
  cancelRun(factory: string, runId: string): Promise<void>;
  /** The trigger run IDs (`invokedBy.id`) of the pipeline runs a trigger started, so windows are not run twice. */
  startedBy(factory: string, trigger: string): Promise<Set<string>>;
  /** Where trigger runs are kept. */
  store: TriggerRunsStore;
  /**
   * Told of each change of a trigger run (created, a pipeline run started, ended, rerun, cancelled): a copy of
   * the record as saved, once its save has settled (so a reader told of it finds it in the store).
   */
  onChange?(r: TriggerRunRecord): void;
  /**
   * Masks what is saved and reported (a message may quote an error that quotes a secret value); the live
   * record keeps what it has, as a pipeline run's does.
   */
  maskRecord?(r: TriggerRunRecord): TriggerRunRecord;
}

/** A trigger run going on in this process: what cancelling it needs. */
interface ActiveRun {
  canceled: boolean;
  /** The pipeline runs it started (the latest attempt's last). */
  pipelineRuns: string[];
  done: Promise<void>;
}

/**
 * Why a trigger cannot be started, or when it fires: a ScheduleTrigger's recurrence, a TumblingWindowTrigger's
 * windows; undefined for types that do not fire here.
 */
export function scheduleOf(t: TriggerDefinition): Recurrence | TumblingWindow | string | undefined {
  if (t.properties.type === 'ScheduleTrigger')
    return parseRecurrence(t.properties.typeProperties?.recurrence, 'typeProperties.recurrence');
  if (t.properties.type === 'TumblingWindowTrigger') {
    if (!t.properties.pipeline?.pipelineReference?.referenceName)
      return 'pipeline.pipelineReference is required to start a TumblingWindowTrigger.';
    return parseTumblingWindow(t.properties.typeProperties, 'typeProperties');
  }
  return undefined;
}

const isWindows = (s: Recurrence | TumblingWindow): s is TumblingWindow => 'maxConcurrency' in s;

/** A UUID-shaped ID that is the same for the same trigger and window. */
function windowRunId(factory: string, trigger: string, windowStart: number): string {
  const h = createHash('sha256')
    .update(`${factory.toLowerCase()}\n${trigger.toLowerCase()}\n${windowStart}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface WindowState {
  t: TriggerDefinition;
  w: TumblingWindow;
  /** The next window not yet started. */
  next: number;
  running: number;
  done: Set<string>;
  stopped: boolean;
}

// setTimeout's longest delay; a later instant is reached in several waits
const MAX_DELAY = 2 ** 31 - 1;

export class TriggerScheduler {
  private readonly o: TriggerSchedulerOptions;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly active = new Map<string, ActiveRun>();
  private readonly windows = new Map<string, WindowState>();
  private closed = false;

  constructor(o: TriggerSchedulerOptions) {
    this.o = o;
  }

  private static key(factory: string, trigger: string): string {
    return `${factory.toLowerCase()}/${trigger.toLowerCase()}`;
  }

  /** Arms a started trigger: its next instant after now (no catching up on instants already past). */
  arm(factory: string, t: TriggerDefinition): void {
    this.disarm(factory, t.name);
    const r = scheduleOf(t);
    if (!r || typeof r === 'string' || this.closed) return;
    if (isWindows(r)) return void this.armWindows(factory, t, r);
    this.wait(factory, t, r, nextOccurrence(r, this.o.clock.now()));
  }

  private async armWindows(factory: string, t: TriggerDefinition, w: TumblingWindow): Promise<void> {
    const key = TriggerScheduler.key(factory, t.name);
    const st: WindowState = { t, w, next: 0, running: 0, done: new Set(), stopped: false };
    this.windows.set(key, st);
    try {
      const [byRuns, byRecords] = await Promise.all([
        this.o.startedBy(factory, t.name),
        this.o.store.ids(factory, t.name),
      ]);
      st.done = new Set([...byRuns, ...byRecords]);
    } catch (e) {
      this.o.logger.warn({ factory, trigger: t.name, err: (e as Error).message }, 'cannot read a trigger’s runs');
      return;
    }
    this.pump(factory, st);
  }

  /** Starts every window that is due, up to maxConcurrency; waits for the next one to become due. */
  private pump(factory: string, st: WindowState): void {
    const key = TriggerScheduler.key(factory, st.t.name);
    if (st.stopped || this.closed) return;
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    this.timers.delete(key);
    while (st.running < st.w.maxConcurrency) {
      const win = windowOf(st.w, st.next);
      if (st.w.end !== undefined && win.end > st.w.end) return;
      const due = win.end + st.w.delayMs;
      const now = this.o.clock.now();
      if (due > now) {
        const timer = setTimeout(() => this.pump(factory, st), Math.min(due - now, MAX_DELAY));
        timer.unref();
        this.timers.set(key, timer);
        return;
      }
      st.next++;
      const id = windowRunId(factory, st.t.name, win.start);
      if (st.done.has(id)) continue;
      st.done.add(id);
      st.running++;
      const record = this.newRecord(factory, st.t, id, this.o.clock.now(), new Date(due).toISOString());
      record.properties.WindowStartTime = new Date(win.start).toISOString();
      record.properties.WindowEndTime = new Date(win.end).toISOString();
      void this.track(record, (run) => this.runWindow(factory, st, record, run)).finally(() => {
        st.running--;
        this.pump(factory, st);
      });
    }
  }

  /** Runs a window's pipeline (again, on a retry) until it succeeds, its retries are spent or it is cancelled. */
  private async runWindow(factory: string, st: WindowState, record: TriggerRunRecord, run: ActiveRun): Promise<void> {
    const t = st.t;
    const pipelineName = t.properties.pipeline?.pipelineReference?.referenceName ?? '';
    const windowStartTime = record.properties.WindowStartTime;
    const windowEndTime = record.properties.WindowEndTime;
    const scheduledTime = record.properties.ScheduleTime;
    for (let attempt = 0; ; attempt++) {
      const startTime = new Date(this.o.clock.now()).toISOString();
      const object = {
        name: t.name,
        type: t.properties.type,
        scheduledTime,
        startTime,
        outputs: { windowStartTime, windowEndTime },
      };
      let status: string;
      let why = '';
      try {
        const runId = await this.startOne(
          factory,
          t,
          record.triggerRunId,
          object,
          pipelineName,
          t.properties.pipeline?.parameters,
        );
        record.triggeredPipelines[pipelineName] = runId;
        run.pipelineRuns.push(runId);
        this.persist(record);
        // cancelled while the run was being started
        if (run.canceled) await this.o.cancelRun(factory, runId).catch(() => undefined);
        status = await this.o.waitRun(factory, runId);
        why = status === 'Succeeded' ? '' : `pipeline run ${runId} ${status}`;
      } catch (e) {
        status = 'Failed';
        why = `${pipelineName}: ${(e as Error).message}`;
      }
      if (run.canceled) return this.canceled(record, why);
      if (status === 'Succeeded' || attempt >= st.w.retry.count || st.stopped || this.closed) {
        record.status = status === 'Succeeded' ? 'Succeeded' : 'Failed';
        record.message = why;
        return;
      }
      await new Promise<void>((res) => setTimeout(res, st.w.retry.intervalMs).unref());
      if (run.canceled) return this.canceled(record, why);
    }
  }

  private canceled(record: TriggerRunRecord, why: string): void {
    record.status = 'Failed';
    record.message = `Cancelled by user${why ? ` (${why})` : ''}.`;
  }

  /**
   * Runs `body` as an active trigger run: saved when it starts and when it ends (whatever happens), and
   * cancellable meanwhile.
   */
  private track(record: TriggerRunRecord, body: (run: ActiveRun) => Promise<void>): Promise<void> {
    const key = TriggerScheduler.key(record.factory, record.triggerRunId);
    const run: ActiveRun = { canceled: false, pipelineRuns: [], done: Promise.resolve() };
    this.active.set(key, run);
    this.persist(record);
    run.done = (async () => {
      try {
        await body(run);
      } catch (e) {
        record.status = 'Failed';
        record.message = (e as Error).message;
      } finally {
        this.active.delete(key);
        this.persist(record);
      }
    })();
    return run.done;
  }

  private persist(record: TriggerRunRecord): void {
    // a deep copy: the live record's maps change while the save (and the listener after it) wait
    const clone = structuredClone(record);
    const copy = this.o.maskRecord ? this.o.maskRecord(clone) : clone;
    this.o.store
      .save(copy)
      .catch((e: Error) => {
        this.o.logger.warn(
          { factory: record.factory, trigger: record.triggerName, err: e.message },
          'cannot save a trigger run',
        );
      })
      .then(() => {
        try {
          this.o.onChange?.(copy);
        } catch (e) {
          this.o.logger.warn({ factory: record.factory, err: (e as Error).message }, 'trigger run listener failed');
        }
      });
  }

  /**
   * ADF's triggerRuns/{runId}/cancel: an Inprogress trigger run started here stops (no further pipeline run or
   * retry) and its pipeline runs are cancelled; resolves once it has ended (Failed, "Cancelled by user").
   */
  async cancel(record: TriggerRunRecord): Promise<boolean> {
    const run = this.active.get(TriggerScheduler.key(record.factory, record.triggerRunId));
    if (!run) return false;
    run.canceled = true;
    for (const id of run.pipelineRuns) await this.o.cancelRun(record.factory, id).catch(() => undefined);
    await run.done;
    return true;
  }

  /**
   * ADF's triggerRuns/{runId}/rerun for a TumblingWindowTrigger: the ended window `record` runs again under
   * the same trigger run ID, with the trigger's current pipeline, parameters and retry policy. Resolves once
   * the rerun has started (its record is Inprogress).
   */
  rerun(t: TriggerDefinition, w: TumblingWindow, record: TriggerRunRecord): void {
    const st: WindowState = { t, w, next: 0, running: 0, done: new Set(), stopped: false };
    const now = new Date(this.o.clock.now()).toISOString();
    record.status = 'Inprogress';
    record.message = '';
    record.triggerRunTimestamp = now;
    record.properties = { ...record.properties, TriggerTime: now };
    record.triggeredPipelines = {};
    void this.track(record, (run) => this.runWindow(record.factory, st, record, run));
  }

  isActive(factory: string, triggerRunId: string): boolean {
    return this.active.has(TriggerScheduler.key(factory, triggerRunId));
  }

  private newRecord(
    factory: string,
    t: TriggerDefinition,
    triggerRunId: string,
    now: number,
    scheduledTime: string,
  ): TriggerRunRecord {
    const startTime = new Date(now).toISOString();
    return {
      triggerRunId,
      triggerName: t.name,
      triggerType: t.properties.type,
      triggerRunTimestamp: startTime,
      status: 'Inprogress',
      message: '',
      properties: { TriggerTime: startTime, ScheduleTime: scheduledTime },
      triggeredPipelines: {},
      runDimension: {},
      dependencyStatus: {},
      factory,
    };
  }

  /** Starts one of a trigger's pipelines with its parameters evaluated against the firing. */
  private startOne(
    factory: string,
    t: TriggerDefinition,
    triggerRunId: string,
    object: Record<string, unknown> & { startTime: string },
    pipelineName: string,
    given: Record<string, unknown> | undefined,
  ): Promise<string> {
    const type = t.properties.type;
    const parameters = interpolate(given ?? {}, {
      trigger: object,
      triggerTime: object.startTime,
      triggerName: t.name,
      triggerType: type,
      triggerId: triggerRunId,
      factoryName: factory,
      clock: this.o.clock,
    }) as Record<string, unknown>;
    return this.o.startRun({
      factory,
      pipelineName,
      parameters,
      trigger: { name: t.name, type, id: triggerRunId, time: object.startTime, object },
      invokedBy: { name: t.name, id: triggerRunId, invokedByType: type },
    });
  }

  private wait(factory: string, t: TriggerDefinition, r: Recurrence, at: number | undefined): void {
    const key = TriggerScheduler.key(factory, t.name);
    if (at === undefined || this.closed) return;
    const delay = Math.max(0, at - this.o.clock.now());
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        // a long delay is waited in parts, and a timer may fire a millisecond before the clock reaches `at`
        if (this.o.clock.now() < at) return this.wait(factory, t, r, at);
        void this.fire(factory, t, at);
        this.wait(factory, t, r, nextOccurrence(r, Math.max(at, this.o.clock.now())));
      },
      Math.min(delay, MAX_DELAY),
    );
    // a started trigger does not keep a process alive on its own (the server's listener does)
    timer.unref();
    this.timers.set(key, timer);
  }

  disarm(factory: string, trigger: string): void {
    const key = TriggerScheduler.key(factory, trigger);
    const w = this.windows.get(key);
    // windows already running finish (as in ADF); no new one starts
    if (w) w.stopped = true;
    this.windows.delete(key);
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  disarmFactory(factory: string): void {
    const prefix = `${factory.toLowerCase()}/`;
    for (const [k, t] of this.timers) {
      if (!k.startsWith(prefix)) continue;
      clearTimeout(t);
      this.timers.delete(k);
    }
    for (const [k, w] of this.windows) {
      if (!k.startsWith(prefix)) continue;
      w.stopped = true;
      this.windows.delete(k);
    }
  }

  /** One firing of a ScheduleTrigger: a trigger run that starts each of the trigger's pipelines. */
  async fire(factory: string, t: TriggerDefinition, scheduled: number): Promise<TriggerRunRecord> {
    const now = this.o.clock.now();
    const triggerRunId = this.o.ids.uuid();
    const scheduledTime = new Date(scheduled).toISOString();
    const record = this.newRecord(factory, t, triggerRunId, now, scheduledTime);
    const object = { name: t.name, type: t.properties.type, scheduledTime, startTime: record.triggerRunTimestamp };
    const failures: string[] = [];
    await this.track(record, async (run) => {
      for (const p of t.properties.pipelines ?? []) {
        const pipelineName = p.pipelineReference?.referenceName;
        if (!pipelineName || run.canceled) continue;
        try {
          const runId = await this.startOne(factory, t, triggerRunId, object, pipelineName, p.parameters);
          record.triggeredPipelines[pipelineName] = runId;
          run.pipelineRuns.push(runId);
          if (run.canceled) await this.o.cancelRun(factory, runId).catch(() => undefined);
        } catch (e) {
          failures.push(`${pipelineName}: ${(e as Error).message}`);
        }
      }
      if (run.canceled) return this.canceled(record, failures.join('; '));
      record.status = failures.length ? 'Failed' : 'Succeeded';
      record.message = failures.join('; ');
    });
    if (failures.length)
      this.o.logger.warn({ factory, trigger: t.name, failures: failures.length }, 'a trigger failed to start runs');
    return record;
  }

  close(): void {
    this.closed = true;
    for (const w of this.windows.values()) w.stopped = true;
    this.windows.clear();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
