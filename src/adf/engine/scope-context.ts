import type { Clock } from '../../common/clock.js';
import type { EvaluationContext } from '../expressions/context.js';

/**
 * The expression context of one scope (a run's top level, a loop iteration, a branch), as an object of one
 * fixed shape. Inheriting the run-wide fields through a per-run prototype would give every run's contexts a
 * shape of their own, and the evaluator's property reads would turn megamorphic after a few runs.
 */
export class ScopeContext implements EvaluationContext {
  parameters: Record<string, unknown> | undefined;
  variables: Record<string, unknown> | undefined;
  activities: EvaluationContext['activities'];
  item: unknown;
  hasItem: boolean | undefined;
  globalParameters: Record<string, unknown> | undefined;
  runId: string | undefined;
  pipelineName: string | undefined;
  factoryName: string | undefined;
  triggerTime: string | undefined;
  triggerName: string | undefined;
  triggerType: string | undefined;
  triggerId: string | undefined;
  groupId: string | undefined;
  triggeredByPipelineName: string | undefined;
  triggeredByPipelineRunId: string | undefined;
  trigger: Record<string, unknown> | undefined;
  dataset: Record<string, unknown> | undefined;
  linkedService: Record<string, unknown> | undefined;
  now: string | undefined;
  clock: Clock | undefined;

  /** `from`'s fields, with the scope's own `activities` and, when given, its item. */
  constructor(
    from: EvaluationContext,
    activities: EvaluationContext['activities'],
    item?: { value: unknown; hasItem: boolean },
  ) {
    this.parameters = from.parameters;
    this.variables = from.variables;
    this.activities = activities;
    this.item = item ? item.value : from.item;
    this.hasItem = item ? item.hasItem : from.hasItem;
    this.globalParameters = from.globalParameters;
    this.runId = from.runId;
    this.pipelineName = from.pipelineName;
    this.factoryName = from.factoryName;
    this.triggerTime = from.triggerTime;
    this.triggerName = from.triggerName;
    this.triggerType = from.triggerType;
    this.triggerId = from.triggerId;
    this.groupId = from.groupId;
    this.triggeredByPipelineName = from.triggeredByPipelineName;
    this.triggeredByPipelineRunId = from.triggeredByPipelineRunId;
    this.trigger = from.trigger;
    this.dataset = from.dataset;
    this.linkedService = from.linkedService;
    this.now = from.now;
    this.clock = from.clock;
  }
}
