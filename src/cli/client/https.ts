import { Agent, request } from 'node:https';

/** A small HTTPS client that trusts exactly the CA it is given (pipevault's own), with keep-alive. */
export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
}

export interface HttpsRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  agent: Agent;
}

export function createAgent(ca: string | undefined): Agent {
  return new Agent({ keepAlive: true, ...(ca ? { ca } : {}) });
}

export function httpsRequest(r: HttpsRequest): Promise<HttpsResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...r.headers };
  let payload: string | undefined;
  if (r.body !== undefined) {
    payload = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = request(r.url, { method: r.method ?? 'GET', headers, agent: r.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
