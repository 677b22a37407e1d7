#!/usr/bin/env node
// Runs the whole suite on Node's own test runner. Node 20 expands no globs and loads no .ts, so this script
// builds the bin (tests spawn the real CLI), lists the test files and runs them through tsx.
// `npm test -- test/expressions` narrows to files under the given paths.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const wanted = process.argv.slice(2);
let files = walk('test', []).sort();
if (wanted.length) files = files.filter((f) => wanted.some((w) => f.startsWith(w.replace(/^\.\//, ''))));
if (!files.length) {
  console.error(`No test files match ${wanted.join(' ') || 'test/'}`);
  process.exit(2);
}

if (!process.env.PIPEVAULT_SKIP_BUILD) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const concurrency = process.env.PIPEVAULT_TEST_CONCURRENCY ?? '2';
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(r.status ?? 1);
