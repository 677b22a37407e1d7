import { jsonPath } from '../json-path.js';
import type { PipelineRule } from './context.js';

/**
 * Names ADF requires to be unique, compared case-insensitively (naming-rules.md: "Names are
 * case-insensitive"): activity names across the whole pipeline, containers' children included (an activity
 * is referenced by name alone in `activity('X')`), and parameter and variable names within the pipeline.
 */
export const duplicateNames: PipelineRule = (ctx) => {
  const seen = new Map<string, string>();
  for (const n of ctx.nodes) {
    const lower = n.activity.name.toLowerCase();
    const first = seen.get(lower);
    if (first !== undefined) {
      ctx.problem(
        'duplicate-name',
        jsonPath(n.path, 'name'),
        `activity name '${n.activity.name}' is already used at ${first} (activity names are unique in a pipeline, case-insensitively)`,
      );
    } else seen.set(lower, n.path);
  }
  for (const section of ['parameters', 'variables'] as const) {
    const specs = ctx.pipeline.properties[section];
    if (!specs) continue;
    const names = new Map<string, string>();
    for (const name of Object.keys(specs)) {
      const first = names.get(name.toLowerCase());
      if (first !== undefined) {
        ctx.problem(
          'duplicate-name',
          jsonPath(ctx.base, 'properties', section, name),
          `${section === 'parameters' ? 'parameter' : 'variable'} '${name}' differs from '${first}' only in case (names are case-insensitive)`,
        );
      } else names.set(name.toLowerCase(), name);
    }
  }
};
