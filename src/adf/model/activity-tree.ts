import { jsonPath } from './json-path.js';
import { isRecord } from './normalize.js';
import type { Activity } from './types.js';

/**
 * Containers hold activity lists under these keys of `typeProperties` (ForEach/Until `activities`, If
 * `ifTrueActivities`/`ifFalseActivities`, Switch `cases[].activities` and `defaultActivities`).
 */
export interface ChildList {
  /** Path segments below the container activity, e.g. `['typeProperties', 'cases', 0, 'activities']`. */
  segments: (string | number)[];
  /** A label for messages: `ifTrueActivities`, `case 'x'`, `default`. */
  label: string;
  activities: Activity[];
}

export function childLists(a: Activity): ChildList[] {
  const tp = a.typeProperties;
  if (!isRecord(tp)) return [];
  const out: ChildList[] = [];
  for (const key of ['activities', 'ifTrueActivities', 'ifFalseActivities', 'defaultActivities']) {
    const list = tp[key];
    if (Array.isArray(list))
      out.push({ segments: ['typeProperties', key], label: key, activities: list as Activity[] });
  }
  if (Array.isArray(tp.cases)) {
    tp.cases.forEach((c, i) => {
      if (isRecord(c) && Array.isArray(c.activities)) {
        out.push({
          segments: ['typeProperties', 'cases', i, 'activities'],
          label: `case '${String(c.value)}'`,
          activities: c.activities as Activity[],
        });
      }
    });
  }
  return out;
}

export function isContainer(a: Activity): boolean {
  return childLists(a).length > 0 || ['ForEach', 'Until', 'IfCondition', 'Switch'].includes(a.type);
}

/** One activity with where it sits: its JSON path, its enclosing containers and its sibling list. */
export interface ActivityNode {
  activity: Activity;
  path: string;
  /** The enclosing container, or undefined at the pipeline's top level. */
  parent?: ActivityNode;
  /** The activities of the same list (the scope `dependsOn` may point into). */
  siblings: Activity[];
  depth: number;
}

/** Every activity of a pipeline, depth first, parents before children. */
export function walkActivities(activities: Activity[], basePath: string): ActivityNode[] {
  const out: ActivityNode[] = [];
  const visit = (list: Activity[], path: string, parent: ActivityNode | undefined, depth: number) => {
    list.forEach((activity, i) => {
      if (!isRecord(activity)) return;
      const node: ActivityNode = { activity, path: jsonPath(path, i), parent, siblings: list, depth };
      out.push(node);
      for (const child of childLists(activity)) {
        visit(child.activities, jsonPath(node.path, ...child.segments), node, depth + 1);
      }
    });
  };
  visit(activities, basePath, undefined, 0);
  return out;
}

/** The enclosing containers of a node, innermost first. */
export function ancestorsOf(node: ActivityNode): ActivityNode[] {
  const out: ActivityNode[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out;
}
