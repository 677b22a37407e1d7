import { activityCancelled, innerActivityFailed } from '../../common/catalogue.js';
import type { ActivityContext, ActivityResult, ScopeOutcome } from './types.js';

/**
 * How a container reports its inner activities: Succeeded with `output`, Failed naming the first inner activity
 * that decided the failure (ADF's "Activity failed because an inner activity failed"), or cancelled.
 */
export function containerResult(
  ctx: ActivityContext,
  outcome: ScopeOutcome,
  output: unknown,
  input?: unknown,
): ActivityResult {
  if (outcome.status === 'Cancelled') throw activityCancelled(ctx.activityName);
  if (outcome.status === 'Failed') {
    const first = outcome.failures[0];
    return {
      status: 'Failed',
      output,
      input,
      error: innerActivityFailed(
        ctx.activityName,
        first?.activityName ?? '?',
        first?.error?.message ?? 'failed',
      ).toActivity(ctx.activityName),
    };
  }
  return { output, input };
}

/** Accepts the `true`/`"true"` spellings real factories use for booleans such as `isSequential`. */
export function asBoolean(v: unknown, fallback = false): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.trim().toLowerCase() === 'true';
  return Boolean(v);
}

/** A nested activity list, or an empty list when the property is absent. */
export function activityList(v: unknown): import('../model/types.js').Activity[] {
  return Array.isArray(v) ? (v as import('../model/types.js').Activity[]) : [];
}
