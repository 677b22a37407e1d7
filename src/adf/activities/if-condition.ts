import { invalidActivityProperty } from '../../common/catalogue.js';
import { activityList, containerResult } from './scope-result.js';
import type { ActivityDefinition } from './types.js';

/** Runs `ifTrueActivities` or `ifFalseActivities` (either may be absent: nothing runs) as one scope. */
export const ifCondition: ActivityDefinition = {
  type: 'IfCondition',
  deferred: ['ifTrueActivities', 'ifFalseActivities'],
  validate(a) {
    return a.typeProperties?.expression === undefined ? ['typeProperties.expression is required'] : [];
  },
  async execute(ctx) {
    const value = ctx.input.expression;
    if (typeof value !== 'boolean') {
      throw invalidActivityProperty(
        ctx.activityName,
        'typeProperties.expression',
        `must evaluate to a boolean, got ${JSON.stringify(value)}`,
      );
    }
    const branch = activityList(ctx.typeProperties[value ? 'ifTrueActivities' : 'ifFalseActivities']);
    const outcome = await ctx.runActivities(branch);
    return containerResult(ctx, outcome, {}, { expression: value });
  },
};
