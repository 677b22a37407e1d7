import {
  engineClosed,
  pipelineThrottled,
  runInterrupted,
  runNotFound,
  runShutDown,
  unknownPipeline,
} from '../../common/catalogue.js';
import { systemClock, type Clock } from '../../common/clock.js';
import { toPipevaultError, type PipevaultError } from '../../common/errors.js';
import type { IdGenerator } from '../../common/ids.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { SecretRegistry } from '../../common/masking.js';
import type { ActivityRunRecord, InvokedBy, PipelineRunRecord, PipelineRunStatus } from '../../storage/runs-records.js';
import type { RunsStore } from '../../storage/runs-store.js';
import { builtinActivities } from '../activities/index.js';
import type { ActivityServices, ChildRunOutcome, ChildRunRequest, ScopeOutcome } from '../activities/types.js';
import type { EvaluationContext } from '../expressions/context.js';
import type { Pipeline } from '../model/types.js';
import { RunExecution } from './execution.js';
import type { MockMap } from './mocks.js';
import { recordParameters, resolveParameters, secureParameterNames } from './parameters.js';
import { ActivityRegistry } from './registry.js';
import { timeOrderedIds } from './run-ids.js';
import { planRecovery, supersede, type RecoveryPlan } from './rerun.js';
import type { EngineServices } from './services.js';
import { realTimers, type Timers } from './timers.js';

/** ADF's cap on runs waiting for a pipeline whose `concurrency` is reached. */
export const MAX_QUEUED_RUNS = 100;

export interface EngineOptions {
  store: RunsStore;
  /** The factory's pipelines by name (a Factory's `pipelines` map fits). */
  pipelines: ReadonlyMap<string, Pipeline>;
  factoryName?: string;
  /** Values `pipeline().globalParameters.X` returns. */
  globalParameters?: Record<string, unknown>;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  timers?: Timers;
  registry?: ActivityRegistry;
  mocks?: MockMap;
  maskRecord?: (value: unknown) => unknown;
  /**
   * The secrets of this engine's runs (src/common/masking.ts): SecureString parameter values and the outputs
   * of activities with secureOutput are registered in it, and every pipeline and activity run record is
   * masked with it before it is saved or reported. `maskRecord` defaults to its `maskJson`.
   */
  secrets?: SecretRegistry;
  /** Hooks for activities that talk to the outside (HTTP, tokens, secrets). */
  services?: ActivityServices;
  /** Live progress: every save of a pipeline run / activity run. */
  onPipelineRun?: (r: PipelineRunRecord) => void;
  onActivityRun?: (r: ActivityRunRecord) => void;
}

export interface TriggerInfo {
  name?: string;
  type?: string;
  id?: string;
  /** ISO instant `pipeline().TriggerTime` returns; defaults to the time the run was created. */
  time?: string;
  /** What `trigger()` returns. */
  object?: Record<string, unknown>;
}

export interface CreateRunRequest {
  pipelineName: string;
  parameters?: Record<string, unknown>;
  trigger?: TriggerInfo;
  invokedBy?: InvokedBy;
  runGroupId?: string;
  /** A rerun of an earlier run (./rerun.ts): joins its group, reuses what it does not rerun. */
  recovery?: RecoveryPlan;
}

export interface RunHandle {
  runId: string;
  /** Resolves with the final record once the run ended and its records are durable. */
  done: Promise<PipelineRunRecord>;
}

interface Live {
  record: PipelineRunRecord;
  pipeline: Pipeline;
  parameters: Record<string, unknown>;
  base: EvaluationContext;
  execution?: RunExecution;
  /** The execution's promise (settles once the run has unwound), while it runs. */
  task?: Promise<void>;
  children: Set<string>;
  done: Promise<PipelineRunRecord>;
  resolve: (r: PipelineRunRecord) => void;
  cancelRequested: boolean;
  recovery?: RecoveryPlan;
}

/**
 * The run engine: creates pipeline runs, queues them under a pipeline's `concurrency`, executes them (branches
 * concurrently, without threads), cancels them (recursively into child runs), records everything in the runs
 * store, and on start-up fails runs a previous process left unfinished.
 */
export class Engine {
  private readonly svc: EngineServices;
  private readonly pipelines: ReadonlyMap<string, Pipeline>;
  private readonly globalParameters: Record<string, unknown>;
  private readonly onPipelineRun?: (r: PipelineRunRecord) => void;
  private readonly live = new Map<string, Live>();
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, string[]>();
  private closed = false;

  constructor(opts: EngineOptions) {
    this.pipelines = opts.pipelines;
    this.globalParameters = opts.globalParameters ?? {};
    this.onPipelineRun = opts.onPipelineRun;
    const clock = opts.clock ?? systemClock;
    this.svc = {
      store: opts.store,
      clock,
      ids: opts.ids ?? timeOrderedIds(clock),
      logger: opts.logger ?? silentLogger,
      timers: opts.timers ?? realTimers,
      registry: opts.registry ?? new ActivityRegistry(builtinActivities),
      mocks: opts.mocks,
      factoryName: opts.factoryName ?? 'default',
      maskRecord: opts.maskRecord ?? (opts.secrets ? (v) => opts.secrets!.maskJson(v) : undefined),
      secrets: opts.secrets,
      onActivityRun: opts.onActivityRun,
      activityServices: opts.services ?? {},
      plans: new WeakMap(),
    };
  }

  get store(): RunsStore {
    return this.svc.store;
  }

  /** Looks a pipeline up by name (exactly, then case-insensitively, as ADF names are). */
  pipeline(name: string): Pipeline | undefined {
    const exact = this.pipelines.get(name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    for (const [k, p] of this.pipelines) if (k.toLowerCase() === lower) return p;
    return undefined;
  }

  /**
   * Accepts a run: bad input (unknown pipeline, missing or mistyped parameter) throws before anything is
   * recorded; a pipeline at its concurrency limit queues the run (at most 100 queued, then it is rejected).
   */
  async createRun(
    req: CreateRunRequest,
    parent?: { execution: RunExecution; activityName: string; activityRunId: string },
  ): Promise<RunHandle> {
    if (this.closed) throw engineClosed();
    const pipeline = this.pipeline(req.pipelineName);
    if (!pipeline) throw unknownPipeline(req.pipelineName, [...this.pipelines.keys()]);
    const parameters = resolveParameters(pipeline, req.parameters ?? {});
    // Registered before anything is recorded, so the value is masked wherever it flows, child runs included.
    for (const name of secureParameterNames(pipeline)) this.svc.secrets?.registerOutput(parameters[name]);
    const key = pipeline.name.toLowerCase();
    const concurrency = Number(pipeline.properties.concurrency ?? 0);
    const limited = Number.isInteger(concurrency) && concurrency > 0;
    const queue = this.queues.get(key) ?? [];
    const mustQueue = limited && ((this.running.get(key) ?? 0) >= concurrency || queue.length > 0);
    if (mustQueue && queue.length >= MAX_QUEUED_RUNS) throw pipelineThrottled(pipeline.name);

    const { clock, ids } = this.svc;
    const now = new Date(clock.now()).toISOString();
    const runId = ids.uuid();
    const invokedBy: InvokedBy =
      req.invokedBy ??
      (parent
        ? {
            name: parent.activityName,
            id: parent.activityRunId,
            invokedByType: 'PipelineActivity',
            pipelineName: parent.execution.pipeline.name,
            pipelineRunId: parent.execution.runId,
          }
        : { name: 'Manual', id: ids.uuid(), invokedByType: 'Manual' });
    const record: PipelineRunRecord = {
      runId,
      runGroupId: req.runGroupId ?? req.recovery?.runGroupId ?? runId,
      isLatest: true,
      pipelineName: pipeline.name,
      parameters: recordParameters(parameters, secureParameterNames(pipeline)),
      runDimensions: {},
      invokedBy,
      lastUpdated: now,
      runStart: null,
      runEnd: null,
      durationInMs: null,
      status: 'Queued',
      message: '',
      annotations: (pipeline.properties.annotations as unknown[]) ?? [],
      factoryName: this.svc.factoryName,
      parentRunId: parent?.execution.runId ?? null,
      queuedAt: now,
    };
    const parentLive = parent ? this.live.get(parent.execution.runId) : undefined;
    const trigger = req.trigger ?? {};
    const base: EvaluationContext = {
      globalParameters: this.globalParameters,
      runId,
      pipelineName: pipeline.name,
      factoryName: this.svc.factoryName,
      groupId: record.runGroupId,
      clock,
      triggerTime: trigger.time ?? parentLive?.base.triggerTime ?? now,
      triggerName: trigger.name ?? parentLive?.base.triggerName ?? 'Manual',
      triggerType: trigger.type ?? parentLive?.base.triggerType ?? 'Manual',
      triggerId: trigger.id ?? parentLive?.base.triggerId ?? invokedBy.id,
      ...(trigger.object
        ? { trigger: trigger.object }
        : parentLive?.base.trigger
          ? { trigger: parentLive.base.trigger }
          : {}),
      ...(parent
        ? { triggeredByPipelineName: parent.execution.pipeline.name, triggeredByPipelineRunId: parent.execution.runId }
        : {}),
    };
    let resolve!: (r: PipelineRunRecord) => void;
    const done = new Promise<PipelineRunRecord>((r) => (resolve = r));
    const live: Live = {
      record,
      pipeline,
      parameters,
      base,
      children: new Set(),
      done,
      resolve,
      cancelRequested: false,
      recovery: req.recovery,
    };
    this.live.set(runId, live);
    parentLive?.children.add(runId);

    if (mustQueue) {
      queue.push(runId);
      this.queues.set(key, queue);
      this.save(record);
      await this.svc.store.flush();
    } else {
      this.running.set(key, (this.running.get(key) ?? 0) + 1);
      await this.begin(live);
    }
    if (req.recovery) await supersede(this.svc.store, record.runGroupId, runId);
    return { runId, done };
  }

  private save(r: PipelineRunRecord): void {
    if (this.closed) return; // close() has recorded how the run ended
    r.lastUpdated = new Date(this.svc.clock.now()).toISOString();
    // The live record keeps real values; what is saved and reported is masked (message, parameters, return value).
    const shown = this.svc.maskRecord ? (this.svc.maskRecord(r) as PipelineRunRecord) : r;
    this.svc.store.savePipelineRun(shown);
    this.onPipelineRun?.(shown);
  }

  private async begin(live: Live): Promise<void> {
    const r = live.record;
    r.status = 'InProgress';
    r.runStart = new Date(this.svc.clock.now()).toISOString();
    this.save(r);
    const execution: RunExecution = new RunExecution({
      runId: r.runId,
      runGroupId: r.runGroupId,
      pipeline: live.pipeline,
      parameters: live.parameters,
      base: live.base,
      services: this.svc,
      reuse: live.recovery?.reuse,
      startChild: (req, p): Promise<ChildRunOutcome> => this.startChild(req, { execution, ...p }),
    });
    live.execution = execution;
    if (live.cancelRequested) execution.controller.abort();
    live.task = this.execute(live, execution);
  }

  private async execute(live: Live, execution: RunExecution): Promise<void> {
    let outcome: ScopeOutcome;
    try {
      outcome = await execution.run();
    } catch (e) {
      const err = toPipevaultError(e);
      this.svc.logger.error({ runId: live.record.runId, err: err.message }, 'run failed unexpectedly');
      outcome = { status: 'Failed', failures: [{ activityName: '', error: err.toActivity('') }] };
    }
    const status: PipelineRunStatus = execution.aborted ? 'Cancelled' : outcome.status;
    const message =
      status === 'Failed'
        ? outcome.failures
            .map((f) =>
              f.activityName
                ? `Operation on target ${f.activityName} failed: ${f.error?.message ?? 'failed'}`
                : (f.error?.message ?? 'failed'),
            )
            .join('\n')
        : status === 'Cancelled'
          ? `Pipeline run ${live.record.runId} was cancelled.`
          : '';
    await this.finish(live, status, message, execution.returnValue);
  }

  private async finish(
    live: Live,
    status: PipelineRunStatus,
    message: string,
    returnValue: Record<string, unknown> | null,
  ): Promise<void> {
    // A closed engine has ended the run and resolved `done` (close); unwinding changes nothing.
    if (this.closed) return;
    const r = live.record;
    const end = this.svc.clock.now();
    r.status = status;
    r.message = message;
    r.runEnd = new Date(end).toISOString();
    r.durationInMs = r.runStart ? end - Date.parse(r.runStart) : 0;
    if (returnValue) r.returnValue = returnValue;
    this.save(r);
    try {
      await this.svc.store.flush();
    } catch (e) {
      this.svc.logger.error({ runId: r.runId, err: (e as Error).message }, 'could not persist the end of a run');
    }
    const key = live.pipeline.name.toLowerCase();
    if (r.runStart) this.running.set(key, Math.max(0, (this.running.get(key) ?? 1) - 1));
    this.live.delete(r.runId);
    live.resolve({ ...r });
    await this.dequeue(key, live.pipeline);
  }

  private async dequeue(key: string, pipeline: Pipeline): Promise<void> {
    const queue = this.queues.get(key);
    const concurrency = Number(pipeline.properties.concurrency ?? 0);
    while (queue?.length && (this.running.get(key) ?? 0) < concurrency) {
      const next = this.live.get(queue.shift() as string);
      if (!next) continue;
      this.running.set(key, (this.running.get(key) ?? 0) + 1);
      await this.begin(next);
    }
  }

  private async startChild(
    req: ChildRunRequest,
    parent: { execution: RunExecution; activityName: string; activityRunId: string },
  ): Promise<ChildRunOutcome> {
    const recovery = await this.childRecovery(parent, req.pipelineName);
    const handle = await this.createRun(
      { pipelineName: req.pipelineName, parameters: req.parameters, ...(recovery ? { recovery } : {}) },
      parent,
    );
    const pipelineName = this.pipeline(req.pipelineName)?.name ?? req.pipelineName;
    if (!req.waitOnCompletion) return { runId: handle.runId, pipelineName, status: 'InProgress', message: '' };
    const r = await handle.done;
    return { runId: r.runId, pipelineName, status: r.status, message: r.message, returnValue: r.returnValue ?? null };
  }

  /** In a rerun, an ExecutePipeline that runs again reruns the reference run's child from its failure. */
  private async childRecovery(
    parent: { execution: RunExecution; activityName: string },
    pipelineName: string,
  ): Promise<RecoveryPlan | undefined> {
    const childRunId = this.live.get(parent.execution.runId)?.recovery?.childRuns.get(parent.activityName);
    const pipeline = this.pipeline(pipelineName);
    if (!childRunId || !pipeline) return undefined;
    const reference = await this.svc.store.getPipelineRun(childRunId);
    if (!reference || reference.pipelineName.toLowerCase() !== pipeline.name.toLowerCase()) return undefined;
    return planRecovery(this.svc.store, pipeline, { reference, startFromFailure: true, allowNothingToRerun: true });
  }

  /** Resolves with the final record of a run this engine is executing (or the stored one if it has ended). */
  async wait(runId: string): Promise<PipelineRunRecord> {
    const live = this.live.get(runId);
    if (live) return live.done;
    const stored = await this.svc.store.getPipelineRun(runId);
    if (!stored) throw runNotFound(runId);
    return stored;
  }

  /** Resolves when no run of this engine is queued or in progress (fire-and-forget children included). */
  async idle(): Promise<void> {
    while (this.live.size) await Promise.all([...this.live.values()].map((l) => l.done));
    await this.svc.store.flush();
  }

  /**
   * Cancels a run: a queued run ends Cancelled at once; a running one passes through Canceling, its in-flight
   * activities are aborted and recorded Cancelled, nothing further starts. `recursive` (ADF's isRecursive)
   * cancels the child runs it started too.
   */
  async cancel(runId: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const live = this.live.get(runId);
    if (!live) {
      if (!(await this.svc.store.getPipelineRun(runId))) throw runNotFound(runId);
      return; // already ended: cancelling is a no-op, as in ADF
    }
    if (opts.recursive !== false) {
      for (const child of live.children) if (this.live.has(child)) await this.cancel(child, opts);
    }
    if (live.record.status === 'Queued') {
      const key = live.pipeline.name.toLowerCase();
      const q = this.queues.get(key);
      if (q)
        this.queues.set(
          key,
          q.filter((id) => id !== runId),
        );
      await this.finish(live, 'Cancelled', `Pipeline run ${runId} was cancelled while queued.`, null);
      return;
    }
    if (live.cancelRequested) return;
    live.cancelRequested = true;
    live.record.status = 'Canceling';
    this.save(live.record);
    live.execution?.controller.abort();
  }

  /**
   * Crash recovery, run on start-up: runs a previous process left Queued, InProgress or Canceling cannot be
   * continued (their in-memory state is gone), so each is ended — Failed with a message saying why (Cancelled if
   * it was being cancelled) — and so is every activity run left InProgress. Returns how many runs were ended.
   */
  async recover(opts: { factoryName?: string } = {}): Promise<number> {
    const store = this.svc.store;
    const stuck = await store.listUnfinishedPipelineRuns(opts.factoryName);
    const now = this.svc.clock.now();
    let n = 0;
    for (const r of stuck) {
      if (this.live.has(r.runId)) continue;
      await endInterrupted(store, r, runInterrupted(r.runId), now);
      n++;
    }
    await store.flush();
    return n;
  }

  /**
   * Stops the engine (a server shutting down, a factory deleted): it accepts no new runs, aborts every run it is
   * executing — so no Wait, retry interval or policy timeout timer keeps the process alive — and ends each of
   * them, queued ones too, as the next start's recovery would: Failed with a RunInterrupted error (Cancelled if
   * it was being cancelled), its open activity runs as well. Only the moment differs: the store is still open,
   * so that is recorded now. What the aborted runs do while they unwind is not recorded. Each run's `done`
   * resolves with its final record. Resolves once those records are durable and the runs have unwound. If they
   * cannot be written, the runs stay InProgress in the store and the next start's recovery ends them. The store
   * stays open: its owner closes it.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.svc.halted = true;
    const lives = [...this.live.values()];
    this.live.clear();
    this.queues.clear();
    this.running.clear();
    for (const l of lives) l.execution?.controller.abort(runShutDown(l.record.runId));
    const store = this.svc.store;
    const now = this.svc.clock.now();
    for (const l of lives) {
      const final: PipelineRunRecord = { ...l.record };
      try {
        const stored = await store.getPipelineRun(l.record.runId);
        if (stored) {
          await endInterrupted(store, stored, runShutDown(stored.runId), now);
          // `done` gets the live record (real values, as it always does) with the ending recorded
          Object.assign(final, {
            status: stored.status,
            message: stored.message,
            runEnd: stored.runEnd,
            durationInMs: stored.durationInMs,
            lastUpdated: stored.lastUpdated,
          });
        }
      } catch (e) {
        this.svc.logger.error({ runId: l.record.runId, err: (e as Error).message }, 'could not end a run on close');
      }
      l.resolve(final);
    }
    try {
      await store.flush();
    } catch (e) {
      this.svc.logger.error({ err: (e as Error).message }, 'could not persist the runs ended on close');
    }
    await Promise.allSettled(lives.map((l) => l.task));
  }
}

/**
 * Ends a run that cannot go on (its process stopped, or is stopping): the run Failed — Cancelled if it was being
 * cancelled — with `err`'s message, and each of its activity runs still InProgress likewise, with `err`.
 */
async function endInterrupted(store: RunsStore, r: PipelineRunRecord, err: PipevaultError, now: number): Promise<void> {
  const nowIso = new Date(now).toISOString();
  const cancelled = r.status === 'Canceling';
  for (const a of await store.listActivityRuns(r.runId, { statuses: ['InProgress'] })) {
    a.status = cancelled ? 'Cancelled' : 'Failed';
    a.activityRunEnd = nowIso;
    a.durationInMs = a.activityRunStart ? now - Date.parse(a.activityRunStart) : null;
    a.error = err.toActivity(a.activityName);
    store.saveActivityRun(a);
  }
  r.status = cancelled ? 'Cancelled' : 'Failed';
  r.message = err.message;
  r.runEnd = nowIso;
  r.durationInMs = r.runStart ? now - Date.parse(r.runStart) : null;
  r.lastUpdated = nowIso;
  store.savePipelineRun(r);
}
