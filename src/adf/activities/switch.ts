import { invalidActivityProperty } from '../../common/catalogue.js';
import { activityList, containerResult } from './scope-result.js';
import type { ActivityDefinition } from './types.js';

/** Runs the first case whose `value` equals `on` (compared as strings), else `defaultActivities`. */
export const switchActivity: ActivityDefinition = {
  type: 'Switch',
  deferred: ['cases', 'defaultActivities'],
  validate(a) {
    return a.typeProperties?.on === undefined ? ['typeProperties.on is required'] : [];
  },
  async execute(ctx) {
    const on = ctx.input.on;
    if (typeof on !== 'string' && typeof on !== 'number') {
      throw invalidActivityProperty(
        ctx.activityName,
        'typeProperties.on',
        `must evaluate to a string or an integer, got ${JSON.stringify(on)}`,
      );
    }
    const key = String(on);
    const cases = Array.isArray(ctx.typeProperties.cases)
      ? (ctx.typeProperties.cases as { value?: unknown; activities?: unknown }[])
      : [];
    const match = cases.find((c) => c && String(c.value) === key);
    const outcome = await ctx.runActivities(
      activityList(match ? match.activities : ctx.typeProperties.defaultActivities),
    );
    return containerResult(ctx, outcome, {}, { on });
  },
};
