import assert from 'node:assert/strict';
import {
  evaluateExact,
  ExpressionError,
  parse,
  stringifyJson,
  type EvaluationContext,
} from '../../src/adf/expressions/index.js';

/** A context used by most tests; `now` fixes the clock. */
export const baseCtx: EvaluationContext = {
  parameters: { myNumber: 42, name: 'Sophie', obj: { field1: { field2: 'deep' }, empty: null }, list: [1, 2, 3] },
  globalParameters: { env: 'dev', 'GP-Int': 7 },
  variables: { greeting: 'hello', counter: 3, items: ['a', 'b'] },
  activities: {
    Lookup1: {
      output: { firstRow: { 'Column Name': 'x', id: 5 }, count: 1, value: [{ a: 1 }, { a: 2 }] },
      status: 'Succeeded',
    },
    'Error activity': { status: 'Failed', error: { message: 'boom', errorCode: '2011' } },
  },
  runId: 'run-1',
  pipelineName: 'pl',
  factoryName: 'fac',
  triggerTime: '2024-05-01T10:00:00.1234567Z',
  triggerType: 'Manual',
  triggerName: 'Sandbox',
  triggerId: 'tid',
  groupId: 'gid',
  now: '2024-05-01T10:00:00.1234567Z',
};

/** Evaluates a template and returns the result as exact JSON text (so `3.0` and `3` differ). */
export function ev(expr: string, ctx: EvaluationContext = baseCtx): string {
  return stringifyJson(evaluateExact(parse(expr), ctx));
}

/** Evaluates and returns the raw value (exact representation). */
export function val(expr: string, ctx: EvaluationContext = baseCtx): unknown {
  return evaluateExact(parse(expr), ctx);
}

/** Asserts that evaluating (or parsing) fails with an ExpressionError whose message matches. */
export function fails(expr: string, message: RegExp, ctx: EvaluationContext = baseCtx): ExpressionError {
  try {
    const v = evaluateExact(parse(expr), ctx);
    assert.fail(`expected ${expr} to fail, got ${stringifyJson(v)}`);
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    assert.match(e.message, message);
    assert.equal(e.code, 'InvalidTemplate');
    assert.equal(e.internal, false);
    return e;
  }
}

/** Table-driven checks: [expression, expected JSON text]. */
export function table(rows: Array<[string, string]>, ctx: EvaluationContext = baseCtx): void {
  for (const [expr, expected] of rows) assert.equal(ev(expr, ctx), expected, expr);
}
