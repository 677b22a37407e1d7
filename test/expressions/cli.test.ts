import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'pv-expr-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function pv(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', 'expr', ...args], { cwd: root, input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** stdout of a run that must succeed; a failure shows stderr (dist/ is shared: a concurrent rebuild shows here). */
function ok(args: string[]): string {
  const r = pv(args);
  assert.equal(r.code, 0, `pipevault expr ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

function ctxFile(json: string): string {
  const p = join(tmp, `ctx-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, json);
  return p;
}

/** Bad input: exit 2, nothing on stdout, exactly one line on stderr. */
function assertBadInput(r: ReturnType<typeof pv>, message: RegExp): void {
  assert.equal(r.code, 2, r.err);
  assert.equal(r.out, '');
  assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
  assert.match(r.err, message);
  assert.doesNotMatch(r.err, /\n\s+at /);
}

describe('pipevault expr', () => {
  it('prints the JSON result of one template', () => {
    assert.deepEqual(pv(["@concat('a', 'b')"]), { code: 0, out: '"ab"\n', err: '' });
    assert.equal(ok(['@add(1, 2)']), '3\n');
    assert.equal(ok(['@mul(1.5, 2)']), '3.0\n');
    assert.equal(ok(['parameters']), '"parameters"\n');
    assert.equal(ok(['@{add(1, 2)}']), '"3"\n');
    assert.equal(ok(['@@x']), '"@x"\n');
    assert.equal(ok(['@json(\'{"a":[1,null]}\')']), '{"a":[1,null]}\n');
  });

  it('prints integers beyond 2^53 with all their digits, also when they come from the context', () => {
    assert.equal(ok(["@ticks('2023-11-24T12:11:54.753132')"]), '638364247147531320\n');
    const ctx = ctxFile('{"parameters": {"big": 9007199254740993, "max": 9223372036854775807, "f": 2.0}}');
    assert.equal(ok(['@pipeline().parameters.big', '--context', ctx]), '9007199254740993\n');
    assert.equal(ok(['@add(pipeline().parameters.big, 2)', '--context', ctx]), '9007199254740995\n');
    assert.equal(ok(['@pipeline().parameters.max', '--context', ctx]), '9223372036854775807\n');
    assert.equal(
      ok(['@pipeline().parameters', '--context', ctx]),
      '{"big":9007199254740993,"max":9223372036854775807,"f":2.0}\n',
    );
  });

  it('reads every context key', () => {
    const ctx = ctxFile(
      JSON.stringify({
        parameters: { p: 1 },
        variables: { v: 'x' },
        activities: { A: { output: { o: 2 }, status: 'Succeeded', error: null } },
        item: { i: 3 },
        globalParameters: { g: 4 },
        runId: 'r',
        pipelineName: 'pl',
        factoryName: 'f',
        triggerTime: '2024-01-01T00:00:00Z',
        triggerName: 'tn',
        triggerType: 'Manual',
        triggerId: 'ti',
        groupId: 'gi',
        triggeredByPipelineName: 'parent',
        triggeredByPipelineRunId: 'pr',
        trigger: { outputs: { windowStartTime: 'w' } },
        dataset: { d: 5 },
        linkedService: { l: 6 },
        now: '2024-02-03T04:05:06.7654321Z',
      }),
    );
    const expr =
      "@createArray(pipeline().parameters.p, variables('v'), activity('A').output.o, item().i, pipeline().globalParameters.g, pipeline().RunId, pipeline().Pipeline, pipeline().DataFactory, pipeline().TriggerTime, pipeline().TriggerName, pipeline().TriggerType, pipeline().TriggerId, pipeline().GroupId, pipeline().TriggeredByPipelineName, pipeline().TriggeredByPipelineRunId, trigger().outputs.windowStartTime, dataset().d, linkedService().l, utcNow())";
    const r = pv([expr, '--context', ctx]);
    assert.equal(r.err, '');
    assert.deepEqual(JSON.parse(r.out), [
      1,
      'x',
      2,
      3,
      4,
      'r',
      'pl',
      'f',
      '2024-01-01T00:00:00Z',
      'tn',
      'Manual',
      'ti',
      'gi',
      'parent',
      'pr',
      'w',
      5,
      6,
      '2024-02-03T04:05:06.7654321Z',
    ]);
  });

  it('rejects bad input with one stderr line and exit 2', () => {
    assertBadInput(pv(['@x', '--context', ctxFile('{"parameters": {')]), /Invalid JSON in .*ctx-/);
    assertBadInput(pv(['@x', '--context', ctxFile('{"params": {}}')]), /unknown context key 'params'/);
    assertBadInput(pv(['@x', '--context', ctxFile('[1]')]), /must be a JSON object/);
    assertBadInput(pv(['@x', '--context', ctxFile('{"parameters": 1}')]), /'parameters' must be a JSON object/);
    assertBadInput(pv(['@x', '--context', ctxFile('{"runId": 1}')]), /'runId' must be a string/);
    assertBadInput(pv(['@x', '--context', ctxFile('{"now": "soon"}')]), /'now' must be an ISO timestamp/);
    assertBadInput(pv(['@x', '--context', ctxFile('{"activities": {"A": {"outputs": 1}}}')]), /unknown key 'outputs'/);
    assertBadInput(pv(['@x', '--context', join(tmp, 'missing.json')]), /Cannot read .*missing\.json/);
    assertBadInput(pv(["@concat('a'"]), /is not valid: the expression ends too early/);
    assertBadInput(pv(["@concat('a',\n"]), /is not valid/);
    assertBadInput(pv(['@nope()']), /'nope' is not a known function/);
    assertBadInput(pv(["@variables('v')"]), /the template variable 'v' cannot be found/);
    assertBadInput(pv([]), /an expression is required/);
    assertBadInput(pv(['@x()', '--batch'], ''), /either an expression or --batch/);
  });

  it('--batch writes one line per input line, in order, and never stops on a bad line', () => {
    const lines = [
      '{"expr": "@add(1, 2)"}',
      'not json',
      '{"expr": "@pipeline().parameters.big", "context": {"parameters": {"big": 12345678901234567890123}}}',
      '{"expr": "@add(pipeline().parameters.big, 1)", "context": {"parameters": {"big": 9223372036854775806}}}',
      '{"expr": "@concat("}',
      '{"expr": "@utcNow()", "context": {"now": "2024-01-01T00:00:00Z"}}',
      '{"expr": "x", "context": {"bogus": 1}}',
      '{"expr": 5}',
      '{"expr": "@mul(1.5, 2)", "extra": 1}',
      '[]',
      '{"expr": "@item()", "context": {"item": null}}',
      '{"expr": "@{item()}", "context": {"item": 1.0}}',
    ];
    const r = pv(['--batch'], lines.join('\n') + '\n');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const out = r.out.trimEnd().split('\n');
    assert.equal(out.length, lines.length);
    assert.equal(out[0], '{"value":3}');
    assert.match(JSON.parse(out[1]).error, /Invalid JSON in line 2/);
    assert.equal(out[2], '{"value":1.2345678901234568E+22}');
    assert.equal(out[3], '{"value":9223372036854775807}');
    assert.match(JSON.parse(out[4]).error, /is not valid: the expression ends too early/);
    assert.equal(out[5], '{"value":"2024-01-01T00:00:00.0000000Z"}');
    assert.match(JSON.parse(out[6]).error, /unknown context key 'bogus'/);
    assert.match(JSON.parse(out[7]).error, /"expr" must be a string/);
    assert.match(JSON.parse(out[8]).error, /unknown key 'extra'/);
    assert.match(JSON.parse(out[9]).error, /must be a JSON object/);
    assert.equal(out[10], '{"value":null}');
    assert.equal(out[11], '{"value":"1"}');
  });

  it('--batch reports evaluation errors per line and handles many lines', () => {
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      lines.push(i % 10 === 3 ? `{"expr": "@div(${i}, 0)"}` : `{"expr": "@mul(${i}, 3)"}`);
    }
    const r = pv(['--batch'], lines.join('\n'));
    assert.equal(r.code, 0);
    const out = r.out.trimEnd().split('\n');
    assert.equal(out.length, 1000);
    out.forEach((line, i) => {
      if (i % 10 === 3) assert.match(JSON.parse(line).error, /cannot divide by zero/);
      else assert.equal(line, `{"value":${i * 3}}`);
    });
  });

  it('documents the context keys in --help', () => {
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'expr', '--help'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const k of [
      'parameters',
      'activities',
      'triggeredByPipelineRunId',
      'linkedService',
      'now',
      '--batch',
      '--context',
    ]) {
      assert.ok(r.stdout.includes(k), k);
    }
  });
});
