import { childPipelineFailed, invalidActivityProperty } from '../../common/catalogue.js';
import { asBoolean } from './scope-result.js';
import type { ActivityDefinition } from './types.js';

/**
 * Starts a child pipeline run. Without `waitOnCompletion` (default false, the REST spec's default) it succeeds
 * as soon as the child is accepted; with it, it ends as the child does and exposes the child's
 * `pipelineReturnValue`.
 */
export const executePipeline: ActivityDefinition = {
  type: 'ExecutePipeline',
  validate(a) {
    const ref = a.typeProperties?.pipeline as { referenceName?: unknown } | undefined;
    return typeof ref?.referenceName === 'string' ? [] : ['typeProperties.pipeline.referenceName is required'];
  },
  async execute(ctx) {
    const ref = ctx.input.pipeline as { referenceName?: unknown } | undefined;
    if (typeof ref?.referenceName !== 'string' || !ref.referenceName) {
      throw invalidActivityProperty(ctx.activityName, 'typeProperties.pipeline.referenceName', 'is required');
    }
    const parameters = (ctx.input.parameters ?? {}) as Record<string, unknown>;
    const wait = asBoolean(ctx.input.waitOnCompletion, false);
    const child = await ctx.executePipeline({ pipelineName: ref.referenceName, parameters, waitOnCompletion: wait });
    const output: Record<string, unknown> = { pipelineName: child.pipelineName, pipelineRunId: child.runId };
    if (wait && child.returnValue) output.pipelineReturnValue = child.returnValue;
    if (wait && child.status !== 'Succeeded') {
      return {
        status: 'Failed',
        output,
        error: childPipelineFailed(
          ctx.activityName,
          child.pipelineName,
          child.runId,
          child.message || child.status,
        ).toActivity(ctx.activityName),
      };
    }
    return { output };
  },
};
