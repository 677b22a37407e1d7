import { fail } from '../errors.js';
import { AdfFloat, compareNumbers, isFloat, makeFloat, makeInt, toDouble } from '../values.js';
import { arr, int, num } from './args.js';
import { fn, type FunctionDef } from './types.js';

type Num = number | bigint | AdfFloat;

/**
 * Integer arithmetic stays exact: safe JS integers take the fast path; anything that leaves 2^53 is redone in
 * bigint and normalised back (spec §3.2). Any float operand makes the result a float.
 */
function arith(name: string, args: unknown[]): Num {
  const a = num(name, args, 0);
  const b = num(name, args, 1);
  if (isFloat(a) || isFloat(b)) {
    const x = toDouble(a);
    const y = toDouble(b);
    switch (name) {
      case 'add':
        return makeFloat(x + y);
      case 'sub':
        return makeFloat(x - y);
      case 'mul':
        return makeFloat(x * y);
      case 'div':
        if (y === 0) fail("The template language function 'div' cannot divide by zero.");
        return makeFloat(x / y);
      default:
        if (y === 0) fail("The template language function 'mod' cannot divide by zero.");
        return makeFloat(x % y); // JS % is the .NET remainder: sign of the dividend
    }
  }
  if (typeof a === 'number' && typeof b === 'number') {
    let r: number;
    switch (name) {
      case 'add':
        r = a + b;
        break;
      case 'sub':
        r = a - b;
        break;
      case 'mul':
        r = a * b;
        break;
      case 'div':
        if (b === 0) fail("The template language function 'div' cannot divide by zero.");
        return Math.trunc(a / b) + 0; // both safe, so the quotient truncates exactly
      default:
        if (b === 0) fail("The template language function 'mod' cannot divide by zero.");
        return (a % b) + 0;
    }
    if (Number.isSafeInteger(r)) return r + 0;
  }
  const x = BigInt(a as number | bigint);
  const y = BigInt(b as number | bigint);
  switch (name) {
    case 'add':
      return makeInt(x + y, name);
    case 'sub':
      return makeInt(x - y, name);
    case 'mul':
      return makeInt(x * y, name);
    case 'div':
      if (y === 0n) fail("The template language function 'div' cannot divide by zero.");
      return makeInt(x / y, name); // bigint division truncates toward zero, like .NET
    default:
      if (y === 0n) fail("The template language function 'mod' cannot divide by zero.");
      return makeInt(x % y, name);
  }
}

function extreme(name: 'max' | 'min', args: unknown[]): Num {
  let items = args;
  if (args.length === 1) {
    if (Array.isArray(args[0])) items = arr(name, args, 0);
    if (items.length === 0)
      fail(`The template language function '${name}' expects a non-empty array or at least one number.`);
  }
  let best: Num | undefined;
  items.forEach((v, i) => {
    const n = num(name, items, i);
    if (best === undefined || (name === 'max' ? compareNumbers(n, best) > 0 : compareNumbers(n, best) < 0)) best = n;
  });
  return best!;
}

/** The 9 math functions (spec §5.5). */
export const mathFunctions: FunctionDef[] = [
  fn('add', 2, 2, (a) => arith('add', a)),
  fn('sub', 2, 2, (a) => arith('sub', a)),
  fn('mul', 2, 2, (a) => arith('mul', a)),
  fn('div', 2, 2, (a) => arith('div', a)),
  fn('mod', 2, 2, (a) => arith('mod', a)),
  fn('max', 1, Infinity, (a) => extreme('max', a)),
  fn('min', 1, Infinity, (a) => extreme('min', a)),
  fn('rand', 2, 2, (a) => {
    const lo = int('rand', a, 0);
    const hi = int('rand', a, 1);
    if (hi < lo)
      fail(
        `The template language function 'rand' expects the minimum (${lo}) to be no larger than the maximum (${hi}).`,
      );
    if (hi === lo) return lo;
    return lo + Math.floor(Math.random() * (hi - lo));
  }),
  fn('range', 2, 2, (a) => {
    const start = int('range', a, 0);
    const count = int('range', a, 1);
    if (count < 0 || count > 100000) {
      fail(`The template language function 'range' expects a count between 0 and 100000; got ${count}.`);
    }
    if (start + count > 2147483647 || start < -2147483648) {
      fail("The template language function 'range' expects the start index plus the count to fit a 32-bit integer.");
    }
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = start + i;
    return out;
  }),
];
