import type { Template } from './ast.js';
import { runTemplate, type Evaluator } from './interpreter.js';
import type { EvaluationContext } from './context.js';
import { parse } from './parser.js';
import { isPlainObject, toPlain } from './values.js';

/**
 * Evaluates a parsed template. Pure and synchronous (time only through ctx.clock / ctx.now). A whole-value
 * `@expr` keeps its type; an interpolation gives a string; a literal gives its text. Throws ExpressionError.
 */
export function evaluate(template: Template, ctx: EvaluationContext): unknown {
  return toPlain(runTemplate(template, ctx));
}

/**
 * Like evaluate, but keeps the exact representation: an integral float stays an AdfFloat, so a JSON writer
 * (`stringifyJson`) can print `3.0` where ADF does. The CLI prints through this.
 */
export function evaluateExact(template: Template, ctx: EvaluationContext): unknown {
  return runTemplate(template, ctx);
}

/** Parsed templates by text: the engine evaluates the same strings over and over. Bounded; cleared when full. */
const cache = new Map<string, Evaluator>();
const CACHE_LIMIT = 20_000;

export function compileText(text: string): Evaluator {
  let f = cache.get(text);
  if (f === undefined) {
    const t = parse(text);
    f = t.kind === 'literal' ? () => t.value : (ctx) => toPlain(runTemplate(t, ctx));
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, f);
  }
  return f;
}

/** `{"value": "@…", "type": "Expression"}`, the form ADF's editor writes for dynamic content. */
export function isExpressionObject(v: unknown): v is { value: unknown; type: 'Expression' } {
  return isPlainObject(v) && v.type === 'Expression' && 'value' in v && Object.keys(v).length === 2;
}

/**
 * Compiles a whole JSON value once: every string is a template, every `{"value", "type": "Expression"}` object
 * becomes its evaluated value, everything else is kept. Subtrees without expressions are returned as they are
 * (shared, not copied: do not mutate results). Throws ExpressionError for the first invalid template.
 */
export function compile(value: unknown): Evaluator {
  if (typeof value === 'string') return compileText(value);
  if (Array.isArray(value)) {
    const items = value.map(compileOrConstant);
    if (items.every((i) => i === CONSTANT)) return () => value;
    const fns = items.map((f, i) => (f === CONSTANT ? () => value[i] : f));
    return (ctx) => fns.map((f) => f(ctx));
  }
  if (isPlainObject(value)) {
    if (isExpressionObject(value)) {
      const inner = value.value;
      return typeof inner === 'string' ? compileText(inner) : () => inner;
    }
    const keys = Object.keys(value);
    const fns = keys.map((k) => compileOrConstant(value[k]));
    if (fns.every((f) => f === CONSTANT)) return () => value;
    return (ctx) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const f = fns[i];
        const v = f === CONSTANT ? value[keys[i]] : f(ctx);
        if (keys[i] === '__proto__')
          Object.defineProperty(out, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
        else out[keys[i]] = v;
      }
      return out;
    };
  }
  return () => value;
}

const CONSTANT: Evaluator = () => undefined;

function compileOrConstant(v: unknown): Evaluator {
  return needsEvaluation(v) ? compile(v) : CONSTANT;
}

/** Like isExpression, but also true for `@@` escapes, whose text changes when evaluated. */
function needsEvaluation(v: unknown): boolean {
  if (typeof v === 'string') return v.charCodeAt(0) === 64 || v.indexOf('@{') >= 0;
  if (Array.isArray(v)) return v.some(needsEvaluation);
  if (isPlainObject(v)) {
    if (isExpressionObject(v)) return true;
    for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k) && needsEvaluation(v[k])) return true;
  }
  return false;
}

/** Deep-walks a JSON value and evaluates every template in it (see `compile`). */
export function interpolate(value: unknown, ctx: EvaluationContext): unknown {
  if (typeof value === 'string') return compileText(value)(ctx);
  return compile(value)(ctx);
}

/** Whether a JSON value holds any expression (a template that is not plain text, or an Expression object). */
export function isExpression(value: unknown): boolean {
  if (typeof value === 'string') return isTemplateString(value);
  if (Array.isArray(value)) return value.some(isExpression);
  if (isPlainObject(value)) {
    if (isExpressionObject(value)) return true;
    for (const k in value) if (Object.prototype.hasOwnProperty.call(value, k) && isExpression(value[k])) return true;
  }
  return false;
}

function isTemplateString(s: string): boolean {
  if (s.charCodeAt(0) === 64) return s.charCodeAt(1) !== 64;
  if (s.indexOf('@{') < 0) return false;
  // Only `@@{` escapes? Then it is plain text.
  return /(^|[^@])@\{/.test(s.replace(/@@\{/g, ''));
}
