import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the monitor (src/ui, built by Vite into dist/ui) at `/`. Assets have content-hashed names and are
 * cached for a year; index.html is never cached. Text assets are sent brotli- or gzip-compressed when the
 * client accepts it, from the `.br` / `.gz` files the build wrote beside them. A strict Content-Security-Policy: the page talks only to
 * this server.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** dist/ui next to the compiled server (dist/server), or the repo's dist/ui when running from sources. */
export function uiDir(): string | undefined {
  const candidates = [new URL('../ui/', import.meta.url), new URL('../../dist/ui/', import.meta.url)].map((u) =>
    fileURLToPath(u),
  );
  return candidates.find((d) => existsSync(join(d, 'index.html')) && existsSync(join(d, 'assets')));
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>pipevault</title>
<body style="font-family:system-ui;padding:2rem"><h1>pipevault</h1><p>The monitor is not built. Run <code>npm run build</code> (or <code>npm ci</code>) and restart the server.</p></body></html>`;

const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** The best precompressed variant the client accepts (q=0 refuses one), or undefined for the file itself. */
function pickEncoding(acceptEncoding: string, file: string): (typeof ENCODINGS)[number] | undefined {
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    accepted.set(name, q ? Number(q[1]) : 1);
  }
  return ENCODINGS.find((e) => {
    const q = accepted.get(e.name) ?? (accepted.has('*') ? accepted.get('*')! : 0);
    return q > 0 && existsSync(`${file}${e.suffix}`);
  });
}

export async function uiAssetsPlugin(app: FastifyInstance): Promise<void> {
  const dir = uiDir();
  const index = dir ? readFileSync(join(dir, 'index.html'), 'utf8') : NOT_BUILT;
  const sendIndex = (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .header('content-type', TYPES['.html'])
      .header('cache-control', 'no-store')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(index);
  app.get('/', sendIndex);
  app.get('/index.html', sendIndex);
  app.get('/assets/*', async (req, reply) => {
    const rel = normalize((req.params as { '*': string })['*']).replace(/^(\.\.[/\\])+/, '');
    const file = dir ? join(dir, 'assets', rel) : undefined;
    if (!file || !file.startsWith(join(dir as string, 'assets')) || !existsSync(file) || !statSync(file).isFile()) {
      return reply.code(404).header('content-type', 'text/plain').send('Not found');
    }
    reply
      .header('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding');
    const encoding = pickEncoding(String(req.headers['accept-encoding'] ?? ''), file);
    if (encoding) {
      return reply.header('content-encoding', encoding.name).send(readFileSync(`${file}${encoding.suffix}`));
    }
    return reply.send(readFileSync(file));
  });
}
