import { fail } from '../errors.js';
import { AdfFloat, isInt, isNumeric, typeName } from '../values.js';

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth'];

export function ordinal(i: number): string {
  return ORDINALS[i] ?? `${i + 1}th`;
}

/** ADF's wording for an argument of the wrong type. */
export function wrongType(fn: string, i: number, expected: string, v: unknown): never {
  fail(
    `The template language function '${fn}' expects its ${ordinal(i)} parameter to be ${expected}. ` +
      `The provided value is of type '${typeName(v)}'.`,
  );
}

export function str(fn: string, args: unknown[], i: number): string {
  const v = args[i];
  if (typeof v !== 'string') wrongType(fn, i, 'a string', v);
  return v;
}

/** An integer argument as a JS number (values beyond 2^53 are refused: no ADF function needs them there). */
export function int(fn: string, args: unknown[], i: number): number {
  const v = args[i];
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint')
    fail(
      `The template language function '${fn}' expects its ${ordinal(i)} parameter to be an integer no larger than 2^53; got ${v}.`,
    );
  wrongType(fn, i, 'an integer', v);
}

export function bigInt(fn: string, args: unknown[], i: number): number | bigint {
  const v = args[i];
  if (isInt(v)) return v;
  wrongType(fn, i, 'an integer', v);
}

export function num(fn: string, args: unknown[], i: number): number | bigint | AdfFloat {
  const v = args[i];
  if (isNumeric(v)) return v;
  wrongType(fn, i, 'an integer or a decimal number', v);
}

export function bool(fn: string, args: unknown[], i: number): boolean {
  const v = args[i];
  if (typeof v !== 'boolean') wrongType(fn, i, 'a boolean', v);
  return v;
}

export function arr(fn: string, args: unknown[], i: number): unknown[] {
  const v = args[i];
  if (!Array.isArray(v)) wrongType(fn, i, 'an array', v);
  return v;
}
