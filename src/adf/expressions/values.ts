import { fail } from './errors.js';

/**
 * How expression values are held in JavaScript (docs/expressions.md "Value representation"):
 * - string, boolean, null: as is. Arrays and objects: plain JS arrays and objects.
 * - integer (ADF's 64-bit Int64): a JS `number` when it is a safe integer (|n| <= 2^53-1), otherwise a
 *   `bigint`. Arithmetic normalises back to `number` whenever the result is safe, so bigints appear only
 *   where they must (e.g. `ticks()` ≈ 6.4e17).
 * - float (IEEE double): a JS `number` that is not an integer; an integral-valued float (`1.0`, `mul(1.5,2)`)
 *   is an `AdfFloat`, because a JS number cannot say "3.0". `evaluate()` unwraps a top-level AdfFloat to a
 *   plain number; nested ones keep `toJSON()`/`valueOf()` so JSON.stringify and arithmetic still work.
 * - A JS number that is integral but beyond 2^53 can only be a float (its precision is already gone).
 */
export class AdfFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return formatDouble(this.value);
  }
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function isInt(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v));
}

export function isFloat(v: unknown): v is number | AdfFloat {
  return (typeof v === 'number' && !Number.isSafeInteger(v)) || v instanceof AdfFloat;
}

export function isNumeric(v: unknown): v is number | bigint | AdfFloat {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof AdfFloat;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof AdfFloat);
}

/** A float result: integral values are wrapped so they stay floats. */
export function makeFloat(n: number): number | AdfFloat {
  return Number.isInteger(n) ? new AdfFloat(n) : n;
}

/** An integer result from a bigint computation: back to number when safe; out of Int64 is ADF's overflow. */
export function makeInt(n: bigint, fn: string): number | bigint {
  if (n >= -9007199254740991n && n <= 9007199254740991n) return Number(n);
  if (n < INT64_MIN || n > INT64_MAX) fail(`the result of function '${fn}' overflows a 64-bit integer.`);
  return n;
}

export function toDouble(v: number | bigint | AdfFloat): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v.value;
}

/** ADF's type names, as its messages spell them. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'Null';
  switch (typeof v) {
    case 'string':
      return 'String';
    case 'boolean':
      return 'Boolean';
    case 'bigint':
      return 'Integer';
    case 'number':
      return Number.isSafeInteger(v) ? 'Integer' : 'Float';
    default:
      if (v instanceof AdfFloat) return 'Float';
      return Array.isArray(v) ? 'Array' : 'Object';
  }
}

/** Unwraps a top-level AdfFloat (see the note at the top). */
export function toPlain(v: unknown): unknown {
  return v instanceof AdfFloat ? v.value : v;
}

/**
 * .NET's shortest round-trip text of a double (`double.ToString()` on .NET Core 3+): like JavaScript's, but
 * scientific notation from 1E+15 up and from 1E-05 down, written `1E+15` / `1E-05` (two exponent digits at least).
 */
export function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '-∞';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const exp = n.toExponential(); // shortest digits, e.g. "1.2345e+20"
  const e = exp.indexOf('e');
  const power = Number(exp.slice(e + 1));
  if (power > -5 && power < 15) return String(n);
  const mantissa = exp.slice(0, e).toUpperCase();
  const sign = power < 0 ? '-' : '+';
  const digits = String(Math.abs(power)).padStart(2, '0');
  return `${mantissa}E${sign}${digits}`;
}

/** Text of a value as interpolation, `concat` and `string()` produce it (spec §3.6). */
export function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'number':
      return Number.isSafeInteger(v) ? String(v) : formatDouble(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'True' : 'False';
    default:
      if (v instanceof AdfFloat) return formatDouble(v.value);
      return stringifyJson(v);
  }
}

/**
 * JSON text of an expression value: bigints as all their digits, integral floats as `3.0` (as Json.NET writes a
 * float), `__proto__` keys kept. Compact. Use it wherever an expression result is written as JSON.
 */
export function stringifyJson(v: unknown, indent = ''): string {
  const parts: string[] = [];
  writeJson(v, parts, indent, '');
  return parts.join('');
}

/** A float as Json.NET writes it: .NET round-trip text, with `.0` added when it would read as an integer. */
function jsonDouble(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  const t = formatDouble(n);
  return /[.E]/.test(t) ? t : `${t}.0`;
}

function writeJson(v: unknown, out: string[], indent: string, current: string): void {
  if (v === null || v === undefined) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'string':
      out.push(JSON.stringify(v));
      return;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'bigint':
      out.push(v.toString());
      return;
    case 'number':
      out.push(Number.isSafeInteger(v) ? String(v) : jsonDouble(v));
      return;
    case 'object':
      break;
    default:
      out.push('null');
      return;
  }
  if (v instanceof AdfFloat) {
    out.push(jsonDouble(v.value));
    return;
  }
  const inner = indent ? current + indent : '';
  const nl = indent ? '\n' : '';
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[', nl);
    for (let i = 0; i < v.length; i++) {
      if (i) out.push(',', nl);
      out.push(inner);
      writeJson(v[i], out, indent, inner);
    }
    out.push(nl, current, ']');
    return;
  }
  const keys = Object.keys(v as object);
  if (keys.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{', nl);
  let first = true;
  for (const k of keys) {
    const value = (v as Record<string, unknown>)[k];
    if (value === undefined || typeof value === 'function') continue;
    if (!first) out.push(',', nl);
    first = false;
    out.push(inner, JSON.stringify(k), indent ? ': ' : ':');
    writeJson(value, out, indent, inner);
  }
  out.push(nl, current, '}');
}

/**
 * ADF's `equals`: deep structural equality; arrays in order, objects by key set regardless of order, strings
 * case-sensitively; integers and floats compare by value; a boolean equals a number when the number converts to
 * the same boolean (the documented `equals(true, 1)` is true; see docs/expressions.md).
 */
export function deepEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'string' || tb === 'string') return false;
  if (isNumeric(a) && isNumeric(b)) return compareNumbers(a, b) === 0;
  if (ta === 'boolean' && isNumeric(b)) return a === (toDouble(b) !== 0);
  if (tb === 'boolean' && isNumeric(a)) return b === (toDouble(a) !== 0);
  if (ta !== 'object' || tb !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEquals(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || a instanceof AdfFloat || b instanceof AdfFloat) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Numeric comparison across number, bigint and AdfFloat without losing 64-bit precision. */
export function compareNumbers(a: number | bigint | AdfFloat, b: number | bigint | AdfFloat): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'number' && Number.isInteger(b)) {
    const bb = BigInt(b);
    return a < bb ? -1 : a > bb ? 1 : 0;
  }
  if (typeof b === 'bigint' && typeof a === 'number' && Number.isInteger(a)) {
    const aa = BigInt(a);
    return aa < b ? -1 : aa > b ? 1 : 0;
  }
  const x = toDouble(a);
  const y = toDouble(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Ordinal string comparison (.NET `string.CompareOrdinal`: by UTF-16 code unit). */
export function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Case-insensitive own-property lookup: exact key first, then the first key equal ignoring case. */
export function getPropertyKey(obj: Record<string, unknown>, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  const lower = name.toLowerCase();
  for (const k in obj) {
    if (k.length === name.length && k.toLowerCase() === lower && Object.prototype.hasOwnProperty.call(obj, k)) return k;
  }
  return undefined;
}
