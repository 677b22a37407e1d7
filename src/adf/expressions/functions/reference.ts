import type { ActivityState, EvaluationContext } from '../context.js';
import { fail } from '../errors.js';
import { getPropertyKey, isPlainObject } from '../values.js';
import { str } from './args.js';
import { fn, type FunctionDef } from './types.js';

/**
 * What `pipeline()` returns. Not a materialised object: property access asks it by name, so the common
 * `pipeline().parameters.x` costs no allocation of the whole system-variable set. When the value itself is
 * used (`string(pipeline())`), `materialize()` builds the plain object.
 */
export class PipelineView {
  constructor(readonly ctx: EvaluationContext) {}

  /** The system variable or scope, by case-insensitive name; `undefined` when it is not set. */
  get(name: string): unknown {
    const c = this.ctx;
    // The documented spelling is found without allocating a lower-cased copy.
    switch (CANONICAL.get(name) ?? name.toLowerCase()) {
      case 'parameters':
        return c.parameters ?? {};
      case 'globalparameters':
        return c.globalParameters ?? {};
      case 'runid':
        return c.runId;
      case 'pipeline':
        return c.pipelineName;
      case 'datafactory':
        return c.factoryName;
      case 'triggertime':
        return c.triggerTime;
      case 'triggertype':
        return c.triggerType;
      case 'triggername':
        return c.triggerName;
      case 'triggerid':
        return c.triggerId;
      case 'groupid':
        return c.groupId;
      case 'triggeredbypipelinename':
        return c.triggeredByPipelineName;
      case 'triggeredbypipelinerunid':
        return c.triggeredByPipelineRunId;
      case 'dataset':
        return c.dataset;
      case 'linkedservice':
        return c.linkedService;
      default:
        return undefined;
    }
  }

  materialize(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of PIPELINE_PROPERTIES) {
      const v = this.get(k);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }

  /** The names that are set, for "available properties are …" messages. */
  available(): string[] {
    return PIPELINE_PROPERTIES.filter((k) => this.get(k) !== undefined);
  }
}

const CANONICAL = new Map<string, string>(
  [
    'parameters',
    'globalParameters',
    'RunId',
    'Pipeline',
    'DataFactory',
    'TriggerTime',
    'TriggerType',
    'TriggerName',
    'TriggerId',
    'GroupId',
    'TriggeredByPipelineName',
    'TriggeredByPipelineRunId',
    'dataset',
    'linkedService',
  ].map((k) => [k, k.toLowerCase()]),
);

const PIPELINE_PROPERTIES = [
  'DataFactory',
  'Pipeline',
  'RunId',
  'TriggerType',
  'TriggerId',
  'TriggerName',
  'TriggerTime',
  'GroupId',
  'TriggeredByPipelineName',
  'TriggeredByPipelineRunId',
  'parameters',
  'globalParameters',
];

function lookupActivity(ctx: EvaluationContext, name: string): ActivityState | undefined {
  const acts = ctx.activities;
  if (!acts) return undefined;
  if (typeof acts === 'function') return acts(name);
  const key = getPropertyKey(acts as Record<string, unknown>, name);
  return key === undefined ? undefined : acts[key];
}

export function hasItem(ctx: EvaluationContext): boolean {
  return ctx.hasItem === true || ctx.item !== undefined;
}

/** The reference functions: system variables, activity outputs, variables, the ForEach item, scopes. */
export const referenceFunctions: FunctionDef[] = [
  fn('pipeline', 0, 0, (_a, ctx) => new PipelineView(ctx)),
  fn('activity', 1, 1, (a, ctx) => {
    const name = str('activity', a, 0);
    const state = lookupActivity(ctx, name);
    if (state === undefined || state === null) {
      fail(
        `Template language expression cannot be evaluated: the template action '${name}' is not defined at current scope.`,
      );
    }
    return state;
  }),
  fn('variables', 1, 1, (a, ctx) => {
    const name = str('variables', a, 0);
    const vars = ctx.variables;
    const key = vars ? getPropertyKey(vars, name) : undefined;
    if (key === undefined)
      fail(`Template language expression cannot be evaluated: the template variable '${name}' cannot be found.`);
    const v = vars![key];
    return v === undefined ? null : v;
  }),
  fn('item', 0, 0, (_a, ctx) => {
    if (!hasItem(ctx))
      fail(
        "The template function 'item' is not expected at this location (item() is only available inside a ForEach or Filter).",
      );
    return ctx.item === undefined ? null : ctx.item;
  }),
  fn('dataset', 0, 0, (_a, ctx) => {
    if (!isPlainObject(ctx.dataset))
      fail(
        "The template function 'dataset' is not expected at this location (dataset() is only available inside a dataset definition).",
      );
    return ctx.dataset;
  }),
  fn('linkedService', 0, 0, (_a, ctx) => {
    if (!isPlainObject(ctx.linkedService)) {
      fail(
        "The template function 'linkedService' is not expected at this location (linkedService() is only available inside a linked service definition).",
      );
    }
    return ctx.linkedService;
  }),
  fn('trigger', 0, 0, (_a, ctx) => {
    if (!isPlainObject(ctx.trigger))
      fail(
        "The template function 'trigger' is not expected at this location (trigger() is only available in a trigger definition).",
      );
    return ctx.trigger;
  }),
  fn('triggerBody', 0, 0, (_a, ctx) => triggerPart(ctx, 'triggerBody', ['outputs', 'body'])),
  fn('triggerOutputs', 0, 0, (_a, ctx) => triggerPart(ctx, 'triggerOutputs', ['outputs'])),
];

function triggerPart(ctx: EvaluationContext, name: string, path: string[]): unknown {
  let v: unknown = ctx.trigger;
  for (const p of path) {
    const key = isPlainObject(v) ? getPropertyKey(v, p) : undefined;
    if (key === undefined)
      fail(
        `The template function '${name}' is not expected at this location (the trigger has no '${path.join('.')}').`,
      );
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
