import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fails, table, val } from './helpers.js';

describe('logical functions (spec §5.3, §3.3)', () => {
  it('and, or, not, if take booleans', () => {
    table([
      ['@and(true, true)', 'true'],
      ['@and(true, false)', 'false'],
      ['@or(false, false)', 'false'],
      ['@or(false, true)', 'true'],
      ['@not(false)', 'true'],
      ["@if(equals(1, 2), 'yes', 'no')", '"no"'],
    ]);
    fails(
      "@and('true', true)",
      /'and' expects its first parameter to be a boolean\. The provided value is of type 'String'/,
    );
    fails('@not(1)', /'not' expects its first parameter to be a boolean/);
    fails("@if('x', 1, 2)", /'if' expects its first parameter to be a boolean/);
  });

  it('equals is deep, order-sensitive for arrays, order-free for objects, case-sensitive, no string/number coercion', () => {
    table([
      ['@equals(1, 1)', 'true'],
      ['@equals(1, 1.0)', 'true'],
      ["@equals('abc', 'abcd')", 'false'],
      ["@equals('abc', 'ABC')", 'false'],
      ["@equals('1', 1)", 'false'],
      ['@equals(createArray(1, 2), createArray(1, 2))', 'true'],
      ['@equals(createArray(1, 2), createArray(2, 1))', 'false'],
      ['@equals(json(\'{"a":1,"b":[1,{"c":null}]}\'), json(\'{"b":[1,{"c":null}],"a":1}\'))', 'true'],
      ['@equals(json(\'{"a":1}\'), json(\'{"a":1,"b":2}\'))', 'false'],
      ['@equals(null, null)', 'true'],
      ["@equals(null, '')", 'false'],
      ['@equals(true, 1)', 'true'],
      ['@equals(false, 0)', 'true'],
      ["@equals(ticks('2023-11-24T12:11:54.753132'), 638364247147531320)", 'true'],
      ["@equals(ticks('2023-11-24T12:11:54.753132'), 638364247147531321)", 'false'],
    ]);
  });

  it('greater/less compare numbers (int and float mixed) or strings ordinally', () => {
    table([
      ['@greater(10, 5)', 'true'],
      ['@greater(5, 5)', 'false'],
      ['@greaterOrEquals(5, 5)', 'true'],
      ['@greater(5.5, 5)', 'true'],
      ["@greater('apple', 'banana')", 'false'],
      ["@greater('b', 'B')", 'true'],
      ['@less(5, 10)', 'true'],
      ['@lessOrEquals(5, 5.0)', 'true'],
      ["@less('2023-05-01T11:04:41.0000000Z', '2023-05-24T11:04:42Z')", 'true'],
      ["@greater(ticks('2023-11-24T12:11:54.753132'), ticks('2023-11-24T12:11:54.753131'))", 'true'],
    ]);
    fails("@greater('1', 2)", /matching types/);
    fails('@less(null, 2)', /'less' expects its first parameter/);
  });
});

describe('math functions (spec §5.5, §3.2)', () => {
  it('int op int gives int; any float operand gives a float, even when integral', () => {
    table([
      ['@add(1, 1)', '2'],
      ['@add(1.5, 1.5)', '3.0'],
      ['@sub(10.3, .3)', '10.0'],
      ['@sub(10, 3)', '7'],
      ['@mul(1.5, 2)', '3.0'],
      ['@mul(2, 3)', '6'],
      ['@div(11, 5)', '2'],
      ['@div(-7, 2)', '-3'],
      ['@div(7, -2)', '-3'],
      ['@div(5.5, 5)', '1.1'],
      ['@div(4.5, 1.5)', '3.0'],
      ['@div(10, 4.0)', '2.5'],
      ['@mod(3, 2)', '1'],
      ['@mod(-3, 2)', '-1'],
      ['@mod(3, -2)', '1'],
      ['@mod(5.5, 2)', '1.5'],
    ]);
    assert.equal(val('@add(1.5, 1.5)')?.constructor.name, 'AdfFloat');
  });

  it('dividing by zero is an error; strings and null are not numbers', () => {
    fails('@div(5, 0)', /'div' cannot divide by zero/);
    fails('@mod(5, 0)', /'mod' cannot divide by zero/);
    fails('@mod(2.5, 0)', /'mod' cannot divide by zero/);
    fails('@div(2.5, 0)', /'div' cannot divide by zero/);
    fails(
      "@add('1', 2)",
      /'add' expects its first parameter to be an integer or a decimal number\. The provided value is of type 'String'/,
    );
    for (const f of ['add', 'sub', 'mul', 'mod']) fails(`@${f}(null, 1)`, /of type 'Null'/);
    fails('@rand(null, 1)', /of type 'Null'/);
    fails('@range(1, null)', /of type 'Null'/);
  });

  it('keeps 64-bit integers exact beyond 2^53 and fails on Int64 overflow', () => {
    const t = "ticks('2023-11-24T12:11:54.753132')";
    table([
      [`@add(${t}, 1)`, '638364247147531321'],
      [`@sub(${t}, ${t})`, '0'],
      [`@div(${t}, 10000000)`, '63836424714'],
      [`@mod(${t}, 1000)`, '320'],
      [`@mul(${t}, 10)`, '6383642471475313200'],
      ['@add(9007199254740991, 2)', '9007199254740993'],
      ['@mul(3037000499, 3037000499)', '9223372030926249001'],
      ['@sub(-9223372036854775807, 1)', '-9223372036854775808'],
      [`@add(${t}, 0.5)`, '6.383642471475313E+17'],
    ]);
    assert.equal(typeof val('@add(9007199254740991, 2)'), 'bigint');
    assert.equal(typeof val('@sub(9007199254740993, 2)'), 'number');
    fails('@add(9223372036854775807, 1)', /overflows a 64-bit integer/);
    fails('@mul(9223372036854775807, 2)', /overflows/);
  });

  it('max and min take several numbers or one array', () => {
    table([
      ['@max(1, 2, 3)', '3'],
      ['@max(createArray(1, 2.5, 2))', '2.5'],
      ['@min(1, 2, 3)', '1'],
      ['@min(createArray(4, -1.5))', '-1.5'],
      ['@max(7)', '7'],
    ]);
    fails('@max(createArray())', /non-empty/);
    fails("@min(1, 'a')", /'min' expects its second parameter to be an integer or a decimal number/);
  });

  it('rand gives an integer in [min, max)', () => {
    for (let i = 0; i < 200; i++) {
      const v = val('@rand(1, 4)') as number;
      assert.ok(Number.isInteger(v) && v >= 1 && v < 4, String(v));
    }
    assert.equal(val('@rand(5, 5)'), 5);
    fails('@rand(5, 1)', /no larger than the maximum/);
  });

  it('range gives start … start+count-1', () => {
    table([
      ['@range(0, 10)', '[0,1,2,3,4,5,6,7,8,9]'],
      ['@range(1, 4)', '[1,2,3,4]'],
      ['@range(-2, 3)', '[-2,-1,0]'],
      ['@range(5, 0)', '[]'],
    ]);
    fails('@range(0, -1)', /count between 0 and 100000/);
    fails('@range(0, 100001)', /count between 0 and 100000/);
    fails('@range(2147483647, 2)', /32-bit/);
  });
});
