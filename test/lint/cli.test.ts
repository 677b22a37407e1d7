import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expr, pipeline, readSecret, web, writeFactory } from './fixtures.js';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'dist/cli/main.js');

function pipevault(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pipevault lint', () => {
  it('exit 1 with findings: text names file, path, pipeline, activity, source and fix', () => {
    const f = writeFactory([pipeline('leaky', [readSecret('Get Secret', {})])]);
    try {
      const r = pipevault('lint', f.dir);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /pipeline\/leaky\.json/);
      assert.match(
        r.stdout,
        /\$\.properties\.activities\[0\]\.policy {2}\[secret-output\] {2}pipeline 'leaky', activity 'Get Secret'/,
      );
      assert.match(r.stdout, /fix: Set "policy": \{"secureOutput": true\}/);
      assert.match(
        r.stdout,
        /1 secret-flow finding \(secret-output 1\) in 1 files; 1 pipelines and 1 secret sources checked/,
      );
      assert.equal(r.stderr, '');
    } finally {
      f.cleanup();
    }
  });

  it('--json prints the findings with their sources and a summary', () => {
    const f = writeFactory([
      pipeline('p', [
        readSecret(),
        web('Send', { url: expr("@concat('https://api.contoso.com/?k=', activity('Get Secret').output.value)") }),
      ]),
    ]);
    try {
      for (const flag of [['--json'], ['-o', 'json']]) {
        const r = pipevault('lint', f.dir, ...flag);
        assert.equal(r.code, 1, r.stderr);
        const out = JSON.parse(r.stdout) as {
          summary: { findings: number; bySink: Record<string, number> };
          findings: {
            sink: string;
            file: string;
            path: string;
            pipeline: string;
            activity: string;
            fix: string;
            sources: { kind: string; activity: string }[];
          }[];
        };
        assert.deepEqual(out.summary.bySink, { url: 1 });
        const url = out.findings.find((x) => x.sink === 'url')!;
        assert.equal(url.activity, 'Send');
        assert.equal(url.path, '$.properties.activities[1].typeProperties.url');
        assert.deepEqual(
          url.sources.map((s) => [s.kind, s.activity]),
          [['vault-read', 'Get Secret']],
        );
      }
    } finally {
      f.cleanup();
    }
  });

  it('exit 0 and a one-line summary when clean', () => {
    const f = writeFactory([pipeline('ok', [readSecret()])]);
    try {
      const r = pipevault('lint', f.dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.stdout, 'No secret-flow findings: 1 pipelines and 1 secret sources checked in 1 factory.\n');
    } finally {
      f.cleanup();
    }
  });

  it('exit 2 for bad input, with one line on stderr and nothing on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipevault-lint-bad-'));
    try {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, '{"name": "p", "properties": {');
      for (const args of [
        ['lint', join(dir, 'missing')],
        ['lint', bad],
        ['lint', '-r', dir],
        ['lint', dir, '-o', 'xml'],
      ]) {
        const r = pipevault(...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help documents the command', () => {
    const r = pipevault('lint', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--recursive/);
    assert.match(r.stdout, /secret-hygiene\.md/);
  });

  it('pipevault validate lists the findings as warnings, without changing its exit code', () => {
    const f = writeFactory([pipeline('leaky', [readSecret('Get Secret', {})])]);
    try {
      const r = pipevault('validate', f.dir, '--json');
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as {
        problems: unknown[];
        warnings: { rule: string; path: string; reason: string }[];
      };
      assert.deepEqual(out.problems, []);
      assert.deepEqual(
        out.warnings.map((w) => [w.rule, w.path]),
        [['secret-flow', '$.properties.activities[0].policy']],
      );
      assert.match(out.warnings[0].reason, /without secureOutput.*Fix: /);
    } finally {
      f.cleanup();
    }
  });
});
