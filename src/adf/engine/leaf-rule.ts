import type { Activity } from '../model/types.js';
import type { BranchStatus } from './dependencies.js';

export interface LeafVerdict {
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  /** Activities whose Failed status decided the verdict, in evaluation order. */
  failed: string[];
}

/** What the leaf rule needs of a scope, computed once per activity list (a loop body is judged many times). */
export interface ScopeShape {
  byName: Map<string, Activity>;
  /** Leaf names, in definition order. */
  leaves: string[];
}

const shapes = new WeakMap<readonly Activity[], ScopeShape>();

export function scopeShape(activities: readonly Activity[]): ScopeShape {
  let shape = shapes.get(activities);
  if (!shape) {
    const referenced = new Set<string>();
    const byName = new Map<string, Activity>();
    for (const a of activities) {
      byName.set(a.name, a);
      for (const d of a.dependsOn ?? []) referenced.add(d.activity);
    }
    shape = { byName, leaves: activities.filter((a) => !referenced.has(a.name)).map((a) => a.name) };
    shapes.set(activities, shape);
  }
  return shape;
}

/**
 * ADF's final-status rule for a pipeline and for every container body (specs/adf-runtime.md §2.2): look at
 * the leaves (activities nothing in the same scope depends on); a Skipped leaf is replaced by the activities it
 * depends on, recursively; the scope succeeded iff every node so evaluated succeeded. This is why Try-Catch
 * succeeds and Do-If-Else fails. A Skipped node without parents counts as success (nothing ran, nothing failed).
 * Any Cancelled node (or one that never reached a status) makes the scope Cancelled.
 */
export function leafRule(
  activities: readonly Activity[],
  statusOf: (name: string) => BranchStatus | undefined,
): LeafVerdict {
  return leafRuleOn(scopeShape(activities), statusOf);
}

export function leafRuleOn(shape: ScopeShape, statusOf: (name: string) => BranchStatus | undefined): LeafVerdict {
  const { byName, leaves } = shape;
  // Fast path: every leaf succeeded (the common case, and every iteration of a healthy loop).
  let allOk = true;
  for (const l of leaves) {
    if (statusOf(l) !== 'Succeeded') {
      allOk = false;
      break;
    }
  }
  if (allOk) return { status: 'Succeeded', failed: [] };
  const stack: string[] = [];
  for (let i = leaves.length - 1; i >= 0; i--) stack.push(leaves[i]);
  const seen = new Set<string>();
  const failed: string[] = [];
  let cancelled = false;
  while (stack.length) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const status = statusOf(name);
    if (status === 'Failed') failed.push(name);
    else if (status === 'Cancelled' || status === undefined) cancelled = true;
    else if (status === 'Skipped') {
      const deps = byName.get(name)?.dependsOn ?? [];
      for (let i = deps.length - 1; i >= 0; i--) stack.push(deps[i].activity);
    }
  }
  if (cancelled) return { status: 'Cancelled', failed };
  return { status: failed.length ? 'Failed' : 'Succeeded', failed };
}
