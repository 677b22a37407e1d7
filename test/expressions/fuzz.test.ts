import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ALL_FUNCTIONS,
  evaluate,
  ExpressionError,
  parse,
  parseJsonLossless,
  references,
  stringifyJson,
} from '../../src/adf/expressions/index.js';
import { corpusDir, corpusExpressions } from './corpus.js';
import { baseCtx } from './helpers.js';

const ctx = {
  ...baseCtx,
  item: { name: 'x', n: 1 },
  dataset: { d: 1 },
  linkedService: { l: 'x' },
  trigger: { outputs: { body: {} } },
};

/** Parse, analyse and evaluate; anything thrown must be our own, non-internal ExpressionError. */
function exercise(text: string): void {
  let t;
  try {
    t = parse(text);
    references(t);
    evaluate(t, ctx);
  } catch (e) {
    if (!(e instanceof ExpressionError)) {
      throw new Error(`${text} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    assert.equal(e.internal, false, `internal error for ${JSON.stringify(text)}: ${e.message}`);
    assert.equal(typeof e.position, 'number');
    assert.ok(e.position >= 0 && e.position <= text.length, `position ${e.position} outside ${JSON.stringify(text)}`);
  }
}

const names = ALL_FUNCTIONS.map((f) => f.name);

/** Well-formed expressions: random calls of the real functions with random (mostly wrongly typed) arguments. */
const exprArb: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 12 }).map((s) => `'${s.replace(/'/g, "''")}'`),
    fc.integer({ min: -1000, max: 100000 }).map(String),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    fc
      .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
      .map((d) => (Number.isInteger(d) ? `${d}.0` : String(d).includes('e') ? '0.5' : String(d))),
    fc.constantFrom(
      'true',
      'false',
      'null',
      "'2024-01-31T10:00:00Z'",
      "'Pacific Standard Time'",
      "'Month'",
      "'<a><b>1</b></a>'",
      '\'{"a":[1]}\'',
      "'/a/b'",
      "'yyyy-MM-dd'",
      "'D'",
    ),
    fc
      .tuple(fc.constantFrom(...names), fc.array(tie('expr'), { maxLength: 4 }))
      .map(([n, args]) => `${n}(${args.join(', ')})`),
    fc
      .tuple(
        tie('expr'),
        fc.constantFrom('.a', '?.a', '[0]', '?[1]', "['x']", '.output', '.parameters.name', '?.firstRow'),
      )
      .map(([e, acc]) => `${e}${acc}`),
  ),
})).expr;

describe('fuzzing (fast-check)', () => {
  it('random text never throws anything but ExpressionError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120, unit: 'binary' }), (s) => {
        exercise(s);
        exercise(`@${s}`);
        exercise(`x @{${s}} y`);
      }),
      { numRuns: 2000 },
    );
  });

  it('random text over the language alphabet never throws anything but ExpressionError', () => {
    const alphabet = fc.constantFrom(
      ..."@{}()[]'.,?- 0123456789abcxyzAZ_\n\t".split(''),
      'concat',
      'pipeline()',
      'item()',
      'if',
      'add',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const s = parts.join('');
        exercise(s);
        exercise(`@${s}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('random well-formed calls of every function evaluate or fail with ExpressionError', () => {
    fc.assert(
      fc.property(exprArb, (e) => {
        exercise(`@${e}`);
        exercise(`@{${e}}`);
      }),
      { numRuns: 4000 },
    );
  });

  const dir = corpusDir();
  it(
    'mutated corpus expressions never throw anything but ExpressionError',
    { skip: dir ? false : 'corpus not found' },
    () => {
      const texts = [...new Set(corpusExpressions(dir!).map((e) => e.text))].filter((t) => t.length <= 2000);
      const mutation = fc.tuple(
        fc.nat(),
        fc.array(
          fc.tuple(
            fc.constantFrom('delete', 'insert', 'replace', 'duplicate'),
            fc.nat(),
            fc.constantFrom(...'@{}()[]\'.,?- 0a"'.split('')),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
      );
      fc.assert(
        fc.property(mutation, ([which, edits]) => {
          let s = texts[which % texts.length];
          for (const [op, at, ch] of edits) {
            const i = s.length ? at % s.length : 0;
            if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
            else if (op === 'insert') s = s.slice(0, i) + ch + s.slice(i);
            else if (op === 'replace') s = s.slice(0, i) + ch + s.slice(i + 1);
            else s = s.slice(0, i) + s.slice(i, i + 10) + s.slice(i);
          }
          exercise(s);
        }),
        { numRuns: 3000 },
      );
    },
  );

  it('string literals round-trip through the doubled-quote escape', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50, unit: 'grapheme' }), (s) => {
        assert.equal(evaluate(parse(`@'${s.replace(/'/g, "''")}'`), {}), s);
      }),
    );
  });

  it('JSON with 64-bit integers round-trips through parseJsonLossless and stringifyJson', () => {
    const json = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.integer(),
        fc.string({ maxLength: 10 }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 5 }), tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(json, (v) => {
        const text = stringifyJson(v);
        assert.equal(stringifyJson(parseJsonLossless(text)), text);
      }),
    );
  });
});
