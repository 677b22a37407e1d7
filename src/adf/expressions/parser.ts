import type { Node, Template, TemplatePart } from './ast.js';
import { syntaxError } from './errors.js';
import { numberFromText } from './json.js';
import { findFunction } from './functions/index.js';

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
    if (text.charCodeAt(p.i) === 125) throw syntaxError(text, p.i, "'@{' must contain an expression before '}'");
    if (p.i >= text.length) throw syntaxError(text, at, "'@{' is not closed by '}' (write '@@{' for a literal '@{')");
    const node = p.expr(0);
    p.ws();
    if (text.charCodeAt(p.i) !== 125) {
      if (p.i >= text.length) throw syntaxError(text, at, "'@{' is not closed by '}' (write '@@{' for a literal '@{')");
      p.unexpected("where '}' should close the '@{' interpolation");
    }
    parts.push({ node, start: at, end: p.i + 1 });
    i = p.i + 1;
  }
  if (literal) parts.push(literal);
  return { kind: 'interpolation', text, parts };
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

class Parser {
  constructor(
    readonly s: string,
    public i: number,
  ) {}

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      // space, tab, CR, LF, and the other whitespace JSON strings may carry
      if (c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11 || c === 160 || c === 0xfeff) i++;
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
      let c = s.charCodeAt(this.i);
      let nullSafe = false;
      if (c === 63 /* ? */) {
        nullSafe = true;
        this.i++;
        this.ws();
        c = s.charCodeAt(this.i);
        if (c !== 46 && c !== 91) this.unexpected("after '?' (expected '?.name' or '?[…]')");
      }
      if (c === 46 /* . */) {
        const pos = this.i;
        this.i++;
        this.ws();
        const start = this.i;
        // Names are [A-Za-z0-9_]; a '-' inside a name is accepted too (real factories name global parameters
        // `GP-Int`), which is unambiguous because the language has no minus operator.
        while (isNameChar(s.charCodeAt(this.i)) || (this.i > start && s.charCodeAt(this.i) === 45)) this.i++;
        if (this.i === start) {
          this.unexpected("after '.' (a property name is letters, digits and '_'; write ['name'] for other names)");
        }
        node = { type: 'member', object: node, name: s.slice(start, this.i), nullSafe, pos };
        continue;
      }
      if (c === 91 /* [ */) {
        const pos = this.i;
        this.i++;
        this.ws();
        if (s.charCodeAt(this.i) === 93) this.unexpected("inside '[…]' (an index or property name is required)");
        const index = this.expr(depth + 1);
        this.ws();
        if (s.charCodeAt(this.i) !== 93) this.unexpected("where ']' should close the index");
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
    const c = s.charCodeAt(pos);
    if (c === 39 /* ' */) return { type: 'literal', value: this.string(), pos };
    if (isDigit(c) || c === 45 /* - */ || c === 46 /* . */) return { type: 'literal', value: this.number(), pos };
    if (isIdentStart(c)) {
      let i = pos + 1;
      while (isNameChar(s.charCodeAt(i))) i++;
      const name = s.slice(pos, i);
      this.i = i;
      this.ws();
      if (s.charCodeAt(this.i) === 40 /* ( */) return this.call(name, pos, depth);
      this.i = i;
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

  call(name: string, pos: number, depth: number): Node {
    const fn = findFunction(name);
    if (!fn) throw syntaxError(this.s, pos, `'${name}' is not a known function`);
    this.i++; // (
    this.ws();
    const args: Node[] = [];
    if (this.s.charCodeAt(this.i) === 41 /* ) */) {
      this.i++;
    } else {
      for (;;) {
        args.push(this.expr(depth + 1));
        this.ws();
        const c = this.s.charCodeAt(this.i);
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
      if (s.charCodeAt(q + 1) === 39) {
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
    if (s.charCodeAt(i) === 45) i++;
    const intStart = i;
    while (isDigit(s.charCodeAt(i))) i++;
    let isFloat = false;
    let digits = i > intStart;
    if (s.charCodeAt(i) === 46 && isDigit(s.charCodeAt(i + 1))) {
      isFloat = true;
      i++;
      while (isDigit(s.charCodeAt(i))) i++;
      digits = true;
    }
    if (!digits) {
      this.i = i;
      this.unexpected('where a number was expected');
    }
    if (isNameChar(s.charCodeAt(i)) || s.charCodeAt(i) === 46) {
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
