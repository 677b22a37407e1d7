import { invalidActivityProperty } from '../../common/catalogue.js';
import { activityList, asBoolean, containerResult } from './scope-result.js';
import type { ActivityDefinition, ScopeOutcome } from './types.js';

export const MAX_FOREACH_ITEMS = 100_000;
export const DEFAULT_BATCH_COUNT = 20;
export const MAX_BATCH_COUNT = 50;

/**
 * Runs its activities once per item, each iteration a scope of its own judged by the leaf rule, with `item()`
 * the element. Sequential, or up to `batchCount` iterations at once. Every iteration runs even when an earlier
 * one failed (ADF does the same); the ForEach fails when any iteration failed.
 */
export const forEach: ActivityDefinition = {
  type: 'ForEach',
  deferred: ['items', 'activities'],
  validate(a) {
    const p: string[] = [];
    if (a.typeProperties?.items === undefined) p.push('typeProperties.items is required');
    const b = a.typeProperties?.batchCount;
    if (b !== undefined && (!Number.isInteger(Number(b)) || Number(b) < 1 || Number(b) > MAX_BATCH_COUNT)) {
      p.push(`typeProperties.batchCount must be between 1 and ${MAX_BATCH_COUNT}`);
    }
    return p;
  },
  async execute(ctx) {
    const items = ctx.evaluate(ctx.typeProperties.items);
    if (!Array.isArray(items)) {
      throw invalidActivityProperty(
        ctx.activityName,
        'typeProperties.items',
        `must evaluate to an array, got ${JSON.stringify(items)?.slice(0, 80)}`,
      );
    }
    if (items.length > MAX_FOREACH_ITEMS) {
      throw invalidActivityProperty(
        ctx.activityName,
        'typeProperties.items',
        `has ${items.length} items; ADF allows at most ${MAX_FOREACH_ITEMS}`,
      );
    }
    const body = activityList(ctx.typeProperties.activities);
    const sequential = asBoolean(ctx.input.isSequential);
    const batch = sequential
      ? 1
      : Math.min(
          MAX_BATCH_COUNT,
          Math.max(1, Number(ctx.input.batchCount ?? DEFAULT_BATCH_COUNT) || DEFAULT_BATCH_COUNT),
        );
    let firstFailure: ScopeOutcome | null = null;
    let cancelled = false;
    let next = 0;
    const worker = async () => {
      while (next < items.length && !cancelled) {
        const i = next++;
        const outcome = await ctx.runActivities(body, { item: items[i], hasItem: true, iteration: i });
        if (outcome.status === 'Cancelled') cancelled = true;
        else if (outcome.status === 'Failed' && !firstFailure) firstFailure = outcome;
      }
    };
    const workers: Promise<void>[] = [];
    for (let w = 0; w < Math.min(batch, items.length); w++) workers.push(worker());
    await Promise.all(workers);
    const outcome: ScopeOutcome = cancelled
      ? { status: 'Cancelled', failures: [] }
      : (firstFailure ?? { status: 'Succeeded', failures: [] });
    return containerResult(ctx, outcome, {}, { ItemsCount: items.length });
  },
};
