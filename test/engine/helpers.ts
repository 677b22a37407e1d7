import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/common/clock.js';
import { sequentialIds, type IdGenerator } from '../../src/common/ids.js';
import { builtinActivities, type ActivityDefinition } from '../../src/adf/activities/index.js';
import { Engine, type EngineOptions } from '../../src/adf/engine/engine.js';
import { ActivityRegistry } from '../../src/adf/engine/registry.js';
import type { Timers } from '../../src/adf/engine/timers.js';
import type { Activity, Pipeline } from '../../src/adf/model/types.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { RunsStore, type ActivityRunRecord, type PipelineRunRecord } from '../../src/storage/runs-store.js';

/**
 * Virtual time: `sleep` never waits for real. When the process has nothing else to do (a few event-loop
 * turns pass without new work), the earliest pending sleep fires and the clock jumps to its deadline.
 */
export class VirtualTimers implements Timers {
  private waiters: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;
  private pumping = false;
  constructor(readonly clock: ManualClock) {}

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const w = {
        at: this.clock.now() + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
      this.pump();
    });
  }

  /** `fn` at virtual time now + ms, unless the returned function is called first. */
  schedule(ms: number, fn: () => void): () => void {
    const w = { at: this.clock.now() + Math.max(0, ms), seq: this.seq++, resolve: fn };
    this.waiters.push(w);
    this.pump();
    return () => {
      this.waiters = this.waiters.filter((x) => x !== w);
    };
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const step = (idle: number) => {
      setImmediate(() => {
        if (!this.waiters.length) {
          this.pumping = false;
          return;
        }
        // Busy while other immediates or timers (store flushes, their event-loop yields) are pending: only a
        // process with nothing left to do lets virtual time jump.
        const busy = process.getActiveResourcesInfo().some((r) => r === 'Immediate' || r === 'Timeout');
        if (busy) return step(0);
        if (idle < 3) return step(idle + 1);
        this.waiters.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const w = this.waiters.shift()!;
        if (w.at > this.clock.now()) this.clock.set(w.at);
        w.resolve();
        step(0);
      });
    };
    step(0);
  }
}

export interface TestEnv {
  dir: string;
  database: Database;
  store: RunsStore;
  clock: ManualClock;
  timers: VirtualTimers;
  /** One id sequence per store, so runs of different engines on it never collide. */
  ids: IdGenerator;
  close(): Promise<void>;
}

export async function openEnv(): Promise<TestEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'pipevault-engine-'));
  const database = await openDatabase({ url: `sqlite:${join(dir, 'runs.db')}` });
  const store = await RunsStore.open({ database });
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const timers = new VirtualTimers(clock);
  return {
    dir,
    database,
    store,
    clock,
    timers,
    ids: sequentialIds(),
    close: async () => {
      await store.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A pipeline as real JSON writes it: `extra` is loose on purpose (lower-case parameter types, `Boolean`
 * variables), as the engine must accept.
 */
export function pipeline(name: string, activities: Activity[], extra: Record<string, unknown> = {}): Pipeline {
  return { name, properties: { activities, ...extra } } as Pipeline;
}

/** A small activity factory for tests: `act('A', 'Wait', {waitTimeInSeconds: 1}, dep('B'))`. */
export function act(
  name: string,
  type: string,
  typeProperties: Record<string, unknown> = {},
  ...dependsOn: Activity['dependsOn'][]
): Activity {
  return {
    name,
    type,
    typeProperties,
    dependsOn: dependsOn.flat().filter(Boolean) as NonNullable<Activity['dependsOn']>,
  };
}

export function dep(activity: string, ...conditions: string[]): NonNullable<Activity['dependsOn']> {
  return [{ activity, dependencyConditions: (conditions.length ? conditions : ['Succeeded']) as never }];
}

export const expr = (value: string) => ({ value, type: 'Expression' });

export const succeed = (name: string, ...deps: Activity['dependsOn'][]) =>
  act(name, 'Wait', { waitTimeInSeconds: 0 }, ...deps);
export const failing = (name: string, ...deps: Activity['dependsOn'][]) =>
  act(name, 'Fail', { message: `${name} failed on purpose`, errorCode: 'E1' }, ...deps);

export interface RunResult {
  run: PipelineRunRecord;
  activityRuns: ActivityRunRecord[];
  engine: Engine;
  /** Activity runs by name (last attempt / last iteration wins). */
  byName: Map<string, ActivityRunRecord>;
  statusOf(name: string): string | undefined;
}

export function makeEngine(
  env: TestEnv,
  pipelines: Pipeline[],
  opts: Partial<EngineOptions> & { extra?: ActivityDefinition[] } = {},
): Engine {
  const registry = new ActivityRegistry([...builtinActivities, ...(opts.extra ?? [])]);
  return new Engine({
    store: env.store,
    pipelines: new Map(pipelines.map((p) => [p.name, p])),
    factoryName: 'test-factory',
    clock: env.clock,
    timers: env.timers,
    ids: env.ids,
    registry,
    ...opts,
  });
}

export async function runOn(
  engine: Engine,
  name: string,
  parameters: Record<string, unknown> = {},
): Promise<RunResult> {
  const h = await engine.createRun({ pipelineName: name, parameters });
  const run = await h.done;
  await engine.idle();
  const activityRuns = await engine.store.listActivityRuns(run.runId);
  const byName = new Map(activityRuns.map((r) => [r.activityName, r]));
  return { run, activityRuns, engine, byName, statusOf: (n) => byName.get(n)?.status };
}

export async function runPipeline(
  env: TestEnv,
  pipelines: Pipeline[],
  name = pipelines[0].name,
  parameters: Record<string, unknown> = {},
  opts: Partial<EngineOptions> & { extra?: ActivityDefinition[] } = {},
): Promise<RunResult> {
  return runOn(makeEngine(env, pipelines, opts), name, parameters);
}
