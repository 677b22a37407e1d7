/**
 * The monitor opening a run with 10,001 activity runs (a ForEach over 5,000 items, two activities each), in
 * Debian's chromium driven by playwright-core: time from navigation start to the run's graph and its first
 * activity runs both visible, in a fresh browser context each time (nothing cached). Baseline, same run, same
 * machine: a static page of the same size (the monitor's stylesheet and a script as large as its bundle, sent
 * with the same compression over loopback HTTPS) until its rows are visible.
 * Goal (issue 6 §2): the run opens in under 2 seconds.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import type { BenchResult } from './harness.js';

const CHROMIUM = process.env.PIPEVAULT_CHROMIUM ?? '/usr/bin/chromium';
const OPENS = Number(process.env.PV_BENCH_MONITOR_OPENS ?? 5);
const ITEMS = 5000;
const F =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault/providers/Microsoft.DataFactory/factories/default';
const V = 'api-version=2018-06-01';

/**
 * performance.now() (ms since navigation start) once a graph node and activity-run rows are visible. No named
 * inner functions: tsx's keepNames helper does not exist in the page (and the page's CSP forbids strings).
 */
function visible(): number | false {
  const want: [string, string][] = [
    ['.gnode', 'Step two'],
    ['[aria-label="Activity runs"] .vrow', 'Step one'],
  ];
  return want.every(([sel, text]) =>
    Array.from(document.querySelectorAll(sel)).some((e) => (e.textContent ?? '').includes(text) && e.checkVisibility()),
  )
    ? performance.now()
    : false;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A script of `size` bytes that a browser must parse like real code, then draws 40 rows. */
function staticScript(size: number): string {
  const tail = `
const list = document.getElementById('list');
for (let i = 0; i < 40; i++) {
  const row = document.createElement('div');
  row.className = 'vrow';
  row.textContent = 'Step one #' + i + ' ' + DATA[i % DATA.length];
  list.appendChild(row);
}
document.getElementById('graph').textContent = 'Step two';`;
  const parts: string[] = ['const DATA = ['];
  let n = parts[0].length + tail.length + 3;
  let seed = 7;
  while (n < size) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const item = `{id:${seed},name:"act${seed.toString(36)}",f:function(x){return x*${seed % 97}+${seed % 13};}},`;
    parts.push(item);
    n += item.length;
  }
  parts.push('];', tail);
  return parts.join('');
}

function startStatic(o: { cert: string; key: string; css: Buffer; scriptSize: number }): Promise<Server> {
  const br = (b: Buffer | string) =>
    brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } });
  const files: Record<string, { type: string; body: Buffer }> = {
    '/': {
      type: 'text/html; charset=utf-8',
      body: Buffer.from(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>static</title>' +
          '<link rel="stylesheet" href="/s.css"><script type="module" src="/s.js"></script></head>' +
          '<body><div id="graph" class="gnode"></div><div id="list" role="list" aria-label="Activity runs"></div></body></html>',
      ),
    },
    '/s.css': { type: 'text/css', body: br(o.css) },
    '/s.js': { type: 'text/javascript', body: br(staticScript(o.scriptSize)) },
  };
  const server = createServer({ cert: o.cert, key: o.key }, (req, res) => {
    const f = files[req.url ?? ''];
    if (!f) return res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': f.type,
      'cache-control': 'no-store',
      ...(req.url === '/' ? {} : { 'content-encoding': 'br' }),
    });
    res.end(f.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export default async function bench(): Promise<BenchResult[]> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  const { startServer } = await import('../src/server/start.js');
  const { ensureTls } = await import('../src/server/tls.js');
  const { createAgent, httpsRequest } = await import('../src/cli/client/https.js');
  const { uiDir } = await import('../src/server/ui-assets.js');

  const ui = uiDir();
  if (!ui) throw new Error('the monitor is not built (npm run build:ui)');
  const root = mkdtempSync(join(tmpdir(), 'pipevault-bench-monitor-'));
  const dataDir = join(root, 'data');
  const server = await startServer({ dataDir, host: '127.0.0.1', port: 0 });
  const agent = createAgent(server.ca);
  // the loopback monitor's way in: no token, the UI header
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await httpsRequest({
      url: `${server.url}${path}`,
      method,
      headers: { 'x-pipevault-ui': '1' },
      body,
      agent,
    });
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.json as Record<string, unknown>;
  };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
  let statics: Server | undefined;
  try {
    await call('PUT', `${F}/pipelines/big?${V}`, {
      properties: {
        activities: [
          {
            name: 'Fan out',
            type: 'ForEach',
            typeProperties: {
              items: { value: `@range(0, ${ITEMS})`, type: 'Expression' },
              batchCount: 50,
              activities: [
                { name: 'Step one', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } },
                {
                  name: 'Step two',
                  type: 'Wait',
                  dependsOn: [{ activity: 'Step one', dependencyConditions: ['Succeeded'] }],
                  typeProperties: { waitTimeInSeconds: 0 },
                },
              ],
            },
          },
        ],
      },
    });
    const { runId } = (await call('POST', `${F}/pipelines/big/createRun?${V}`)) as { runId: string };
    for (;;) {
      const r = await call('GET', `${F}/pipelineruns/${runId}?${V}`);
      if (r.status === 'Succeeded') break;
      if (!['Queued', 'InProgress'].includes(String(r.status)))
        throw new Error(`the bench run ${String(r.status)}: ${String(r.message)}`);
      await new Promise((res) => setTimeout(res, 100));
    }

    const assets = join(ui, 'assets');
    const raw = (ext: string) =>
      readdirSync(assets)
        .filter((n) => n.endsWith(ext))
        .map((n) => readFileSync(join(assets, n)));
    const scriptSize = raw('.js').reduce((s, b) => s + b.length, 0);
    const css = Buffer.concat(raw('.css'));
    const tls = await ensureTls({ dataDir, hosts: ['127.0.0.1'], clock: { now: () => Date.now() } });
    statics = await startStatic({ cert: tls.cert, key: tls.key, css, scriptSize });
    const staticUrl = `https://127.0.0.1:${(statics.address() as { port: number }).port}/`;

    /** Opens `url` in a fresh context; ms from navigation start until a graph node and list rows are visible. */
    const open = async (url: string, bytes?: { n: number }) => {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 } });
      try {
        const page = await context.newPage();
        if (bytes) {
          page.on('requestfinished', (req) => {
            void req.sizes().then((s) => (bytes.n += s.responseBodySize + s.responseHeadersSize));
          });
        }
        await page.goto(url, { waitUntil: 'commit' });
        const t = await page.waitForFunction(visible, null, { polling: 'raf', timeout: 60_000 });
        return Math.round((await t.jsonValue()) as number);
      } finally {
        await context.close();
      }
    };

    const monitorUrl = `${server.url}/#/runs/${runId}`;
    // warm-up: the server's first layout and query plans, the browser's process start
    await open(monitorUrl);
    await open(staticUrl);
    const monitor: number[] = [];
    const baseline: number[] = [];
    const bytes = { n: 0 };
    for (let i = 0; i < OPENS; i++) {
      monitor.push(await open(monitorUrl, i === 0 ? bytes : undefined));
      baseline.push(await open(staticUrl));
    }
    const m = median(monitor);
    return [
      {
        name: `monitor: open a run with ${(2 * ITEMS + 1).toLocaleString('en-US')} activity runs (graph + activity list visible)`,
        value: m,
        unit: 'ms',
        baseline: { name: 'static page of the same size, same compression', value: median(baseline) },
        goal: { text: '< 2000 ms', met: m < 2000 },
        extra: {
          opens: OPENS,
          monitorMs: monitor.join('/'),
          baselineMs: baseline.join('/'),
          transferredKB: Math.round(bytes.n / 1024),
          scriptKB: Math.round(scriptSize / 1024),
        },
      },
    ];
  } finally {
    await browser.close();
    statics?.close();
    agent.destroy();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
