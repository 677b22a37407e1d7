import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const bin = new URL('../../dist/cli/main.js', import.meta.url).pathname;

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'run', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const expr = (value: string) => ({ value, type: 'Expression' });

describe('pipevault run', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pipevault-cli-run-'));
    mkdirSync(join(dir, 'pipeline'));
    writeFileSync(
      join(dir, 'pipeline', 'hello.json'),
      JSON.stringify({
        name: 'hello',
        properties: {
          parameters: {
            who: { type: 'string' },
            n: { type: 'int', defaultValue: 2 },
            tags: { type: 'array', defaultValue: [] },
          },
          variables: { out: { type: 'Array' } },
          activities: [
            {
              name: 'Loop',
              type: 'ForEach',
              typeProperties: {
                items: expr('@range(0, pipeline().parameters.n)'),
                isSequential: true,
                activities: [{ name: 'Copy one', type: 'Copy', typeProperties: {} }],
              },
            },
            {
              name: 'Ret',
              type: 'SetVariable',
              dependsOn: [{ activity: 'Loop', dependencyConditions: ['Succeeded'] }],
              typeProperties: {
                variableName: 'pipelineReturnValue',
                setSystemVariable: true,
                value: [
                  {
                    key: 'greeting',
                    value: { type: 'Expression', content: "@concat('hi ', pipeline().parameters.who)" },
                  },
                  { key: 'now', value: { type: 'Expression', content: "@formatDateTime(utcNow(), 'yyyy-MM-dd')" } },
                  { key: 'tags', value: { type: 'Expression', content: '@pipeline().parameters.tags' } },
                  { key: 'trigger', value: { type: 'Expression', content: '@pipeline().TriggerName' } },
                ],
              },
            },
          ],
        },
      }),
    );
    writeFileSync(
      join(dir, 'pipeline', 'broken.json'),
      JSON.stringify({
        name: 'broken',
        properties: {
          activities: [{ name: 'Boom', type: 'Fail', typeProperties: { message: 'no', errorCode: 'E9' } }],
        },
      }),
    );
    writeFileSync(
      join(dir, 'pipevault.json'),
      JSON.stringify({ mocks: { 'Copy one': { output: { file: '@{item()}.csv' } } } }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--json prints {run, activityRuns, childRuns} with loop iterations once each; exit 0 on success', () => {
    const r = run([
      dir,
      '--pipeline',
      'hello',
      '--param',
      'who=ana',
      '--param',
      'tags=["x","y"]',
      '--now',
      '2026-05-04T10:00:00Z',
      '--trigger',
      '{"name":"nightly","type":"ScheduleTrigger"}',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(doc).sort(), ['activityRuns', 'childRuns', 'run']);
    assert.equal(doc.run.status, 'Succeeded');
    assert.deepEqual(doc.run.parameters, { who: 'ana', n: '2', tags: '["x","y"]' });
    assert.deepEqual(doc.run.returnValue, {
      greeting: 'hi ana',
      now: '2026-05-04',
      tags: ['x', 'y'],
      trigger: 'nightly',
    });
    const copies = doc.activityRuns.filter((a: { activityName: string }) => a.activityName === 'Copy one');
    assert.deepEqual(
      copies.map((a: { output: unknown }) => a.output),
      [{ file: '0.csv' }, { file: '1.csv' }],
    );
    assert.deepEqual(doc.childRuns, []);
  });

  test('a failed run exits 1 and the table names the failed activity', () => {
    const r = run([dir, '--pipeline', 'broken']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Boom {2}Fail {2}Failed/);
    assert.match(r.stdout, /Operation on target Boom failed: no/);
  });

  test('bad input exits 2 with one line: unknown pipeline, missing parameter, mistyped value, invalid JSON', () => {
    const cases: [string[], RegExp][] = [
      [[dir, '--pipeline', 'nope'], /Pipeline 'nope' not found; the factory has: broken, hello/],
      [[dir, '--pipeline', 'hello'], /No value provided for Parameter 'who'/],
      [
        [dir, '--pipeline', 'hello', '--param', 'who=a', '--param', 'n=two'],
        /Parameter 'n' of pipeline 'hello' is declared Int: 'two' is not an integer/,
      ],
      [[dir, '--pipeline', 'hello', '--parameters', '{"who": '], /Invalid JSON in --parameters/],
      [[dir, '--pipeline', 'hello', '--param', 'nobody=1'], /declares no such parameter \(it declares: who, n, tags\)/],
      [[join(dir, 'missing'), '--pipeline', 'hello'], /no such file or directory/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('--mocks FILE overrides the workspace mocks', () => {
    const mocks = join(dir, 'mocks.json');
    writeFileSync(
      mocks,
      JSON.stringify({ 'hello/Copy one': { status: 'Failed', error: { errorCode: '2200', message: 'sink down' } } }),
    );
    const r = run([dir, '--pipeline', 'hello', '--param', 'who=a', '--mocks', mocks, '--json']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout);
    assert.match(
      doc.run.message,
      /Operation on target Loop failed: Activity failed because an inner activity failed; Inner activity name: Copy one, Error: sink down/,
    );
  });
});
