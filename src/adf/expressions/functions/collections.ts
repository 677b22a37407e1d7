import { fail } from '../errors.js';
import { AdfFloat, deepEquals, getPropertyKey, isPlainObject, toText } from '../values.js';
import { arr, int, wrongType } from './args.js';
import { fn, type FunctionDef } from './types.js';

/** The 10 collection functions (spec §5.2). */
export const collectionFunctions: FunctionDef[] = [
  fn('contains', 2, 2, ([coll, v]) => {
    if (typeof coll === 'string') {
      if (typeof v !== 'string') wrongType('contains', 1, 'a string when the collection is a string', v);
      return coll.includes(v);
    }
    if (Array.isArray(coll)) return coll.some((x) => deepEquals(x, v));
    if (isPlainObject(coll)) {
      if (typeof v !== 'string')
        wrongType('contains', 1, 'a string (a property name) when the collection is an object', v);
      return Object.prototype.hasOwnProperty.call(coll, v);
    }
    wrongType('contains', 0, 'a string, an array or an object', coll);
  }),
  fn('empty', 1, 1, ([v]) => {
    if (v === null || v === undefined) return true;
    if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
    if (isPlainObject(v)) return Object.keys(v).length === 0;
    wrongType('empty', 0, 'a string, an array or an object', v);
  }),
  fn('first', 1, 1, ([v]) => {
    if (typeof v === 'string') return v.length ? v[0] : null;
    if (Array.isArray(v)) return v.length ? v[0] : null;
    wrongType('first', 0, 'a string or an array', v);
  }),
  fn('last', 1, 1, ([v]) => {
    if (typeof v === 'string') return v.length ? v[v.length - 1] : null;
    if (Array.isArray(v)) return v.length ? v[v.length - 1] : null;
    wrongType('last', 0, 'a string or an array', v);
  }),
  fn('intersection', 1, Infinity, (args) => {
    if (Array.isArray(args[0])) {
      args.forEach((_, i) => arr('intersection', args, i));
      const result = dedupe(args[0] as unknown[]);
      return result.filter((x) =>
        args.every((other, i) => i === 0 || (other as unknown[]).some((y) => deepEquals(x, y))),
      );
    }
    if (isPlainObject(args[0])) {
      args.forEach((o, i) => isPlainObject(o) || wrongType('intersection', i, 'an object like the first', o));
      const objs = args as Record<string, unknown>[];
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(objs[0])) {
        const v = objs[objs.length - 1][k];
        if (objs.every((o) => Object.prototype.hasOwnProperty.call(o, k) && deepEquals(o[k], v))) setKey(out, k, v);
      }
      return out;
    }
    wrongType('intersection', 0, 'an array or an object', args[0]);
  }),
  fn('join', 2, 2, (a) => {
    const items = arr('join', a, 0);
    if (typeof a[1] !== 'string') wrongType('join', 1, 'a string', a[1]);
    return items.map(toText).join(a[1]);
  }),
  fn('length', 1, 1, ([v]) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    wrongType('length', 0, 'a string or an array', v);
  }),
  fn('skip', 2, 2, (a) => {
    const items = arr('skip', a, 0);
    const n = count('skip', a);
    return items.slice(n);
  }),
  fn('take', 2, 2, (a) => {
    const n = count('take', a);
    const v = a[0];
    if (typeof v === 'string' || Array.isArray(v)) return v.slice(0, n);
    wrongType('take', 0, 'a string or an array', v);
  }),
  fn('union', 1, Infinity, (args) => {
    if (Array.isArray(args[0])) {
      args.forEach((_, i) => arr('union', args, i));
      return dedupe((args as unknown[][]).flat(1));
    }
    if (isPlainObject(args[0])) {
      const out: Record<string, unknown> = {};
      args.forEach((o, i) => {
        if (!isPlainObject(o)) wrongType('union', i, 'an object like the first', o);
        for (const k of Object.keys(o)) setKey(out, getPropertyKey(out, k) ?? k, o[k]);
      });
      return out;
    }
    wrongType('union', 0, 'an array or an object', args[0]);
  }),
];

function count(name: string, a: unknown[]): number {
  const n = int(name, a, 1);
  if (n < 0)
    fail(
      `The template language function '${name}' expects its second parameter (the count) to be a non-negative integer; got ${n}.`,
    );
  return n;
}

export function setKey(obj: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

/** Distinct items in first-seen order, by ADF's deep equality (primitives through a Set for speed). */
function dedupe(items: unknown[]): unknown[] {
  const seen = new Set<string | boolean | null>();
  const complex: unknown[] = [];
  const out: unknown[] = [];
  for (const x of items) {
    const key = primitiveKey(x);
    if (key !== undefined) {
      if (seen.has(key)) continue;
      seen.add(key);
    } else {
      if (complex.some((y) => deepEquals(x, y))) continue;
      complex.push(x);
    }
    out.push(x);
  }
  return out;
}

function primitiveKey(x: unknown): string | boolean | null | undefined {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'string':
      return `s${x}`;
    case 'boolean':
      return x;
    case 'number':
      return `n${x}`;
    case 'bigint':
      return `n${x}`;
    default:
      return x instanceof AdfFloat ? `n${x.value}` : undefined;
  }
}
