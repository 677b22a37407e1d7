import { activityTimedOut, invalidActivityProperty } from '../../common/catalogue.js';
import { parseTimeSpan } from '../model/timespan.js';
import { activityList, containerResult } from './scope-result.js';
import type { ActivityDefinition, ScopeOutcome } from './types.js';

const DEFAULT_TIMEOUT_MS = 7 * 86_400_000;

/**
 * Runs its body, then evaluates `expression`; repeats until it is true or `timeout` (default 7 days) passes.
 * An inner failure does not stop the loop (ADF documents this); when the expression becomes true the Until
 * reports the last iteration's outcome.
 */
export const until: ActivityDefinition = {
  type: 'Until',
  deferred: ['expression', 'activities'],
  validate(a) {
    return a.typeProperties?.expression === undefined ? ['typeProperties.expression is required'] : [];
  },
  async execute(ctx) {
    let timeoutMs = DEFAULT_TIMEOUT_MS;
    if (ctx.input.timeout !== undefined && ctx.input.timeout !== null) {
      const t = typeof ctx.input.timeout === 'string' ? parseTimeSpan(ctx.input.timeout) : undefined;
      if (t === undefined) {
        throw invalidActivityProperty(
          ctx.activityName,
          'typeProperties.timeout',
          `'${String(ctx.input.timeout)}' is not a timespan like 0.12:00:00`,
        );
      }
      timeoutMs = t;
    }
    const body = activityList(ctx.typeProperties.activities);
    const start = ctx.clock.now();
    let last: ScopeOutcome = { status: 'Succeeded', failures: [] };
    for (let i = 0; ; i++) {
      last = await ctx.runActivities(body, { iteration: i, keepStates: true });
      if (last.status === 'Cancelled') break;
      // The condition may read the body's activities (`activity('X').output` of this iteration).
      const done = ctx.evaluate(ctx.typeProperties.expression, { activities: last.states });
      if (typeof done !== 'boolean') {
        throw invalidActivityProperty(
          ctx.activityName,
          'typeProperties.expression',
          `must evaluate to a boolean, got ${JSON.stringify(done)}`,
        );
      }
      if (done) break;
      if (ctx.clock.now() - start >= timeoutMs)
        throw activityTimedOut(ctx.activityName, String(ctx.input.timeout ?? '7.00:00:00'));
      // A body of synchronous activities would otherwise never let timers (cancellation, timeouts) fire.
      if (!body.length || i % 100 === 99) await ctx.sleep(0);
    }
    return containerResult(ctx, last, {}, { expression: ctx.typeProperties.expression, timeout: ctx.input.timeout });
  },
};
