import { setMaxListeners } from 'node:events';
import {
  activityCancelled,
  activityTimedOut,
  invalidActivityProperty,
  invalidActivityTemplate,
  mockedActivityFailure,
  unsupportedActivity,
} from '../../common/catalogue.js';
import { isPipevaultError, toPipevaultError } from '../../common/errors.js';
import {
  SECURE_MARKER,
  type ActivityRunError,
  type ActivityRunRecord,
  type ActivityRunStatus,
} from '../../storage/runs-records.js';
import type {
  ActivityContext,
  ActivityDefinition,
  ActivityResult,
  ChildRunOutcome,
  ChildRunRequest,
  ScopeOptions,
  ScopeOutcome,
  VariableAccess,
} from '../activities/types.js';
import type { ActivityState, EvaluationContext } from '../expressions/context.js';
import type { Activity, Pipeline } from '../model/types.js';
import { entryMask, maskMet, type BranchStatus } from './dependencies.js';
import { compiledInput, evaluateValue, isExpressionError } from './expr.js';
import { leafRuleOn, scopeShape, type ScopeShape } from './leaf-rule.js';
import { findMock, type ActivityMock } from './mocks.js';
import { parseTimeSpan } from '../model/timespan.js';
import type { EngineServices } from './services.js';
import { ScopeContext } from './scope-context.js';
import { RunVariables } from './variables.js';

const DEFAULT_TIMEOUT_MS = 7 * 86_400_000;

/** Milliseconds as `d.hh:mm:ss`, for messages. */
function formatTimeSpan(ms: number): string {
  const t = Math.round(ms / 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(t / 86_400)}.${p(Math.floor((t % 86_400) / 3600))}:${p(Math.floor((t % 3600) / 60))}:${p(t % 60)}`;
}
const DEFAULT_RETRY_INTERVAL_S = 30;

/** A scope's activities and the names visible to `activity()` from inside it. */
interface Frame {
  parent?: Frame;
  states: Map<string, ActivityState>;
  item?: unknown;
  hasItem: boolean;
  iteration: number | null;
  parentActivityRunId: string | null;
  /** Built on first use; see RunExecution.expressionContext. */
  ctx?: EvaluationContext;
  /** Hand the final states back in the outcome (the caller evaluates expressions against them). */
  keepStates?: boolean;
}

interface ActivityPlan {
  def: ActivityDefinition | undefined;
  timeoutMs: number;
  retries: number;
  intervalS: number;
  policyError: ActivityRunError | null;
  secureInput: boolean;
  secureOutput: boolean;
}

/** How an attempt ended; also the activity's state for `activity()` once it is the last attempt. */
interface Attempt {
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  output: unknown;
  error: ActivityRunError | undefined;
}

/** Most activities declare no user properties: their records share one empty, frozen map. */
const NO_USER_PROPERTIES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Per-scope static checks, done once per activity list: every dependsOn names a sibling, no cycles. */
const scopeProblems = new WeakMap<readonly Activity[], string | null>();

function checkScope(activities: readonly Activity[]): string | null {
  let problem = scopeProblems.get(activities);
  if (problem !== undefined) return problem;
  problem = null;
  const byName = new Map(activities.map((a) => [a.name, a]));
  for (const a of activities) {
    for (const d of a.dependsOn ?? []) {
      if (!byName.has(d.activity)) {
        problem = `Activity '${a.name}' depends on '${d.activity}', which is not an activity of the same scope`;
        break;
      }
    }
    if (problem) break;
  }
  if (!problem) {
    const state = new Map<string, 1 | 2>();
    const visit = (name: string, path: string[]): string | null => {
      const s = state.get(name);
      if (s === 2) return null;
      if (s === 1) return `Activities depend on each other in a cycle: ${[...path, name].join(' → ')}`;
      state.set(name, 1);
      for (const d of byName.get(name)?.dependsOn ?? []) {
        const p = visit(d.activity, [...path, name]);
        if (p) return p;
      }
      state.set(name, 2);
      return null;
    };
    for (const a of activities) {
      problem = visit(a.name, []);
      if (problem) break;
    }
  }
  scopeProblems.set(activities, problem);
  return problem;
}

const SUCCEEDED: ScopeOutcome = Object.freeze({ status: 'Succeeded', failures: [] }) as unknown as ScopeOutcome;

/**
 * A scope's dependency graph by position, computed once per activity list (a loop body runs it many times):
 * which activities each one waits for (parallel to its `dependsOn`), which wait for it, and the leaves.
 */
interface ScopePlan {
  shape: ScopeShape;
  upstream: (readonly number[] | null)[];
  /** Per activity, its dependsOn entries as masks of the upstream statuses that meet them (entryMask). */
  masks: (readonly number[] | null)[];
  downstream: number[][];
  leaves: number[];
}

const scopePlans = new WeakMap<readonly Activity[], ScopePlan>();

function scopePlan(activities: readonly Activity[]): ScopePlan {
  let plan = scopePlans.get(activities);
  if (plan) return plan;
  const shape = scopeShape(activities);
  const index = new Map<string, number>();
  activities.forEach((a, i) => index.set(a.name, i));
  const downstream: number[][] = activities.map(() => []);
  const upstream = activities.map((a, i) => {
    if (!a.dependsOn?.length) return null;
    // checkScope has made sure every dependsOn names an activity of this scope.
    const ups = a.dependsOn.map((d) => index.get(d.activity) as number);
    for (const u of ups) downstream[u].push(i);
    return ups;
  });
  const masks = activities.map((a) => (a.dependsOn?.length ? a.dependsOn.map(entryMask) : null));
  plan = { shape, upstream, masks, downstream, leaves: shape.leaves.map((n) => index.get(n) as number) };
  scopePlans.set(activities, plan);
  return plan;
}

function toActivityError(e: unknown, target: string): ActivityRunError {
  if (isPipevaultError(e)) return e.toActivity(target);
  if (isExpressionError(e)) return invalidActivityTemplate(target, (e as Error).message).toActivity(target);
  return toPipevaultError(e).toActivity(target);
}

/** ISO text of an instant; activities in a loop start and end many to a millisecond, so the last one is kept. */
let isoMs = NaN;
let isoText = '';
function isoAt(ms: number): string {
  if (ms !== isoMs) {
    isoText = new Date(ms).toISOString();
    isoMs = ms;
  }
  return isoText;
}

function withDeferred(input: unknown, deferred: Record<string, unknown> | null): unknown {
  return deferred ? { ...(input as Record<string, unknown>), ...deferred } : input;
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

const isPromise = (v: unknown): v is Promise<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

export interface ExecutionInit {
  runId: string;
  runGroupId: string;
  pipeline: Pipeline;
  parameters: Record<string, unknown>;
  /** Expression-context fields fixed for the whole run (trigger, globals, factory…). */
  base: EvaluationContext;
  services: EngineServices;
  /** Rerun (./rerun.ts): top-level activities that do not run again, with the state they keep. */
  reuse?: ReadonlyMap<string, ActivityState & { status: BranchStatus }>;
  startChild(req: ChildRunRequest, parent: { activityName: string; activityRunId: string }): Promise<ChildRunOutcome>;
}

/** One field of a record through the masking hook; module-level, so no closure is made per record. */
function maskField<T>(mask: (value: unknown) => unknown, v: T): T {
  return v === null || v === undefined ? v : (mask(v) as T);
}

/**
 * One pipeline run in memory: its variables, return value, cancellation and the scopes it is running. The
 * engine creates one per run and persists what it records; nothing here outlives the run.
 */
export class RunExecution {
  readonly runId: string;
  readonly pipeline: Pipeline;
  readonly variables: RunVariables;
  returnValue: Record<string, unknown> | null = null;
  private seq = 0;
  private readonly base: EvaluationContext;
  private readonly services: EngineServices;
  private readonly startChild: ExecutionInit['startChild'];
  private readonly reuse?: ExecutionInit['reuse'];
  private ctl: AbortController | null = null;
  private cancelHooks: Set<() => void> | null = null;

  constructor(init: ExecutionInit) {
    this.runId = init.runId;
    this.reuse = init.reuse;
    this.pipeline = init.pipeline;
    this.services = init.services;
    this.startChild = init.startChild;
    this.variables = new RunVariables(init.pipeline.properties.variables);
    this.base = { ...init.base, parameters: init.parameters, variables: this.variables.view };
  }

  /**
   * The run's cancellation, made on first need: a run of synchronous activities only ever asks `aborted`, and
   * an AbortController with its listener limit lifted cost more than such a run's first activity.
   */
  get controller(): AbortController {
    if (!this.ctl) {
      this.ctl = new AbortController();
      // Every in-flight activity (a ForEach of 50 at once) listens for the run's cancellation.
      setMaxListeners(0, this.ctl.signal);
    }
    return this.ctl;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Calls `hook` once when the run is cancelled (callers check `aborted` first, as for an 'abort' listener).
   * Every in-flight asynchronous activity registers two (its attempt's signal, its timeout/cancel race): one
   * 'abort' listener on the run's signal fans out to a Set, since an EventTarget listener added and removed
   * per activity cost ~6 µs of a Web activity's ~330 (docs/secrets-in-pipelines.md, Performance). Hooks run in
   * the order they were added; one removed by an earlier hook of the same cancellation is not called.
   */
  onCancel(hook: () => void): void {
    let hooks = this.cancelHooks;
    if (!hooks) {
      const set = (hooks = this.cancelHooks = new Set());
      this.signal.addEventListener(
        'abort',
        () => {
          for (const h of [...set]) if (set.delete(h)) h();
        },
        { once: true },
      );
    }
    hooks.add(hook);
  }

  offCancel(hook: () => void): void {
    this.cancelHooks?.delete(hook);
  }

  /** Whether the run is being cancelled (without making its controller). */
  get aborted(): boolean {
    return this.ctl !== null && this.ctl.signal.aborted;
  }

  /** Runs the pipeline's activities; the verdict follows the leaf rule. */
  async run(): Promise<ScopeOutcome> {
    return this.runScope(this.pipeline.properties.activities ?? [], {
      states: new Map(),
      hasItem: false,
      iteration: null,
      parentActivityRunId: null,
    });
  }

  /** The expression context of a scope, built once per frame (a loop iteration runs several activities). */
  private expressionContext(frame: Frame): EvaluationContext {
    if (frame.ctx) return frame.ctx;
    const activities = (name: string): ActivityState | undefined => {
      for (let f: Frame | undefined = frame; f; f = f.parent) {
        const s = f.states.get(name);
        if (s) return s;
      }
      return undefined;
    };
    const ctx = new ScopeContext(
      this.base,
      activities,
      frame.hasItem ? { value: frame.item, hasItem: true } : undefined,
    );
    frame.ctx = ctx;
    return ctx;
  }

  /**
   * Runs a scope. Activities that finish synchronously (SetVariable, AppendVariable, Filter…) complete without
   * a promise, so a scope of them returns its outcome directly; anything asynchronous makes it a promise.
   */
  runScope(activities: readonly Activity[], frame: Frame): ScopeOutcome | Promise<ScopeOutcome> {
    const problem = checkScope(activities);
    if (problem) {
      const first = activities[0]?.name ?? '(none)';
      return {
        status: 'Failed',
        failures: [
          {
            activityName: first,
            error: invalidActivityProperty(first, 'dependsOn', `is invalid: ${problem}`).toActivity(first),
          },
        ],
      };
    }
    return new ScopeRun(this, activities, scopePlan(activities), frame).run();
  }

  /** Starts one activity of a scope once its upstreams ended: reused (rerun), Skipped, Cancelled or run. */
  launch(a: Activity, frame: Frame, plan: ScopePlan, i: number, statuses: readonly (BranchStatus | undefined)[]) {
    const reused = frame.parent === undefined ? this.reuse?.get(a.name) : undefined;
    if (reused) {
      frame.states.set(a.name, reused);
      return reused.status;
    }
    if (this.aborted) return 'Cancelled';
    const ups = plan.upstream[i];
    if (ups) {
      const masks = plan.masks[i] as readonly number[];
      for (let k = 0; k < ups.length; k++) {
        if (!maskMet(masks[k], statuses[ups[k]] as BranchStatus)) {
          frame.states.set(a.name, { status: 'Skipped' });
          return 'Skipped';
        }
      }
    }
    return this.runActivity(a, frame);
  }

  private nextRecord(a: Activity, frame: Frame, activityRunId: string, start: number): ActivityRunRecord {
    return {
      pipelineName: this.pipeline.name,
      pipelineRunId: this.runId,
      activityName: a.name,
      activityType: a.type,
      activityRunId,
      linkedServiceName: a.linkedServiceName?.referenceName ?? null,
      status: 'InProgress',
      activityRunStart: isoAt(start),
      activityRunEnd: null,
      durationInMs: null,
      input: null,
      output: null,
      error: null,
      retryAttempt: null,
      userProperties: NO_USER_PROPERTIES,
      iterationHash:
        frame.parentActivityRunId !== null && frame.iteration !== null
          ? `${frame.parentActivityRunId}/${frame.iteration}`
          : null,
      parentActivityRunId: frame.parentActivityRunId,
      iteration: frame.iteration,
      secureInput: false,
      secureOutput: false,
      seq: ++this.seq,
    };
  }

  /** Saves a record; returns a promise only when the store asks writers to wait for a flush. */
  private record(r: ActivityRunRecord): Promise<void> | undefined {
    const s = this.services;
    // A closed engine has recorded how its runs ended; what they do while unwinding is not recorded.
    if (s.halted) return undefined;
    const shown = this.mask(r);
    s.store.saveActivityRun(shown);
    s.onActivityRun?.(shown);
    return s.store.mustDrain ? s.store.flush() : undefined;
  }

  /** Records an activity run InProgress (an activity still running, or a container about to start others). */
  saveStarted(r: ActivityRunRecord, input: unknown, deferred: Record<string, unknown> | null): void {
    if (this.services.halted) return;
    r.input = r.secureInput ? SECURE_MARKER : withDeferred(input, deferred);
    const shown = this.mask(r);
    this.services.store.saveActivityRun(shown);
    this.services.onActivityRun?.(shown);
  }

  /**
   * The record as shown: masked where run-time values are (input, output, error, user properties). Names, ids,
   * times and status come from the definition and the engine and cannot hold a secret; walking them too was
   * about half the masking cost of a record.
   */
  private mask(r: ActivityRunRecord): ActivityRunRecord {
    const m = this.services.maskRecord;
    if (!m) return r;
    const input = maskField(m, r.input);
    const output = maskField(m, r.output);
    const error = maskField(m, r.error);
    const userProperties = maskField(m, r.userProperties);
    if (input === r.input && output === r.output && error === r.error && userProperties === r.userProperties) return r;
    return { ...r, input, output, error, userProperties };
  }

  /**
   * The definition and policy of an activity. Literal policies (the usual case) are worked out once per
   * activity per engine; a policy holding expressions is evaluated for each run of the activity.
   */
  private plan(a: Activity, frame: Frame): ActivityPlan {
    const cache = this.services.plans;
    const cached = cache?.get(a) as ActivityPlan | undefined;
    if (cached) return cached;
    const mock = this.services.mocks ? findMock(this.services.mocks, this.pipeline.name, a.name) : undefined;
    const def = mock ? mockDefinition(mock) : this.services.registry.get(a.type);
    const policy = a.policy ?? {};
    const plan: ActivityPlan = {
      def,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      retries: 0,
      intervalS: DEFAULT_RETRY_INTERVAL_S,
      policyError: null,
      secureInput: truthy(policy.secureInput),
      secureOutput: truthy(policy.secureOutput),
    };
    const dynamic = [policy.timeout, policy.retry, policy.retryIntervalInSeconds].some(
      (v) =>
        (typeof v === 'string' && (v.startsWith('@') || v.includes('@{'))) || (v !== null && typeof v === 'object'),
    );
    const ctx0 = dynamic ? this.expressionContext(frame) : this.base;
    try {
      if (policy.timeout !== undefined && policy.timeout !== null) {
        const t = evaluateValue(policy.timeout, ctx0);
        const ms = typeof t === 'string' ? parseTimeSpan(t) : undefined;
        if (ms === undefined || ms <= 0) {
          throw invalidActivityProperty(a.name, 'policy.timeout', `'${String(t)}' is not a timespan like 0.12:00:00`);
        }
        plan.timeoutMs = ms;
      }
      if (policy.retry !== undefined && policy.retry !== null) {
        const n = Number(evaluateValue(policy.retry, ctx0));
        if (!Number.isInteger(n) || n < 0)
          throw invalidActivityProperty(a.name, 'policy.retry', 'must be a whole number ≥ 0');
        plan.retries = n;
      }
      if (policy.retryIntervalInSeconds !== undefined && policy.retryIntervalInSeconds !== null) {
        const n = Number(evaluateValue(policy.retryIntervalInSeconds, ctx0));
        if (!Number.isFinite(n) || n < 0) {
          throw invalidActivityProperty(a.name, 'policy.retryIntervalInSeconds', 'must be a number of seconds');
        }
        plan.intervalS = n;
      }
    } catch (e) {
      plan.policyError = toActivityError(e, a.name);
    }
    if (!dynamic && cache) cache.set(a, plan);
    return plan;
  }

  /** Runs an activity with its policy (retries); synchronous when the activity and its records are. */
  runActivity(a: Activity, frame: Frame): BranchStatus | Promise<BranchStatus> {
    if (a.state !== undefined && String(a.state).toLowerCase() === 'inactive') return this.runInactive(a, frame);
    const plan = this.plan(a, frame);
    const first = this.attempt(a, plan, frame, 0);
    if (isPromise(first)) return first.then((at) => this.afterAttempt(a, plan, frame, at, 0));
    return this.afterAttempt(a, plan, frame, first, 0);
  }

  private runInactive(a: Activity, frame: Frame): BranchStatus | Promise<BranchStatus> {
    const markAs = (a.onInactiveMarkAs ?? 'Succeeded') as BranchStatus;
    const now = this.services.clock.now();
    const r = this.nextRecord(a, frame, this.services.ids.uuid(), now);
    r.status = 'Inactive';
    r.activityRunEnd = r.activityRunStart;
    r.durationInMs = 0;
    const done = (): BranchStatus => {
      // No output and no error: downstream references to its output fail, as in ADF.
      frame.states.set(a.name, { status: markAs });
      return markAs;
    };
    const pending = this.record(r);
    return pending ? pending.then(done) : done();
  }

  private afterAttempt(
    a: Activity,
    plan: ActivityPlan,
    frame: Frame,
    at: Attempt,
    n: number,
  ): BranchStatus | Promise<BranchStatus> {
    if (at.status === 'Failed' && n < plan.retries && !plan.policyError && plan.def)
      return this.retry(a, plan, frame, at, n);
    return this.settle(a, frame, at);
  }

  /** Retries after `retryIntervalInSeconds`, until an attempt does not fail, retries run out, or cancellation. */
  private async retry(a: Activity, plan: ActivityPlan, frame: Frame, last: Attempt, n: number): Promise<BranchStatus> {
    let at = last;
    for (;;) {
      try {
        await this.services.timers.sleep(plan.intervalS * 1000, this.signal);
      } catch {
        break;
      }
      if (this.aborted) break;
      at = await this.attempt(a, plan, frame, ++n);
      if (at.status !== 'Failed' || n >= plan.retries) break;
    }
    return this.settle(a, frame, at);
  }

  private settle(a: Activity, frame: Frame, at: Attempt): BranchStatus {
    frame.states.set(a.name, at);
    return at.status;
  }

  /** One attempt: records the activity run and returns how it ended, without a promise when it is synchronous. */
  private attempt(a: Activity, plan: ActivityPlan, frame: Frame, n: number): Attempt | Promise<Attempt> {
    const { clock, ids } = this.services;
    const def = plan.def;
    const start = clock.now();
    const activityRunId = ids.uuid();
    const r = this.nextRecord(a, frame, activityRunId, start);
    r.retryAttempt = n === 0 ? null : n;
    r.secureInput = plan.secureInput;
    r.secureOutput = plan.secureOutput;
    const exprCtx = this.expressionContext(frame);
    if (a.userProperties?.length) {
      const props: Record<string, string> = {};
      for (const up of a.userProperties) {
        try {
          const v = evaluateValue(up.value, exprCtx);
          props[up.name] = typeof v === 'string' ? v : JSON.stringify(v);
        } catch {
          props[up.name] = String(up.value);
        }
      }
      r.userProperties = props;
    }

    // What the record shows as input: the properties as written until they are evaluated; then the evaluated
    // ones plus the deferred ones as written, merged only if the activity does not report an input itself.
    let recordedInput: unknown = a.typeProperties ?? {};
    let deferred: Record<string, unknown> | null = null;
    let input: Record<string, unknown> = {};
    if (plan.policyError) return this.endAttempt(r, plan, start, 'Failed', undefined, plan.policyError, recordedInput);
    if (!def) {
      const error = unsupportedActivity(a.name, a.type, this.pipeline.name).toActivity(a.name);
      return this.endAttempt(r, plan, start, 'Failed', undefined, error, recordedInput);
    }
    try {
      const compiled = compiledInput(a, def.deferred);
      input = compiled.input(exprCtx) as Record<string, unknown>;
      recordedInput = input;
      if (compiled.hasDeferred) deferred = compiled.deferred;
    } catch (e) {
      // A mocked activity's properties may reference what pipevault cannot evaluate (dataset() of a Copy);
      // the mock replaces the activity, so its input is shown as written instead of failing the run.
      if (!(def as MockDefinition).isMock)
        return this.endAttempt(r, plan, start, 'Failed', undefined, toActivityError(e, a.name), recordedInput);
    }

    const ctx = new ActivityCtx(this, a, frame, activityRunId, input, exprCtx, this.services, this.startChild);
    ctx.startRecord = r;
    ctx.startInput = recordedInput;
    ctx.startDeferred = deferred;
    let ret: ActivityResult | Promise<ActivityResult>;
    try {
      ret = def.execute(ctx);
    } catch (e) {
      ctx.dispose();
      return this.endFailed(r, plan, start, a, e, withDeferred(recordedInput, deferred));
    }
    if (isPromise(ret)) return this.attemptAsync(ret, r, plan, start, a, ctx, withDeferred(recordedInput, deferred));
    ctx.dispose();
    return this.endWith(r, plan, start, a, ret, recordedInput, deferred);
  }

  /** An activity still running after `execute` returned: recorded InProgress now, raced against timeout. */
  private async attemptAsync(
    ret: Promise<ActivityResult>,
    r: ActivityRunRecord,
    plan: ActivityPlan,
    start: number,
    a: Activity,
    ctx: ActivityCtx,
    recordedInput: unknown,
  ): Promise<Attempt> {
    ctx.reportStarted();
    let res: ActivityResult;
    try {
      res = await this.guard(ret, a, ctx, plan.timeoutMs);
    } catch (e) {
      return this.endFailed(r, plan, start, a, e, recordedInput);
    } finally {
      ctx.dispose();
    }
    return this.endWith(r, plan, start, a, res, recordedInput, null);
  }

  private endWith(
    r: ActivityRunRecord,
    plan: ActivityPlan,
    start: number,
    a: Activity,
    res: ActivityResult,
    recordedInput: unknown,
    deferred: Record<string, unknown> | null,
  ): Attempt | Promise<Attempt> {
    const shownInput = res.input !== undefined ? res.input : withDeferred(recordedInput, deferred);
    if (res.status === 'Failed') {
      const error = res.error ? { ...res.error, target: res.error.target || a.name } : null;
      return this.endAttempt(r, plan, start, 'Failed', res.output, error, shownInput);
    }
    return this.endAttempt(r, plan, start, 'Succeeded', res.output, null, shownInput);
  }

  private endFailed(
    r: ActivityRunRecord,
    plan: ActivityPlan,
    start: number,
    a: Activity,
    e: unknown,
    recordedInput: unknown,
  ): Attempt | Promise<Attempt> {
    if (this.aborted) {
      const error = activityCancelled(a.name).toActivity(a.name);
      return this.endAttempt(r, plan, start, 'Cancelled', undefined, error, recordedInput);
    }
    return this.endAttempt(r, plan, start, 'Failed', undefined, toActivityError(e, a.name), recordedInput);
  }

  private endAttempt(
    r: ActivityRunRecord,
    plan: ActivityPlan,
    start: number,
    status: Attempt['status'],
    output: unknown,
    error: ActivityRunError | null,
    recordedInput: unknown,
  ): Attempt | Promise<Attempt> {
    const end = this.services.clock.now();
    r.status = status as ActivityRunStatus;
    r.activityRunEnd = isoAt(end);
    r.durationInMs = end - start;
    // Unmasked here: record() masks the whole record once (input, output, error, user properties).
    r.input = plan.secureInput ? SECURE_MARKER : recordedInput;
    // A secured output is a secret from now on: masked wherever a later activity shows it.
    if (plan.secureOutput && output !== undefined) this.services.secrets?.registerOutput(output);
    r.output = output === undefined ? null : plan.secureOutput ? SECURE_MARKER : output;
    r.error = error;
    const at: Attempt = { status, output, error: error ?? undefined };
    const pending = this.record(r);
    return pending ? pending.then(() => at) : at;
  }

  /** Races an asynchronous activity against its policy timeout and the run's cancellation. */
  private guard(p: Promise<ActivityResult>, a: Activity, ctx: ActivityCtx, timeoutMs: number): Promise<ActivityResult> {
    const timers = this.services.timers;
    return new Promise<ActivityResult>((resolve, reject) => {
      if (this.signal.aborted) {
        ctx.abort(this.signal.reason);
        return reject(activityCancelled(a.name));
      }
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        stopTimer();
        this.offCancel(onCancel);
        fn();
      };
      const onCancel = () => {
        ctx.abort(this.signal.reason);
        finish(() => reject(activityCancelled(a.name)));
      };
      this.onCancel(onCancel);
      const stopTimer = timers.schedule(timeoutMs, () => {
        const err = activityTimedOut(a.name, formatTimeSpan(timeoutMs));
        ctx.abort(err);
        finish(() => reject(err));
      });
      p.then(
        (v) => finish(() => resolve(v)),
        (e) => finish(() => reject(e)),
      );
    });
  }

  /** Used by ActivityCtx: a nested scope below `frame`. */
  runChildScope(
    activities: readonly Activity[],
    frame: Frame,
    activityRunId: string,
    opts: ScopeOptions = {},
  ): Promise<ScopeOutcome> {
    const hasItem = opts.hasItem ?? ('item' in opts ? true : frame.hasItem);
    try {
      const outcome = this.runScope(activities, {
        parent: frame,
        states: new Map(),
        item: opts.hasItem !== undefined || 'item' in opts ? opts.item : frame.item,
        hasItem,
        iteration: opts.iteration ?? null,
        parentActivityRunId: activityRunId,
        keepStates: opts.keepStates,
      });
      return isPromise(outcome) ? outcome : Promise.resolve(outcome);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/**
 * One execution of a scope: starts every activity whose upstreams have ended, in definition order, and
 * follows completions breadth-first, so independent branches interleave as they would under ADF. Synchronous
 * completions are followed in a loop; an asynchronous one resumes the loop when it settles.
 */
class ScopeRun {
  private readonly statuses: (BranchStatus | undefined)[];
  private readonly waiting: number[];
  private readonly ready: number[] = [];
  private next = 0;
  private ended = 0;
  private draining = false;
  private settled: { resolve: (o: ScopeOutcome) => void; reject: (e: unknown) => void } | null = null;

  constructor(
    private readonly exec: RunExecution,
    private readonly activities: readonly Activity[],
    private readonly plan: ScopePlan,
    private readonly frame: Frame,
  ) {
    const n = activities.length;
    this.statuses = new Array<BranchStatus | undefined>(n);
    this.waiting = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const ups = plan.upstream[i];
      this.waiting[i] = ups ? ups.length : 0;
      if (!ups) this.ready.push(i);
    }
  }

  run(): ScopeOutcome | Promise<ScopeOutcome> {
    this.drain();
    if (this.ended === this.activities.length) return this.outcome();
    return new Promise<ScopeOutcome>((resolve, reject) => (this.settled = { resolve, reject }));
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.next < this.ready.length) {
        const i = this.ready[this.next++];
        const st = this.exec.launch(this.activities[i], this.frame, this.plan, i, this.statuses);
        if (typeof st === 'string') this.end(i, st);
        else
          st.then(
            (s) => this.resume(i, s),
            (e: unknown) => this.fail(e),
          );
      }
    } finally {
      this.draining = false;
    }
  }

  private end(i: number, st: BranchStatus): void {
    this.statuses[i] = st;
    this.ended++;
    for (const j of this.plan.downstream[i]) if (--this.waiting[j] === 0) this.ready.push(j);
  }

  private resume(i: number, st: BranchStatus): void {
    try {
      this.end(i, st);
      this.drain();
      if (this.ended === this.activities.length) this.settled?.resolve(this.outcome());
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    const s = this.settled;
    this.settled = null;
    s?.reject(e);
  }

  /** The leaf rule's verdict. */
  private outcome(): ScopeOutcome {
    const { frame, statuses } = this;
    let allOk = true;
    for (const l of this.plan.leaves) {
      if (statuses[l] !== 'Succeeded') {
        allOk = false;
        break;
      }
    }
    if (allOk) return frame.keepStates ? { status: 'Succeeded', failures: [], states: frame.states } : SUCCEEDED;
    const byName = new Map<string, BranchStatus>();
    this.activities.forEach((a, i) => {
      const st = statuses[i];
      if (st !== undefined) byName.set(a.name, st);
    });
    const verdict = leafRuleOn(this.plan.shape, (n) => byName.get(n));
    if (verdict.status === 'Succeeded')
      return frame.keepStates ? { status: 'Succeeded', failures: [], states: frame.states } : SUCCEEDED;
    return {
      status: verdict.status,
      failures: verdict.failed.map((n) => ({
        activityName: n,
        error: (frame.states.get(n)?.error as ActivityRunError) ?? null,
      })),
      ...(frame.keepStates ? { states: frame.states } : {}),
    };
  }
}

class ActivityCtx implements ActivityContext {
  /** The attempt's record and recorded input, until the record has been reported InProgress. */
  startRecord: ActivityRunRecord | null = null;
  startInput: unknown = null;
  startDeferred: Record<string, unknown> | null = null;
  private attemptCtl: AbortController | null = null;
  private combined: AbortSignal | null = null;
  private abortListener: (() => void) | null = null;

  constructor(
    private readonly exec: RunExecution,
    readonly activity: Activity,
    private readonly frame: Frame,
    readonly activityRunId: string,
    readonly input: Record<string, unknown>,
    readonly expressionContext: EvaluationContext,
    private readonly svc: EngineServices,
    private readonly child: ExecutionInit['startChild'],
  ) {}

  get activityName() {
    return this.activity.name;
  }
  get runId() {
    return this.exec.runId;
  }
  get pipelineName() {
    return this.exec.pipeline.name;
  }
  get factoryName() {
    return this.svc.factoryName;
  }
  get typeProperties() {
    return this.activity.typeProperties ?? {};
  }
  get variables(): VariableAccess {
    return new ActivityVariables(this.exec.variables, this.activity.name);
  }
  get clock() {
    return this.svc.clock;
  }
  get ids() {
    return this.svc.ids;
  }
  get logger() {
    return this.svc.logger;
  }
  get services() {
    return this.svc.activityServices;
  }

  /** The run's cancellation plus this attempt's timeout, combined lazily (most activities never look). */
  get signal(): AbortSignal {
    if (!this.combined) {
      this.attemptCtl = new AbortController();
      const ctl = this.attemptCtl;
      const run = this.exec.signal;
      if (run.aborted) ctl.abort(run.reason);
      else {
        this.abortListener = () => ctl.abort(run.reason);
        this.exec.onCancel(this.abortListener);
      }
      this.combined = ctl.signal;
    }
    return this.combined;
  }

  abort(reason: unknown): void {
    if (this.attemptCtl && !this.attemptCtl.signal.aborted) this.attemptCtl.abort(reason);
  }

  dispose(): void {
    if (this.abortListener) this.exec.offCancel(this.abortListener);
    this.abortListener = null;
  }

  evaluate(value: unknown, extra?: ScopeOptions): unknown {
    if (!extra) return evaluateValue(value, this.expressionContext);
    const base = this.expressionContext;
    const inner = extra.activities;
    const outer = base.activities as (name: string) => ActivityState | undefined;
    const c = new ScopeContext(
      base,
      inner ? (name: string) => (inner.get(name) as ActivityState | undefined) ?? outer(name) : outer,
      'item' in extra || extra.hasItem !== undefined
        ? { value: extra.item, hasItem: extra.hasItem ?? true }
        : undefined,
    );
    return evaluateValue(value, c);
  }

  setReturnValue(value: Record<string, unknown>): void {
    this.exec.returnValue = value;
  }

  /**
   * Records the activity InProgress once: when `execute` did not finish synchronously, or earlier, before a
   * container starts inner activities or a child run, so a container's record always precedes theirs.
   */
  reportStarted(): void {
    const r = this.startRecord;
    if (!r) return;
    this.startRecord = null;
    this.exec.saveStarted(r, this.startInput, this.startDeferred);
  }

  runActivities(activities: readonly Activity[], opts?: ScopeOptions): Promise<ScopeOutcome> {
    this.reportStarted();
    return this.exec.runChildScope(activities, this.frame, this.activityRunId, opts);
  }

  executePipeline(req: ChildRunRequest): Promise<ChildRunOutcome> {
    this.reportStarted();
    return this.child(req, { activityName: this.activity.name, activityRunId: this.activityRunId });
  }

  sleep(ms: number): Promise<void> {
    return this.svc.timers.sleep(ms, this.signal);
  }
}

/** The run's variables as one activity sees them: errors name that activity. */
class ActivityVariables implements VariableAccess {
  constructor(
    private readonly v: RunVariables,
    private readonly activity: string,
  ) {}
  has(n: string) {
    return this.v.has(n);
  }
  get(n: string) {
    return this.v.get(n);
  }
  typeOf(n: string) {
    return this.v.typeOf(n);
  }
  set(n: string, value: unknown) {
    this.v.set(n, value, this.activity);
  }
  append(n: string, value: unknown) {
    this.v.append(n, value, this.activity);
  }
}

/** A mock stands in for the activity whatever its type; its output may hold expressions. */
interface MockDefinition extends ActivityDefinition {
  isMock: true;
}

function mockDefinition(mock: ActivityMock): MockDefinition {
  return {
    type: '(mock)',
    isMock: true,
    execute(ctx) {
      const output = mock.output === undefined ? {} : ctx.evaluate(mock.output);
      if (mock.status === 'Failed') {
        const base = mockedActivityFailure(ctx.activityName).toActivity(ctx.activityName);
        const e = mock.error ?? {};
        return {
          status: 'Failed',
          output,
          error: {
            errorCode: String(e.errorCode ?? base.errorCode),
            message: String(e.message ?? base.message),
            failureType: String(e.failureType ?? base.failureType),
            target: String(e.target ?? ctx.activityName),
          },
        };
      }
      return { output };
    },
  };
}
