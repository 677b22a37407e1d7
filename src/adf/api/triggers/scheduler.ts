import { createHash } from 'node:crypto';
import type { Clock } from '../../../common/clock.js';
import type { IdGenerator } from '../../../common/ids.js';
import type { Logger } from '../../../common/logger.js';
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
 * firing is a trigger run (kept for queryTriggerRuns) that starts each of the trigger's pipelines with its
 * parameters evaluated against the firing (`@trigger().scheduledTime`, `@trigger().startTime`,
 * `@pipeline().TriggerTime` …), invoked by the trigger. A TumblingWindowTrigger runs its pipeline once per
 * window (`@trigger().outputs.windowStartTime` / `windowEndTime`), windows already past included, at most
 * maxConcurrency at a time, retrying a failed window as its retryPolicy says; a window's trigger run ID is
 * derived from the trigger and the window, so windows already run (before a stop or a restart) are known by the
 * pipeline runs they started and are not run again. Event triggers can be started and stopped but do not fire
 * here (no storage or Event Grid events reach a local server).
 */

export interface TriggerRunRecord {
  triggerRunId: string;
  triggerName: string;
  triggerType: string;
  triggerRunTimestamp: string;
  status: 'Succeeded' | 'Failed' | 'Inprogress';
  message: string;
  properties: Record<string, string>;
  triggeredPipelines: Record<string, string>;
  runDimension: Record<string, string>;
  dependencyStatus: Record<string, unknown>;
  /** The factory it belongs to (not part of ADF's shape). */
  factory: string;
}

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
  /** The trigger run IDs (`invokedBy.id`) of the pipeline runs a trigger started, so windows are not run twice. */
  startedBy(factory: string, trigger: string): Promise<Set<string>>;
  /** Trigger runs kept per factory (oldest dropped first). */
  keep?: number;
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
  private readonly runs = new Map<string, TriggerRunRecord[]>();
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
      st.done = await this.o.startedBy(factory, t.name);
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
      void this.runWindow(factory, st, id, win, due).finally(() => {
        st.running--;
        this.pump(factory, st);
      });
    }
  }

  private async runWindow(
    factory: string,
    st: WindowState,
    triggerRunId: string,
    win: { start: number; end: number },
    due: number,
  ): Promise<void> {
    const t = st.t;
    const pipelineName = t.properties.pipeline?.pipelineReference?.referenceName ?? '';
    const windowStartTime = new Date(win.start).toISOString();
    const windowEndTime = new Date(win.end).toISOString();
    const scheduledTime = new Date(due).toISOString();
    const record = this.newRecord(factory, t, triggerRunId, this.o.clock.now(), scheduledTime);
    record.properties.WindowStartTime = windowStartTime;
    record.properties.WindowEndTime = windowEndTime;
    this.remember(record);
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
          triggerRunId,
          object,
          pipelineName,
          t.properties.pipeline?.parameters,
        );
        record.triggeredPipelines[pipelineName] = runId;
        status = await this.o.waitRun(factory, runId);
        why = status === 'Succeeded' ? '' : `pipeline run ${runId} ${status}`;
      } catch (e) {
        status = 'Failed';
        why = `${pipelineName}: ${(e as Error).message}`;
      }
      if (status === 'Succeeded' || attempt >= st.w.retry.count || st.stopped || this.closed) {
        record.status = status === 'Succeeded' ? 'Succeeded' : 'Failed';
        record.message = why;
        return;
      }
      await new Promise<void>((res) => setTimeout(res, st.w.retry.intervalMs).unref());
    }
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
        if (delay > MAX_DELAY) return this.wait(factory, t, r, at);
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

  triggerRuns(factory: string): TriggerRunRecord[] {
    return [...(this.runs.get(factory.toLowerCase()) ?? [])];
  }

  /** One firing of a ScheduleTrigger: a trigger run that starts each of the trigger's pipelines. */
  async fire(factory: string, t: TriggerDefinition, scheduled: number): Promise<TriggerRunRecord> {
    const now = this.o.clock.now();
    const triggerRunId = this.o.ids.uuid();
    const scheduledTime = new Date(scheduled).toISOString();
    const record = this.newRecord(factory, t, triggerRunId, now, scheduledTime);
    this.remember(record);
    const object = { name: t.name, type: t.properties.type, scheduledTime, startTime: record.triggerRunTimestamp };
    const failures: string[] = [];
    for (const p of t.properties.pipelines ?? []) {
      const pipelineName = p.pipelineReference?.referenceName;
      if (!pipelineName) continue;
      try {
        record.triggeredPipelines[pipelineName] = await this.startOne(
          factory,
          t,
          triggerRunId,
          object,
          pipelineName,
          p.parameters,
        );
      } catch (e) {
        failures.push(`${pipelineName}: ${(e as Error).message}`);
      }
    }
    record.status = failures.length ? 'Failed' : 'Succeeded';
    record.message = failures.join('; ');
    if (failures.length)
      this.o.logger.warn({ factory, trigger: t.name, failures: failures.length }, 'a trigger failed to start runs');
    return record;
  }

  private remember(r: TriggerRunRecord): void {
    const key = r.factory.toLowerCase();
    const list = this.runs.get(key) ?? [];
    list.push(r);
    const keep = this.o.keep ?? 10_000;
    if (list.length > keep) list.splice(0, list.length - keep);
    this.runs.set(key, list);
  }

  close(): void {
    this.closed = true;
    for (const w of this.windows.values()) w.stopped = true;
    this.windows.clear();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
