import type { Clock } from '../../../common/clock.js';
import type { IdGenerator } from '../../../common/ids.js';
import type { Logger } from '../../../common/logger.js';
import { interpolate } from '../../expressions/index.js';
import { nextOccurrence, parseRecurrence, type Recurrence } from './recurrence.js';

/**
 * Started triggers that fire on a clock. A ScheduleTrigger fires at each instant of its recurrence; every
 * firing is a trigger run (kept for queryTriggerRuns) that starts each of the trigger's pipelines with its
 * parameters evaluated against the firing (`@trigger().scheduledTime`, `@trigger().startTime`,
 * `@pipeline().TriggerTime` …), invoked by the trigger. Other trigger types can be started and stopped but do
 * not fire here (no storage or Event Grid events reach a local server; tumbling windows are not implemented).
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
  /** Trigger runs kept per factory (oldest dropped first). */
  keep?: number;
}

/** Why a trigger cannot fire on a schedule, or its recurrence; undefined for types that do not fire here. */
export function scheduleOf(t: TriggerDefinition): Recurrence | string | undefined {
  if (t.properties.type !== 'ScheduleTrigger') return undefined;
  return parseRecurrence(t.properties.typeProperties?.recurrence, 'typeProperties.recurrence');
}

// setTimeout's longest delay; a later instant is reached in several waits
const MAX_DELAY = 2 ** 31 - 1;

export class TriggerScheduler {
  private readonly o: TriggerSchedulerOptions;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly runs = new Map<string, TriggerRunRecord[]>();
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
    this.wait(factory, t, r, nextOccurrence(r, this.o.clock.now()));
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
  }

  /** Whether the trigger has a firing waiting (tests, diagnostics). */
  armed(factory: string, trigger: string): boolean {
    return this.timers.has(TriggerScheduler.key(factory, trigger));
  }

  triggerRuns(factory: string): TriggerRunRecord[] {
    return [...(this.runs.get(factory.toLowerCase()) ?? [])];
  }

  /** One firing: a trigger run that starts each of the trigger's pipelines. */
  async fire(factory: string, t: TriggerDefinition, scheduled: number): Promise<TriggerRunRecord> {
    const now = this.o.clock.now();
    const triggerRunId = this.o.ids.uuid();
    const type = t.properties.type;
    const scheduledTime = new Date(scheduled).toISOString();
    const startTime = new Date(now).toISOString();
    const object = { name: t.name, type, scheduledTime, startTime };
    const record: TriggerRunRecord = {
      triggerRunId,
      triggerName: t.name,
      triggerType: type,
      triggerRunTimestamp: startTime,
      status: 'Inprogress',
      message: '',
      properties: { TriggerTime: startTime, ScheduleTime: scheduledTime },
      triggeredPipelines: {},
      runDimension: {},
      dependencyStatus: {},
      factory,
    };
    this.remember(record);
    const failures: string[] = [];
    for (const p of t.properties.pipelines ?? []) {
      const pipelineName = p.pipelineReference?.referenceName;
      if (!pipelineName) continue;
      try {
        const parameters = interpolate(p.parameters ?? {}, {
          trigger: object,
          triggerTime: startTime,
          triggerName: t.name,
          triggerType: type,
          triggerId: triggerRunId,
          factoryName: factory,
          clock: this.o.clock,
        }) as Record<string, unknown>;
        record.triggeredPipelines[pipelineName] = await this.o.startRun({
          factory,
          pipelineName,
          parameters,
          trigger: { name: t.name, type, id: triggerRunId, time: startTime, object },
          invokedBy: { name: t.name, id: triggerRunId, invokedByType: type },
        });
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
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
