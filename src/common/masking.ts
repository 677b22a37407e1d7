import { buildMatcher, type Matcher } from './masking-matcher.js';

/**
 * Secret masking: every value the vault hands to a run is registered here, and everything the product writes
 * (run records, activity inputs/outputs/errors, run messages, logs, API responses, CLI output) passes through
 * `maskString`/`maskJson` first, so a secret stays hidden even where a pipeline author forgot a secure flag —
 * the way CI systems mask registered secrets in their logs. Pure; no I/O. docs/masking.md is the user-facing
 * description.
 *
 * What is caught, for a registered value V:
 * - V itself, as a whole value and as a substring of any text;
 * - V JSON-escaped (as `JSON.stringify` writes it, as .NET's System.Text.Json writes it — `\u0026`, `\u002B` —
 *   as Python's `ensure_ascii` writes it, and escaped twice, for JSON text inside a JSON string);
 * - V URL-encoded (`encodeURIComponent`, `encodeURI`, form encoding with `+` for space; upper and lower hex);
 * - V's UTF-8 bytes in base64 and base64url at each of the three byte alignments, so V is caught even when it
 *   sits in the middle of an encoded stream (Basic auth's `base64(user:V)`); also the percent-encoded base64.
 *   For an embedded secret only the characters that depend on V's bytes alone can be recognised: at most one
 *   base64 character on each edge (which carries 2–4 bits of V mixed with its neighbours) is left as is.
 * - Values shorter than MIN_SUBSTRING_LENGTH characters are masked only where a whole string equals them:
 *   masking every "ab" inside other text would destroy records and tell an observer the secret anyway.
 *
 * What is not caught: values a pipeline derives from a secret (a part of it, a hash, a case change), and
 * encodings not listed above. The secure flags and the secret-flow lint cover those flows.
 */

/**
 * What replaces a secret. ADF shows SecureString values as ten asterisks in its management API and monitoring
 * (`{"type": "SecureString", "value": "**********"}`), so a masked value reads the same here.
 */
export const SECRET_MARKER = '**********';

/** Registered values shorter than this are masked only as whole values, never as substrings. */
export const MIN_SUBSTRING_LENGTH = 4;

/** Anything that can mask text and JSON: a SecretRegistry, or a composition of them. */
export interface Masker {
  maskString(text: string): string;
  maskJson<T>(value: T): T;
}

/** Output keys of activity outputs that carry bookkeeping, never the secret itself (see registerOutput). */
const BOOKKEEPING_KEYS = new Set([
  'ADFWebActivityResponseHeaders',
  'effectiveIntegrationRuntime',
  'executionDuration',
  'durationInQueue',
  'billingReference',
]);

// ---- forms ------------------------------------------------------------------------------------------------

const hex4 = (c: number, upper: boolean) => {
  const h = c.toString(16).padStart(4, '0');
  return `\\u${upper ? h.toUpperCase() : h}`;
};

/** JSON string escaping with `\uXXXX` for non-ASCII and, when `html`, for the HTML-sensitive characters. */
function jsonEscapeAscii(s: string, opts: { upper: boolean; html: boolean }): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (opts.html && (ch === '"' || ch === '&' || ch === "'" || ch === '+' || ch === '<' || ch === '>' || ch === '`'))
      out += hex4(c, opts.upper);
    else if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c < 0x20 || c > 0x7e) {
      const std = JSON.stringify(ch).slice(1, -1);
      out += std.length === 2 && c < 0x20 ? std : hex4(c, opts.upper);
    } else out += ch;
  }
  return out;
}

const jsonEscape = (s: string) => JSON.stringify(s).slice(1, -1);

/** Percent-encodings with lower-case hex digits, as some encoders write them. */
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

function formEncode(s: string): string {
  return new URLSearchParams({ v: s }).toString().slice(2);
}

function safeEncodeUri(s: string, f: (s: string) => string): string | undefined {
  try {
    return f(s);
  } catch {
    return undefined; // lone surrogates cannot be URL-encoded, so they cannot appear URL-encoded either
  }
}

/**
 * The base64 characters that depend only on the bytes of `bytes` when they start `offset` (0–2) bytes into a
 * stream: character j covers bits [6j, 6j+6) and is kept when those bits lie inside the secret's bits.
 */
function base64Core(bytes: Buffer, offset: number): string {
  const padded = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(3)]);
  const b64 = padded.toString('base64');
  const first = Math.ceil((8 * offset) / 6);
  const endExclusive = Math.floor((8 * (offset + bytes.length)) / 6);
  return b64.slice(first, endExclusive);
}

/** Every form of `value` the masker looks for (deduplicated; the value itself first). */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  if (value.length < MIN_SUBSTRING_LENGTH) return [...forms];
  const json = jsonEscape(value);
  forms.add(json);
  forms.add(jsonEscape(json));
  forms.add(jsonEscapeAscii(value, { upper: true, html: true }));
  forms.add(jsonEscapeAscii(value, { upper: false, html: false }));
  for (const enc of [encodeURIComponent, encodeURI, formEncode]) {
    const e = safeEncodeUri(value, enc);
    if (e !== undefined) {
      forms.add(e);
      forms.add(lowerHex(e));
    }
  }
  const bytes = Buffer.from(value, 'utf8');
  for (let offset = 0; offset < 3; offset++) {
    const core = base64Core(bytes, offset);
    if (core.length < MIN_SUBSTRING_LENGTH) continue;
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    const pct = encodeURIComponent(core);
    forms.add(pct);
    forms.add(lowerHex(pct));
  }
  return [...forms];
}

// ---- registry ---------------------------------------------------------------------------------------------

/** What a registry masks with: the matcher and what lets callers skip it. Immutable once built. */
interface Built {
  matcher: Matcher;
  /** No string shorter than this can hold a form. */
  minLength: number;
  /** Whether a number's text can hold a form: only when some value is all digits. */
  digitsOnly: boolean;
  /**
   * Object keys found to hold no form. A JSON-like value repeats a few dozen keys endlessly (every record has
   * the same fields), and V8 keeps a key's hash in the string, so asking the set costs less than the matcher.
   * The only mutable part: each Built has its own, since a key clean for one set may not be for a larger one.
   */
  cleanKeys: Set<string>;
}

/** Beyond this many, keys are not remembered (values with ever-new keys, such as maps keyed by id). */
const CLEAN_KEYS_MAX = 4096;

const isDigits = (v: string) => /^[0-9.eE+-]+$/.test(v);

/**
 * Built matchers by set of values, shared by every registry of the process: building one costs a millisecond or
 * two (the forms, the expression, and V8 compiling it to native code on its first runs), and a run that registers
 * the same secrets as one before it (each `pipevault run` of a factory, each run of a server registering its
 * SecureString parameters again) reuses it. Bounded, least recently used first out.
 */
const builtCache = new Map<string, Built>();
const BUILT_CACHE_SIZE = 16;

const cacheKey = (values: ReadonlySet<string>) => JSON.stringify([...values].sort()); // unambiguous

function cached(key: string): Built | undefined {
  const built = builtCache.get(key);
  if (built) {
    builtCache.delete(key); // re-inserted as the most recently used
    builtCache.set(key, built);
  }
  return built;
}

function remember(key: string, built: Built): Built {
  if (builtCache.size >= BUILT_CACHE_SIZE) builtCache.delete(builtCache.keys().next().value as string);
  builtCache.set(key, built);
  return built;
}

function formsOf(values: Iterable<string>): string[] {
  const patterns = new Set<string>();
  for (const v of values) for (const f of secretForms(v)) patterns.add(f);
  return [...patterns];
}

/** The Built for `values`: from the cache, else `from` (built for a subset) extended with `added`, else anew. */
function buildFor(values: ReadonlySet<string>, from?: Built, added?: readonly string[]): Built {
  const key = cacheKey(values);
  const hit = cached(key);
  if (hit) return hit;
  if (from && added) {
    // Incremental: the compiled expressions of `from` are kept; only the new values' forms are compiled.
    const matcher = from.matcher.with(formsOf(added));
    return remember(key, {
      matcher,
      minLength: matcher.minLength,
      digitsOnly: from.digitsOnly || added.some(isDigits),
      cleanKeys: new Set(),
    });
  }
  const matcher = buildMatcher(formsOf(values));
  return remember(key, {
    matcher,
    minLength: matcher.minLength,
    digitsOnly: [...values].some(isDigits),
    cleanKeys: new Set(),
  });
}

/** The values of one registry tree and the matcher built from them (brought up to date lazily after a change). */
class SecretStore {
  /** Values of MIN_SUBSTRING_LENGTH characters or more: masked everywhere they occur. */
  readonly long = new Set<string>();
  /** Shorter values: masked only as whole strings. */
  readonly short = new Set<string>();
  private built: Built | undefined;
  /** Long values registered since `built` was made. */
  private added: string[] = [];
  /** The maskJson walker, kept while the values stay the same: the engine masks each record field by field. */
  private walker: JsonMasker | undefined;

  add(value: string): boolean {
    const set = value.length < MIN_SUBSTRING_LENGTH ? this.short : this.long;
    if (set.has(value)) return false;
    set.add(value);
    if (set === this.long) this.added.push(value);
    this.walker = undefined;
    return true;
  }

  /** The kept walker, or a new one while it is walking (a getter of the walked value masking again). */
  masker(): JsonMasker {
    const w = (this.walker ??= new JsonMasker(this.short, this.get()));
    return w.idle() ? w : new JsonMasker(this.short, this.get());
  }

  get(): Built | undefined {
    if (this.added.length) {
      this.built = buildFor(this.long, this.built, this.built ? this.added : undefined);
      this.added = [];
    }
    return this.built;
  }
}

function replaceRanges(text: string, ranges: number[]): string {
  let out = '';
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    out += text.slice(at, ranges[i]) + SECRET_MARKER;
    at = ranges[i + 1];
  }
  return out + text.slice(at);
}

/** Assignment that treats `__proto__` (a legal key in parsed JSON) as data, not as the prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The secrets of a run. Registrations anywhere in a tree of registries (made with `child()`) apply to the whole
 * tree: a child run inherits its parent's secrets, and a secret a child read can come back to the parent
 * through `pipelineReturnValue` or an error message, so the parent masks it too. Give the server's registry to
 * its logger and create each run's registry as `server.child()`, and every log line masks every run's secrets.
 */
export class SecretRegistry implements Masker {
  private readonly store: SecretStore;

  constructor(opts: { parent?: SecretRegistry } = {}) {
    this.store = opts.parent ? opts.parent.store : new SecretStore();
  }

  /** A registry for a child run (or a run of this server): shares and extends this registry's secrets. */
  child(): SecretRegistry {
    return new SecretRegistry({ parent: this });
  }

  /** Registers one secret value. Empty strings and non-strings are ignored. Returns whether it was new. */
  register(value: unknown): boolean {
    if (typeof value !== 'string' || value.length === 0) return false;
    return this.store.add(value);
  }

  /**
   * Registers every string inside an activity output (an activity with secureOutput): nested objects and
   * arrays are walked; ADF's bookkeeping fields (response headers, integration runtime, durations, billing)
   * are skipped, since they never hold the secret and masking them would blank common words in every record.
   */
  registerOutput(output: unknown): void {
    if (typeof output === 'string') this.register(output);
    else if (Array.isArray(output)) for (const v of output) this.registerOutput(v);
    else if (output !== null && typeof output === 'object') {
      for (const [k, v] of Object.entries(output)) if (!BOOKKEEPING_KEYS.has(k)) this.registerOutput(v);
    }
  }

  /** Number of distinct registered values. */
  get size(): number {
    return this.store.long.size + this.store.short.size;
  }

  /** Whether `text` would be changed by masking. */
  containsSecret(text: string): boolean {
    return this.maskString(text) !== text;
  }

  maskString(text: string): string {
    const short = this.store.short;
    if (short.size > 0 && short.has(text)) return SECRET_MARKER;
    const built = this.store.get();
    if (built === undefined || text.length < built.minLength) return text;
    const ranges = built.matcher.ranges(text);
    return ranges === undefined ? text : replaceRanges(text, ranges);
  }

  /**
   * A masked copy of a JSON-like value (strings, numbers, booleans, null, arrays, plain objects; keys included).
   * Never mutates: subtrees where nothing was masked are shared with the input, and the input itself is returned
   * when nothing was masked, so treat the result as read-only. Numbers that spell a secret become the marker
   * string. Other objects (Dates, class instances) are returned as they are.
   */
  maskJson<T>(value: T): T {
    if (this.size === 0) return value;
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'string') return this.maskString(value) as T;
      if (typeof value !== 'number' && typeof value !== 'bigint') return value;
    }
    return this.store.masker().run(value) as T;
  }

  /**
   * `JSON.stringify` of the masked value, for writers that store or send JSON text: when nothing is masked it
   * costs one serialisation and one scan of the text.
   */
  stringifyMasked(value: unknown, space?: number): string {
    const text = JSON.stringify(value, null, space) as string | undefined;
    if (text === undefined || this.size === 0) return text as string;
    if (this.store.short.size === 0 && !this.store.get()?.matcher.mayMatch(text)) return text;
    return JSON.stringify(this.maskJson(value), null, space);
  }
}

/**
 * One maskJson walk. What it needs of the registry is read once into fields here, not once per string: a
 * record holds dozens of strings and keys, and most are settled by their length alone.
 */
class JsonMasker {
  private readonly short: ReadonlySet<string> | undefined;
  private readonly built: Built | undefined;
  /** Strings shorter than this are left as they are (unless a short value equals them). */
  private readonly minLength: number;
  /** Whether a number can spell a secret (some value is short or all digits). */
  private readonly numbers: boolean;
  /**
   * The objects on the path from the root, against cycles (not JSON, but a caller may pass one): a cycle is
   * returned as it is. An array rather than a set: JSON is shallow, and searching a few entries costs less than
   * hashing. An object met twice off the path (shared, not cyclic) is masked at both places.
   */
  private readonly ancestors: object[] = [];
  constructor(short: ReadonlySet<string>, built: Built | undefined) {
    this.short = short.size > 0 ? short : undefined;
    this.built = built;
    this.minLength = built ? built.minLength : Infinity;
    this.numbers = short.size > 0 || built?.digitsOnly === true;
  }

  /** Whether no walk is under way. */
  idle(): boolean {
    return this.ancestors.length === 0;
  }

  run(v: unknown): unknown {
    try {
      return this.value(v);
    } catch (e) {
      this.ancestors.length = 0; // a throwing getter left the path behind
      throw e;
    }
  }

  private value(v: unknown): unknown {
    switch (typeof v) {
      case 'string':
        return v.length < this.minLength && this.short === undefined ? v : this.text(v);
      case 'number':
      case 'bigint': {
        if (!this.numbers) return v;
        const s = String(v);
        const m = this.text(s);
        return m === s ? v : m;
      }
      case 'object': {
        if (v === null || this.ancestors.includes(v)) return v;
        this.ancestors.push(v);
        const m = Array.isArray(v) ? this.array(v) : this.object(v);
        this.ancestors.pop();
        return m;
      }
      default:
        return v;
    }
  }

  private text(text: string): string {
    if (this.short !== undefined && this.short.has(text)) return SECRET_MARKER;
    if (text.length < this.minLength) return text;
    const ranges = this.built!.matcher.ranges(text);
    return ranges === undefined ? text : replaceRanges(text, ranges);
  }

  /** text() for object keys, which repeat from value to value: a key found clean is remembered. */
  private key(key: string): string {
    if (this.short !== undefined && this.short.has(key)) return SECRET_MARKER;
    if (key.length < this.minLength) return key;
    const built = this.built!;
    if (built.cleanKeys.has(key)) return key;
    const ranges = built.matcher.ranges(key);
    if (ranges !== undefined) return replaceRanges(key, ranges);
    if (built.cleanKeys.size < CLEAN_KEYS_MAX) built.cleanKeys.add(key);
    return key;
  }

  /**
   * value() of an item of an array or object, with the common cases settled inline: a string shorter than any
   * form, a number or boolean when no value can spell one. A record has dozens of such items.
   */
  private item(item: unknown): unknown {
    if (typeof item === 'string') {
      return item.length < this.minLength && this.short === undefined ? item : this.text(item);
    }
    if ((typeof item === 'number' || typeof item === 'boolean') && !this.numbers) return item;
    return this.value(item);
  }

  private array(v: unknown[]): unknown {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const m = this.item(item);
      if (m !== item) (copy ??= v.slice())[i] = m;
    }
    return copy ?? v;
  }

  private object(v: object): unknown {
    if (!isPlainObject(v)) return v;
    let copy: Record<string, unknown> | undefined;
    let keyChanged = false;
    const minLength = this.minLength;
    const noShort = this.short === undefined;
    for (const k in v) {
      const item = v[k];
      const mk = noShort && k.length < minLength ? k : this.key(k);
      const mv = this.item(item);
      if (mk !== k) keyChanged = true;
      if (mk !== k || mv !== item) setOwn((copy ??= { ...v }), k, mv);
    }
    if (!copy) return v;
    if (!keyChanged) return copy;
    // Rebuild in the original key order with masked keys (two keys may now collide; the later one wins).
    const out: Record<string, unknown> = {};
    for (const k in v) setOwn(out, this.key(k), copy[k]);
    return out;
  }
}

/** Masks with several registries at once (e.g. a run's and the server's), in order. */
export function combineMaskers(...maskers: Masker[]): Masker {
  return {
    maskString: (text) => maskers.reduce((t, m) => m.maskString(t), text),
    maskJson: <T>(value: T) => maskers.reduce((v, m) => m.maskJson(v), value),
  };
}

/**
 * The process's root registry. Every run registry made as `processSecrets.child()` registers into it, and
 * `createLogger` masks every line with it by default, so a secret any run of this process obtained never
 * reaches a log line, whichever logger, run or factory wrote it. (Registrations are never removed: a secret
 * stays a secret.)
 */
export const processSecrets = new SecretRegistry();
