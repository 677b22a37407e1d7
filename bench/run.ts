/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints each result with
 * its ratio against the same-run baseline, and writes bench/results/<name>.json.
 *
 * Each bench file runs in a child process of its own. In one shared process a bench inherited the heap, the
 * pending GC work and the background threads (the SQLite checkpoint worker) of the ones before it: the
 * expression bench, run after the engine's 100,000-item ForEach, read 3-7 µs of process CPU per expression
 * against 1.5-1.9 µs alone, its CPU time twice its wall time.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './harness.js';

const dir = new URL('.', import.meta.url).pathname;
const CHILD_FLAG = '--bench-file';
function fmt(n: number): string {
  if (n >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(4);
}

/** Runs one bench file in this process: prints its results and writes bench/results/<name>.json. */
async function runOne(file: string): Promise<void> {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: () => Promise<BenchResult[]> };
  const results = await mod.default();
  console.log(`\n## ${basename(file, '.bench.ts')}`);
  for (const r of results) {
    const ratio = r.baseline
      ? ` | baseline ${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit} | ratio ${(r.value / r.baseline.value).toFixed(3)}`
      : '';
    const goal = r.goal ? ` | goal ${r.goal.text}: ${r.goal.met ? 'met' : 'NOT met'}` : '';
    const extra = r.extra
      ? ' | ' +
        Object.entries(r.extra)
          .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`)
          .join(', ')
      : '';
    console.log(`${r.name}: ${fmt(r.value)} ${r.unit}${ratio}${goal}${extra}`);
  }
  writeFileSync(
    resultsPath(file),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2),
  );
}

function resultsPath(file: string): string {
  return join(dir, 'results', `${basename(file, '.bench.ts')}.json`);
}

mkdirSync(join(dir, 'results'), { recursive: true });
const childIndex = process.argv.indexOf(CHILD_FLAG);
if (childIndex >= 0) {
  await runOne(process.argv[childIndex + 1] as string);
} else {
  const wanted = process.argv.slice(2);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => !wanted.length || wanted.some((w) => f.includes(w)))
    .sort();
  let failedGoals = 0;
  let crashed = 0;
  for (const file of files) {
    const started = Date.now();
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG, file], {
      stdio: 'inherit',
    });
    let results: BenchResult[] | undefined;
    try {
      const written = JSON.parse(readFileSync(resultsPath(file), 'utf8')) as { date: string; results: BenchResult[] };
      if (Date.parse(written.date) >= started) results = written.results;
    } catch {
      // no results file: reported below
    }
    if (child.status !== 0 || !results) {
      crashed++;
      console.log(`\n## ${basename(file, '.bench.ts')}: failed (exit ${child.status ?? child.signal})`);
      continue;
    }
    failedGoals += results.filter((r) => r.goal && !r.goal.met).length;
  }
  console.log(
    `\n${files.length} benchmark files, ${failedGoals} goals not met${crashed ? `, ${crashed} benchmark files failed` : ''}`,
  );
  if (crashed) process.exitCode = 1;
}
