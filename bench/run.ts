/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints each result with
 * its ratio against the same-run baseline, and writes bench/results/<name>.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchResult } from './harness.js';

const dir = new URL('.', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !wanted.length || wanted.some((w) => f.includes(w)))
  .sort();

function fmt(n: number): string {
  if (n >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(4);
}

mkdirSync(join(dir, 'results'), { recursive: true });
let failedGoals = 0;
for (const file of files) {
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
    if (r.goal && !r.goal.met) failedGoals++;
  }
  writeFileSync(
    join(dir, 'results', `${basename(file, '.bench.ts')}.json`),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2),
  );
}
console.log(`\n${files.length} benchmark files, ${failedGoals} goals not met`);
