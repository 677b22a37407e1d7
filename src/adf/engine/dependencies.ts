import type { ActivityDependency } from '../model/types.js';

/**
 * How an activity ended, as dependency conditions and the leaf rule see it. An Inactive activity is seen as its
 * `onInactiveMarkAs`; a Cancelled one satisfies no condition.
 */
export type BranchStatus = 'Succeeded' | 'Failed' | 'Skipped' | 'Cancelled';

/**
 * ADF's dependency rule (specs/adf-runtime.md §2.1): the conditions WITHIN one dependsOn entry are OR'ed, the
 * entries are AND'ed; `Completed` means Succeeded or Failed and does not match Skipped.
 */
export function conditionMet(condition: string, upstream: BranchStatus): boolean {
  switch (condition.toLowerCase()) {
    case 'succeeded':
      return upstream === 'Succeeded';
    case 'failed':
      return upstream === 'Failed';
    case 'skipped':
      return upstream === 'Skipped';
    case 'completed':
      return upstream === 'Succeeded' || upstream === 'Failed';
    default:
      return false;
  }
}

export function entryMet(entry: ActivityDependency, upstream: BranchStatus): boolean {
  const conditions = entry.dependencyConditions ?? [];
  for (const c of conditions) if (conditionMet(c, upstream)) return true;
  return false;
}

/** True when every entry has at least one condition met by its upstream's final status. */
export function dependenciesMet(entries: readonly ActivityDependency[], upstream: readonly BranchStatus[]): boolean {
  for (let i = 0; i < entries.length; i++) if (!entryMet(entries[i], upstream[i])) return false;
  return true;
}

const STATUS_BIT: Record<BranchStatus, number> = { Succeeded: 1, Failed: 2, Skipped: 4, Cancelled: 0 };

/**
 * One dependsOn entry's conditions as a bit mask of the upstream statuses that meet it, so a scope run by a
 * loop compares bits instead of lower-casing condition names for every iteration.
 */
export function entryMask(entry: ActivityDependency): number {
  let mask = 0;
  for (const c of entry.dependencyConditions ?? []) {
    switch (c.toLowerCase()) {
      case 'succeeded':
        mask |= 1;
        break;
      case 'failed':
        mask |= 2;
        break;
      case 'skipped':
        mask |= 4;
        break;
      case 'completed':
        mask |= 3;
        break;
    }
  }
  return mask;
}

/** `entryMet` for a mask made by `entryMask`. */
export function maskMet(mask: number, upstream: BranchStatus): boolean {
  return (mask & STATUS_BIT[upstream]) !== 0;
}
