import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after } from 'node:test';
import { systemClock } from '../../src/common/clock.js';
import { randomIds } from '../../src/common/ids.js';
import { createLogger } from '../../src/common/logger.js';
import { SecretRegistry } from '../../src/common/masking.js';
import { pino } from 'pino';
import { Engine } from '../../src/adf/engine/engine.js';
import { applyWorkspace, type AppliedWorkspace } from '../../src/adf/linked-services/workspace.js';
import { createRunRuntime, type RunRuntime } from '../../src/adf/linked-services/runtime.js';
import { loadFactory } from '../../src/adf/model/index.js';
import { loadWorkspace } from '../../src/adf/model/workspace/load.js';
import type { Factory } from '../../src/adf/model/types.js';
import { createKeyVault, type KeyVault } from '../../src/keyvault/api/plugin.js';
import type { RunningServer } from '../../src/server/start.js';
import { RunsStore, type ActivityRunRecord, type PipelineRunRecord } from '../../src/storage/runs-store.js';
import { startTestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

/** A factory folder in ADF git layout written from JSON objects: `{ 'pipeline/P.json': {...}, 'pipevault.json': {...} }`. */
export function writeFactory(files: Record<string, unknown>): string {
  const dir = tempDir();
  for (const [rel, json] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, typeof json === 'string' ? json : JSON.stringify(json, null, 2));
  }
  return dir;
}

export function pipeline(name: string, activities: unknown[], extra: Record<string, unknown> = {}) {
  return { name, properties: { activities, ...extra } };
}

export interface Harness {
  server: RunningServer;
  kv: KeyVault;
  factory: Factory;
  applied: AppliedWorkspace;
  runtime: RunRuntime;
  registry: SecretRegistry;
  engine: Engine;
  runs: RunsStore;
  run(
    pipelineName: string,
    parameters?: Record<string, unknown>,
  ): Promise<{ run: PipelineRunRecord; activities: ActivityRunRecord[] }>;
}

/**
 * The embedded composition the CLI uses, over real HTTPS: a server on an ephemeral loopback port in a temp
 * data dir, the factory folder's workspace applied, the run services, an engine recording into the server's
 * store with masking.
 */
export async function harness(
  dir: string,
  opts: { env?: Record<string, string>; allowEgress?: boolean; dataDir?: string; logFile?: string } = {},
): Promise<Harness> {
  const registry = new SecretRegistry();
  // debug-level server logs, masked with the run's secrets, when a test wants to scan them
  const logger = opts.logFile
    ? createLogger({
        level: 'debug',
        destination: pino.destination({ dest: opts.logFile, sync: true }),
        secrets: registry,
      })
    : undefined;
  const server = await startTestServer({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(logger ? { logger } : {}),
  });
  const { store, barrier, identity, clock, ids } = server.deps;
  const kv = createKeyVault({ store, barrier, identity, clock, ids });
  const factory = await loadFactory(dir);
  const workspace = loadWorkspace(dir, { env: { ...process.env, ...opts.env } });
  const applied = await applyWorkspace({ kv, identity, workspace, factory, ...(logger ? { logger } : {}) });
  const runtime = createRunRuntime({
    factory,
    server: { url: server.url, address: '127.0.0.1', port: server.port, ca: server.ca, tenantId: server.tenantId },
    factoryAppId: applied.factoryIdentity.appId,
    vaultExists: async (n) => !!(await kv.vaults.find(n)),
    hosts: workspace?.hosts,
    allowEgress: opts.allowEgress ?? workspace?.allowEgress,
    clock: systemClock,
    registerSecret: (v) => registry.register(v),
  });
  after(() => runtime.close());
  const runs = await RunsStore.open({ database: store });
  const engine = new Engine({
    store: runs,
    pipelines: factory.pipelines,
    factoryName: applied.factoryName,
    clock: systemClock,
    ids: randomIds,
    ...(logger ? { logger } : {}),
    services: runtime.services,
    maskRecord: (v) => (registry.size ? registry.maskJson(v) : v),
  });
  return {
    server,
    kv,
    factory,
    applied,
    runtime,
    registry,
    engine,
    runs,
    async run(pipelineName, parameters = {}) {
      const h = await engine.createRun({ pipelineName, parameters });
      const run = await h.done;
      const activities = await runs.listActivityRuns(run.runId);
      return { run, activities };
    },
  };
}

export type Handler = (req: IncomingMessage & { body: string }, res: ServerResponse) => unknown;

/** A local stand-in API on an ephemeral loopback port (plain HTTP), closed when the suite ends. */
export async function standIn(handler: Handler): Promise<{
  url: string;
  port: number;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
}> {
  const requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      Promise.resolve(handler(Object.assign(req, { body }), res)).catch((e) => {
        res.writeHead(500);
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, port, requests };
}
