import { after } from 'node:test';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/server/start.js';
import { createAgent, httpsRequest, type HttpsResponse } from '../../src/cli/client/https.js';
import { tempDir } from './tmp.js';

/** A real server on an ephemeral loopback port in a temp data dir, closed when the suite ends. */
export async function startTestServer(opts: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ dataDir: opts.dataDir ?? tempDir(), port: 0, host: '127.0.0.1', ...opts });
  after(() => server.close());
  return server;
}

/** An HTTPS client for tests that trusts the server's CA. */
export function clientFor(server: { ca: string }) {
  const agent = createAgent(server.ca);
  after(() => agent.destroy());
  return (
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<HttpsResponse> => httpsRequest({ url, agent, ...init });
}
