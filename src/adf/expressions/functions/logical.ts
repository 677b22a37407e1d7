import { fail } from '../errors.js';
import { compareNumbers, compareOrdinal, deepEquals, isNumeric } from '../values.js';
import { wrongType } from './args.js';
import { fn, lazyFn, type FunctionDef, type Thunk } from './types.js';

function boolArg(name: string, v: unknown, i: number): boolean {
  if (typeof v !== 'boolean') wrongType(name, i, 'a boolean', v);
  return v;
}

/** greater/less…: two numbers (int and float may mix) or two strings (ordinal); anything else is an error. */
function compare(name: string, a: unknown, b: unknown): number {
  if (isNumeric(a) && isNumeric(b)) return compareNumbers(a, b);
  if (typeof a === 'string' && typeof b === 'string') return compareOrdinal(a, b);
  if (!isNumeric(a) && typeof a !== 'string') wrongType(name, 0, 'an integer, a decimal number or a string', a);
  fail(
    `The template language function '${name}' expects two parameters of matching types (both numbers or both strings).`,
  );
}

/** The 9 logical functions (spec §5.3). `if`, `and`, `or` evaluate lazily. */
export const logicalFunctions: FunctionDef[] = [
  lazyFn('and', 1, Infinity, (args: Thunk[]) => {
    for (let i = 0; i < args.length; i++) if (!boolArg('and', args[i](), i)) return false;
    return true;
  }),
  lazyFn('or', 1, Infinity, (args: Thunk[]) => {
    for (let i = 0; i < args.length; i++) if (boolArg('or', args[i](), i)) return true;
    return false;
  }),
  fn('not', 1, 1, ([v]) => !boolArg('not', v, 0)),
  lazyFn('if', 3, 3, ([c, t, e]) => (boolArg('if', c(), 0) ? t() : e())),
  fn('equals', 2, 2, ([a, b]) => deepEquals(a, b)),
  fn('greater', 2, 2, ([a, b]) => compare('greater', a, b) > 0),
  fn('greaterOrEquals', 2, 2, ([a, b]) => compare('greaterOrEquals', a, b) >= 0),
  fn('less', 2, 2, ([a, b]) => compare('less', a, b) < 0),
  fn('lessOrEquals', 2, 2, ([a, b]) => compare('lessOrEquals', a, b) <= 0),
];
