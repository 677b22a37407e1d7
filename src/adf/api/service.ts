import {
  armEntityNotFound,
  armInvalidBody,
  armResourceNotFound,
  runNotFound,
  triggerEnabledCannotUpdate,
} from '../../common/catalogue.js';
import type { Clock } from '../../common/clock.js';
import type { IdGenerator } from '../../common/ids.js';
import type { Logger } from '../../common/logger.js';
import { processSecrets } from '../../common/masking.js';
import type { IdentityService } from '../../identity/service.js';
import { RESOURCE_GROUP, type PrincipalRecord } from '../../identity/types.js';
import type { Barrier } from '../../storage/barrier.js';
import type { Database } from '../../storage/database.js';
import { activityRunDigests } from '../../storage/factory-run-digest.js';
import { RunSecureParameters } from '../../storage/factory-run-secrets.js';
import {
  FactoryStore,
  type FactoryRecord,
  type FactoryResourceKind,
  type FactoryResourceRecord,
} from '../../storage/factory-store.js';
import type { ActivityRunRecord, InvokedBy, PipelineRunRecord } from '../../storage/runs-records.js';
import { RunsStore } from '../../storage/runs-store.js';
import { TriggerRunsStore, type TriggerRunFilter } from '../../storage/trigger-runs-store.js';
import type { TriggerInfo } from '../engine/engine.js';
import { planRecovery, recoveryParameters } from '../engine/rerun.js';
import type { LoadedFactory } from '../model/types.js';
import { assembleFactory, candidateProblems, describeProblems, type CandidateResource } from './factory-model.js';
import { GraphLayouts, type PipelineGraphLayout } from './graph-layout.js';
import { FactoryRuntime, type ServicesFor } from './runtime.js';
import { summarizeActivityRuns, type ActivitySummaryRow } from './summary.js';
import { scheduleOf, TriggerScheduler, type TriggerDefinition, type TriggerRunRecord } from './triggers/scheduler.js';
import { triggerRunNotFound, windowsOf } from './triggers/trigger-runs.js';

/**
 * The management API's domain: factories and their resources (validated before they are stored), runs
 * (create, rerun, cancel, read) and a feed of run changes for live views. Routes translate HTTP to these calls;
 * `pipevault run --data-dir` and other in-process callers may use them directly.
 */

export const DEFAULT_FACTORY_NAME = 'default';

export interface RunChange {
  factory: string;
  pipelineRun?: PipelineRunRecord;
  activityRun?: ActivityRunRecord;
  /** A trigger run created or changed (started, a pipeline run started, ended, rerun, cancelled), masked. */
  triggerRun?: TriggerRunRecord;
  /** A trigger started or stopped (its runtimeState). */
  trigger?: { name: string; runtimeState: TriggerRuntimeState };
}

export interface AdfServiceOptions {
  database: Database;
  identity: IdentityService;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  servicesFor?: ServicesFor;
  /** Seals SecureString parameter values so reruns can use them; without it a rerun must be given them again. */
  barrier?: Barrier;
}

export interface CreateRunOptions {
  parameters?: Record<string, unknown>;
  referencePipelineRunId?: string;
  isRecovery?: boolean;
  startActivityName?: string;
  startFromFailure?: boolean;
  /** A trigger's firing (the scheduler's runs): what `trigger()` and `pipeline().Trigger*` return. */
  trigger?: TriggerInfo;
  invokedBy?: InvokedBy;
}

export type TriggerRuntimeState = 'Started' | 'Stopped';

export class AdfService {
  readonly factories: FactoryStore;
  readonly runs: RunsStore;
  readonly triggerRunsStore: TriggerRunsStore;
  private readonly o: AdfServiceOptions;
  private readonly runtimes = new Map<string, Promise<FactoryRuntime>>();
  private readonly listeners = new Set<(c: RunChange) => void>();
  private readonly secureParameters?: RunSecureParameters;
  private readonly summaries = new Map<string, { activities: ActivitySummaryRow[]; total: number }>();
  private readonly layouts = new GraphLayouts();
  private readonly scheduler: TriggerScheduler;

  private constructor(o: AdfServiceOptions, runs: RunsStore) {
    this.o = o;
    if (o.barrier)
      this.secureParameters = new RunSecureParameters({ database: o.database, barrier: o.barrier, clock: o.clock });
    this.factories = new FactoryStore({ database: o.database, clock: o.clock, ids: o.ids });
    this.runs = runs;
    this.triggerRunsStore = new TriggerRunsStore({ database: o.database, clock: o.clock });
    this.scheduler = new TriggerScheduler({
      clock: o.clock,
      ids: o.ids,
      logger: o.logger,
      store: this.triggerRunsStore,
      // masked before it is saved and sent, as the engine masks a run's record: every factory's registry is a
      // child of the process's, sharing its secrets
      maskRecord: (r) => (processSecrets.size ? processSecrets.maskJson(r) : r),
      onChange: (r) => this.emit({ factory: r.factory, triggerRun: r }),
      cancelRun: (factory, runId) => this.cancelRun(factory, runId, true),
      startRun: (r) =>
        this.createRun(r.factory, r.pipelineName, {
          parameters: r.parameters,
          trigger: r.trigger,
          invokedBy: r.invokedBy,
        }),
      waitRun: async (factory, runId) => (await this.waitForRun(factory, runId)).status,
      startedBy: async (factory, trigger) => {
        const runs = await this.runs.listPipelineRuns({ factoryName: (await this.requireFactory(factory)).name });
        const name = trigger.toLowerCase();
        return new Set(runs.filter((r) => r.invokedBy?.name?.toLowerCase() === name).map((r) => r.invokedBy.id));
      },
    });
  }

  /** Opens the service: the default factory exists, runs a previous process left unfinished are ended. */
  static async open(o: AdfServiceOptions): Promise<AdfService> {
    const runs = new RunsStore({ database: o.database, clock: o.clock, logger: o.logger });
    const svc = new AdfService(o, runs);
    const unfinished = await svc.triggerRunsStore.endUnfinished(
      'The server stopped before this trigger run ended (a TumblingWindowTrigger window can be rerun).',
    );
    if (unfinished) o.logger.warn({ triggerRuns: unfinished }, 'ended trigger runs a previous server left unfinished');
    if (!(await svc.factories.getFactory(DEFAULT_FACTORY_NAME))) {
      await svc.putFactory({ name: DEFAULT_FACTORY_NAME, location: 'local', tags: {}, properties: {} });
    }
    for (const f of await svc.factories.listFactories()) {
      const ended = await (await svc.runtime(f.name)).engine.recover({ factoryName: f.name });
      if (ended) o.logger.warn({ factory: f.name, runs: ended }, 'ended runs a previous server left unfinished');
      // triggers started before a restart go on firing
      for (const t of await svc.factories.listResources(f.name, 'triggers')) {
        if (runtimeState(t) === 'Started') svc.scheduler.arm(f.name, asTrigger(t));
      }
    }
    return svc;
  }

  // ---- live feed --------------------------------------------------------------------------------------

  subscribe(fn: (c: RunChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(c: RunChange): void {
    for (const l of this.listeners) {
      try {
        l(c);
      } catch (e) {
        this.o.logger.warn({ err: (e as Error).message }, 'run change listener failed');
      }
    }
  }

  // ---- factories --------------------------------------------------------------------------------------

  async requireFactory(name: string): Promise<FactoryRecord> {
    const f = await this.factories.getFactory(name);
    if (!f) throw armResourceNotFound('Microsoft.DataFactory/factories', name, RESOURCE_GROUP);
    return f;
  }

  async putFactory(f: {
    name: string;
    location: string;
    tags: Record<string, string>;
    properties: Record<string, unknown>;
  }) {
    const existing = await this.factories.getFactory(f.name);
    if (f.properties.globalParameters !== undefined) {
      const model = assembleFactory({
        factory: { name: f.name, properties: f.properties },
        resources: existing ? await this.factories.allResources(f.name) : [],
      });
      const bad = model.loadProblems;
      if (bad.length) throw armInvalidBody(`Factory '${f.name}' is invalid: ${describeProblems(bad)}`);
    }
    const res = await this.factories.putFactory(f);
    await this.o.identity.ensureFactoryIdentity(res.record.name);
    await this.refresh(res.record.name);
    return res;
  }

  async deleteFactory(name: string): Promise<boolean> {
    const f = await this.factories.getFactory(name);
    if (!f) return false;
    await this.factories.deleteFactory(name);
    this.scheduler.disarmFactory(name);
    await this.triggerRunsStore.deleteFactory(name);
    const rt = this.runtimes.get(name.toLowerCase());
    this.runtimes.delete(name.toLowerCase());
    if (rt) await (await rt).close();
    const mi = (await this.o.identity.listPrincipals()).find(
      (p) => p.managedIdentityType === 'SystemAssigned' && p.factory?.toLowerCase() === name.toLowerCase(),
    );
    if (mi) await this.o.identity.deletePrincipal(mi.objectId);
    return true;
  }

  factoryIdentity(name: string): Promise<PrincipalRecord> {
    return this.o.identity.ensureFactoryIdentity(name);
  }

  /** The factory as the ADF model sees it (for validation and runs). */
  async model(name: string): Promise<LoadedFactory> {
    const f = await this.requireFactory(name);
    return assembleFactory({ factory: f, resources: await this.factories.allResources(f.name) });
  }

  // ---- resources --------------------------------------------------------------------------------------

  async getResource(factory: string, kind: FactoryResourceKind, name: string): Promise<FactoryResourceRecord> {
    const f = await this.requireFactory(factory);
    const r = await this.factories.getResource(f.name, kind, name);
    if (!r) throw armEntityNotFound(kind, name, f.name);
    return r;
  }

  /**
   * Creates or replaces resources after validating them with the rest of the factory as `pipevault validate`
   * would (schema, names, references, expressions…). Nothing is written when any is invalid.
   */
  async putResources(factory: string, given: CandidateResource[]): Promise<FactoryResourceRecord[]> {
    const f = await this.requireFactory(factory);
    const items = await this.withRuntimeState(f.name, given);
    const model = assembleFactory({
      factory: f,
      resources: await this.factories.allResources(f.name),
      candidates: items,
    });
    const problems = candidateProblems(model, items);
    if (problems.length) {
      const what = items.length === 1 ? `${items[0].kind}/${items[0].name}` : `${items.length} resources`;
      throw armInvalidBody(
        `The document creation or update failed because ${what} is invalid: ${describeProblems(problems)}`,
        items.length === 1 ? items[0].name : undefined,
      );
    }
    const out = await this.factories.putResources(f.name, items);
    await this.refresh(f.name, model);
    // the monitor's graph of a pipeline is laid out ahead of its first run being opened
    for (const r of out) if (r.kind === 'pipelines') void this.pipelineGraph(r).catch(() => undefined);
    return out;
  }

  async deleteResource(factory: string, kind: FactoryResourceKind, name: string): Promise<boolean> {
    const f = await this.requireFactory(factory);
    if (kind === 'triggers') {
      const t = await this.factories.getResource(f.name, 'triggers', name);
      if (t && runtimeState(t) === 'Started') throw triggerEnabledCannotUpdate();
    }
    const ok = await this.factories.deleteResource(f.name, kind, name);
    if (ok) await this.refresh(f.name);
    return ok;
  }

  /**
   * A trigger's runtimeState belongs to the service, as in ADF: a written trigger is Stopped whatever the body
   * says, and a started one cannot be replaced with a different definition until it is stopped.
   */
  private async withRuntimeState(factory: string, items: CandidateResource[]): Promise<CandidateResource[]> {
    const out: CandidateResource[] = [];
    for (const it of items) {
      if (it.kind !== 'triggers') {
        out.push(it);
        continue;
      }
      const existing = await this.factories.getResource(factory, 'triggers', it.name);
      if (existing && runtimeState(existing) === 'Started') {
        // the same definition again (a factory folder published anew, a server restarted with --factory)
        // changes nothing, so it is no update; a different one needs the trigger stopped first
        if (!sameDefinition(existing.properties, it.properties)) throw triggerEnabledCannotUpdate();
        out.push({ ...it, properties: { ...it.properties, runtimeState: 'Started' } });
        continue;
      }
      out.push({ ...it, properties: { ...it.properties, runtimeState: 'Stopped' } });
    }
    return out;
  }

  // ---- triggers ---------------------------------------------------------------------------------------

  /** ADF's triggers/{name}/start: the trigger is Started and, for a ScheduleTrigger, fires on its schedule. */
  async startTrigger(factory: string, name: string): Promise<void> {
    const t = await this.getResource(factory, 'triggers', name);
    const schedule = scheduleOf(asTrigger(t));
    if (typeof schedule === 'string') {
      throw armInvalidBody(`Trigger '${t.name}' cannot be started: ${schedule}`, t.name);
    }
    const stored = await this.setRuntimeState(t, 'Started');
    this.scheduler.arm(t.factory, asTrigger(stored));
    this.emit({ factory: t.factory, trigger: { name: t.name, runtimeState: 'Started' } });
  }

  /** ADF's triggers/{name}/stop. */
  async stopTrigger(factory: string, name: string): Promise<void> {
    const t = await this.getResource(factory, 'triggers', name);
    this.scheduler.disarm(t.factory, t.name);
    await this.setRuntimeState(t, 'Stopped');
    this.emit({ factory: t.factory, trigger: { name: t.name, runtimeState: 'Stopped' } });
  }

  private async setRuntimeState(t: FactoryResourceRecord, state: TriggerRuntimeState) {
    if (runtimeState(t) === state) return t;
    const [stored] = await this.factories.putResources(t.factory, [
      { kind: 'triggers', name: t.name, properties: { ...t.properties, runtimeState: state } },
    ]);
    return stored;
  }

  /** The factory's trigger runs (persisted), oldest first. */
  async triggerRuns(factory: string, filter: Omit<TriggerRunFilter, 'factory'> = {}): Promise<TriggerRunRecord[]> {
    const f = await this.requireFactory(factory);
    return this.triggerRunsStore.list({ ...filter, factory: f.name });
  }

  private async triggerRun(factory: string, trigger: string, runId: string) {
    const t = await this.getResource(factory, 'triggers', trigger);
    const r = await this.triggerRunsStore.get(t.factory, runId);
    if (!r || r.triggerName.toLowerCase() !== t.name.toLowerCase()) throw triggerRunNotFound(runId, t.name, t.factory);
    return { t, r };
  }

  /** ADF's triggerRuns/{runId}/cancel: an Inprogress trigger run ends Failed, its pipeline runs cancelled. */
  async cancelTriggerRun(factory: string, trigger: string, runId: string): Promise<void> {
    const { r } = await this.triggerRun(factory, trigger, runId);
    if (r.status !== 'Inprogress' || !(await this.scheduler.cancel(r)))
      throw armInvalidBody(
        `Trigger run '${runId}' of '${r.triggerName}' is ${r.status}; only an Inprogress trigger run can be cancelled.`,
        runId,
      );
  }

  /** ADF's triggerRuns/{runId}/rerun: an ended TumblingWindowTrigger window runs again (same trigger run). */
  async rerunTriggerRun(factory: string, trigger: string, runId: string): Promise<void> {
    const { t, r } = await this.triggerRun(factory, trigger, runId);
    const w = windowsOf(asTrigger(t), r);
    if (r.status === 'Inprogress' || this.scheduler.isActive(t.factory, r.triggerRunId))
      throw armInvalidBody(
        `Trigger run '${runId}' of '${t.name}' is in progress; cancel it or wait for it to end.`,
        runId,
      );
    this.scheduler.rerun(asTrigger(t), w, r);
  }

  // ---- runs -------------------------------------------------------------------------------------------

  private runtime(factory: string): Promise<FactoryRuntime> {
    const key = factory.toLowerCase();
    let rt = this.runtimes.get(key);
    if (!rt) {
      rt = this.model(factory).then((model) =>
        FactoryRuntime.create({
          factory: model,
          runs: this.runs,
          clock: this.o.clock,
          ids: this.o.ids,
          logger: this.o.logger,
          servicesFor: this.o.servicesFor,
          onPipelineRun: (r) => this.emit({ factory: model.name, pipelineRun: r }),
          onActivityRun: (r) => this.emit({ factory: model.name, activityRun: r }),
        }),
      );
      rt.catch(() => this.runtimes.delete(key));
      this.runtimes.set(key, rt);
    }
    return rt;
  }

  private async refresh(factory: string, model?: LoadedFactory): Promise<void> {
    const rt = this.runtimes.get(factory.toLowerCase());
    if (rt) (await rt).update(model ?? (await this.model(factory)));
  }

  /**
   * ADF's createRun. With `referencePipelineRunId` the reference run's parameters are used (given ones
   * override them); with `isRecovery` as well, the run is a rerun in the reference run's group, from
   * `startActivityName` or from the failed activities (`startFromFailure`), or whole.
   */
  async createRun(factory: string, pipelineName: string, o: CreateRunOptions = {}): Promise<string> {
    const f = await this.requireFactory(factory);
    const rt = await this.runtime(f.name);
    const pipeline = rt.engine.pipeline(pipelineName);
    if (!pipeline) throw armEntityNotFound('pipelines', pipelineName, f.name);
    let parameters = o.parameters ?? {};
    let recovery;
    if (o.referencePipelineRunId) {
      const reference = await this.runs.getPipelineRun(o.referencePipelineRunId);
      if (!reference || reference.factoryName.toLowerCase() !== f.name.toLowerCase())
        throw runNotFound(o.referencePipelineRunId);
      parameters = recoveryParameters(reference, parameters, (await this.secureParameters?.get(reference.runId)) ?? {});
      if (o.isRecovery) {
        recovery = await planRecovery(this.runs, pipeline, {
          reference,
          startActivityName: o.startActivityName,
          startFromFailure: o.startFromFailure,
        });
      }
    } else if (o.isRecovery || o.startActivityName || o.startFromFailure) {
      throw armInvalidBody(
        'isRecovery, startActivityName and startFromFailure need referencePipelineRunId (the run to rerun).',
        'referencePipelineRunId',
      );
    }
    // SecureString values are masked wherever a run would record them, even where a secure flag was forgotten
    const declared = pipeline.properties.parameters ?? {};
    const secure: Record<string, string> = {};
    for (const [k, v] of Object.entries(parameters)) {
      const spec = Object.entries(declared).find(([n]) => n.toLowerCase() === k.toLowerCase())?.[1];
      if (String(spec?.type ?? '').toLowerCase() === 'securestring' && typeof v === 'string') {
        rt.secrets.register(v);
        secure[k] = v;
      }
    }
    const handle = await rt.engine.createRun({
      pipelineName: pipeline.name,
      parameters,
      ...(recovery ? { recovery } : {}),
      ...(o.trigger ? { trigger: o.trigger } : {}),
      ...(o.invokedBy ? { invokedBy: o.invokedBy } : {}),
    });
    await this.secureParameters?.save(handle.runId, secure);
    return handle.runId;
  }

  async getRun(factory: string, runId: string): Promise<PipelineRunRecord> {
    const f = await this.requireFactory(factory);
    const r = await this.runs.getPipelineRun(runId);
    if (!r || r.factoryName.toLowerCase() !== f.name.toLowerCase()) throw runNotFound(runId);
    return r;
  }

  async cancelRun(factory: string, runId: string, recursive: boolean): Promise<void> {
    const r = await this.getRun(factory, runId);
    await (await this.runtime(r.factoryName)).engine.cancel(runId, { recursive });
  }

  /**
   * The monitor's one-row-per-activity view of a run. An ended run's summary never changes, so it is kept
   * (a few dozen runs' worth).
   */
  async activitySummary(run: PipelineRunRecord): Promise<{ activities: ActivitySummaryRow[]; total: number }> {
    const ended = !['Queued', 'InProgress', 'Canceling'].includes(run.status);
    const hit = ended ? this.summaries.get(run.runId) : undefined;
    if (hit) return hit;
    await this.runs.flush();
    const s = summarizeActivityRuns(await activityRunDigests(this.o.database, run.runId));
    if (ended) {
      if (this.summaries.size >= 50) this.summaries.delete(this.summaries.keys().next().value as string);
      this.summaries.set(run.runId, s);
    }
    return s;
  }

  /** The monitor's laid-out graph of the pipeline a run ran (its current definition). */
  async runGraph(run: PipelineRunRecord): Promise<PipelineGraphLayout & { pipelineName: string }> {
    const p = await this.getResource(run.factoryName, 'pipelines', run.pipelineName);
    return { pipelineName: p.name, ...(await this.pipelineGraph(p)) };
  }

  private pipelineGraph(p: FactoryResourceRecord): Promise<PipelineGraphLayout> {
    const acts = (p.properties as { activities?: unknown }).activities;
    return this.layouts.layout(Array.isArray(acts) ? (acts as Parameters<GraphLayouts['layout']>[0]) : []);
  }

  /** Waits for a run to end (tests, `pipevault run`). */
  async waitForRun(factory: string, runId: string): Promise<PipelineRunRecord> {
    const r = await this.getRun(factory, runId);
    return (await this.runtime(r.factoryName)).engine.wait(runId);
  }

  /** Stops what runs on its own (trigger schedules, the layout worker); for a server closing its listeners. */
  async stopBackground(): Promise<void> {
    this.scheduler.close();
    await this.layouts.close();
    await this.triggerRunsStore.flush();
  }

  async close(): Promise<void> {
    await this.stopBackground();
    for (const rt of this.runtimes.values()) {
      const r = await rt.catch(() => undefined);
      if (!r) continue;
      await r.close();
    }
    await this.runs.close();
  }
}

function runtimeState(t: FactoryResourceRecord): TriggerRuntimeState {
  return (t.properties as { runtimeState?: unknown }).runtimeState === 'Started' ? 'Started' : 'Stopped';
}

function sameDefinition(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const { runtimeState: _a, ...x } = a;
  const { runtimeState: _b, ...y } = b;
  return JSON.stringify(x) === JSON.stringify(y);
}

function asTrigger(t: FactoryResourceRecord): TriggerDefinition {
  return { name: t.name, properties: t.properties as unknown as TriggerDefinition['properties'] };
}
