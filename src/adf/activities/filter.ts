import { invalidActivityProperty } from '../../common/catalogue.js';
import type { ActivityDefinition } from './types.js';

/** Keeps the items for which `condition` (evaluated with `item()` = the element) is true. */
export const filter: ActivityDefinition = {
  type: 'Filter',
  deferred: ['condition'],
  execute(ctx) {
    const items = ctx.input.items;
    if (!Array.isArray(items)) {
      throw invalidActivityProperty(
        ctx.activityName,
        'typeProperties.items',
        `must evaluate to an array, got ${JSON.stringify(items)?.slice(0, 80)}`,
      );
    }
    const condition = ctx.typeProperties.condition;
    const value = items.filter((item) => {
      const keep = ctx.evaluate(condition, { item, hasItem: true });
      if (typeof keep !== 'boolean') {
        throw invalidActivityProperty(
          ctx.activityName,
          'typeProperties.condition',
          `must evaluate to a boolean, got ${JSON.stringify(keep)}`,
        );
      }
      return keep;
    });
    return {
      input: { items, condition },
      output: { ItemsCount: items.length, FilteredItemsCount: value.length, Value: value },
    };
  },
};
