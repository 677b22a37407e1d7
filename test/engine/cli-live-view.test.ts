import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const bin = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const expr = (value: string) => ({ value, type: 'Expression' });
const ESC = '\x1b';
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// util-linux `script` gives the CLI a real pseudo-terminal (stdout.isTTY) without a native dependency.
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs `pipevault run` under a pseudo-terminal; `script -e` exits with the command's exit code. */
function runOnTty(args: string[]) {
  const command = [process.execPath, bin, 'run', ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qfec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, TERM: 'xterm' },
  });
  return { code: r.status, out: r.stdout.replace(/\r\n/g, '\n') };
}

function runPiped(args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'run', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The drawings of the view: each starts by erasing to the end of the screen (ESC [ J). */
function drawings(out: string): string[][] {
  return out
    .split(`${ESC}[J`)
    .slice(1)
    .map((d) => d.replace(new RegExp(`${ESC}\\[\\d+F`, 'g'), '').split('\n'));
}

describe(
  'pipevault run on a terminal: the live view',
  { skip: !hasScript && 'util-linux script is not installed' },
  () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'pipevault-live-view-'));
      mkdirSync(join(dir, 'pipeline'));
      writeFileSync(
        join(dir, 'pipeline', 'main.json'),
        JSON.stringify({
          name: 'main',
          properties: {
            variables: { v: { type: 'String' } },
            activities: [
              { name: 'First', type: 'SetVariable', typeProperties: { variableName: 'v', value: 'a' } },
              {
                name: 'Pause',
                type: 'Wait',
                dependsOn: [{ activity: 'First', dependencyConditions: ['Succeeded'] }],
                typeProperties: { waitTimeInSeconds: 1 },
              },
              {
                name: 'Loop',
                type: 'ForEach',
                dependsOn: [{ activity: 'Pause', dependencyConditions: ['Succeeded'] }],
                typeProperties: {
                  items: expr('@range(0, 3)'),
                  isSequential: true,
                  activities: [{ name: 'Inner', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
                },
              },
              {
                name: 'Child',
                type: 'ExecutePipeline',
                dependsOn: [{ activity: 'Loop', dependencyConditions: ['Succeeded'] }],
                typeProperties: {
                  pipeline: { referenceName: 'child', type: 'PipelineReference' },
                  waitOnCompletion: true,
                },
              },
              {
                name: 'Boom',
                type: 'Fail',
                dependsOn: [{ activity: 'Child', dependencyConditions: ['Succeeded'] }],
                typeProperties: { message: 'stop here', errorCode: 'E1' },
              },
            ],
          },
        }),
      );
      writeFileSync(
        join(dir, 'pipeline', 'child.json'),
        JSON.stringify({
          name: 'child',
          properties: {
            variables: { w: { type: 'String' } },
            activities: [{ name: 'ChildStep', type: 'SetVariable', typeProperties: { variableName: 'w', value: 'b' } }],
          },
        }),
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('one line per activity with status and duration, redrawn while running; the last drawing shows every final status', () => {
      const r = runOnTty([dir, '--pipeline', 'main']);
      assert.equal(r.code, 1, r.out);
      const all = drawings(r.out);
      assert.ok(all.length >= 2, `expected the view to be redrawn, got:\n${r.out}`);

      // While Pause waits its second, the view shows it InProgress with a running duration.
      const during = all.find((d) => d.some((l) => /^ {2}Pause +InProgress +\d+ ms$/.test(l)));
      assert.ok(during, `no drawing showed Pause in progress:\n${r.out}`);
      assert.match(during[0], /^main {2}InProgress$/);
      assert.ok(during.some((l) => /^ {2}First +Succeeded +\d+ ms$/.test(l)));

      const last = all[all.length - 1];
      const end = last.findIndex((l) => l.startsWith('Run '));
      const final = last.slice(0, end);
      assert.deepEqual(
        final.map((l) => l.replace(/ {2,}/g, ' | ').replace(/\d+(\.\d+)? (ms|s)/, 'D')),
        [
          'main | Failed',
          ' | First | Succeeded | D',
          ' | Pause | Succeeded | D',
          ' | Loop | Succeeded | D',
          ' | Inner | Succeeded | D ×3',
          ' | Child | Succeeded | D',
          ' | child/ChildStep | Succeeded | D',
          ' | Boom | Failed | D',
        ],
      );
      // Inner activities sit indented under their ForEach, a child run's under the ExecutePipeline that started it.
      assert.match(final[4], /^ {4}Inner /);
      assert.match(final[6], /^ {4}child\/ChildStep /);
      assert.match(last[end], /^Run \S+ of main: Failed in /);
      assert.match(last[end + 1], /Operation on target Boom failed: stop here/);
    });

    test('piped (not a terminal), the same run prints plain lines with no terminal escapes', () => {
      const r = runPiped([dir, '--pipeline', 'main']);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(!(r.stdout + r.stderr).includes(ESC), 'no escape character in piped output');
      assert.match(r.stdout, /^First {2}SetVariable {2}Succeeded/m);
      assert.match(r.stdout, /^ {2}Inner \[2\] {2}Wait {2}Succeeded/m);
      assert.match(r.stdout, /^Boom {2}Fail {2}Failed/m);
    });
  },
);
