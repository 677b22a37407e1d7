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

/** A client-credentials token request, as ClientSecretCredential makes it. */
export async function clientCredentials(o: { url: string; ca: string; tenant: string; appId: string; secret: string }) {
  const agent = createAgent(o.ca);
  try {
    return await httpsRequest({
      url: `${o.url}/${o.tenant}/oauth2/v2.0/token`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: o.appId,
        client_secret: o.secret,
        scope: 'https://vault.azure.net/.default',
      }).toString(),
      agent,
    });
  } finally {
    agent.destroy();
  }
}
