import type { Clock } from '../../common/clock.js';

/**
 * What an expression can see. The engine builds one per activity (and per ForEach iteration); the
 * `pipevault expr` CLI builds one from its `--context` JSON, whose keys are exactly these field names.
 */
export interface ActivityState {
  output?: unknown;
  status?: string;
  error?: unknown;
}

export interface EvaluationContext {
  /** Pipeline parameters, by declared name (looked up case-insensitively). */
  parameters?: Record<string, unknown>;
  /** Pipeline variables. */
  variables?: Record<string, unknown>;
  /** Finished activities visible from here, by name. A function lets the engine resolve lazily. */
  activities?: Record<string, ActivityState> | ((name: string) => ActivityState | undefined);
  /** The current ForEach item; `undefined` outside a ForEach (then `item()` is an error). */
  item?: unknown;
  /** True when `item` is set (so that a null item is distinguishable from no ForEach). */
  hasItem?: boolean;
  globalParameters?: Record<string, unknown>;
  runId?: string;
  pipelineName?: string;
  factoryName?: string;
  triggerTime?: string;
  triggerName?: string;
  triggerType?: string;
  triggerId?: string;
  groupId?: string;
  triggeredByPipelineName?: string;
  triggeredByPipelineRunId?: string;
  /** What `trigger()` returns. */
  trigger?: Record<string, unknown>;
  /** What `dataset()` returns (dataset parameters). */
  dataset?: Record<string, unknown>;
  /** What `linkedService()` returns (linked service parameters). */
  linkedService?: Record<string, unknown>;
  /** Fixes `utcNow()`: an ISO timestamp. Ignored when `clock` is given. */
  now?: string;
  clock?: Clock;
}
