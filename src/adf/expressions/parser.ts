import type { Node, Template, TemplatePart } from './ast.js';
import { syntaxError } from './errors.js';
import { numberFromText } from './json.js';
import { findFunction, type FunctionDef } from './functions/index.js';

/** Deeper nesting than this is refused rather than risking the JS stack (no real pipeline comes close). */
const MAX_DEPTH = 200;
/** Templates longer than this are refused (1 MiB: larger than any ADF property). */
const MAX_LENGTH = 1 << 20;

/**
 * Parses a template string exactly as it stands in pipeline JSON (spec §2.1):
 * `@@…` → literal without the first `@`; `@…` (not `@{`) → one expression; text containing `@{` → interpolation;
 * anything else → literal. Throws ExpressionError (kind `syntax`) with a position.
 */
export function parse(text: string): Template {
  if (typeof text !== 'string') throw syntaxError(String(text), 0, 'a template must be a string');
  if (text.length > MAX_LENGTH) throw syntaxError(text, 0, `the template is longer than ${MAX_LENGTH} characters`);
  if (text.charCodeAt(0) === 64 /* @ */) {
    const next = text.charCodeAt(1);
    if (next === 64) return { kind: 'literal', text, value: text.slice(1) };
    if (next !== 123 /* { */) {
      const p = new Parser(text, 1);
      p.ws();
      if (p.i >= text.length)
        throw syntaxError(text, p.i, "'@' must be followed by an expression (write '@@' for a literal '@')");
      const node = p.expr(0);
      p.ws();
      if (p.i < text.length) p.unexpected('after the end of the expression');
      return { kind: 'expression', text, node };
    }
  }
  if (text.indexOf('@{') < 0) return { kind: 'literal', text, value: text };
  return parseInterpolation(text);
}

function parseInterpolation(text: string): Template {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  for (;;) {
    const at = text.indexOf('@', i);
    if (at < 0) {
      literal += text.slice(i);
      break;
    }
    if (text.startsWith('@@{', at)) {
      // `@@{` is a literal `@{`; what follows is plain text.
      literal += text.slice(i, at) + '@{';
      i = at + 3;
      continue;
    }
    if (text.charCodeAt(at + 1) !== 123) {
      literal += text.slice(i, at + 1);
      i = at + 1;
      continue;
    }
    literal += text.slice(i, at);
    if (literal) parts.push(literal);
    literal = '';
    const p = new Parser(text, at + 2);
    p.ws();
    if (p.code(p.i) === 125) throw syntaxError(text, p.i, "'@{' must contain an expression before '}'");
    if (p.i >= text.length) throw syntaxError(text, at, "'@{' is not closed by '}' (write '@@{' for a literal '@{')");
    const node = p.expr(0);
    p.ws();
    if (p.code(p.i) !== 125) {
      if (p.i >= text.length) throw syntaxError(text, at, "'@{' is not closed by '}' (write '@@{' for a literal '@{')");
      p.unexpected("where '}' should close the '@{' interpolation");
    }
    parts.push({ node, start: at, end: p.i + 1 });
    i = p.i + 1;
  }
  if (literal) parts.push(literal);
  return { kind: 'interpolation', text, parts };
}

/*
 * Name interning (performance). Every property name and function name used to be sliced out of the text per
 * parse: a fresh string that V8 then hashed again for each lookup (`findFunction`'s Map, the evaluator's
 * hasOwnProperty, PipelineView's name switch). The scanners below hash the name's characters as they read them
 * and look the hash up in small direct-mapped tables; a hit (checked character by character, so a collision can
 * only cost a miss, never a wrong name; two ways per slot) returns the string or function seen before, which V8 already holds
 * hashed and internalized. A miss slices as before and remembers the result, overwriting the slot. Bounded:
 * INTERN_SIZE entries per table, names longer than MAX_INTERNED are never stored, and stored names are copies
 * (not slices that would keep a whole template alive).
 */
const INTERN_BITS = 12;
const INTERN_SIZE = 1 << INTERN_BITS;
const MAX_INTERNED = 64;
const nameTable: Array<string | undefined> = new Array<string | undefined>(INTERN_SIZE).fill(undefined);
const fnTableText: Array<string | undefined> = new Array<string | undefined>(INTERN_SIZE).fill(undefined);
const fnTableDef: Array<FunctionDef | undefined> = new Array<FunctionDef | undefined>(INTERN_SIZE).fill(undefined);

function sameText(cand: string, s: string, start: number, end: number): boolean {
  return cand.length === end - start && s.slice(start, end) === cand;
}

/**
 * The internalized (V8's string table) copy of a name: what a property key becomes, so later lookups with it
 * need no hashing or table probe, comparing it is reading a flat string, and it is never a view into (keeping
 * alive) the template it was sliced from.
 */
function ownCopy(name: string): string {
  const holder: Record<string, number> = { [name]: 0 };
  for (const k in holder) return k;
  return name;
}

/** The table slot of a name's hash (its top bits after a multiplicative mix); `slot ^ 1` is the second way. */
function slotOf(h: number): number {
  return Math.imul(h, 0x9e3779b1) >>> (32 - INTERN_BITS);
}

/** `s.slice(start, end)`, returning the same string object as an earlier call for the same text when it can. */
function internName(s: string, start: number, end: number, h: number): string {
  if (end - start > MAX_INTERNED) return s.slice(start, end);
  const slot = slotOf(h);
  const cand = nameTable[slot];
  if (cand !== undefined && sameText(cand, s, start, end)) return cand;
  const other = nameTable[slot ^ 1];
  if (other !== undefined && sameText(other, s, start, end)) return other;
  // Two-way: the newest name takes the first way, the one it displaces the second.
  const name = ownCopy(s.slice(start, end));
  nameTable[slot ^ 1] = cand;
  nameTable[slot] = name;
  return name;
}

/** The function named by `s[start, end)` (as written; case-insensitive like findFunction), or undefined. */
function lookupFunction(s: string, start: number, end: number, h: number): FunctionDef | undefined {
  const slot = slotOf(h);
  const cand = fnTableText[slot];
  if (cand !== undefined && sameText(cand, s, start, end)) return fnTableDef[slot];
  const other = fnTableText[slot ^ 1];
  if (other !== undefined && sameText(other, s, start, end)) return fnTableDef[slot ^ 1];
  const name = s.slice(start, end);
  const fn = findFunction(name);
  if (fn !== undefined && end - start <= MAX_INTERNED) {
    fnTableText[slot ^ 1] = cand;
    fnTableDef[slot ^ 1] = fnTableDef[slot];
    fnTableText[slot] = ownCopy(name);
    fnTableDef[slot] = fn;
  }
  return fn;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** 1 for [A-Za-z0-9_], by character code below 128 (one load instead of a chain of range tests). */
const NAME_CHARS = new Uint8Array(128);
for (let c = 0; c < 128; c++)
  NAME_CHARS[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 ? 1 : 0;

function isNameChar(c: number): boolean {
  return c >= 0 && c < 128 && NAME_CHARS[c] === 1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

class Parser {
  /** s.length; reads never go past it (see code()). */
  readonly n: number;

  constructor(
    readonly s: string,
    public i: number,
  ) {
    this.n = s.length;
  }

  /**
   * The character code at `i`, or -1 at and after the end. Reading past the end with charCodeAt (NaN) made V8
   * compile every such call site in its slower out-of-bounds mode (measured: twice the time per character).
   * -1 compares like NaN did in every test below (equalities, ranges with a lower bound, isNameChar).
   */
  code(i: number): number {
    return i < this.n ? this.s.charCodeAt(i) : -1;
  }

  ws(): void {
    let i = this.i;
    for (;;) {
      const c = this.code(i);
      // space, tab, CR, LF, and the other whitespace JSON strings may carry; the common case (a token character,
      // above space) is decided by the first test.
      if (c > 32) {
        if (c === 160 || c === 0xfeff) i++;
        else break;
      } else if (c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11) i++;
      else break;
    }
    this.i = i;
  }

  unexpected(where: string): never {
    if (this.i >= this.s.length) throw syntaxError(this.s, this.i, `the expression ends too early (${where})`);
    throw syntaxError(this.s, this.i, `unexpected character '${this.s[this.i]}' ${where}`);
  }

  expr(depth: number): Node {
    if (depth > MAX_DEPTH) throw syntaxError(this.s, this.i, `expressions nested deeper than ${MAX_DEPTH} levels`);
    let node = this.primary(depth);
    for (;;) {
      const save = this.i;
      this.ws();
      const s = this.s;
      let c = this.code(this.i);
      let nullSafe = false;
      if (c === 63 /* ? */) {
        nullSafe = true;
        this.i++;
        this.ws();
        c = this.code(this.i);
        if (c !== 46 && c !== 91) this.unexpected("after '?' (expected '?.name' or '?[…]')");
      }
      if (c === 46 /* . */) {
        const pos = this.i;
        this.i++;
        this.ws();
        const start = this.i;
        // Names are [A-Za-z0-9_]; a '-' inside a name is accepted too (real factories name global parameters
        // `GP-Int`), which is unambiguous because the language has no minus operator.
        let j = start;
        let h = 0;
        for (;;) {
          const d = this.code(j);
          if (!(isNameChar(d) || (j > start && d === 45))) break;
          h = (Math.imul(h, 31) + d) | 0;
          j++;
        }
        this.i = j;
        if (j === start) {
          this.unexpected("after '.' (a property name is letters, digits and '_'; write ['name'] for other names)");
        }
        node = { type: 'member', object: node, name: internName(s, start, j, h), nullSafe, pos };
        continue;
      }
      if (c === 91 /* [ */) {
        const pos = this.i;
        this.i++;
        this.ws();
        if (this.code(this.i) === 93) this.unexpected("inside '[…]' (an index or property name is required)");
        const index = this.expr(depth + 1);
        this.ws();
        if (this.code(this.i) !== 93) this.unexpected("where ']' should close the index");
        this.i++;
        node = { type: 'index', object: node, index, nullSafe, pos };
        continue;
      }
      this.i = save;
      return node;
    }
  }

  primary(depth: number): Node {
    const s = this.s;
    const pos = this.i;
    const c = this.code(pos);
    if (c === 39 /* ' */) return { type: 'literal', value: this.string(), pos };
    if (isDigit(c) || c === 45 /* - */ || c === 46 /* . */) return { type: 'literal', value: this.number(), pos };
    if (isIdentStart(c)) {
      let i = pos + 1;
      let h = c;
      for (;;) {
        const d = this.code(i);
        if (!isNameChar(d)) break;
        h = (Math.imul(h, 31) + d) | 0;
        i++;
      }
      this.i = i;
      this.ws();
      if (this.code(this.i) === 40 /* ( */) {
        const fn = lookupFunction(s, pos, i, h);
        if (!fn) throw syntaxError(s, pos, `'${s.slice(pos, i)}' is not a known function`);
        return this.call(fn, pos, depth);
      }
      this.i = i;
      const name = s.slice(pos, i);
      const lower = name.toLowerCase();
      if (lower === 'true') return { type: 'literal', value: true, pos };
      if (lower === 'false') return { type: 'literal', value: false, pos };
      if (lower === 'null') return { type: 'literal', value: null, pos };
      throw syntaxError(
        s,
        pos,
        `'${name}' is neither a function call nor a value (strings are quoted with single quotes: '${name}'; a function needs parentheses: ${name}())`,
      );
    }
    if (this.i >= s.length) this.unexpected('where a value was expected');
    if (c === 34 /* " */) {
      throw syntaxError(s, pos, "string literals use single quotes ('text'), not double quotes");
    }
    this.unexpected('where a value (function call, string or number) was expected');
  }

  call(fn: FunctionDef, pos: number, depth: number): Node {
    this.i++; // (
    this.ws();
    const args: Node[] = [];
    if (this.code(this.i) === 41 /* ) */) {
      this.i++;
    } else {
      for (;;) {
        args.push(this.expr(depth + 1));
        this.ws();
        const c = this.code(this.i);
        if (c === 44 /* , */) {
          this.i++;
          this.ws();
          continue;
        }
        if (c === 41) {
          this.i++;
          break;
        }
        this.unexpected(`in the arguments of '${fn.name}' (expected ',' or ')')`);
      }
    }
    if (args.length < fn.min || args.length > fn.max) {
      const expected =
        fn.min === fn.max
          ? `${fn.min}`
          : fn.max === Infinity
            ? `at least ${fn.min}`
            : `between ${fn.min} and ${fn.max}`;
      throw syntaxError(
        this.s,
        pos,
        `the function '${fn.name}' takes ${expected} argument${fn.max === 1 && fn.min === 1 ? '' : 's'} but was given ${args.length}`,
      );
    }
    return { type: 'call', name: fn.name, args, pos, def: fn };
  }

  string(): string {
    const s = this.s;
    let i = this.i + 1;
    let out = '';
    let start = i;
    for (;;) {
      const q = s.indexOf("'", i);
      if (q < 0)
        throw syntaxError(
          s,
          this.i,
          "the string literal is not closed by a single quote (write '' for a quote inside a string)",
        );
      if (this.code(q + 1) === 39) {
        out += s.slice(start, q + 1);
        i = q + 2;
        start = i;
        continue;
      }
      out += s.slice(start, q);
      this.i = q + 1;
      return out;
    }
  }

  number(): number | bigint | import('./values.js').AdfFloat {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (this.code(i) === 45) i++;
    const intStart = i;
    while (isDigit(this.code(i))) i++;
    let isFloat = false;
    let digits = i > intStart;
    if (this.code(i) === 46 && isDigit(this.code(i + 1))) {
      isFloat = true;
      i++;
      while (isDigit(this.code(i))) i++;
      digits = true;
    }
    if (!digits) {
      this.i = i;
      this.unexpected('where a number was expected');
    }
    if (isNameChar(this.code(i)) || this.code(i) === 46) {
      this.i = i;
      this.unexpected('in a number');
    }
    this.i = i;
    let text = s.slice(start, i);
    if (text.startsWith('.') || text.startsWith('-.')) text = text.replace('.', '0.');
    const v = numberFromText(text, isFloat);
    if (!isFloat && typeof v === 'object')
      throw syntaxError(s, start, `the integer ${text} is outside the 64-bit range`);
    return v;
  }
}
