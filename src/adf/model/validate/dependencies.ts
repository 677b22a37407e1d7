import { jsonPath } from '../json-path.js';
import type { ActivityNode } from '../activity-tree.js';
import type { PipelineContext, PipelineRule } from './context.js';

const CONDITIONS = new Set(['Succeeded', 'Failed', 'Skipped', 'Completed']);

/**
 * `dependsOn` rules (REST spec ActivityDependency; ADF's editor): each entry names an activity of the same
 * list (an activity inside a container may depend only on its siblings: containers are separate graphs),
 * with at least one of Succeeded, Failed, Skipped, Completed; and the graph has no cycle.
 */
export const dependencies: PipelineRule = (ctx) => {
  for (const n of ctx.nodes) {
    (n.activity.dependsOn ?? []).forEach((d, i) => {
      const at = jsonPath(n.path, 'dependsOn', i);
      const target = d.activity;
      const sibling = n.siblings.find((s) => s.name.toLowerCase() === target.toLowerCase());
      if (!sibling) {
        const elsewhere = ctx.byName.get(target.toLowerCase());
        if (elsewhere) {
          ctx.problem(
            'dependency-scope',
            jsonPath(at, 'activity'),
            `activity '${n.activity.name}' depends on '${target}', which is ${describeScope(elsewhere)}, not in the same ${describeScope(n)}; an activity may depend only on activities of its own list`,
          );
        } else {
          ctx.problem(
            'dependency-missing',
            jsonPath(at, 'activity'),
            `activity '${n.activity.name}' depends on '${target}', which does not exist in this pipeline`,
          );
        }
      }
      if (d.dependencyConditions.length === 0) {
        ctx.problem(
          'dependency-condition',
          jsonPath(at, 'dependencyConditions'),
          `the dependency of '${n.activity.name}' on '${target}' has no condition; use one or more of Succeeded, Failed, Skipped, Completed`,
        );
      }
      d.dependencyConditions.forEach((c, j) => {
        if (!CONDITIONS.has(c)) {
          ctx.problem(
            'dependency-condition',
            jsonPath(at, 'dependencyConditions', j),
            `'${c}' is not a dependency condition; use Succeeded, Failed, Skipped or Completed`,
          );
        }
      });
    });
  }
  cycles(ctx);
};

function describeScope(n: ActivityNode): string {
  return n.parent ? `inside '${n.parent.activity.name}'` : 'at the top level of the pipeline';
}

/** Reports each dependency cycle once, at the `dependsOn` entry that closes it. */
function cycles(ctx: PipelineContext): void {
  const lists = new Set(ctx.nodes.map((n) => n.siblings));
  for (const list of lists) {
    const nodes = ctx.nodes.filter((n) => n.siblings === list);
    const byName = new Map(nodes.map((n) => [n.activity.name.toLowerCase(), n]));
    const state = new Map<ActivityNode, 'visiting' | 'done'>();
    const stack: ActivityNode[] = [];
    const visit = (n: ActivityNode): void => {
      state.set(n, 'visiting');
      stack.push(n);
      (n.activity.dependsOn ?? []).forEach((d, i) => {
        const next = byName.get(d.activity.toLowerCase());
        if (!next) return;
        if (state.get(next) === 'visiting') {
          const loop = stack.slice(stack.indexOf(next)).map((x) => x.activity.name);
          ctx.problem(
            'dependency-cycle',
            jsonPath(n.path, 'dependsOn', i, 'activity'),
            `dependency cycle: ${[...loop, next.activity.name].map((x) => `'${x}'`).join(' → ')} (each depends on the next)`,
          );
        } else if (!state.has(next)) visit(next);
      });
      stack.pop();
      state.set(n, 'done');
    };
    for (const n of nodes) if (!state.has(n)) visit(n);
  }
}

/**
 * The activities `n` runs after for sure: everything reachable through `dependsOn` within its list. Used to
 * decide which `activity('X')` references are legal.
 */
export function upstreamOf(n: ActivityNode): ActivityNode['activity'][] {
  const byName = new Map(n.siblings.map((s) => [s.name.toLowerCase(), s]));
  const out = new Set<ActivityNode['activity']>();
  const todo = [n.activity];
  while (todo.length) {
    const a = todo.pop()!;
    for (const d of a.dependsOn ?? []) {
      const up = byName.get(d.activity.toLowerCase());
      if (up && !out.has(up) && up !== n.activity) {
        out.add(up);
        todo.push(up);
      }
    }
  }
  return [...out];
}
