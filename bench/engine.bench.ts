/**
 * Run engine throughput with every record persisted (SQLite file, the embedded default), against raw inserts of
 * the same records into the same store in the same run; and a 100,000-item ForEach with its peak RSS.
 *
 * Rates are per second of this process's CPU time (user + system): the work is single-threaded, so on an idle
 * machine that equals wall time, and it stays meaningful on a shared, loaded one. Wall-time rates are printed too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/adf/engine/engine.js';
import type { Activity, Pipeline } from '../src/adf/model/types.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import { RunsStore, type ActivityRunRecord } from '../src/storage/runs-store.js';
import type { BenchResult } from './harness.js';

const expr = (value: string) => ({ value, type: 'Expression' });

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function forEachPipeline(
  name: string,
  items: number,
  body: Activity[],
  variables: Pipeline['properties']['variables'],
): Pipeline {
  return {
    name,
    properties: {
      variables,
      activities: [
        {
          name: 'Loop',
          type: 'ForEach',
          typeProperties: { items: expr(`@range(0, ${items})`), isSequential: true, activities: body },
        },
      ],
    },
  };
}

const setAndAppend: Activity[] = [
  {
    name: 'Set',
    type: 'SetVariable',
    typeProperties: { variableName: 'current', value: expr("@concat('item-', string(item()))") },
  },
  {
    name: 'Append',
    type: 'AppendVariable',
    dependsOn: [{ activity: 'Set', dependencyConditions: ['Succeeded'] }],
    typeProperties: { variableName: 'seen', value: expr('@item()') },
  },
];

function chainPipeline(n: number): Pipeline {
  const activities: Activity[] = [];
  for (let i = 0; i < n; i++) {
    activities.push({
      name: `Step${i}`,
      type: 'SetVariable',
      ...(i ? { dependsOn: [{ activity: `Step${i - 1}`, dependencyConditions: ['Succeeded'] }] } : {}),
      typeProperties: { variableName: 'v', value: expr(`@concat(variables('v'), '${i % 10}')`) },
    });
  }
  return { name: 'chain', properties: { variables: { v: { type: 'String', defaultValue: '' } }, activities } };
}

async function withStore<T>(fn: (store: RunsStore, database: Database) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pipevault-bench-engine-'));
  const database = await openDatabase({ url: `sqlite:${join(dir, 'runs.db')}` });
  try {
    const store = await RunsStore.open({ database });
    const r = await fn(store, database);
    await store.close();
    return r;
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs pipelines and returns activity runs per second, counting only runs whose records are durable. */
async function engineRate(
  store: RunsStore,
  pipelines: Pipeline[],
  name: string,
  repeat: number,
): Promise<{ rate: number; wallRate: number; runIds: string[]; count: number; ms: number }> {
  const engine = new Engine({ store, pipelines: new Map(pipelines.map((p) => [p.name, p])) });
  const runIds: string[] = [];
  const c0 = cpuMs();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < repeat; i++) {
    const h = await engine.createRun({ pipelineName: name });
    const run = await h.done;
    if (run.status !== 'Succeeded') throw new Error(`bench run ${name} ${run.status}: ${run.message}`);
    runIds.push(run.runId);
  }
  await store.flush();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = cpuMs() - c0;
  let count = 0;
  for (const id of runIds) count += await store.countActivityRuns(id);
  return { rate: count / (cpu / 1000), wallRate: count / (ms / 1000), runIds, count, ms };
}

/**
 * The same records, re-keyed, inserted straight into the same table in 2,000-record transactions of prepared
 * multi-row INSERTs. The new keys ascend, so the baseline gets the cheapest index inserts there are.
 */
async function rawRate(store: RunsStore, runIds: string[], tag = 'raw'): Promise<{ rate: number; wallRate: number }> {
  const records: ActivityRunRecord[] = [];
  for (const id of runIds) records.push(...(await store.listActivityRuns(id)));
  const copies = records.map((r, i) => ({
    ...r,
    activityRunId: `${tag}-${String(i).padStart(9, '0')}-${r.activityRunId}`,
    pipelineRunId: `${tag}-${r.pipelineRunId}`,
  }));
  const c0 = cpuMs();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < copies.length; i += 2000) await store.insertActivityRunsRaw(copies.slice(i, i + 2000));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { rate: copies.length / ((cpuMs() - c0) / 1000), wallRate: copies.length / (ms / 1000) };
}

function result(
  name: string,
  e: { rate: number; wallRate: number; count: number; ms: number },
  raw: { rate: number; wallRate: number },
): BenchResult {
  const ratio = e.rate / raw.rate;
  return {
    name,
    value: e.rate,
    unit: 'activity runs/CPU-s',
    baseline: { name: 'raw inserts of the same records, same store', value: raw.rate },
    goal: { text: 'ratio >= 0.5 and >= 5,000 activity runs/s', met: ratio >= 0.5 && e.rate >= 5000 },
    extra: {
      activityRuns: e.count,
      wallMs: Math.round(e.ms),
      wallRate: Math.round(e.wallRate),
      rawWallRate: Math.round(raw.wallRate),
    },
  };
}

export default async function bench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const vars = { current: { type: 'String' as const }, seen: { type: 'Array' as const } };

  results.push(
    await withStore(async (store) => {
      // Warm-up of both sides (JIT, prepared statements), so each is measured in its steady state.
      const warm = await engineRate(store, [forEachPipeline('warm', 2_000, setAndAppend, vars)], 'warm', 1);
      await rawRate(store, warm.runIds, 'warm');
      const e = await engineRate(store, [forEachPipeline('foreach10k', 10_000, setAndAppend, vars)], 'foreach10k', 1);
      return result(
        'engine: ForEach of 10,000 SetVariable + AppendVariable iterations',
        e,
        await rawRate(store, e.runIds),
      );
    }),
  );

  results.push(
    await withStore(async (store) => {
      const p = chainPipeline(100);
      const warm = await engineRate(store, [p], 'chain', 20);
      await rawRate(store, warm.runIds, 'warm');
      const e = await engineRate(store, [p], 'chain', 50);
      return result('engine: 100-activity dependency chain (×50 runs)', e, await rawRate(store, e.runIds));
    }),
  );

  results.push(
    await withStore(async (store) => {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const body: Activity[] = [
        {
          name: 'Set',
          type: 'SetVariable',
          typeProperties: { variableName: 'current', value: expr('@string(item())') },
        },
      ];
      const e = await engineRate(store, [forEachPipeline('foreach100k', 100_000, body, vars)], 'foreach100k', 1);
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      const mb = (n: number) => Math.round(n / 1048576);
      return {
        name: 'engine: ForEach of 100,000 items (ADF maximum), records persisted',
        value: e.rate,
        unit: 'activity runs/CPU-s',
        goal: {
          text: 'completes with peak RSS growth <= 256 MB',
          met: e.count === 100_001 && peak - before <= 256 * 1048576,
        },
        extra: {
          activityRuns: e.count,
          wallMs: Math.round(e.ms),
          wallRate: Math.round(e.wallRate),
          rssBeforeMB: mb(before),
          rssPeakMB: mb(peak),
          rssGrowthMB: mb(peak - before),
        },
      };
    }),
  );
  return results;
}
