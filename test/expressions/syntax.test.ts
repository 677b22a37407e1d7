import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, ExpressionError, parse } from '../../src/adf/expressions/index.js';
import { baseCtx, ev, fails, table } from './helpers.js';

describe('template classification (spec §2.1)', () => {
  it('keeps plain text, including numbers-as-text and bare @ in the middle', () => {
    table([
      ['parameters[1]', '"parameters[1]"'],
      [' @', '" @"'],
      ['user@example.com', '"user@example.com"'],
      ['11', '"11"'],
      ['', '""'],
    ]);
    assert.equal(parse('11').kind, 'literal');
  });

  it('treats @@ at the start as an escape of the whole value', () => {
    table([
      ['@@', '"@"'],
      ["@@concat('a')", '"@concat(\'a\')"'],
    ]);
  });

  it('keeps the JSON type of a whole-value expression', () => {
    table([
      ['@pipeline().parameters.myNumber', '42'],
      ['@pipeline().parameters.list', '[1,2,3]'],
      ['@true', 'true'],
      ['@null', 'null'],
      ["@'text'", '"text"'],
      ["@\n  concat(\n'a' ,\t'b' )\n", '"ab"'],
    ]);
    assert.equal(ev('@item() ', { ...baseCtx, item: { a: 1 } }), '{"a":1}');
  });

  it('always gives a string for @{…} interpolation', () => {
    table([
      ['@{pipeline().parameters.myNumber}', '"42"'],
      ['a @{pipeline().parameters.name} b @{add(1,2)}', '"a Sophie b 3"'],
      ["x@{concat('}', '{')}y", '"x}{y"'],
      ['Answer is: @@{pipeline().parameters.myNumber}', '"Answer is: @{pipeline().parameters.myNumber}"'],
      ['mail user@example.com @{pipeline().parameters.name}', '"mail user@example.com Sophie"'],
      ['@{null}|@{true}|@{1.5}|@{createArray(1)}', '"|True|1.5|[1]"'],
    ]);
  });

  it('reports an unterminated or empty @{ as a syntax error', () => {
    fails('a @{concat(', /ends too early|not closed/);
    fails('a @{', /not closed/);
    fails('a @{ }', /must contain an expression/);
    fails('a @{1 2}', /where '}' should close/);
  });
});

describe('expression grammar (spec §2.2)', () => {
  it('reads string literals with doubled quotes and no backslash escapes', () => {
    table([
      ["@'Baba''s'", '"Baba\'s"'],
      ["@''''", '"\'"'],
      ["@''", '""'],
      ["@length('a\\nb')", '4'],
      ["@'a\nb'", '"a\\nb"'],
    ]);
  });

  it('tells int literals from float literals', () => {
    table([
      ['@1', '1'],
      ['@1.0', '1.0'],
      ['@-7', '-7'],
      ['@.3', '0.3'],
      ['@-.5', '-0.5'],
      ['@9223372036854775807', '9223372036854775807'],
      ['@-9223372036854775808', '-9223372036854775808'],
    ]);
    fails('@9223372036854775808', /outside the 64-bit range/);
    fails('@1e5', /unexpected character 'e'/);
  });

  it('accepts true/false/null and nested calls', () => {
    table([
      ['@and(true, not(false))', 'true'],
      ["@concat(toUpper(substring('hello', 0, 1)), substring('hello', 1, 4))", '"Hello"'],
    ]);
  });

  it('selects properties with . and [] and indexes arrays with any expression', () => {
    table([
      ["@activity('Lookup1').output.firstRow['Column Name']", '"x"'],
      ['@pipeline().parameters.list[0]', '1'],
      ['@pipeline().parameters.list[add(1,1)]', '3'],
      ["@pipeline().parameters['name']", '"Sophie"'],
      ["@pipeline().parameters[concat('na','me')]", '"Sophie"'],
      ["@activity('Lookup1').output.value[1].a", '2'],
      ['@pipeline().globalParameters.GP-Int', '7'],
      ["@json('[[1,2],[3]]')[0][1]", '2'],
    ]);
  });

  it('matches function names and property names case-insensitively', () => {
    table([
      ["@CONCAT('a','b')", '"ab"'],
      ["@utcnow('yyyy')", '"2024"'],
      ['@pipeline().PARAMETERS.MYNUMBER', '42'],
      ['@pipeline().runid', '"run-1"'],
      ["@activity('Error activity').Error.message", '"boom"'],
      ["@activity('lookup1').OUTPUT.FirstRow.ID", '5'],
      ['@TRUE', 'true'],
    ]);
  });

  it('gives null with ?. and ?[ for a null value or a missing property, and errors without', () => {
    const ctx = { ...baseCtx, triggeredByPipelineName: undefined };
    table(
      [
        ['@pipeline().parameters.obj.field1?.field2', '"deep"'],
        ['@pipeline().parameters?.obj?.empty?.field2', 'null'],
        ['@pipeline()?.TriggeredByPipelineRunId', 'null'],
        ['@pipeline().parameters.obj?.missing', 'null'],
        ["@pipeline().parameters.obj?['missing']", 'null'],
        ['@pipeline().parameters.list?[7]', 'null'],
        ["@coalesce(pipeline().parameters?.nothing, 'fallback')", '"fallback"'],
      ],
      ctx,
    );
    fails(
      '@pipeline().parameters.obj.missing',
      /property 'missing' doesn't exist, available properties are 'field1, empty'/,
    );
    fails('@pipeline().parameters.obj.empty.x', /not supported on values of type 'Null'/);
    fails('@pipeline().TriggeredByPipelineName', /property 'TriggeredByPipelineName' doesn't exist/);
    fails('@pipeline().parameters.list[7]', /array index '7' is outside bounds \(0, 2\)/);
    fails('@pipeline().parameters.myNumber.x', /not supported on values of type 'Integer'/);
    fails("@pipeline().parameters.list['x']", /not supported on values of type 'Array'/);
  });

  it('has no operators: + == && ! and array literals are syntax errors', () => {
    for (const e of ['@1 + 2', '@equals(1,1) == true', '@!true', '@[1,2]', '@{a}', '@"x"', '@concat("a")']) {
      const err = fails(e, /not valid/);
      assert.equal(err.kind, 'syntax');
    }
  });

  it('rejects unknown functions and wrong argument counts at parse time, with a position', () => {
    const e1 = fails("@concat('a', FAULTY_EXPRESSION())", /'FAULTY_EXPRESSION' is not a known function/);
    assert.equal(e1.position, 13);
    assert.equal(e1.kind, 'syntax');
    fails("@substring('a')", /'substring' takes between 2 and 3 arguments but was given 1/);
    fails("@if(true, 'a')", /'if' takes 3 arguments but was given 2/);
    fails('@utcNow(1, 2)', /between 0 and 1/);
    fails('@item', /neither a function call nor a value/);
    fails('@', /must be followed by an expression/);
    fails("@concat('a',)", /unexpected character '\)'/);
    fails("@concat('a') x", /after the end of the expression/);
    fails("@'abc", /not closed by a single quote/);
    fails('@pipeline().', /after '\.'/);
    fails('@pipeline()?x', /after '\?'/);
    fails('@pipeline().parameters[]', /index or property name is required/);
  });

  it('never crashes on deep nesting: a clear error past the limit', () => {
    const deep = '@' + 'string('.repeat(500) + '1' + ')'.repeat(500);
    fails(deep, /nested deeper than 200/);
    const ok = '@' + 'string('.repeat(100) + '1' + ')'.repeat(100);
    assert.equal(ev(ok), '"1"');
  });

  it('carries the template text, a position and the InvalidTemplate code on every error', () => {
    try {
      evaluate(parse("@substring('abc', 1, 5)"), baseCtx);
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ExpressionError);
      assert.equal(e.expression, "@substring('abc', 1, 5)");
      assert.equal(e.position, 1);
      assert.equal(e.kind, 'evaluation');
      assert.equal(e.exitCode, 2);
      assert.deepEqual(e.toActivity('Set x'), {
        errorCode: 'InvalidTemplate',
        message: e.message,
        failureType: 'UserError',
        target: 'Set x',
      });
      assert.match(e.message, /out of range/);
    }
  });

  it('keeps error messages on one line even when the template has newlines', () => {
    const e = fails("@concat('a',\n", /ends too early/);
    assert.ok(!e.message.includes('\n'));
  });
});

describe('evaluation order', () => {
  it('if is lazy: the untaken branch is never evaluated', () => {
    table([
      ["@if(equals(1, 1), 'yes', div(1, 0))", '"yes"'],
      ["@if(false, variables('missing'), 'no')", '"no"'],
      ['@if(true, createArray(1), 2)', '[1]'],
    ]);
  });

  it('and/or short-circuit and accept more than two arguments', () => {
    table([
      ['@and(false, equals(div(1, 0), 1))', 'false'],
      ['@or(true, equals(div(1, 0), 1))', 'true'],
      ['@and(true, true, true)', 'true'],
      ['@or(false, false, true)', 'true'],
    ]);
    fails('@and(true, equals(div(1, 0), 1))', /cannot divide by zero/);
  });
});
