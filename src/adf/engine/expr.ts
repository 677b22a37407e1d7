import { compile, ExpressionError } from '../expressions/index.js';
import type { EvaluationContext } from '../expressions/context.js';
import type { Activity } from '../model/types.js';

type Compiled = (ctx: EvaluationContext) => unknown;

interface CompiledInput {
  input: Compiled;
  deferred: Record<string, unknown>;
  hasDeferred: boolean;
}

const byActivity = new WeakMap<Activity, Map<readonly string[] | undefined, CompiledInput>>();

/**
 * The evaluated-input function of an activity, compiled once per activity definition (a ForEach body runs the
 * same definitions thousands of times). Deferred keys are left raw for the activity to evaluate itself.
 */
export function compiledInput(activity: Activity, deferred: readonly string[] | undefined) {
  let perDef = byActivity.get(activity);
  if (!perDef) {
    perDef = new Map();
    byActivity.set(activity, perDef);
  }
  let c = perDef.get(deferred);
  if (!c) {
    const props = activity.typeProperties ?? {};
    const eager: Record<string, unknown> = {};
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
      if (deferred?.includes(k)) raw[k] = v;
      else eager[k] = v;
    }
    c = { input: compile(eager) as Compiled, deferred: raw, hasDeferred: Object.keys(raw).length > 0 };
    perDef.set(deferred, c);
  }
  return c;
}

const byValue = new WeakMap<object, Compiled>();

/** Evaluates a JSON value; object values (mock outputs, Expression objects) are compiled once per identity. */
export function evaluateValue(value: unknown, ctx: EvaluationContext): unknown {
  if (value === null || typeof value !== 'object') return (compile(value) as Compiled)(ctx);
  let f = byValue.get(value);
  if (!f) {
    f = compile(value) as Compiled;
    byValue.set(value, f);
  }
  return f(ctx);
}

export function isExpressionError(e: unknown): e is Error {
  return e instanceof ExpressionError;
}
