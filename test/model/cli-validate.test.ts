import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pipeline, setVariable, wait, writeTree } from './fixtures.js';

const root = join(import.meta.dirname, '../..');

function validateCli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'validate', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cli validate: a clean factory exits 0; warnings are listed apart and do not change the exit code', (t) => {
  const many = Array.from({ length: 81 }, (_, i) => wait(`W${i}`));
  const { dir, cleanup } = writeTree({
    'pipeline/Big.json': pipeline('Big', many),
    'pipeline/Small.json': pipeline('Small', [wait('A')]),
  });
  t.after(cleanup);
  const r = validateCli(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Warnings \(1\):/);
  assert.match(r.stdout, /too-many-activities: the pipeline has 81 activities/);
  assert.doesNotMatch(r.stdout, /Problems/);
  const json = validateCli(dir, '--json');
  assert.equal(json.code, 0);
  const parsed = JSON.parse(json.stdout) as {
    problems: unknown[];
    warnings: { rule: string; file: string; path: string }[];
  };
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(
    parsed.warnings.map((w) => [w.rule, w.file, w.path]),
    [['too-many-activities', join(dir, 'pipeline/Big.json'), '$.properties.activities']],
  );
});

test('cli validate: problems exit 1 with file, JSON path and reason, in table and JSON output', (t) => {
  const { dir, cleanup } = writeTree({
    'pipeline/P.json': pipeline('P', [wait('A', ['Missing']), setVariable('S', 'undeclared', 'x')]),
  });
  t.after(cleanup);
  const r = validateCli(dir);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /Problems \(2\):/);
  // file:line:column (the JSON is written with 2-space indents), then the JSON path.
  assert.ok(
    r.stdout.includes(`${join(dir, 'pipeline/P.json')}:10:13  $.properties.activities[0].dependsOn[0].activity`),
    r.stdout,
  );
  assert.match(r.stdout, /dependency-missing: activity 'A' depends on 'Missing'/);
  assert.match(r.stdout, /2 problems, 0 warnings/);
  const json = validateCli(join(dir, 'pipeline/P.json'), '-o', 'json');
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.stdout) as { problems: { rule: string; path: string; reason: string }[] };
  assert.deepEqual(parsed.problems.map((p) => p.rule).sort(), ['dependency-missing', 'unknown-variable']);
});

test('cli validate: bad input exits 2 naming the path, or the file and position of invalid JSON', (t) => {
  const { dir, cleanup } = writeTree({ 'pipeline/Bad.json': '{"name": "Bad", "properties": {"activities": [}' });
  t.after(cleanup);
  const missing = validateCli(join(dir, 'nope'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
  const broken = validateCli(dir);
  assert.equal(broken.code, 2);
  assert.ok(broken.stderr.includes(`${join(dir, 'pipeline/Bad.json')}:1:`), broken.stderr);
  assert.equal(broken.stderr.trim().split('\n').length, 1);
  assert.equal(validateCli(dir, '-o', 'yaml').code, 2);
});

test('cli validate: pipevault.json in the folder is checked by its schema, without reading secrets', (t) => {
  const { dir, cleanup } = writeTree({
    'pipeline/P.json': pipeline('P', []),
    'pipevault.json': { vaults: { 'my-vault': { secrets: { s: { fromEnv: 'NOT_SET_ANYWHERE_1234' } } } }, mockz: {} },
  });
  t.after(cleanup);
  const r = validateCli(dir, '--json');
  assert.equal(r.code, 1);
  const parsed = JSON.parse(r.stdout) as { problems: { rule: string; file: string; path: string; reason: string }[] };
  assert.deepEqual(
    parsed.problems.map((p) => [p.rule, p.file, p.path, p.reason]),
    [['workspace-schema', join(dir, 'pipevault.json'), '$', "unknown key 'mockz'"]],
  );
});

test('cli validate --help documents the exit codes', () => {
  const r = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'validate', '--help'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Exit codes: 0 no problems/);
});
