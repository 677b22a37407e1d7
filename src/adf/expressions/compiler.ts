import type { Node, Template } from './ast.js';
import type { EvaluationContext } from './context.js';
import { evaluationError, ExpressionError, FunctionFailure, internalError, missingPropertyError } from './errors.js';
import { findFunction } from './functions/index.js';
import { PipelineView } from './functions/reference.js';
import { AdfFloat, getPropertyKey, toText, typeName } from './values.js';

export type Evaluator = (ctx: EvaluationContext) => unknown;

/**
 * Returns values in the exact representation (integral floats as AdfFloat); `evaluate` unwraps the top level.
 * Turns an AST into a tree of closures once, so evaluating the same expression again (ForEach bodies run it
 * thousands of times) walks no AST and dispatches no function names.
 */
export function compileTemplate(t: Template): Evaluator {
  const src = t.text;
  let run: Evaluator;
  if (t.kind === 'literal') {
    const value = t.value;
    return () => value;
  }
  if (t.kind === 'expression') {
    const f = compileNode(t.node, src);
    run = (ctx) => escape(f(ctx));
  } else {
    const parts = t.parts.map((p) => (typeof p === 'string' ? p : compileNode(p.node, src)));
    run = (ctx) => {
      let out = '';
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        out += typeof p === 'string' ? p : toText(escape(p(ctx)));
      }
      return out;
    };
  }
  return (ctx) => {
    try {
      return run(ctx);
    } catch (e) {
      throw asExpressionError(e, src);
    }
  };
}

function asExpressionError(e: unknown, src: string): ExpressionError {
  if (e instanceof ExpressionError) return e;
  if (e instanceof FunctionFailure) return evaluationError(src, 0, e.message);
  return internalError(src, e);
}

/** A PipelineView that is used as a value (not for `.prop`) becomes its plain object. */
function escape(v: unknown): unknown {
  return v instanceof PipelineView ? v.materialize() : v;
}

function located(e: unknown, src: string, pos: number): unknown {
  if (e instanceof FunctionFailure) return evaluationError(src, pos, e.message);
  return e;
}

function compileNode(node: Node, src: string): Evaluator {
  switch (node.type) {
    case 'literal': {
      const v = node.value;
      return () => v;
    }
    case 'member': {
      const obj = compileNode(node.object, src);
      const { name, nullSafe, pos } = node;
      return (ctx) => member(obj(ctx), name, nullSafe, src, pos);
    }
    case 'index': {
      const obj = compileNode(node.object, src);
      const index = compileNode(node.index, src);
      const { nullSafe, pos } = node;
      return (ctx) => indexInto(obj(ctx), escape(index(ctx)), nullSafe, src, pos);
    }
    case 'call':
      return compileCall(node.name, node.args, src, node.pos);
  }
}

function compileCall(name: string, argNodes: Node[], src: string, pos: number): Evaluator {
  const def = findFunction(name)!;
  const args = argNodes.map((a) => compileNode(a, src));
  if (def.lazy) {
    const impl = def.impl;
    return (ctx) => {
      const thunks = args.map((a) => () => escape(a(ctx)));
      try {
        return impl(thunks, ctx);
      } catch (e) {
        throw located(e, src, pos);
      }
    };
  }
  const impl = def.impl;
  // Fixed-arity fast paths: no array map, no spread.
  switch (args.length) {
    case 0:
      return (ctx) => {
        try {
          return impl([], ctx);
        } catch (e) {
          throw located(e, src, pos);
        }
      };
    case 1: {
      const [a0] = args;
      return (ctx) => {
        const v0 = escape(a0(ctx));
        try {
          return impl([v0], ctx);
        } catch (e) {
          throw located(e, src, pos);
        }
      };
    }
    case 2: {
      const [a0, a1] = args;
      return (ctx) => {
        const v0 = escape(a0(ctx));
        const v1 = escape(a1(ctx));
        try {
          return impl([v0, v1], ctx);
        } catch (e) {
          throw located(e, src, pos);
        }
      };
    }
    default:
      return (ctx) => {
        const values = new Array<unknown>(args.length);
        for (let i = 0; i < args.length; i++) values[i] = escape(args[i](ctx));
        try {
          return impl(values, ctx);
        } catch (e) {
          throw located(e, src, pos);
        }
      };
  }
}

function member(o: unknown, name: string, nullSafe: boolean, src: string, pos: number): unknown {
  if (o === null || o === undefined) {
    if (nullSafe) return null;
    throw evaluationError(
      src,
      pos,
      `The template language expression cannot select the property '${name}': property selection is not supported on values of type 'Null' (use '?.${name}' to get null instead).`,
    );
  }
  if (o instanceof PipelineView) {
    const v = o.get(name);
    if (v !== undefined) return v;
    if (nullSafe) return null;
    throw missingPropertyError(src, pos, name, o.available());
  }
  if (typeof o === 'object' && !Array.isArray(o) && !(o instanceof AdfFloat)) {
    const rec = o as Record<string, unknown>;
    const key = getPropertyKey(rec, name);
    if (key !== undefined) {
      const v = rec[key];
      return v === undefined ? null : v;
    }
    if (nullSafe) return null;
    throw missingPropertyError(src, pos, name, Object.keys(rec));
  }
  throw evaluationError(
    src,
    pos,
    `The template language expression cannot select the property '${name}': property selection is not supported on values of type '${typeName(o)}'.`,
  );
}

function indexInto(o: unknown, index: unknown, nullSafe: boolean, src: string, pos: number): unknown {
  if (typeof index === 'string') return member(o, index, nullSafe, src, pos);
  if (o === null || o === undefined) {
    if (nullSafe) return null;
    throw evaluationError(
      src,
      pos,
      "The template language expression cannot index into a value of type 'Null' (use '?[…]' to get null instead).",
    );
  }
  if (Array.isArray(o)) {
    if (typeof index === 'number' && Number.isSafeInteger(index)) {
      if (index >= 0 && index < o.length) {
        const v = o[index];
        return v === undefined ? null : v;
      }
      if (nullSafe) return null;
      throw evaluationError(
        src,
        pos,
        `The template language expression cannot be evaluated because array index '${index}' is outside bounds (0, ${o.length - 1}) of array.`,
      );
    }
    if (typeof index === 'bigint') {
      if (nullSafe) return null;
      throw evaluationError(
        src,
        pos,
        `The template language expression cannot be evaluated because array index '${index}' is outside bounds (0, ${o.length - 1}) of array.`,
      );
    }
    throw evaluationError(
      src,
      pos,
      `An array index must be an integer; the index given is of type '${typeName(index)}'.`,
    );
  }
  if (o instanceof PipelineView || (typeof o === 'object' && !(o instanceof AdfFloat))) {
    throw evaluationError(
      src,
      pos,
      `A property of an object is selected by a string; the index given is of type '${typeName(index)}'.`,
    );
  }
  throw evaluationError(
    src,
    pos,
    `The template language expression cannot index into a value of type '${typeName(o)}'.`,
  );
}
