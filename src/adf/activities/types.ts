import type { Clock } from '../../common/clock.js';
import type { IdGenerator } from '../../common/ids.js';
import type { Logger } from '../../common/logger.js';
import type { ActivityRunError } from '../../storage/runs-records.js';
import type { EvaluationContext } from '../expressions/context.js';
import type { Activity, Factory } from '../model/types.js';

/**
 * The contract between the engine and every activity type. An activity is one small object registered by its
 * `type`; the engine knows nothing of any particular activity. It evaluates the activity's `typeProperties`
 * (except the keys the activity defers), records the activity run, applies policy (timeout, retry, secure
 * flags, cancellation) and hands the activity this context.
 */
export interface ActivityDefinition {
  /** ADF's `type` discriminator, e.g. `SetVariable`. Matched case-insensitively. */
  type: string;
  /**
   * `typeProperties` keys the engine must NOT evaluate up front: nested activity lists, and expressions the
   * activity evaluates itself at the right moment (ForEach `items` per run, Until `expression` per loop, Filter
   * `condition` per item). They appear unevaluated in the recorded input.
   */
  deferred?: readonly string[];
  /** Static checks (no run needed); each string names a problem. */
  validate?(activity: Activity): string[];
  execute(ctx: ActivityContext): Promise<ActivityResult> | ActivityResult;
}

export interface ActivityResult {
  output?: unknown;
  /** What the run record shows as input; defaults to the evaluated typeProperties. */
  input?: unknown;
  /** Failed without throwing (e.g. a mock, or a container whose inner activities failed). */
  status?: 'Succeeded' | 'Failed';
  error?: ActivityRunError;
}

/** The outcome of a list of activities run as one scope (a container's body), judged by the leaf rule. */
export interface ScopeOutcome {
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  /** The failed activities that decided a Failed outcome, in the order they were evaluated. */
  failures: { activityName: string; error: ActivityRunError | null }[];
  /** What the scope's activities ended with, for expressions evaluated after it (Until's condition). */
  states?: ReadonlyMap<string, { output?: unknown; status?: string; error?: unknown }>;
}

export interface ScopeOptions {
  /** The ForEach / Filter item visible to `item()` inside the scope. */
  item?: unknown;
  hasItem?: boolean;
  /** The iteration number (0-based) recorded on inner activity runs of loops. */
  iteration?: number;
  /** For `runActivities`: return the scope's final activity states in the outcome. */
  keepStates?: boolean;
  /** For `evaluate`: activities visible to `activity()` in addition to this one's (a finished scope's states). */
  activities?: ScopeOutcome['states'];
}

export interface ChildRunRequest {
  pipelineName: string;
  parameters: Record<string, unknown>;
  waitOnCompletion: boolean;
}

export interface ChildRunOutcome {
  runId: string;
  pipelineName: string;
  /** Final status when waited for; `InProgress` when not. */
  status: string;
  message: string;
  returnValue?: Record<string, unknown> | null;
}

/** Outbound HTTP for Web / WebHook / Azure Function activities; supplied by the composition root. */
export interface OutboundHttp {
  request(req: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
    timeoutMs?: number;
    signal?: AbortSignal;
    /** Web activity `disableCertValidation`. */
    disableCertValidation?: boolean;
    /** TLS client certificate (Web activity ClientCertificate authentication). */
    clientCertificate?: { pfx: Uint8Array; passphrase?: string };
  }): Promise<{ status: number; headers: Record<string, string>; body: Uint8Array; via?: string }>;
}

/** Tokens for the factory's (or a user-assigned) managed identity. */
export interface TokenProvider {
  getToken(req: {
    resource: string;
    credential?: string;
    signal?: AbortSignal;
  }): Promise<{ token: string; expiresOn: number }>;
}

/**
 * Hooks the composition root may plug in; activities that need one and find it missing fail with a message
 * saying so. Kept open so later activity types can add services without touching the engine.
 */
export interface ActivityServices {
  http?: OutboundHttp;
  tokens?: TokenProvider;
  /** Called with every value an activity must never let reach a record or log (e.g. a secret it fetched). */
  registerSecret?: (value: string) => void;
  factory?: Factory;
  [extra: string]: unknown;
}

export interface VariableAccess {
  has(name: string): boolean;
  get(name: string): unknown;
  /** Declared type (String, Bool, Array, Integer), or undefined when not declared. */
  typeOf(name: string): string | undefined;
  set(name: string, value: unknown): void;
  append(name: string, value: unknown): void;
}

export interface ActivityContext {
  readonly activity: Activity;
  readonly activityName: string;
  readonly activityRunId: string;
  readonly runId: string;
  readonly pipelineName: string;
  readonly factoryName: string;
  /** `typeProperties` with every non-deferred value evaluated. */
  readonly input: Record<string, unknown>;
  /** The raw `typeProperties` as written. */
  readonly typeProperties: Record<string, unknown>;
  /** The expression context of this activity (parameters, variables, upstream outputs, item()…). */
  readonly expressionContext: EvaluationContext;
  /** Evaluates a value (template string, `{"value","type":"Expression"}`, or a JSON tree) in this context. */
  evaluate(value: unknown, extra?: ScopeOptions): unknown;
  readonly variables: VariableAccess;
  /** Sets the run's `pipelineReturnValue` (SetVariable with setSystemVariable). */
  setReturnValue(value: Record<string, unknown>): void;
  /** Runs nested activities as one scope; the outcome follows the leaf rule. */
  runActivities(activities: readonly Activity[], opts?: ScopeOptions): Promise<ScopeOutcome>;
  /** Starts a child pipeline run (ExecutePipeline); cancelled with this run. */
  executePipeline(req: ChildRunRequest): Promise<ChildRunOutcome>;
  /** Aborted when the run is cancelled or this activity times out. */
  readonly signal: AbortSignal;
  /** Waits, honouring `signal` and the injectable timers (tests do not wait for real). */
  sleep(ms: number): Promise<void>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly services: ActivityServices;
}
