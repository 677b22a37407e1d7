/**
 * Masking overhead on a run-sized workload: 1,000 activity run records with realistic inputs and outputs (Web
 * activity outputs with response headers, Lookup rows, URLs with query strings; one in fifty holding a secret)
 * and 20 registered secrets. "The same work" is what a run does with its records: save each to the runs store
 * (a real SQLite file, its write-behind buffer, one transaction per flush) and read them back as the monitoring
 * API does. The measured figure adds `maskJson` on every record before it is saved. Goal: under 10% slower.
 * A second figure runs a real pipeline (a ForEach of 500 × SetVariable + AppendVariable: 1,001 activity runs,
 * every record persisted) with the engine's masking on (20 secrets registered, one of them a SecureString
 * parameter the loop writes into every 50th variable value) against the same run with masking off.
 * A third isolates masking against bare record serialisation, the harshest baseline there is.
 *
 * On a shared machine each figure is the median of many rounds, taken in ABBA order (plain, masked, masked,
 * plain, …) so drift and the cost of going second hit both sides alike; the real run also reports its CPU-time
 * overhead and the time spent inside masking itself per activity run, a figure that does not move with the
 * engine's speed. The database lives in tmpfs where there is one (see bench()).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as MaskingModule from '../src/common/masking.js';
import type * as EngineModule from '../src/adf/engine/engine.js';
import type { Pipeline } from '../src/adf/model/types.js';
import type * as DatabaseModule from '../src/storage/database.js';
import type * as RunsStoreModule from '../src/storage/runs-store.js';
import type { ActivityRunRecord } from '../src/storage/runs-store.js';
import type { BenchResult } from './harness.js';

// PIPEVAULT_BENCH_DIST=1 measures the compiled code (`npx tsc -p tsconfig.build.json` first), as `pipevault`
// runs it, instead of the TypeScript sources through tsx.
const code = process.env.PIPEVAULT_BENCH_DIST === '1' ? '../dist' : '../src';
const { SecretRegistry } = (await import(`${code}/common/masking.js`)) as typeof MaskingModule;
const { Engine } = (await import(`${code}/adf/engine/engine.js`)) as typeof EngineModule;
const { openDatabase } = (await import(`${code}/storage/database.js`)) as typeof DatabaseModule;
const { RunsStore } = (await import(`${code}/storage/runs-store.js`)) as typeof RunsStoreModule;
type SecretRegistry = MaskingModule.SecretRegistry;
type RunsStore = RunsStoreModule.RunsStore;

const SECRETS = Array.from({ length: 20 }, (_, i) =>
  i % 3 === 0 ? `P@ssw0rd-${i}-${'x'.repeat(i)}!` : Buffer.from(`secret-key-material-${i}`).toString('base64'),
);
const RECORDS = 1000;

function activityRecord(i: number, runId: string): ActivityRunRecord {
  const leak = i % 50 === 0 ? SECRETS[i % SECRETS.length] : `value-${i}`;
  return {
    activityRunId: `${runId}-${i}`,
    activityName: `Activity ${i}`,
    activityType: ['WebActivity', 'Lookup', 'ExecutePipeline', 'SetVariable'][i % 4],
    pipelineRunId: runId,
    pipelineName: 'pl_ingest_sales',
    linkedServiceName: null,
    status: 'Succeeded',
    activityRunStart: '2026-11-27T12:00:00.000Z',
    activityRunEnd: '2026-11-27T12:00:01.234Z',
    durationInMs: 1234,
    input: {
      method: 'GET',
      url: `https://api.contoso.com/v1/items/${i}?api-version=2024-01-01&filter=${encodeURIComponent(`name eq '${leak}'`)}`,
      headers: { 'Content-Type': 'application/json', 'x-request-id': `req-${i}` },
      authentication: { type: 'MSI', resource: 'https://vault.azure.net' },
      body: { items: [{ id: i, name: `item ${i}`, tags: ['a', 'b', 'c'] }] },
    },
    output: {
      firstRow: { CustomerId: i, Name: `Customer ${i}`, Region: 'West Europe', Updated: '2026-11-01T00:00:00Z' },
      value: [
        { id: `${i}-a`, score: 0.5, note: 'lorem ipsum dolor sit amet consectetur' },
        { id: `${i}-b`, score: 0.7, note: `adipiscing elit ${leak}` },
      ],
      ADFWebActivityResponseHeaders: {
        'Content-Type': 'application/json; charset=utf-8',
        Date: 'Fri, 27 Nov 2026 12:00:01 GMT',
        'x-ms-request-id': `8a7b6c5d-${i}`,
      },
      effectiveIntegrationRuntime: 'AutoResolveIntegrationRuntime (West Europe)',
      executionDuration: 1,
      durationInQueue: { integrationRuntimeQueue: 0 },
      billingReference: {
        activityType: 'ExternalActivity',
        billableDuration: [{ meterType: 'AzureIR', duration: 0.016666666666666666, unit: 'Hours' }],
      },
    },
    error: null,
    retryAttempt: null,
    userProperties: {},
    iterationHash: null,
    parentActivityRunId: null,
    iteration: null,
    secureInput: false,
    secureOutput: false,
    seq: i,
  };
}

type Mask = (<T>(v: T) => T) | undefined;

async function storeWorkload(store: RunsStore, runId: string, mask: Mask): Promise<void> {
  for (let i = 0; i < RECORDS; i++) {
    const record = activityRecord(i, runId);
    store.saveActivityRun(mask ? mask(record) : record);
  }
  await store.flush();
  await store.listActivityRuns(runId);
}

function serialiseWorkload(mask: Mask): number {
  let bytes = 0;
  for (let i = 0; i < RECORDS; i++) {
    const record = activityRecord(i, 'run');
    bytes += JSON.stringify(mask ? mask(record) : record).length;
  }
  return bytes;
}

const e = (value: string) => ({ value, type: 'Expression' });
const LOOP: Pipeline = {
  name: 'loop',
  properties: {
    parameters: { token: { type: 'SecureString' } },
    variables: { current: { type: 'String' }, seen: { type: 'Array' } },
    activities: [
      {
        name: 'Loop',
        type: 'ForEach',
        typeProperties: {
          items: e('@range(0, 500)'),
          isSequential: true,
          activities: [
            {
              name: 'Set',
              type: 'SetVariable',
              typeProperties: {
                variableName: 'current',
                value: e(
                  "@concat('item-', string(item()), ' of the nightly load; ', if(equals(mod(item(), 50), 0), pipeline().parameters.token, 'no secret here'))",
                ),
              },
            },
            {
              name: 'Append',
              type: 'AppendVariable',
              dependsOn: [{ activity: 'Set', dependencyConditions: ['Succeeded'] }],
              typeProperties: { variableName: 'seen', value: e("@variables('current')") },
            },
          ],
        },
      },
    ],
  },
};

async function engineRun(store: RunsStore, masked: boolean, onMask?: (ms: number) => void): Promise<number> {
  let secrets: SecretRegistry | undefined;
  if (masked) {
    secrets = new SecretRegistry();
    for (const v of SECRETS) secrets.register(v);
  }
  // Only for the per-record figure: the engine's own default (secrets.maskJson), timed around each call.
  const maskRecord =
    secrets && onMask
      ? (v: unknown) => {
          const t0 = performance.now();
          const shown = secrets.maskJson(v);
          onMask(performance.now() - t0);
          return shown;
        }
      : undefined;
  const engine = new Engine({
    store,
    pipelines: new Map([['loop', LOOP]]),
    ...(secrets ? { secrets } : {}),
    ...(maskRecord ? { maskRecord } : {}),
  });
  const handle = await engine.createRun({ pipelineName: 'loop', parameters: { token: SECRETS[0] } });
  const run = await handle.done;
  await engine.idle();
  if (run.status !== 'Succeeded') throw new Error(`bench run ${run.status}: ${run.message}`);
  return store.countActivityRuns(run.runId);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall and CPU milliseconds of one call (CPU: every thread of the process, the store's included). */
async function timeMs(fn: () => unknown): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

interface Comparison {
  plain: number;
  masked: number;
  plainCpu: number;
  maskedCpu: number;
  /** Median of masked/plain over the rounds, each round's two runs side by side: steadier under load. */
  pairedRatio: number;
}

/**
 * Rounds in ABBA order (plain, masked, masked, plain, …) so drift on a shared machine and the cost of going
 * second hit both sides alike; returns the medians of wall and CPU time.
 */
async function compare(rounds: number, plain: () => unknown, masked: () => unknown): Promise<Comparison> {
  const a: { wall: number; cpu: number }[] = [];
  const b: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      a.push(await timeMs(plain));
      b.push(await timeMs(masked));
    } else {
      b.push(await timeMs(masked));
      a.push(await timeMs(plain));
    }
  }
  return {
    plain: median(a.map((x) => x.wall)),
    masked: median(b.map((x) => x.wall)),
    plainCpu: median(a.map((x) => x.cpu)),
    maskedCpu: median(b.map((x) => x.cpu)),
    pairedRatio: median(a.map((x, i) => b[i].wall / x.wall)),
  };
}

const percent = (masked: number, plain: number) => Number(((masked / plain - 1) * 100).toFixed(1));

export default async function bench(): Promise<BenchResult[]> {
  const buildStart = process.hrtime.bigint();
  const registry = new SecretRegistry();
  for (const s of SECRETS) registry.register(s);
  registry.maskString('warm'); // builds the matcher
  const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;
  const mask = <T>(v: T) => registry.maskJson(v);

  // In memory (tmpfs) where there is one: a checkpoint's disk wait, which on a shared machine depends on
  // everyone else's I/O, would swamp the difference measured, and a faster store only makes masking's share larger.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'pipevault-bench-masking-'));
  const database = await openDatabase({ url: `sqlite:${join(dir, 'store.db')}` });
  const results: BenchResult[] = [];
  try {
    const store = await RunsStore.open({ database });
    let n = 0;
    for (let i = 0; i < 3; i++) {
      await storeWorkload(store, `warm-${n++}`, undefined);
      await storeWorkload(store, `warm-${n++}`, mask);
    }
    // One run-id pattern for both sides: the store's indexes see the same kind of keys whichever side it is.
    const st = await compare(
      30,
      () => storeWorkload(store, `run-${n++}`, undefined),
      () => storeWorkload(store, `run-${n++}`, mask),
    );
    const [base, masked] = [st.plain, st.masked];
    const overhead = masked / base - 1;
    results.push({
      name: `masking: ${RECORDS} activity run records saved to the runs store and read back, 20 secrets`,
      value: masked,
      unit: 'ms',
      baseline: { name: 'the same records saved and read back without masking', value: base },
      goal: { text: 'overhead < 10%', met: overhead < 0.1 },
      extra: {
        overheadPercent: Number((overhead * 100).toFixed(1)),
        pairedOverheadPercent: Number(((st.pairedRatio - 1) * 100).toFixed(1)),
        cpuOverheadPercent: percent(st.maskedCpu, st.plainCpu),
        matcherBuildMs: Number(buildMs.toFixed(2)),
      },
    });
    for (let i = 0; i < 3; i++) {
      await engineRun(store, false);
      await engineRun(store, true);
    }
    const en = await compare(
      60,
      () => engineRun(store, false),
      () => engineRun(store, true),
    );
    const [eBase, eMasked] = [en.plain, en.masked];
    // Masking's own cost in a masked run (every call the engine makes, whatever it masks per call), per activity
    // run; measured outside the rounds, since timing each call costs a little itself.
    const perRun: number[] = [];
    for (let i = 0; i < 9; i++) {
      let maskMs = 0;
      const runs = await engineRun(store, true, (ms) => (maskMs += ms));
      perRun.push((maskMs * 1000) / runs);
    }
    const activityRuns = await engineRun(store, true);
    const eOverhead = eMasked / eBase - 1;
    results.push({
      name: `masking: a real run of ${activityRuns} activity runs (ForEach 500 × SetVariable + AppendVariable), 20 secrets`,
      value: eMasked,
      unit: 'ms',
      baseline: { name: 'the same run with masking off', value: eBase },
      goal: { text: 'overhead < 10%', met: eOverhead < 0.1 },
      extra: {
        overheadPercent: Number((eOverhead * 100).toFixed(1)),
        pairedOverheadPercent: Number(((en.pairedRatio - 1) * 100).toFixed(1)),
        cpuOverheadPercent: percent(en.maskedCpu, en.plainCpu),
        maskingMicrosecondsPerActivityRun: Number(median(perRun).toFixed(2)),
      },
    });
    await store.close();
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }

  for (let i = 0; i < 5; i++) {
    serialiseWorkload(undefined);
    serialiseWorkload(mask);
  }
  const se = await compare(
    20,
    () => serialiseWorkload(undefined),
    () => serialiseWorkload(mask),
  );
  const [sBase, sMasked] = [se.plain, se.masked];
  results.push({
    name: `masking: ${RECORDS} activity run records built and serialised (masking alone)`,
    value: sMasked,
    unit: 'ms',
    baseline: { name: 'the same records built and serialised without masking', value: sBase },
    extra: {
      overheadPercent: Number(((sMasked / sBase - 1) * 100).toFixed(1)),
      perRecordMicroseconds: Number((((sMasked - sBase) * 1000) / RECORDS).toFixed(2)),
    },
  });
  return results;
}
