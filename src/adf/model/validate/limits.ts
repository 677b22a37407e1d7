import { jsonPath } from '../json-path.js';
import { isRecord } from '../normalize.js';
import type { PipelineRule } from './context.js';

/**
 * Resource limits (ADF docs includes/azure-data-factory-limits.md, 2024-03-19): activities per pipeline
 * including containers' inner activities (DESIGN.md: more than 120 is a problem, more than 80 a warning, as
 * the limit page's revisions disagree between 80 and 120), 50 parameters per pipeline, ForEach batchCount at
 * most 50 (REST spec: minimum 1, maximum 50).
 */
export const ACTIVITY_LIMIT = 120;
export const ACTIVITY_WARNING = 80;
export const PARAMETER_LIMIT = 50;
export const BATCH_COUNT_MAX = 50;

export const limits: PipelineRule = (ctx) => {
  const count = ctx.nodes.length;
  const at = jsonPath(ctx.base, 'properties', 'activities');
  if (count > ACTIVITY_LIMIT) {
    ctx.problem(
      'too-many-activities',
      at,
      `the pipeline has ${count} activities (inner activities of containers included); ADF allows at most ${ACTIVITY_LIMIT}. Split it with Execute Pipeline activities`,
    );
  } else if (count > ACTIVITY_WARNING) {
    ctx.warning(
      'too-many-activities',
      at,
      `the pipeline has ${count} activities (inner activities of containers included); ADF's default limit is ${ACTIVITY_WARNING} and its maximum ${ACTIVITY_LIMIT}`,
    );
  }
  const params = Object.keys(ctx.pipeline.properties.parameters ?? {}).length;
  if (params > PARAMETER_LIMIT) {
    ctx.problem(
      'too-many-parameters',
      jsonPath(ctx.base, 'properties', 'parameters'),
      `the pipeline declares ${params} parameters; ADF allows at most ${PARAMETER_LIMIT}`,
    );
  }
  for (const n of ctx.nodes) {
    if (n.activity.type !== 'ForEach' || n.activity.state === 'Inactive' || !isRecord(n.activity.typeProperties))
      continue;
    const bc = n.activity.typeProperties.batchCount;
    if (bc === undefined || isRecord(bc) || (typeof bc === 'string' && bc.startsWith('@'))) continue;
    if (typeof bc !== 'number' || !Number.isInteger(bc) || bc < 1 || bc > BATCH_COUNT_MAX) {
      ctx.problem(
        'batch-count',
        jsonPath(n.path, 'typeProperties', 'batchCount'),
        `ForEach '${n.activity.name}' has batchCount ${JSON.stringify(bc)}; it must be a whole number from 1 to ${BATCH_COUNT_MAX}`,
      );
    }
  }
};
