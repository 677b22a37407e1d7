import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../src/adf/expressions/ast.js';
import { parse } from '../../src/adf/expressions/index.js';
import { parseJsonLossless } from '../../src/adf/expressions/json.js';
import { AdfFloat } from '../../src/adf/expressions/values.js';
import { ev, fails, table } from './helpers.js';

/** The member names of `@pipeline().parameters.<a>.<b>…`, outermost last. */
function memberNames(text: string): string[] {
  const t = parse(text);
  assert.equal(t.kind, 'expression');
  const names: string[] = [];
  let n: Node = t.node;
  while (n.type === 'member') {
    names.unshift(n.name);
    n = n.object;
  }
  return names;
}

describe('parser name interning (performance path)', () => {
  it('gives every property name exactly as written, across many names and hash collisions', () => {
    // 'Aa'/'BB' and 'AaAa'/'BBBB'/'AaBB' share a 31-multiplier hash: a table hit is checked against the text.
    const colliding = ['Aa', 'BB', 'AaAa', 'BBBB', 'AaBB', 'BBAa'];
    for (let round = 0; round < 3; round++)
      for (const name of colliding)
        assert.deepEqual(memberNames(`@pipeline().parameters.${name}`), ['parameters', name]);
    // More distinct names than the table has slots, then the first ones again (their slots were overwritten).
    const many = Array.from({ length: 10_000 }, (_, i) => `n${i.toString(36)}_${(i * 7919).toString(36)}`);
    for (const name of many)
      assert.deepEqual(memberNames(`@pipeline().parameters.${name}.x`), ['parameters', name, 'x']);
    for (const name of many.slice(0, 500))
      assert.deepEqual(memberNames(`@pipeline().parameters . ${name}`), ['parameters', name]);
    // Long names (never interned), names with '-', and names differing only in case stay distinct.
    const long = 'L'.repeat(200);
    assert.deepEqual(memberNames(`@pipeline().globalParameters.${long}`), ['globalParameters', long]);
    assert.deepEqual(memberNames('@pipeline().globalParameters.GP-Int'), ['globalParameters', 'GP-Int']);
    assert.deepEqual(memberNames('@pipeline().parameters.Name'), ['parameters', 'Name']);
    assert.deepEqual(memberNames('@pipeline().parameters.name'), ['parameters', 'name']);
    assert.deepEqual(memberNames('@pipeline().parameters.NAME'), ['parameters', 'NAME']);
  });

  it('resolves function names as written (any case) and still refuses unknown ones after a colliding hit', () => {
    table([
      ["@concat('a','b')", '"ab"'],
      ["@CONCAT('a','b')", '"ab"'],
      ["@Concat('a','b')", '"ab"'],
      ["@if(true, 'y', 'n')", '"y"'],
    ]);
    for (const text of ["@concat('a')", "@CONCAT('a')", "@Concat('a')"]) {
      const t = parse(text);
      assert.equal(t.kind === 'expression' && t.node.type === 'call' && t.node.name, 'concat');
    }
    // 'jG' has the hash of 'if' (106*31+71 = 105*31+102); 'IF' differs from 'if' only in case.
    for (let round = 0; round < 3; round++) {
      const e = fails('@jG(true)', /'jG' is not a known function/);
      assert.equal(e.position, 1);
      assert.equal(ev("@IF(false, 'y', 'n')"), '"n"');
      assert.equal(ev("@if(true, 'y', 'n')"), '"y"');
    }
    fails("@concat2('a')", /'concat2' is not a known function/);
  });
});

describe('parser reads never past the end of the text (performance path)', () => {
  it('parses constructs that end exactly at the end of the text, and reports early ends at the same position', () => {
    table([
      ['@pipeline().parameters.name', '"Sophie"'],
      ['@pipeline().globalParameters.GP-Int', '7'],
      ["@'it''s'", '"it\'s"'],
      ['@42', '42'],
      ['@-1.5', '-1.5'],
      ['@true', 'true'],
      ['@pipeline()?.parameters?.name', '"Sophie"'],
      ["@variables('items')[1]", '"b"'],
      ['x @{pipeline().RunId}', '"x run-1"'],
    ]);
    const cases: Array<[string, RegExp, number]> = [
      ['@pipeline().parameters.', /ends too early \(after '\.'/, 23],
      ["@concat('a'", /ends too early \(in the arguments of 'concat'/, 11],
      ['@pipeline()?', /ends too early \(after '\?'/, 12],
      ["@variables('items')[", /ends too early/, 20],
      ["@'abc", /string literal is not closed/, 1],
      ['@1.', /ends too early \(in a number\)|unexpected/, 2],
      ['@{', /'@\{' is not closed/, 0],
      ['a @{pipeline().RunId', /'@\{' is not closed/, 2],
    ];
    for (const [text, message, position] of cases) assert.equal(fails(text, message).position, position, text);
  });
});

describe('json() fast path (JSON.parse when no number needs care)', () => {
  it('reads text whose float-looking digits are inside strings exactly as the lossless reader does', () => {
    const text = '{"Start":"2024-01-01T00:00:00.0000000Z","n":1,"list":[2,-3,0],"e":"1e5","q":"a\\"1.5","Id":"x"}';
    assert.deepEqual(parseJsonLossless(text), {
      Start: '2024-01-01T00:00:00.0000000Z',
      n: 1,
      list: [2, -3, 0],
      e: '1e5',
      q: 'a"1.5',
      Id: 'x',
    });
  });

  it('keeps floats, exponents and big integers written outside strings', () => {
    const v = parseJsonLossless('{"t":"00:00.0000000Z","f":2.0,"g":1.5,"x":1e2,"big":12345678901234567}') as Record<
      string,
      unknown
    >;
    assert.ok(v.f instanceof AdfFloat && v.f.value === 2);
    assert.equal(v.g, 1.5);
    assert.ok(v.x instanceof AdfFloat && v.x.value === 100);
    assert.equal(v.big, 12345678901234567n);
    table([
      ['@json(\'{"t":"2024-01-01T00:00:00.0000000Z","v":3.0}\')', '{"t":"2024-01-01T00:00:00.0000000Z","v":3.0}'],
      ['@json(\'{"t":"10.5","v":[1,2]}\')', '{"t":"10.5","v":[1,2]}'],
    ]);
  });

  it('reports bad JSON the same way whichever path reads it', () => {
    assert.throws(() => parseJsonLossless('{"t":"1.5'), /unterminated string at position/);
    assert.throws(() => parseJsonLossless('{"t":"1.5",}'), /expected a property name in double quotes at position/);
    fails('@json(\'{"t":"00:00.5", 01}\')', /not valid JSON/);
  });
});
