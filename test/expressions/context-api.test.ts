import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ALL_FUNCTIONS,
  compile,
  DOCUMENTED_FUNCTIONS,
  evaluate,
  ExpressionError,
  interpolate,
  isExpression,
  parse,
  references,
  type EvaluationContext,
} from '../../src/adf/expressions/index.js';
import { baseCtx, fails, table } from './helpers.js';

describe('system variables and reference functions (spec §4)', () => {
  it('pipeline() exposes the run, trigger and scopes', () => {
    table([
      ['@pipeline().RunId', '"run-1"'],
      ['@pipeline().Pipeline', '"pl"'],
      ['@pipeline().DataFactory', '"fac"'],
      ['@pipeline().TriggerTime', '"2024-05-01T10:00:00.1234567Z"'],
      ['@pipeline().TriggerType', '"Manual"'],
      ['@pipeline().TriggerName', '"Sandbox"'],
      ['@pipeline().TriggerId', '"tid"'],
      ['@pipeline().GroupId', '"gid"'],
      ['@pipeline().globalParameters.env', '"dev"'],
      ["@pipeline()['parameters']['name']", '"Sophie"'],
    ]);
    const child: EvaluationContext = { ...baseCtx, triggeredByPipelineName: 'parent', triggeredByPipelineRunId: 'r0' };
    table(
      [
        ['@pipeline()?.TriggeredByPipelineName', '"parent"'],
        ['@pipeline().TriggeredByPipelineRunId', '"r0"'],
      ],
      child,
    );
    const whole = evaluate(parse('@pipeline()'), { runId: 'r', parameters: { a: 1 } }) as Record<string, unknown>;
    assert.deepEqual(whole, { RunId: 'r', parameters: { a: 1 }, globalParameters: {} });
  });

  it('scopes are separate: a pipeline parameter does not answer pipeline().globalParameters', () => {
    fails('@pipeline().globalParameters.name', /property 'name' doesn't exist, available properties are 'env, GP-Int'/);
    fails('@pipeline().parameters.env', /property 'env' doesn't exist/);
    fails('@pipeline().RunId', /property 'RunId' doesn't exist/, {});
  });

  it('activity() gives output, status and error; unknown activities are an error', () => {
    table([
      ["@activity('Lookup1').output.firstRow.id", '5'],
      ["@activity('Lookup1').status", '"Succeeded"'],
      ["@activity('Error activity').error.errorCode", '"2011"'],
      ["@activity('Lookup1')?.error", 'null'],
    ]);
    fails("@activity('Nope').output", /the template action 'Nope' is not defined at current scope/);
    const lazy: EvaluationContext = { activities: (name) => (name === 'A' ? { output: { n: 1 } } : undefined) };
    table([["@activity('A').output.n", '1']], lazy);
    fails("@activity('B').output", /'B' is not defined/, lazy);
  });

  it('variables() and item()', () => {
    table([
      ["@variables('greeting')", '"hello"'],
      ["@variables('counter')", '3'],
      ["@variables('items')[1]", '"b"'],
    ]);
    fails("@variables('missing')", /the template variable 'missing' cannot be found/);
    fails('@item()', /The template function 'item' is not expected at this location/);
    table([['@item().name', '"x"']], { item: { name: 'x' } });
    table([['@item()', 'null']], { item: null, hasItem: true });
    table([['@item()', '0']], { item: 0 });
  });

  it('dataset(), linkedService(), trigger(), triggerBody(), triggerOutputs()', () => {
    const ctx: EvaluationContext = {
      dataset: { folder: 'in' },
      linkedService: { baseUrl: 'https://x' },
      trigger: {
        scheduledTime: '2024-01-01T00:00:00Z',
        startTime: '2024-01-01T00:00:01Z',
        outputs: { windowStartTime: 'w0', body: { fileName: 'a.csv', folderPath: 'c/in' } },
      },
    };
    table(
      [
        ['@dataset().folder', '"in"'],
        ["@concat(linkedService().baseUrl, '/api')", '"https://x/api"'],
        ['@trigger().scheduledTime', '"2024-01-01T00:00:00Z"'],
        ['@trigger().outputs.windowStartTime', '"w0"'],
        ['@triggerBody().fileName', '"a.csv"'],
        ['@triggerOutputs().body.folderPath', '"c/in"'],
      ],
      ctx,
    );
    fails('@dataset().x', /'dataset' is not expected at this location/, {});
    fails('@linkedService().x', /'linkedService' is not expected/, {});
    fails('@trigger().x', /'trigger' is not expected/, {});
    fails('@triggerBody().x', /'triggerBody' is not expected/, { trigger: {} });
  });
});

describe('interpolate / compile / isExpression', () => {
  const activityJson = {
    name: 'Set x',
    typeProperties: {
      url: "@concat(pipeline().parameters.name, '/x')",
      text: "id=@{activity('Lookup1').output.firstRow.id}",
      escaped: '@@literal',
      plain: 'no expression here',
      count: { value: '@add(pipeline().parameters.myNumber, 1)', type: 'Expression' },
      nested: [{ v: "@variables('counter')" }, 5, true, null],
    },
  };

  it('deep-walks JSON: strings are templates, Expression objects become their value', () => {
    const expected = {
      name: 'Set x',
      typeProperties: {
        url: 'Sophie/x',
        text: 'id=5',
        escaped: '@literal',
        plain: 'no expression here',
        count: 43,
        nested: [{ v: 3 }, 5, true, null],
      },
    };
    assert.deepEqual(interpolate(activityJson, baseCtx), expected);
    const f = compile(activityJson);
    assert.deepEqual(f(baseCtx), expected);
    assert.deepEqual(f({ ...baseCtx, parameters: { ...baseCtx.parameters, myNumber: 1 } }), {
      ...expected,
      typeProperties: { ...expected.typeProperties, count: 2 },
    });
    assert.equal(interpolate('@mul(1.5, 2)', baseCtx), 3);
    assert.equal(interpolate(7, baseCtx), 7);
  });

  it('returns literal subtrees as they are, and does not mutate the input', () => {
    const constant = { a: [1, { b: 'x' }] };
    assert.equal(compile(constant)(baseCtx), constant);
    const copy = JSON.parse(JSON.stringify(activityJson));
    interpolate(activityJson, baseCtx);
    assert.deepEqual(activityJson, copy);
  });

  it('throws ExpressionError for an invalid template anywhere in the value', () => {
    assert.throws(() => compile({ a: ['@concat('] }), ExpressionError);
    assert.throws(() => interpolate({ a: "@variables('nope')" }, baseCtx), /cannot be found/);
  });

  it('isExpression tells templates from plain text', () => {
    assert.equal(isExpression('@x()'), true);
    assert.equal(isExpression('a @{b} c'), true);
    assert.equal(isExpression('plain'), false);
    assert.equal(isExpression('@@escaped'), false);
    assert.equal(isExpression('a @@{b} c'), false);
    assert.equal(isExpression('user@example.com'), false);
    assert.equal(isExpression({ value: '@x', type: 'Expression' }), true);
    assert.equal(isExpression({ a: [1, { b: '@{x}' }] }), true);
    assert.equal(isExpression({ a: [1, { b: 'x' }] }), false);
    assert.equal(isExpression(42), false);
  });
});

describe('references', () => {
  it('lists what an expression reads', () => {
    const r = references(
      parse(
        "@concat(activity('Web1').output.value, pipeline().parameters.p1, pipeline().globalParameters.g1, variables('v1'), item().x, pipeline().RunId, dataset().d, linkedService().l, utcNow())",
      ),
    );
    assert.deepEqual(r.activities, ['Web1']);
    assert.deepEqual(r.activityPaths, [{ activity: 'Web1', path: ['output', 'value'] }]);
    assert.deepEqual(r.parameters, ['p1']);
    assert.deepEqual(r.globalParameters, ['g1']);
    assert.deepEqual(r.variables, ['v1']);
    assert.deepEqual(r.systemVariables, ['RunId']);
    assert.deepEqual(r.datasetParameters, ['d']);
    assert.deepEqual(r.linkedServiceParameters, ['l']);
    assert.equal(r.usesItem, true);
    assert.equal(r.usesClock, true);
    assert.equal(r.usesTrigger, false);
    assert.equal(r.dynamic, false);
    assert.deepEqual(r.functions.sort(), [
      'activity',
      'concat',
      'dataset',
      'item',
      'linkedService',
      'pipeline',
      'utcNow',
      'variables',
    ]);
  });

  it('walks interpolations, JSON values, bracket access and lazy branches; flags computed names', () => {
    const r = references({
      a: "x @{activity('A').output['first row'][0].name} y",
      b: { value: "@if(true, pipeline().parameters['p2'], variables(concat('a', 'b')))", type: 'Expression' },
      c: ['@triggerBody().fileName', 'plain'],
    });
    assert.deepEqual(r.activities, ['A']);
    assert.deepEqual(r.activityPaths, [{ activity: 'A', path: ['output', 'first row', '0', 'name'] }]);
    assert.deepEqual(r.parameters, ['p2']);
    assert.equal(r.dynamic, true);
    assert.equal(r.usesTrigger, true);
    assert.deepEqual(references('no expressions').functions, []);
  });
});

describe('the function set', () => {
  it('has exactly the 84 documented functions, plus the reference functions', () => {
    const documented = `concat endsWith guid indexOf lastIndexOf replace split startsWith substring toLower toUpper trim
      contains empty first intersection join last length skip take union
      and equals greater greaterOrEquals if less lessOrEquals not or
      array base64 base64ToBinary base64ToString binary bool coalesce createArray dataUri dataUriToBinary dataUriToString
      decodeBase64 decodeDataUri decodeUriComponent encodeUriComponent float int json string uriComponent
      uriComponentToBinary uriComponentToString xml xpath
      add div max min mod mul rand range sub
      addDays addHours addMinutes addSeconds addToTime convertFromUtc convertTimeZone convertToUtc dayOfMonth dayOfWeek
      dayOfYear formatDateTime getFutureTime getPastTime startOfDay startOfHour startOfMonth subtractFromTime ticks utcNow`
      .split(/\s+/)
      .filter(Boolean);
    assert.equal(documented.length, 84);
    assert.deepEqual(DOCUMENTED_FUNCTIONS.map((f) => f.name).sort(), [...documented].sort());
    assert.deepEqual(
      ALL_FUNCTIONS.filter((f) => !documented.includes(f.name))
        .map((f) => f.name)
        .sort(),
      [
        'activity',
        'dataset',
        'item',
        'linkedService',
        'pipeline',
        'trigger',
        'triggerBody',
        'triggerOutputs',
        'variables',
      ],
    );
  });
});

describe('test coverage of the function set', () => {
  it('every function is called in at least one unit test of this folder', () => {
    const dir = new URL('.', import.meta.url);
    const text = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(new URL(f, dir), 'utf8'))
      .join('\n');
    const missing = ALL_FUNCTIONS.map((f) => f.name).filter((n) => !new RegExp(`[@(,{\\s]${n}\\(`, 'i').test(text));
    assert.deepEqual(missing, []);
  });
});
