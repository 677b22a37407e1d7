/**
 * The product's scenario at volume: a ForEach (batchCount 50) of 10,000 Web activities, each GETting a vault
 * secret with the factory's managed identity (secure output, records written, masking on), against a raw loop of
 * the same HTTPS GETs — same server, same URL routing, same token, 50 at a time — measured in the same run.
 * Goal (issue 5 §5): the pipeline reaches at least 50% of the raw loop's rate (wall time, the better of two
 * alternating rounds each); rates per CPU-second of the process are printed beside, stable on a shared machine.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './harness.js';

const N = Number(process.env.PV_BENCH_WEB_N ?? 10_000);
const CONCURRENCY = 50;
const ROUNDS = Number(process.env.PV_BENCH_WEB_ROUNDS ?? 2);
const VAULT = 'bench-kv';
const SECRET_URL = `https://${VAULT}.vault.azure.net/secrets/bench-secret?api-version=7.0`;

function writeFactory(dir: string): void {
  const files: Record<string, unknown> = {
    'pipeline/ReadMany.json': {
      name: 'ReadMany',
      properties: {
        parameters: { n: { type: 'Int', defaultValue: N } },
        activities: [
          {
            name: 'Each',
            type: 'ForEach',
            typeProperties: {
              items: { value: '@range(0, pipeline().parameters.n)', type: 'Expression' },
              isSequential: false,
              batchCount: CONCURRENCY,
              activities: [
                {
                  name: 'Get secret',
                  type: 'WebActivity',
                  policy: { timeout: '0.00:10:00', retry: 0, secureOutput: true, secureInput: false },
                  typeProperties: {
                    url: SECRET_URL,
                    method: 'GET',
                    authentication: { type: 'MSI', resource: 'https://vault.azure.net' },
                  },
                },
              ],
            },
          },
        ],
      },
    },
    'pipevault.json': {
      factory: { name: 'bench-factory' },
      vaults: {
        [VAULT]: {
          secrets: { 'bench-secret': { value: 'bench-value-0123456789abcdef' } },
          accessPolicies: [{ principal: 'factory', secrets: ['get'] }],
        },
      },
    },
  };
  for (const [rel, json] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), JSON.stringify(json));
  }
}

/** The raw loop: CONCURRENCY workers, each sending its next GET when the previous answer is in. */
async function rawLoop(o: {
  port: number;
  ca: string;
  token: string;
  n: number;
}): Promise<{ rate: number; cpuRate: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: o.ca });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: o.port,
          path: '/secrets/bench-secret?api-version=7.0',
          servername: `${VAULT}.vault.azure.net`,
          headers: { host: `${VAULT}.vault.azure.net`, authorization: `Bearer ${o.token}`, accept: 'application/json' },
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`raw GET answered ${res.statusCode}`));
            JSON.parse(Buffer.concat(chunks).toString('utf8'));
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  let next = 0;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < o.n) {
        next++;
        await get();
      }
    }),
  );
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  const c = cpuSeconds(cpu);
  agent.destroy();
  return { rate: o.n / s, cpuRate: o.n / c };
}

/** CPU seconds of this process (client, server and engine are all in it) since `from`. */
function cpuSeconds(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

export default async function bench(): Promise<BenchResult[]> {
  const { startServer } = await import('../src/server/start.js');
  const { openFactorySession } = await import('../src/server/factory-session.js');
  const { loadFactory } = await import('../src/adf/model/index.js');
  const { loadWorkspace } = await import('../src/adf/model/workspace/load.js');
  const { Engine } = await import('../src/adf/engine/engine.js');
  const { RunsStore } = await import('../src/storage/runs-store.js');
  const { SecretRegistry } = await import('../src/common/masking.js');

  const root = mkdtempSync(join(tmpdir(), 'pipevault-bench-web-'));
  const factoryDir = join(root, 'factory');
  writeFactory(factoryDir);
  const server = await startServer({ dataDir: join(root, 'data'), host: '127.0.0.1', port: 0 });
  try {
    const factory = await loadFactory(factoryDir, { factoryName: 'bench-factory' });
    const workspace = loadWorkspace(factoryDir);
    const secrets = new SecretRegistry();
    const session = await openFactorySession({
      server,
      factory,
      workspace,
      registerSecret: (v) => secrets.register(v),
    });
    const runs = await RunsStore.open({ database: server.deps.store });
    const engine = new Engine({
      store: runs,
      pipelines: factory.pipelines,
      factoryName: session.applied.factoryName,
      services: session.runtime.services,
      secrets,
    });
    const { token } = await session.runtime.tokens.tokenFor({ kind: 'factory' }, 'https://vault.azure.net');

    // warm-up of both paths (connections, token cache, JIT)
    await rawLoop({ port: server.port, ca: server.ca, token, n: 500 });
    await (
      await engine.createRun({ pipelineName: 'ReadMany', parameters: { n: 500 } })
    ).done;

    // Two rounds, each path once per round, the better of each kept: on a shared machine the load changes
    // between one measurement and the next, and alternating keeps it from favouring one side.
    let raw = { rate: 0, cpuRate: 0 };
    let best = { rate: 0, cpuRate: 0, seconds: 0, runId: '' };
    for (let round = 0; round < ROUNDS; round++) {
      const r = await rawLoop({ port: server.port, ca: server.ca, token, n: N });
      raw = { rate: Math.max(raw.rate, r.rate), cpuRate: Math.max(raw.cpuRate, r.cpuRate) };
      const start = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const run = await (await engine.createRun({ pipelineName: 'ReadMany', parameters: { n: N } })).done;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpuRate = N / cpuSeconds(cpu);
      if (run.status !== 'Succeeded') throw new Error(`the bench pipeline ${run.status}: ${run.message}`);
      if (N / seconds > best.rate) best = { ...best, rate: N / seconds, seconds, runId: run.runId };
      best.cpuRate = Math.max(best.cpuRate, cpuRate);
    }
    const rawRate = raw.rate;
    const { seconds } = best;
    const count = await runs.countActivityRuns(best.runId);
    const rate = best.rate;
    const ratio = rate / rawRate;
    await session.close();
    return [
      {
        name: 'web: ForEach(batchCount 50) of Web activities reading a vault secret with MSI',
        value: Math.round(rate),
        unit: 'activities/s',
        baseline: { name: 'raw HTTPS GET loop, 50 concurrent, same token', value: Math.round(rawRate) },
        goal: { text: 'ratio >= 0.5', met: ratio >= 0.5 },
        extra: {
          activities: N,
          ratio: Number(ratio.toFixed(3)),
          seconds: Number(seconds.toFixed(2)),
          cpuRate: Math.round(best.cpuRate),
          rawCpuRate: Math.round(raw.cpuRate),
          cpuRatio: Number((best.cpuRate / raw.cpuRate).toFixed(3)),
          rounds: ROUNDS,
          activityRunsRecorded: count,
        },
      },
    ];
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
