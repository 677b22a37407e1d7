import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fails, table, val } from './helpers.js';

describe('string functions (spec §5.1)', () => {
  it('concat joins values and converts non-strings as ADF does', () => {
    table([
      ["@concat('Hello', 'World')", '"HelloWorld"'],
      ["@concat('{','}')", '"{}"'],
      ["@concat(div(1, 60.0), 'test')", '"0.016666666666666666test"'],
      ["@concat('n', 1, '-', 2.5, '-', true, '-', null, '-', createArray(1, 'a'))", '"n1-2.5-True--[1,\\"a\\"]"'],
      ['@concat(json(\'{"a":1}\'))', '"{\\"a\\":1}"'],
      ["@concat('t', ticks('2023-11-24T12:11:54.753132'))", '"t638364247147531320"'],
    ]);
  });

  it('startsWith/endsWith/indexOf/lastIndexOf ignore case', () => {
    table([
      ["@startsWith('hello world', 'HELLO')", 'true'],
      ["@endsWith('abc', 'C')", 'true'],
      ["@endsWith('abc', 'b')", 'false'],
      ["@indexOf('abc', 'C')", '2'],
      ["@indexOf('hello world', 'world')", '6'],
      ["@indexOf('abc', 'z')", '-1'],
      ["@indexOf('abc', '')", '0'],
      ["@lastIndexOf('hello world hello world', 'WORLD')", '18'],
      ["@lastIndexOf('abc', '')", '2'],
      ["@lastIndexOf('', '')", '0'],
      ["@lastIndexOf('', 'a')", '-1'],
    ]);
  });

  it('guid gives lower-case GUIDs in the N, D, B, P and X formats', () => {
    assert.match(val('@guid()') as string, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(val("@guid('N')") as string, /^[0-9a-f]{32}$/);
    assert.match(val("@guid('B')") as string, /^\{[0-9a-f-]{36}\}$/);
    assert.match(val("@guid('P')") as string, /^\([0-9a-f-]{36}\)$/);
    assert.equal((val("@guid('X')") as string).length, 68);
    assert.match(
      val("@guid('X')") as string,
      /^\{0x[0-9a-f]{8},0x[0-9a-f]{4},0x[0-9a-f]{4},\{(0x[0-9a-f]{2},){7}0x[0-9a-f]{2}\}\}$/,
    );
    assert.notEqual(val('@guid()'), val('@guid()'));
    fails("@guid('Q')", /'guid' got the format 'Q'/);
  });

  it('replace and split are case-sensitive and literal', () => {
    table([
      ["@replace('the old string', 'old', 'new')", '"the new string"'],
      ["@replace('aAa', 'a', 'b')", '"bAb"'],
      ["@replace('a.b.c', '.', '')", '"abc"'],
      ["@replace('a$1b', '$1', 'x')", '"axb"'],
      ["@split('abcabc', 'a')", '["","bc","bc"]'],
      ["@split('a_b_c', '_')", '["a","b","c"]'],
      ["@split('abc', 'B')", '["abc"]'],
      ["@split('a,,b', ',')", '["a","","b"]'],
    ]);
    fails("@replace('abc', '', 'x')", /non-empty/);
  });

  it('substring errors when start + length passes the end (it never clamps)', () => {
    table([
      ["@substring('hello world', 6, 5)", '"world"'],
      ["@substring('abc', 3, 0)", '""'],
      ["@substring('abc', 1)", '"bc"'],
      ["@substring('abc', 0, 3)", '"abc"'],
    ]);
    fails(
      "@substring('abc', 1, 5)",
      /The template language function 'substring' parameters are out of range: 'start index' and 'length' must be non-negative integers and their sum must be no larger than the length of the string\./,
    );
    fails("@substring('abc', -1, 1)", /out of range/);
    fails("@substring('abc', 4)", /out of range/);
    fails("@substring('abc', 1.5, 1)", /expects its second parameter to be an integer/);
  });

  it('toLower/toUpper use .NET invariant casing; trim removes Unicode white space', () => {
    table([
      ["@toLower('Hello World')", '"hello world"'],
      ["@toUpper('Hello World')", '"HELLO WORLD"'],
      ["@toUpper('straße')", '"STRAßE"'],
      ["@toLower('ΑΣ')", '"ασ"'],
      ["@toLower('İ')", '"i"'],
      ["@trim('  Hello World  ')", '"Hello World"'],
      ["@trim('\t\u00a0x\u3000 ')", '"x"'],
    ]);
  });

  it('rejects non-string arguments with ADF wording', () => {
    fails(
      '@toUpper(1)',
      /'toUpper' expects its first parameter to be a string\. The provided value is of type 'Integer'\./,
    );
    fails("@startsWith('a', null)", /second parameter to be a string\. The provided value is of type 'Null'/);
  });
});

describe('collection functions (spec §5.2)', () => {
  it('contains: substring, deep element, or object key', () => {
    table([
      ["@contains('hello world', 'world')", 'true'],
      ["@contains('hello world', 'WORLD')", 'false'],
      ["@contains(createArray('a', 'b'), 'b')", 'true'],
      ['@contains(createArray(json(\'{"a":[1,2]}\')), json(\'{"a":[1,2]}\'))', 'true'],
      ['@contains(createArray(1, 2), 1.0)', 'true'],
      ["@contains(json('{\"a\":1}'), 'a')", 'true'],
      ["@contains(json('{\"a\":1}'), 'b')", 'false'],
    ]);
    fails("@contains(1, 'a')", /'contains' expects its first parameter/);
  });

  it('empty is true for "", [], {} and null', () => {
    table([
      ["@empty('')", 'true'],
      ['@empty(createArray())', 'true'],
      ["@empty(json('{}'))", 'true'],
      ['@empty(null)', 'true'],
      ["@empty('a')", 'false'],
      ['@empty(createArray(null))', 'false'],
    ]);
    fails('@empty(0)', /'empty' expects/);
  });

  it('first/last of strings and arrays; null on empty', () => {
    table([
      ["@first('hello')", '"h"'],
      ["@last('hello')", '"o"'],
      ['@first(createArray(0, 1, 2))', '0'],
      ['@last(createArray(0, 1, 2))', '2'],
      ['@first(createArray())', 'null'],
      ['@last(createArray())', 'null'],
    ]);
  });

  it('intersection keeps items present in all, in the order of the first', () => {
    table([
      ['@intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))', '[1,2]'],
      ['@intersection(createArray(3, 1, 1, 2), createArray(2, 3))', '[3,2]'],
      ['@intersection(json(\'{"a":1,"b":2}\'), json(\'{"a":1,"b":3,"c":4}\'))', '{"a":1}'],
    ]);
    fails("@intersection(createArray(1), 'a')", /second parameter to be an array/);
  });

  it('join converts items to text', () => {
    table([
      ["@join(createArray('a', 'b', 'c'), '.')", '"a.b.c"'],
      ["@join(createArray(1, 2.5, true, null), ',')", '"1,2.5,True,"'],
      ["@join(createArray(), ',')", '""'],
    ]);
  });

  it('length of strings and arrays; numbers are an error', () => {
    table([
      ["@length('abcd')", '4'],
      ['@length(createArray(0, 1, 2, 3))', '4'],
      ["@length('')", '0'],
    ]);
    fails(
      '@length(12)',
      /'length' expects its first parameter to be a string or an array\. The provided value is of type 'Integer'/,
    );
  });

  it('skip and take clamp past the end; take works on strings', () => {
    table([
      ['@skip(createArray(0, 1, 2, 3), 3)', '[3]'],
      ['@skip(createArray(0, 1), 5)', '[]'],
      ['@take(createArray(0, 1, 2, 3), 3)', '[0,1,2]'],
      ['@take(createArray(0, 1), 5)', '[0,1]'],
      ["@take('abcde', 3)", '"abc"'],
      ["@take('ab', 5)", '"ab"'],
      ['@take(createArray(1), 0)', '[]'],
    ]);
    fails('@skip(createArray(1), -1)', /non-negative/);
    fails("@skip('abc', 1)", /'skip' expects its first parameter to be an array/);
  });

  it('union de-duplicates (also within one array) in first-seen order; objects merge, last wins', () => {
    table([
      ['@union(createArray(1, 2, 3), createArray(1, 2, 10, 101))', '[1,2,3,10,101]'],
      ['@union(createArray(1, 1, 2), createArray(2))', '[1,2]'],
      [
        '@union(createArray(json(\'{"a":1}\')), createArray(json(\'{"a":1}\'), json(\'{"a":2}\')))',
        '[{"a":1},{"a":2}]',
      ],
      ['@union(json(\'{"a":1,"b":2}\'), json(\'{"b":3,"c":4}\'))', '{"a":1,"b":3,"c":4}'],
    ]);
    fails("@union(createArray(1), json('{}'))", /second parameter to be an array/);
  });
});
