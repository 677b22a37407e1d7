import { armEntityNotFound, armInvalidBody } from '../../../common/catalogue.js';
import type { TriggerRunRecord } from '../../../storage/trigger-runs-store.js';
import { parseTumblingWindow, type TumblingWindow } from './recurrence.js';
import type { TriggerDefinition } from './scheduler.js';

/** What queryTriggerRuns filters and orders by, and the checks of a trigger run's rerun. */

export const TRIGGER_RUN_OPERANDS: Record<string, (r: TriggerRunRecord) => string | null> = {
  triggername: (r) => r.triggerName,
  status: (r) => r.status,
  triggerruntimestamp: (r) => r.triggerRunTimestamp,
};

export const TRIGGER_RUN_ORDER: Record<string, (r: TriggerRunRecord) => string | number | null> = {
  triggername: (r) => r.triggerName.toLowerCase(),
  triggerruntimestamp: (r) => Date.parse(r.triggerRunTimestamp),
  status: (r) => r.status,
};

export const triggerRunNotFound = (runId: string, trigger: string, factory: string) =>
  armEntityNotFound(`triggers/${trigger}/triggerRuns`, runId, factory);

/**
 * The trigger's windows (its current typeProperties: retry policy) for rerunning the window `r` ran. Only a
 * TumblingWindowTrigger's runs are rerun, as in ADF: a ScheduleTrigger's firing is "fire and forget", its
 * pipeline runs are rerun themselves (createRun with referencePipelineRunId).
 */
export function windowsOf(t: TriggerDefinition, r: TriggerRunRecord): TumblingWindow {
  if (r.triggerType !== 'TumblingWindowTrigger' || t.properties.type !== 'TumblingWindowTrigger') {
    throw armInvalidBody(
      `Trigger run '${r.triggerRunId}' of '${t.name}' (${r.triggerType}) cannot be rerun: only a TumblingWindowTrigger's windows are rerun; rerun the pipeline runs it started instead (createRun with referencePipelineRunId).`,
      r.triggerRunId,
    );
  }
  if (!r.properties.WindowStartTime || !r.properties.WindowEndTime) {
    throw armInvalidBody(`Trigger run '${r.triggerRunId}' of '${t.name}' has no window to rerun.`, r.triggerRunId);
  }
  if (!t.properties.pipeline?.pipelineReference?.referenceName) {
    throw armInvalidBody(
      `Trigger '${t.name}' cannot rerun a window: pipeline.pipelineReference is required.`,
      'pipeline.pipelineReference',
    );
  }
  const w = parseTumblingWindow(t.properties.typeProperties, 'typeProperties');
  if (typeof w === 'string') throw armInvalidBody(`Trigger '${t.name}' cannot rerun a window: ${w}`, t.name);
  return w;
}
