import type { EvaluationContext } from '../context.js';

/** An argument not yet evaluated: `if`, `and`, `or` and `coalesce` evaluate only what they need. */
export type Thunk = () => unknown;

export interface EagerFunction {
  name: string;
  min: number;
  max: number;
  lazy?: false;
  impl: (args: unknown[], ctx: EvaluationContext) => unknown;
}

export interface LazyFunction {
  name: string;
  min: number;
  max: number;
  lazy: true;
  impl: (args: Thunk[], ctx: EvaluationContext) => unknown;
}

export type FunctionDef = EagerFunction | LazyFunction;

export const fn = (
  name: string,
  min: number,
  max: number,
  impl: (args: unknown[], ctx: EvaluationContext) => unknown,
): EagerFunction => ({ name, min, max, impl });

export const lazyFn = (
  name: string,
  min: number,
  max: number,
  impl: (args: Thunk[], ctx: EvaluationContext) => unknown,
): LazyFunction => ({ name, min, max, lazy: true, impl });
