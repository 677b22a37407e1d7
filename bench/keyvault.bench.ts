/**
 * Authenticated secret GET over HTTPS with keep-alive — token verification, store read, decrypt, audit write —
 * against a bare fastify TLS route returning the same JSON, in the same run, at 50 connections.
 *
 * Each server runs in its own child process (this file, started with PV_BENCH_ROLE=server|bare) so the load loop
 * here does not share an event loop with it; the load loop is a closed loop of 50 keep-alive connections, each
 * sending its next request when the previous answer is in. Goal (issue 3 §5): at least 60% of the bare route's
 * throughput and p99 under 5 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './harness.js';

const CONNECTIONS = 50;
const WARMUP_MS = 1000;
const MEASURE_MS = 2500;
/** Rounds alternate bare and ours, so a change in machine load hits both sides alike. */
const ROUNDS = 3;
const SECRET = 'bench-secret';

interface Ready {
  url: string;
  path: string;
  token?: string;
  ca: string;
  certFile?: string;
  keyFile?: string;
  body?: string;
}

async function serverRole(): Promise<void> {
  const { startServer } = await import('../src/server/start.js');
  const { createKeyVault } = await import('../src/keyvault/api/plugin.js');
  const { parseAccessPolicies } = await import('../src/keyvault/domain/validate.js');
  const dataDir = process.env.PV_BENCH_DIR as string;
  const s = await startServer({ dataDir, port: 0, store: process.env.PV_BENCH_STORE || undefined });
  const sp = await s.identity.createServicePrincipal({ displayName: 'bench-reader' });
  const kv = createKeyVault(s.deps);
  await kv.vaults.updateAccessPolicies(
    'default',
    'add',
    parseAccessPolicies([{ objectId: sp.principal.objectId, permissions: { secrets: ['get'] } }], 'bench', s.tenantId),
  );
  const vault = await kv.vaults.get('default');
  await kv.secrets.set(vault, SECRET, { value: 'x'.repeat(64), contentType: 'text/plain' });
  const token = await s.identity.issueToken({
    principal: sp.principal,
    resource: 'https://vault.azure.net',
    host: `localhost:${s.port}`,
  });
  const ready: Ready = {
    url: s.url,
    path: `/secrets/${SECRET}?api-version=7.4`,
    token: token.accessToken,
    ca: s.ca,
    certFile: join(dataDir, 'tls', 'cert.pem'),
    keyFile: join(dataDir, 'tls', 'key.pem'),
  };
  process.stdout.write(JSON.stringify(ready) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void s.close().then(() => process.exit(0)));
}

async function bareRole(): Promise<void> {
  const { fastify } = await import('fastify');
  const body = process.env.PV_BENCH_BODY as string;
  const app = fastify({
    https: {
      cert: readFileSync(process.env.PV_BENCH_CERT as string),
      key: readFileSync(process.env.PV_BENCH_KEY as string),
    },
  });
  app.get('/secrets/:name', async (_req, reply) => reply.type('application/json; charset=utf-8').send(body));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const ready: Ready = { url: `https://localhost:${port}`, path: `/secrets/${SECRET}?api-version=7.4`, ca: '' };
  process.stdout.write(JSON.stringify(ready) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void app.close().then(() => process.exit(0)));
}

function startRole(
  role: 'server' | 'bare',
  env: Record<string, string>,
): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname], {
    env: { ...process.env, ...env, PV_BENCH_ROLE: role, PIPEVAULT_LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ready: JSON.parse(line) as Ready });
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

function get(agent: Agent, ready: Ready): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (ready.token) headers.authorization = `Bearer ${ready.token}`;
    const req = request(`${ready.url}${ready.path}`, { agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  latencies: number[];
  seconds: number;
}

function combine(rounds: LoadResult[]): LoadResult {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return {
    rps: latencies.length / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    latencies,
    seconds,
  };
}

/** A closed loop: CONNECTIONS workers, each sending its next request when the last answer is in. */
async function load(ready: Ready, ca: string): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca });
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const t0 = process.hrtime.bigint();
      const r = await get(agent, ready);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!measuring) continue;
      if (r.status !== 200) errors++;
      else latencies.push(ms);
    }
  };
  const workers = Array.from({ length: CONNECTIONS }, worker);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  measuring = true;
  const start = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  measuring = false;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  return combine([{ rps: 0, p50: 0, p99: 0, errors, latencies, seconds: elapsed }]);
}

export default async function bench(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pipevault-bench-kv-'));
  const children: ChildProcess[] = [];
  try {
    const ours = await startRole('server', { PV_BENCH_DIR: dataDir });
    children.push(ours.child);
    const sample = await get(new Agent({ ca: ours.ready.ca }), ours.ready);
    if (sample.status !== 200) throw new Error(`secret GET answered ${sample.status}: ${sample.body}`);
    const bare = await startRole('bare', {
      PV_BENCH_CERT: ours.ready.certFile as string,
      PV_BENCH_KEY: ours.ready.keyFile as string,
      PV_BENCH_BODY: sample.body,
    });
    children.push(bare.child);
    const bareRounds: LoadResult[] = [];
    const ourRounds: LoadResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bareRounds.push(await load(bare.ready, ours.ready.ca));
      ourRounds.push(await load(ours.ready, ours.ready.ca));
    }
    const baseline = combine(bareRounds);
    const measured = combine(ourRounds);
    const ratio = measured.rps / baseline.rps;
    return [
      {
        name: `keyvault: authenticated secret GET, HTTPS keep-alive, ${CONNECTIONS} connections`,
        value: measured.rps,
        unit: 'req/s',
        baseline: { name: 'bare fastify TLS route, same JSON', value: baseline.rps },
        goal: { text: 'ratio >= 0.6 and p99 < 5 ms', met: ratio >= 0.6 && measured.p99 < 5 && measured.errors === 0 },
        extra: {
          'p50 ms': measured.p50,
          'p99 ms': measured.p99,
          'baseline p50 ms': baseline.p50,
          'baseline p99 ms': baseline.p99,
          errors: measured.errors,
        },
      },
    ];
  } finally {
    for (const c of children) {
      const exited = new Promise((r) => c.once('exit', r));
      c.stdin?.end();
      const t = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.env.PV_BENCH_ROLE === 'server') await serverRole();
else if (process.env.PV_BENCH_ROLE === 'bare') await bareRole();
