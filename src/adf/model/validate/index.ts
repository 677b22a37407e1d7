import { dependencies } from './dependencies.js';
import { duplicateNames } from './duplicates.js';
import { executePipelineParameters } from './execute-pipeline.js';
import { expressions } from './expressions.js';
import { limits } from './limits.js';
import { activityNames, resourceNames } from './names.js';
import { nesting } from './nesting.js';
import { policies } from './policies.js';
import { resourceExpressions } from './resource-expressions.js';
import { missingReferences } from './references.js';
import { declaredTypes, setVariableInParallelLoop, variableTargets } from './variables.js';
import { pipelineContext, type Findings, type FactoryRule, type PipelineRule } from './context.js';
import type { LoadedFactory, Problem } from '../types.js';

export type { Findings } from './context.js';

const PIPELINE_RULES: PipelineRule[] = [
  activityNames,
  duplicateNames,
  dependencies,
  declaredTypes,
  variableTargets,
  limits,
  nesting,
  setVariableInParallelLoop,
  expressions,
  policies,
  executePipelineParameters,
];

const FACTORY_RULES: FactoryRule[] = [resourceNames, missingReferences, resourceExpressions];

/**
 * What ADF would reject at publish time (`problems`) and what it accepts but is likely a mistake
 * (`warnings`), for a loaded factory. Each finding names its file, JSON path and reason; docs/validation.md
 * lists every rule with its source. Loading problems (schema, duplicate resource names, ARM expressions) come
 * first. Inactive activities are excluded from the checks of their settings, as ADF excludes them
 * (deactivate-activity.md); their names and dependencies are still checked.
 */
export function validate(factory: LoadedFactory): Findings {
  const findings: Findings = { problems: [...factory.loadProblems], warnings: [...factory.loadWarnings] };
  for (const rule of FACTORY_RULES) rule(factory, findings);
  for (const pipeline of factory.pipelines.values()) {
    const ctx = pipelineContext(factory, pipeline, findings);
    for (const rule of PIPELINE_RULES) rule(ctx);
  }
  findings.problems.sort(byPlace);
  findings.warnings.sort(byPlace);
  return findings;
}

function byPlace(a: Problem, b: Problem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}
