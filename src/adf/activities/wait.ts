import { invalidActivityProperty } from '../../common/catalogue.js';
import type { ActivityDefinition } from './types.js';

export const wait: ActivityDefinition = {
  type: 'Wait',
  async execute(ctx) {
    const seconds = Number(ctx.input.waitTimeInSeconds);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw invalidActivityProperty(
        ctx.activityName,
        'typeProperties.waitTimeInSeconds',
        `must be a number of seconds ≥ 0, got ${JSON.stringify(ctx.input.waitTimeInSeconds)}`,
      );
    }
    await ctx.sleep(seconds * 1000);
    return {};
  },
};
