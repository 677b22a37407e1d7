import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MIN_SUBSTRING_LENGTH,
  SECRET_MARKER,
  SecretRegistry,
  combineMaskers,
  secretForms,
} from '../../src/common/masking.js';
import { ANCHOR_LENGTH, buildMatcher } from '../../src/common/masking-matcher.js';

const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** Secrets of the shapes vaults hold: passwords with punctuation, keys, unicode, connection strings. */
const secretArb = fc
  .oneof(
    fc.string({ minLength: MIN_SUBSTRING_LENGTH, maxLength: 40 }),
    fc.string({ unit: 'binary', minLength: MIN_SUBSTRING_LENGTH, maxLength: 20 }),
    fc.stringMatching(/^[A-Za-z0-9+/]{20,44}={0,2}$/),
    fc.constantFrom('p@ss w0rd"&+<>/\\', 'Server=tcp:x;Password=é€😀;', 'line1\nline2\ttab'),
  )
  .filter((s) => s.length >= MIN_SUBSTRING_LENGTH && wellFormed(s) && s !== SECRET_MARKER);

const textArb = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 })).filter(wellFormed);

function registryWith(...secrets: string[]): SecretRegistry {
  const r = new SecretRegistry();
  for (const s of secrets) r.register(s);
  return r;
}

/** The base64 characters fixed by `secret`'s bytes alone when it starts `offset` bytes into the stream. */
function core(secret: string, offset: number): string {
  const bytes = Buffer.from(secret, 'utf8');
  const b64 = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(3)]).toString('base64');
  return b64.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
}

describe('masking: a registered secret never survives', () => {
  it('as a whole value and as a substring of any text', () => {
    fc.assert(
      fc.property(secretArb, textArb, textArb, (secret, pre, post) => {
        const r = registryWith(secret);
        assert.equal(r.maskString(secret), SECRET_MARKER);
        const masked = r.maskString(pre + secret + post);
        assert.ok(!masked.includes(secret), masked);
        assert.ok(masked.includes(SECRET_MARKER));
      }),
      { numRuns: 400 },
    );
  });

  it('inside JSON: maskJson of a deep value, and the JSON text of it (escaped once and twice)', () => {
    fc.assert(
      fc.property(secretArb, textArb, textArb, fc.jsonValue({ maxDepth: 3 }), (secret, pre, post, noise) => {
        const r = registryWith(secret);
        const value = { a: [noise, { deep: pre + secret + post }], [`k${secret}`]: 1, n: noise };
        const masked = r.maskJson(value);
        const text = JSON.stringify(masked);
        assert.ok(!text.includes(JSON.stringify(secret).slice(1, -1)), text);
        assert.ok(!JSON.stringify(JSON.parse(text)).includes(secret));
        // JSON text of a value, and that text embedded in another JSON string (a response body kept as text).
        const once = JSON.stringify(value);
        const twice = JSON.stringify({ body: once });
        for (const t of [once, twice]) {
          const m = r.maskString(t);
          assert.ok(!m.includes(secret) && !m.includes(JSON.stringify(secret).slice(1, -1)), m);
        }
        assert.ok(!r.maskString(twice).includes(JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1)));
      }),
      { numRuns: 300 },
    );
  });

  it('URL-encoded (encodeURIComponent, form encoding, lower-case hex) inside a URL', () => {
    fc.assert(
      fc.property(secretArb, textArb, textArb, (secret, pre, post) => {
        const r = registryWith(secret);
        const plain = pre + secret + post;
        const urls = [
          `https://api.contoso.com/x?key=${encodeURIComponent(plain)}&a=1`,
          `https://api.contoso.com/x?${new URLSearchParams({ key: plain, b: '2' })}`,
          `https://api.contoso.com/x?key=${encodeURIComponent(plain).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`,
        ];
        for (const url of urls) {
          const masked = r.maskString(url);
          assert.ok(!masked.includes(encodeURIComponent(secret)), masked);
          const q = new URL(masked).searchParams.get('key') ?? '';
          assert.ok(!q.includes(secret), q);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('base64 and base64url at every byte alignment, e.g. Basic auth user:secret', () => {
    fc.assert(
      fc.property(secretArb, textArb, textArb, (secret, pre, post) => {
        const r = registryWith(secret);
        const bytes = Buffer.from(pre + secret + post, 'utf8');
        const offset = Buffer.byteLength(pre, 'utf8') % 3;
        const c = core(secret, offset);
        fc.pre(c.length >= MIN_SUBSTRING_LENGTH);
        for (const [encoded, needle] of [
          [bytes.toString('base64'), c],
          [bytes.toString('base64url'), c.replace(/\+/g, '-').replace(/\//g, '_')],
          [`Authorization: Basic ${bytes.toString('base64')}`, c],
          [encodeURIComponent(bytes.toString('base64')), encodeURIComponent(c)],
        ] as const) {
          const masked = r.maskString(encoded);
          assert.ok(!masked.includes(needle), `${masked} still holds ${needle}`);
          assert.ok(masked.includes(SECRET_MARKER));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the Basic auth header of user:secret is masked (the case DESIGN.md names)', () => {
    const secret = 'Tr0ub4dor&3-horse';
    const r = registryWith(secret);
    for (const user of ['a', 'ab', 'abc', 'svc-user']) {
      const header = `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
      const masked = r.maskString(header);
      assert.notEqual(masked, header);
      // What survives decodes to at most the user name plus a fragment of one byte of the secret.
      const visible = masked.split(SECRET_MARKER).join('');
      assert.ok(visible.length <= 'Basic '.length + Math.ceil(((user.length + 2) * 8) / 6) + 2, masked);
    }
  });
});

describe('masking: text without secrets is unchanged', () => {
  it('maskString returns the same text and maskJson the same object', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 5 }),
        textArb,
        fc.jsonValue({ maxDepth: 3 }),
        (secrets, text, json) => {
          const r = registryWith(...secrets);
          const forms = secrets.flatMap(secretForms);
          const jsonText = JSON.stringify(json) ?? '';
          fc.pre(!forms.some((f) => text.includes(f) || jsonText.includes(f)));
          fc.pre(!secrets.some((s) => jsonText.includes(s)));
          assert.equal(r.maskString(text), text);
          assert.equal(r.maskJson(json), json);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an empty registry changes nothing', () => {
    const r = new SecretRegistry();
    const v = { a: 'x', b: [1, 'y'] };
    assert.equal(r.maskJson(v), v);
    assert.equal(r.maskString('hello'), 'hello');
  });
});

describe('masking: rules', () => {
  it(`values shorter than ${MIN_SUBSTRING_LENGTH} characters are masked only as whole values`, () => {
    const r = registryWith('abc');
    assert.equal(r.maskString('abc'), SECRET_MARKER);
    assert.equal(r.maskString('xabcx'), 'xabcx');
    assert.deepEqual(r.maskJson({ a: 'abc', b: 'abcd', abc: 1 }), { a: SECRET_MARKER, b: 'abcd', [SECRET_MARKER]: 1 });
    assert.deepEqual(secretForms('abc'), ['abc']);
  });

  it('never mutates its input and shares unchanged subtrees', () => {
    const r = registryWith('hunter2hunter2');
    const untouched = Object.freeze({ x: Object.freeze([1, 2, 'ok']) });
    const input = Object.freeze({
      keep: untouched,
      list: Object.freeze(['a', 'pw=hunter2hunter2']),
      hunter2hunter2: 'key',
    });
    const out = r.maskJson(input);
    assert.notEqual(out, input);
    assert.equal(out.keep, untouched);
    assert.deepEqual(out, { keep: untouched, list: ['a', `pw=${SECRET_MARKER}`], [SECRET_MARKER]: 'key' });
    assert.equal(input.list[1], 'pw=hunter2hunter2');
  });

  it('numbers that spell a secret are masked; __proto__ keys stay data', () => {
    const r = registryWith('12345678');
    assert.deepEqual(r.maskJson({ pin: 12345678, other: 7 }), { pin: SECRET_MARKER, other: 7 });
    const parsed = JSON.parse('{"__proto__": "x12345678", "a": 1}') as Record<string, unknown>;
    const masked = r.maskJson(parsed);
    assert.equal(Object.getPrototypeOf(masked), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(masked, '__proto__')?.value, `x${SECRET_MARKER}`);
  });

  it('overlapping and adjacent secrets are masked as one run', () => {
    const r = registryWith('abcdef', 'defghi', 'zzzz');
    assert.equal(r.maskString('1abcdefghi2zzzzzzzz3'), `1${SECRET_MARKER}2${SECRET_MARKER}3`);
  });

  it('registrations anywhere in a registry tree apply to the whole tree', () => {
    const server = new SecretRegistry();
    const run = server.child();
    const childRun = run.child();
    run.register('parent-secret');
    childRun.register('child-secret');
    for (const r of [server, run, childRun]) {
      assert.equal(r.maskString('parent-secret child-secret'), `${SECRET_MARKER} ${SECRET_MARKER}`);
    }
    assert.equal(new SecretRegistry().maskString('parent-secret'), 'parent-secret');
  });

  it('registerOutput takes the strings of an output and skips ADF bookkeeping', () => {
    const r = new SecretRegistry();
    r.registerOutput({
      value: 's3cret-value',
      nested: { list: ['other-secret'] },
      ADFWebActivityResponseHeaders: { 'Content-Type': 'application/json; charset=utf-8' },
      effectiveIntegrationRuntime: 'AutoResolveIntegrationRuntime (West US)',
      executionDuration: 1,
    });
    assert.equal(r.size, 2);
    assert.equal(r.maskString('application/json s3cret-value'), `application/json ${SECRET_MARKER}`);
  });

  it('ignores empty and non-string registrations', () => {
    const r = new SecretRegistry();
    assert.equal(r.register(''), false);
    assert.equal(r.register(42), false);
    assert.equal(r.register('abcd'), true);
    assert.equal(r.register('abcd'), false);
    assert.equal(r.size, 1);
    assert.equal(r.containsSecret('xxabcdxx'), true);
    assert.equal(r.containsSecret('xxabcxx'), false);
  });

  it('combineMaskers applies each registry', () => {
    const m = combineMaskers(registryWith('first-secret'), registryWith('second-secret'));
    assert.equal(m.maskString('first-secret/second-secret'), `${SECRET_MARKER}/${SECRET_MARKER}`);
    assert.deepEqual(m.maskJson(['first-secret', 'second-secret']), [SECRET_MARKER, SECRET_MARKER]);
  });

  it('the marker is ADF’s SecureString mask', () => {
    assert.equal(SECRET_MARKER, '**********');
  });
});

describe('masking: matchers shared by set of secrets, keys remembered clean', () => {
  it('registries with the same secrets mask alike; another set gets its own matcher', () => {
    const a = registryWith('alpha-secret', 'beta-secret');
    const b = registryWith('beta-secret', 'alpha-secret');
    const c = registryWith('alpha-secret', 'beta-secret', 'gamma-secret');
    const text = 'alpha-secret beta-secret gamma-secret';
    assert.equal(a.maskString(text), `${SECRET_MARKER} ${SECRET_MARKER} gamma-secret`);
    assert.equal(b.maskString(text), `${SECRET_MARKER} ${SECRET_MARKER} gamma-secret`);
    assert.equal(c.maskString(text), `${SECRET_MARKER} ${SECRET_MARKER} ${SECRET_MARKER}`);
    assert.equal(a.maskString(text), `${SECRET_MARKER} ${SECRET_MARKER} gamma-secret`);
  });

  it('sets that would join to the same text (a value holding the separator) are told apart', () => {
    // Joined with NUL, both sets would read "abcd\0efgh\0ijkl".
    const one = registryWith('abcd\u0000efgh', 'ijkl');
    const two = registryWith('abcd', 'efgh\u0000ijkl');
    assert.equal(one.maskString('x ijkl x'), `x ${SECRET_MARKER} x`);
    assert.equal(two.maskString('x ijkl x'), 'x ijkl x');
    assert.equal(two.maskString('x abcd x'), `x ${SECRET_MARKER} x`);
    assert.equal(one.maskString('x abcd x'), 'x abcd x');
  });

  it('a key found clean is masked once a secret it holds is registered', () => {
    const r = registryWith('first-secret');
    const v = { 'key-with-second-secret-inside': 1, note: 'second-secret' };
    assert.equal(r.maskJson(v), v);
    r.register('second-secret');
    assert.deepEqual(r.maskJson(v), { [`key-with-${SECRET_MARKER}-inside`]: 1, note: SECRET_MARKER });
    // The key stays clean for a registry without that secret.
    assert.equal(registryWith('first-secret').maskJson(v), v);
  });

  it('keys are masked alike on first sight and when seen again, whatever came before', () => {
    fc.assert(
      fc.property(secretArb, fc.array(fc.string({ maxLength: 30 }), { maxLength: 8 }), (secret, keys) => {
        const fresh = () => registryWith(secret);
        const withSecret = [...keys, `k${secret}`, `${secret}`];
        const value = Object.fromEntries(withSecret.map((k, i) => [k, i]));
        const first = fresh().maskJson(value);
        const again = fresh().maskJson(value);
        assert.deepEqual(again, first);
        for (const k of Object.keys(first)) assert.ok(!k.includes(secret), k);
      }),
      { numRuns: 200 },
    );
  });

  it('secrets registered one by one, masking in between, mask as a registry given them all at once', () => {
    fc.assert(
      fc.property(fc.array(secretArb, { minLength: 1, maxLength: 10 }), textArb, (secrets, noise) => {
        const progressive = new SecretRegistry();
        const text = secrets.map((s, i) => `${noise}${i}:${s}`).join(' ');
        for (const s of secrets) {
          progressive.register(s);
          progressive.maskString(text); // builds (or extends) the matcher for the values so far
          progressive.maskJson({ [s]: s });
        }
        const masked = progressive.maskString(text);
        assert.equal(masked, registryWith(...[...secrets].reverse()).maskString(text));
        for (const s of secrets) if (s.length >= MIN_SUBSTRING_LENGTH) assert.ok(!masked.includes(s), masked);
      }),
      { numRuns: 150 },
    );
  });

  it('an object shared by two branches (not a cycle) is masked in both', () => {
    const r = registryWith('shared-secret');
    const shared = { s: 'has shared-secret' };
    const masked = r.maskJson({ a: shared, b: [shared, { c: shared }] });
    assert.deepEqual(masked, {
      a: { s: `has ${SECRET_MARKER}` },
      b: [{ s: `has ${SECRET_MARKER}` }, { c: { s: `has ${SECRET_MARKER}` } }],
    });
    assert.equal(shared.s, 'has shared-secret');
  });

  it('a secret whose JSON text is split across escape sequences is masked in JSON text and log lines', () => {
    // Every character of these needs an escape in JSON, so the secret's JSON form interleaves escapes and text.
    for (const secret of ['a"b\\c\nd', '\u0001\u0002x\u0003y', 'p\u00e9\u20ac"\\\t!', 'q"\\"\\"\\z']) {
      const r = registryWith(secret);
      const value = { body: `before ${secret} after`, [`k:${secret}`]: [secret] };
      const once = JSON.stringify(value);
      const twice = JSON.stringify({ line: once });
      for (const text of [r.stringifyMasked(value), r.maskString(once), r.maskString(twice)]) {
        assert.ok(!text.includes(JSON.stringify(secret).slice(1, -1)), text);
        assert.ok(!text.includes(JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1)), text);
        assert.ok(text.includes(SECRET_MARKER), text);
      }
      // The masked JSON text is still JSON, and holds no secret once parsed.
      for (const text of [r.stringifyMasked(value), r.maskString(once)]) {
        assert.ok(!JSON.stringify(JSON.parse(text)).includes(secret), text);
      }
    }
  });
});

describe('masking matcher', () => {
  function naiveRanges(text: string, patterns: string[]): number[] | undefined {
    const intervals: [number, number][] = [];
    for (const p of patterns) {
      for (let i = text.indexOf(p); i !== -1; i = text.indexOf(p, i + 1)) intervals.push([i, i + p.length]);
    }
    if (!intervals.length) return undefined;
    intervals.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    // Overlapping and adjacent occurrences merge into one range.
    const out: number[] = [];
    for (const [s, e] of intervals) {
      if (out.length && s <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], e);
      else out.push(s, e);
    }
    return out;
  }

  it('finds exactly the pattern occurrences, merged, including regex metacharacters', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '*', '\\', '|', 'é', '😀');
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: alphabet, minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        fc.string({ unit: alphabet, maxLength: 40 }),
        (patterns, text) => {
          const m = buildMatcher(patterns);
          const expected = naiveRanges(text, patterns);
          assert.deepEqual(m.ranges(text), expected);
          if (expected) assert.ok(m.mayMatch(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it(`patterns longer than ${ANCHOR_LENGTH} characters (anchored) are found exactly, beside short ones`, () => {
    const alphabet = fc.constantFrom('a', 'b');
    const long = fc.string({ unit: alphabet, minLength: ANCHOR_LENGTH + 1, maxLength: ANCHOR_LENGTH + 8 });
    const short = fc.string({ unit: alphabet, minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(long, short), { minLength: 1, maxLength: 5 }),
        fc.string({ unit: alphabet, maxLength: 200 }),
        (patterns, noise) => {
          const text = noise + patterns[0] + noise.slice(0, 7);
          assert.deepEqual(buildMatcher(patterns).ranges(text), naiveRanges(text, patterns));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a matcher extended pattern by pattern (with) finds what one built from them all finds', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '|', 'é');
    const pattern = fc.oneof(
      fc.string({ unit: alphabet, minLength: 1, maxLength: 6 }),
      fc.string({ unit: alphabet, minLength: ANCHOR_LENGTH + 1, maxLength: ANCHOR_LENGTH + 4 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(pattern, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        fc.string({ unit: alphabet, maxLength: 40 }),
        (batches, noise) => {
          const all = batches.flat();
          const text = noise + all[all.length - 1] + noise.slice(0, 5);
          let m = buildMatcher(batches[0]);
          const before = m;
          for (const batch of batches.slice(1)) m = m.with(batch);
          assert.deepEqual(m.ranges(text), naiveRanges(text, all));
          assert.equal(m.minLength, Math.min(...all.map((p) => p.length)));
          assert.ok(m.mayMatch(text));
          // The matcher extended from is left as it was.
          assert.deepEqual(before.ranges(text), naiveRanges(text, batches[0]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a matcher extended one pattern at a time keeps at most log2(n) + 1 expressions', () => {
    let m = buildMatcher(['pattern-0']);
    for (let i = 1; i < 300; i++) {
      m = m.with([`pattern-${i}`]);
      const parts = (m as unknown as { parts: unknown[] }).parts.length;
      assert.ok(parts <= Math.floor(Math.log2(i + 1)) + 1, `${parts} parts for ${i + 1} patterns`);
    }
    assert.deepEqual(m.ranges('x pattern-299 pattern-0 y'), [2, 13, 14, 23]);
    assert.equal(m.with(['pattern-7']), m); // nothing new: the same matcher
    // Used long enough, the parts become one expression, which finds the same.
    const text = 'x pattern-299 pattern-0 y';
    for (let i = 0; i < 20_000; i++) m.ranges(text);
    assert.equal((m as unknown as { parts: unknown[] }).parts.length, 1);
    assert.deepEqual(m.ranges(text), [2, 13, 14, 23]);
    assert.ok(m.mayMatch('pattern-150') && !m.mayMatch('pattern'));
  });

  it('a very long secret (a certificate) is masked, plain and inside Basic auth', () => {
    const pem = Buffer.from(Array.from({ length: 15000 }, (_, i) => (i * 7919) % 251)).toString('base64');
    const r = registryWith(pem);
    const text = `cert=${pem};basic=${Buffer.from(`u:${pem}`).toString('base64')};end`;
    const masked = r.maskString(text);
    assert.equal(
      masked.replace(/basic=[A-Za-z0-9+/]{0,4}\*{10}[A-Za-z0-9+/=]{0,4};/, 'basic=X;'),
      `cert=${SECRET_MARKER};basic=X;end`,
    );
  });
});

describe('masking: JSON helpers', () => {
  it('stringifyMasked equals JSON.stringify(maskJson(v)) and handles cycles and non-JSON objects', () => {
    const r = registryWith('topsecret!');
    const v = { a: 'x topsecret! y', d: new Date(0), n: [1, 2] };
    assert.equal(r.stringifyMasked(v), JSON.stringify(r.maskJson(v)));
    assert.equal(r.stringifyMasked({ a: 1 }), '{"a":1}');
    const cyclic: Record<string, unknown> = { s: 'topsecret!' };
    cyclic.self = cyclic;
    const masked = r.maskJson(cyclic);
    assert.equal(masked.s, SECRET_MARKER);
    assert.equal(cyclic.s, 'topsecret!');
  });
});
