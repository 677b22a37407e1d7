import { AdfFloat } from './values.js';

/**
 * A JSON reader that keeps what JSON.parse loses: integers beyond 2^53 become bigints (all digits kept) and
 * numbers written with a fraction or exponent stay floats even when integral (`3.0` → AdfFloat(3)), so values
 * keep ADF's int/float distinction. Used by `json()`, and by the CLI for `--context` and batch lines.
 */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 1000;

/** Text in which every number is a small integer reads the same through JSON.parse, which is much faster. */
const NEEDS_CARE = /\d[.eE]|\d{16}/;

/**
 * The exact test behind NEEDS_CARE, for text the quick regex flagged: true when every digit run *outside string
 * literals* is at most 15 digits and not followed by '.', 'e' or 'E' (so every JSON number in it is a safe
 * integer, read alike by JSON.parse). Typical flagged text is `json(concat(…))` building an object whose strings
 * hold timestamps ("…00:00.0000000Z"): a float-looking digit pair inside a string, no float number at all. The
 * alternatives start with distinct characters and the pattern is anchored, so matching is linear (no catastrophic
 * backtracking); it is still only tried on text up to SAFE_SCAN_LIMIT characters.
 */
const ONLY_SAFE_INTEGERS = /^(?:[^"0-9]|"(?:[^"\\]|\\[^])*"|[0-9]{1,15}(?![0-9.eE]))*$/;
const SAFE_SCAN_LIMIT = 1 << 16;

export function parseJsonLossless(text: string): unknown {
  if (!NEEDS_CARE.test(text) || (text.length <= SAFE_SCAN_LIMIT && ONLY_SAFE_INTEGERS.test(text))) {
    try {
      return JSON.parse(text);
    } catch {
      // fall through: the reader below gives the error with a position
    }
  }
  const p = new Reader(text);
  p.ws();
  const v = p.value(0);
  p.ws();
  if (p.i < text.length) p.error('unexpected text after the JSON value');
  return v;
}

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  error(what: string): never {
    throw new JsonSyntaxError(`${what} at position ${this.i + 1}`, this.i);
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.error(`JSON nested deeper than ${MAX_DEPTH} levels`);
    const c = this.s.charCodeAt(this.i);
    if (c === 123) return this.object(depth);
    if (c === 91) return this.array(depth);
    if (c === 34) return this.string();
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    if (this.s.startsWith('true', this.i)) {
      this.i += 4;
      return true;
    }
    if (this.s.startsWith('false', this.i)) {
      this.i += 5;
      return false;
    }
    if (this.s.startsWith('null', this.i)) {
      this.i += 4;
      return null;
    }
    if (this.i >= this.s.length) this.error('unexpected end of JSON');
    this.error(`unexpected character '${this.s[this.i]}'`);
  }

  object(depth: number): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++;
      return obj;
    }
    for (;;) {
      if (this.s.charCodeAt(this.i) !== 34) this.error('expected a property name in double quotes');
      const key = this.string();
      this.ws();
      if (this.s.charCodeAt(this.i) !== 58) this.error("expected ':' after a property name");
      this.i++;
      this.ws();
      const v = this.value(depth + 1);
      if (key === '__proto__')
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      else obj[key] = v;
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        this.ws();
        continue;
      }
      if (c === 125) {
        this.i++;
        return obj;
      }
      this.error("expected ',' or '}' in an object");
    }
  }

  array(depth: number): unknown[] {
    const arr: unknown[] = [];
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 93) {
      this.i++;
      return arr;
    }
    for (;;) {
      arr.push(this.value(depth + 1));
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        this.ws();
        continue;
      }
      if (c === 93) {
        this.i++;
        return arr;
      }
      this.error("expected ',' or ']' in an array");
    }
  }

  string(): string {
    const s = this.s;
    const start = ++this.i;
    let i = start;
    // Fast path: no escapes.
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        this.i = i + 1;
        return s.slice(start, i);
      }
      if (c === 92 || c < 32 || Number.isNaN(c)) break;
      i++;
    }
    let j = i;
    for (;;) {
      const c = s.charCodeAt(j);
      if (Number.isNaN(c)) {
        this.i = j;
        this.error('unterminated string');
      }
      if (c < 32) {
        this.i = j;
        this.error('control character in a string');
      }
      if (c === 92) j += 2;
      else if (c === 34) break;
      else j++;
    }
    try {
      const v = JSON.parse(s.slice(start - 1, j + 1)) as string;
      this.i = j + 1;
      return v;
    } catch {
      this.i = start;
      this.error('invalid escape in a string');
    }
  }

  number(): number | bigint | AdfFloat {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === 45) i++;
    const intStart = i;
    while (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === intStart) {
      this.i = i;
      this.error('invalid number');
    }
    if (s.charCodeAt(intStart) === 48 && i - intStart > 1) {
      this.i = intStart;
      this.error('leading zeros are not allowed in a number');
    }
    let isFloat = false;
    if (s.charCodeAt(i) === 46) {
      isFloat = true;
      i++;
      const f = i;
      while (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === f) {
        this.i = i;
        this.error('expected digits after the decimal point');
      }
    }
    const e = s.charCodeAt(i);
    if (e === 101 || e === 69) {
      isFloat = true;
      i++;
      if (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) i++;
      const f = i;
      while (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === f) {
        this.i = i;
        this.error('expected digits in the exponent');
      }
    }
    this.i = i;
    const text = s.slice(start, i);
    return numberFromText(text, isFloat);
  }
}

/** The value of a number literal (JSON or expression): int when it has no fraction/exponent. */
export function numberFromText(text: string, isFloat: boolean): number | bigint | AdfFloat {
  if (isFloat) {
    const n = Number(text);
    return Number.isInteger(n) ? new AdfFloat(n) : n;
  }
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(text);
  if (big >= -(2n ** 63n) && big <= 2n ** 63n - 1n) return big;
  // Beyond Int64: Json.NET would keep a BigInteger; we can only offer a double.
  return new AdfFloat(n);
}
