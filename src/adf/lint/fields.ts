import { references, type References } from '../expressions/index.js';
import type { Activity } from '../model/index.js';
import { jsonPath } from '../model/json-path.js';

/** One value of an activity that an expression can read into: where it is and what it reads. */
export interface Field {
  /** Path segments below the activity (`['typeProperties', 'url']`). */
  segments: (string | number)[];
  /** JSON path in the file. */
  path: string;
  /** The template as written (string), or the `value` of an Expression object. */
  value: unknown;
  refs: References;
}

/** Keys of an activity that are its own settings rather than values it reads. */
const NOT_READ = new Set(['name', 'type', 'description', 'state', 'onInactiveMarkAs', 'dependsOn', 'policy']);
/** Container keys holding child activities: those are walked as activities of their own. */
const CHILD_LISTS = new Set(['activities', 'ifTrueActivities', 'ifFalseActivities', 'defaultActivities']);

const cache = new WeakMap<Activity, Field[]>();

function refsOf(value: unknown): References | undefined {
  if (typeof value !== 'string' || !value.includes('@')) return undefined;
  try {
    const r = references(value);
    const reads =
      r.activities.length || r.parameters.length || r.variables.length || r.usesItem || r.activityPaths.length;
    return reads ? r : undefined;
  } catch {
    return undefined; // a syntax error is validation's finding, not a flow
  }
}

/**
 * Every string (or Expression object) of an activity that reads a parameter, variable, activity output or
 * item, with its JSON path. Child activity lists of containers are left out (they are activities themselves).
 */
export function activityFields(activity: Activity, activityPath: string): Field[] {
  const cached = cache.get(activity);
  if (cached) return cached;
  const out: Field[] = [];
  const visit = (v: unknown, segments: (string | number)[], underTypeProperties: boolean) => {
    if (typeof v === 'string') {
      const refs = refsOf(v);
      if (refs) out.push({ segments, path: jsonPath(activityPath, ...segments), value: v, refs });
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, [...segments, i], underTypeProperties));
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (o.type === 'Expression' && 'value' in o) {
      const refs = refsOf(o.value);
      if (refs) out.push({ segments, path: jsonPath(activityPath, ...segments), value: o.value, refs });
      return;
    }
    for (const [k, x] of Object.entries(o)) {
      if (underTypeProperties && segments.length === 1 && CHILD_LISTS.has(k)) continue;
      // Switch cases: `cases[i].activities` are child activities; the case value is not an expression.
      if (underTypeProperties && segments[1] === 'cases' && segments.length === 3 && k === 'activities') continue;
      visit(x, [...segments, k], underTypeProperties);
    }
  };
  for (const [k, v] of Object.entries(activity)) {
    if (NOT_READ.has(k)) continue;
    visit(v, [k], k === 'typeProperties');
  }
  cache.set(activity, out);
  return out;
}
