import { ancestorsOf } from '../activity-tree.js';
import { jsonPath } from '../json-path.js';
import type { PipelineRule } from './context.js';

/**
 * Nesting rules (ADF docs concepts-nested-activities.md, "Nested activity embedding limitations"):
 * If Condition and Switch may be used inside ForEach or Until; If and Switch cannot be used inside If or
 * Switch; ForEach and Until support only a single level of nesting (no ForEach/Until inside ForEach/Until);
 * a Validation activity cannot be placed inside a nested activity. "Inside" is read as anywhere below, so
 * ForEach → If → ForEach is a loop inside a loop. ForEach or Until inside If/Switch is not forbidden by the
 * page, so it is accepted.
 */
const LOOPS = new Set(['ForEach', 'Until']);
const BRANCHES = new Set(['IfCondition', 'Switch']);

export const nesting: PipelineRule = (ctx) => {
  for (const n of ctx.nodes) {
    const ancestors = ancestorsOf(n);
    if (!ancestors.length) continue;
    const t = n.activity.type;
    const at = jsonPath(n.path, 'type');
    if (LOOPS.has(t)) {
      const loop = ancestors.find((a) => LOOPS.has(a.activity.type));
      if (loop)
        ctx.problem(
          'nesting',
          at,
          `${t} '${n.activity.name}' is inside ${loop.activity.type} '${loop.activity.name}'; ForEach and Until support a single level of nesting. Move the inner loop to a child pipeline run by Execute Pipeline`,
        );
    } else if (BRANCHES.has(t)) {
      const branch = ancestors.find((a) => BRANCHES.has(a.activity.type));
      if (branch)
        ctx.problem(
          'nesting',
          at,
          `${t} '${n.activity.name}' is inside ${branch.activity.type} '${branch.activity.name}'; If Condition and Switch cannot be used inside If Condition or Switch. Move it to a child pipeline run by Execute Pipeline`,
        );
    } else if (t === 'Validation') {
      ctx.problem(
        'nesting',
        at,
        `Validation '${n.activity.name}' is inside ${ancestors[0]!.activity.type} '${ancestors[0]!.activity.name}'; a Validation activity cannot be placed inside a container`,
      );
    }
  }
};
