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
import { RunsStore, type ActivityRunRecord, type PipelineRunRecord } from '../src/storage/runs-store.js';
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

/**
 * A store on a fresh SQLite file. `phaseCheckpoints`: the engine-versus-raw comparisons turn the background WAL
 * checkpointer off and checkpoint at the end of every timed phase instead (see `checkpoint`).
 */
async function withStore<T>(
  fn: (store: RunsStore, database: Database) => Promise<T>,
  opts: { phaseCheckpoints?: boolean } = {},
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pipevault-bench-engine-'));
  const database = await openDatabase({
    url: `sqlite:${join(dir, 'runs.db')}`,
    ...(opts.phaseCheckpoints ? { checkpoint: { walBytes: Number.MAX_SAFE_INTEGER } } : {}),
  });
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

/**
 * Copies the WAL back into the database file, on this thread, so that the phase that wrote the WAL pays for it.
 * The product checkpoints on a worker thread once the WAL passes 4 MiB (database.ts): its CPU time counts in
 * whichever phase is running then — mostly an engine phase, the longer ones in wall time, so the engine was
 * charged for checkpointing the raw inserts' pages as well (measured: 4.4 µs per activity run in the engine's
 * phases, none in the raw ones). Each phase ends with this, inside its timing, on both sides.
 */
function checkpoint(database: Database): void {
  database.sqlite?.pragma('wal_checkpoint(PASSIVE)');
}

interface Measured {
  count: number;
  cpuMs: number;
  wallMs: number;
}

/** Runs pipelines one after the other, counting only runs whose records are durable. */
async function engineRuns(
  store: RunsStore,
  pipelines: Pipeline[],
  name: string,
  repeat: number,
  database?: Database,
): Promise<Measured & { runIds: string[] }> {
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
  if (database) checkpoint(database);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = cpuMs() - c0;
  let count = 0;
  for (const id of runIds) count += await store.countActivityRuns(id);
  return { count, cpuMs: cpu, wallMs, runIds };
}

/**
 * The records the engine wrote — every activity run and the pipeline runs they belong to, same columns, same
 * content — re-keyed and inserted straight into the same tables in transactions of 2,000 activity runs (with
 * their pipeline runs) of prepared multi-row INSERTs. The new keys ascend, so the baseline gets the cheapest
 * index inserts there are. It does less than the engine in one respect, on purpose: the engine writes a run's
 * pipeline record InProgress and then Succeeded (one upserted row when both fall into the same flush, as in the
 * chain), the baseline writes each record once, in its final state, with plain INSERTs.
 */
async function rawInserts(store: RunsStore, database: Database, runIds: string[], tag: string): Promise<Measured> {
  const activities: ActivityRunRecord[] = [];
  const pipelines = new Map<string, PipelineRunRecord>();
  for (const id of runIds) {
    activities.push(...(await store.listActivityRuns(id)));
    const run = await store.getPipelineRun(id);
    if (!run) throw new Error(`bench: pipeline run ${id} not found`);
    pipelines.set(`${tag}-${id}`, { ...run, runId: `${tag}-${id}` });
  }
  const copies = activities.map((r, i) => ({
    ...r,
    activityRunId: `${tag}-${String(i).padStart(9, '0')}-${r.activityRunId}`,
    pipelineRunId: `${tag}-${r.pipelineRunId}`,
  }));
  // Each pipeline run goes into the transaction holding its first activity run.
  const batches: { pipelines: PipelineRunRecord[]; activities: ActivityRunRecord[] }[] = [];
  const placed = new Set<string>();
  for (let i = 0; i < copies.length; i += 2000) {
    const slice = copies.slice(i, i + 2000);
    const runs: PipelineRunRecord[] = [];
    for (const a of slice) {
      if (placed.has(a.pipelineRunId)) continue;
      placed.add(a.pipelineRunId);
      runs.push(pipelines.get(a.pipelineRunId)!);
    }
    batches.push({ pipelines: runs, activities: slice });
  }
  const c0 = cpuMs();
  const t0 = process.hrtime.bigint();
  for (const b of batches) await store.insertRunsRaw(b.pipelines, b.activities);
  checkpoint(database);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { count: copies.length, cpuMs: cpuMs() - c0, wallMs };
}

const sum = (ms: Measured[]): Measured => ({
  count: ms.reduce((n, m) => n + m.count, 0),
  cpuMs: ms.reduce((n, m) => n + m.cpuMs, 0),
  wallMs: ms.reduce((n, m) => n + m.wallMs, 0),
});

/**
 * Engine and raw inserts measured in alternation, `rounds` times each after a warm-up of both (JIT, prepared
 * statements), so that both sides see the same machine: on a shared one, load comes and goes within seconds.
 * The warm-up is as long as a measured round: after a shorter one (20 chain runs) the first measured engine
 * round still ran 1.5–2× slower on the main thread than the later ones (code still being optimised), and raw
 * inserts, a far smaller body of code, had no such tail. The rates are totals over all rounds.
 */
async function compare(
  store: RunsStore,
  database: Database,
  pipelines: Pipeline[],
  name: string,
  opts: { warmRepeat: number; repeat: number; rounds: number },
): Promise<{ engine: Measured; raw: Measured }> {
  const warm = await engineRuns(store, pipelines, name, opts.warmRepeat, database);
  await rawInserts(store, database, warm.runIds, 'warm');
  const engine: Measured[] = [];
  const raw: Measured[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const e = await engineRuns(store, pipelines, name, opts.repeat, database);
    engine.push(e);
    raw.push(await rawInserts(store, database, e.runIds, `raw${r}`));
  }
  return { engine: sum(engine), raw: sum(raw) };
}

const perCpuSecond = (m: Measured) => m.count / (m.cpuMs / 1000);
const perWallSecond = (m: Measured) => m.count / (m.wallMs / 1000);

function result(name: string, m: { engine: Measured; raw: Measured }): BenchResult {
  const rate = perCpuSecond(m.engine);
  const ratio = rate / perCpuSecond(m.raw);
  return {
    name,
    value: rate,
    unit: 'activity runs/CPU-s',
    baseline: { name: 'raw inserts of the same records, same store', value: perCpuSecond(m.raw) },
    goal: { text: 'ratio >= 0.5 and >= 5,000 activity runs/s', met: ratio >= 0.5 && rate >= 5000 },
    extra: {
      activityRuns: m.engine.count,
      wallMs: Math.round(m.engine.wallMs),
      wallRate: Math.round(perWallSecond(m.engine)),
      rawWallRate: Math.round(perWallSecond(m.raw)),
    },
  };
}

export default async function bench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const vars = { current: { type: 'String' as const }, seen: { type: 'Array' as const } };

  results.push(
    await withStore(
      async (store, database) =>
        result(
          'engine: ForEach of 10,000 SetVariable + AppendVariable iterations (×3, alternating with raw inserts)',
          await compare(store, database, [forEachPipeline('foreach10k', 10_000, setAndAppend, vars)], 'foreach10k', {
            warmRepeat: 1,
            repeat: 1,
            rounds: 3,
          }),
        ),
      { phaseCheckpoints: true },
    ),
  );

  results.push(
    await withStore(
      async (store, database) =>
        result(
          'engine: 100-activity dependency chain (×50 runs, ×10 alternating with raw inserts)',
          await compare(store, database, [chainPipeline(100)], 'chain', { warmRepeat: 50, repeat: 50, rounds: 10 }),
        ),
      { phaseCheckpoints: true },
    ),
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
      const e = await engineRuns(store, [forEachPipeline('foreach100k', 100_000, body, vars)], 'foreach100k', 1);
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      const mb = (n: number) => Math.round(n / 1048576);
      return {
        name: 'engine: ForEach of 100,000 items (ADF maximum), records persisted',
        value: perCpuSecond(e),
        unit: 'activity runs/CPU-s',
        goal: {
          text: 'completes with peak RSS growth <= 256 MB',
          met: e.count === 100_001 && peak - before <= 256 * 1048576,
        },
        extra: {
          activityRuns: e.count,
          wallMs: Math.round(e.wallMs),
          wallRate: Math.round(perWallSecond(e)),
          rssBeforeMB: mb(before),
          rssPeakMB: mb(peak),
          rssGrowthMB: mb(peak - before),
        },
      };
    }),
  );
  return results;
}
