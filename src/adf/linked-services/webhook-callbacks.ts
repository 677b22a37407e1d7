import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/**
 * The callback endpoint WebHook activities hand out as `callBackUri`: a loopback HTTP listener owned by the
 * run services, started on first use on an ephemeral port and closed with them. Each URI carries an
 * unguessable id and accepts one POST with a JSON body (ADF requires JSON), which resolves the waiting
 * activity. Answers: 200 taken, 400 not JSON, 404 unknown or already used.
 */

export interface CallbackPayload {
  body: unknown;
}

interface Waiter {
  resolve(p: CallbackPayload): void;
}

const MAX_BODY = 4 * 1024 * 1024;

export class WebhookCallbacks {
  private server?: Server;
  private starting?: Promise<string>;
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly host = '127.0.0.1') {}

  private start(): Promise<string> {
    this.starting ??= new Promise<string>((resolve, reject) => {
      const server = createServer((req, res) => {
        const m = /^\/callbacks\/([A-Za-z0-9_-]{16,})$/.exec((req.url ?? '').split('?')[0] ?? '');
        const waiter = m ? this.waiters.get(m[1] as string) : undefined;
        if (req.method !== 'POST' || !m || !waiter) {
          res.writeHead(req.method !== 'POST' && m ? 405 : 404, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ error: { code: 'NotFound', message: 'No activity is waiting for this callback.' } }),
          );
          req.resume();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        req.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = {};
          if (size > MAX_BODY) {
            res.writeHead(413, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({ error: { code: 'PayloadTooLarge', message: 'The callback body is larger than 4 MB.' } }),
            );
            return;
          }
          if (text.trim()) {
            try {
              body = JSON.parse(text);
            } catch {
              res.writeHead(400, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ error: { code: 'BadRequest', message: 'The callback body must be JSON.' } }));
              return;
            }
          }
          this.waiters.delete(m[1] as string);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
          waiter.resolve({ body });
        });
      });
      server.on('error', reject);
      server.listen(0, this.host, () => {
        this.server = server;
        const port = (server.address() as { port: number }).port;
        resolve(`http://${this.host}:${port}`);
      });
    });
    return this.starting;
  }

  /** A new callback URI and the promise of its payload; `cancel` forgets it (timeout, cancellation). */
  async create(): Promise<{ uri: string; payload: Promise<CallbackPayload>; cancel(): void }> {
    const base = await this.start();
    const id = randomBytes(18).toString('base64url');
    let resolve!: (p: CallbackPayload) => void;
    const payload = new Promise<CallbackPayload>((r) => (resolve = r));
    this.waiters.set(id, { resolve });
    return { uri: `${base}/callbacks/${id}`, payload, cancel: () => this.waiters.delete(id) };
  }

  async close(): Promise<void> {
    this.waiters.clear();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
