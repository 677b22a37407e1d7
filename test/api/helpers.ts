import { readFileSync } from 'node:fs';
import type { RunningServer, StartServerOptions } from '../../src/server/start.js';
import { clientFor, startTestServer } from '../helpers/server.js';

/**
 * A real server (HTTPS on an ephemeral loopback port, SQLite in a temp dir) and a JSON client for the
 * management API, authenticated as the admin or as any principal.
 */
export const SUB = '00000000-0000-0000-0000-000000000000';
export const RG = 'pipevault';
export const API = 'api-version=2018-06-01';
export const factoryPath = (f: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DataFactory/factories/${f}`;

export interface ApiHarness {
  server: RunningServer;
  adminToken: string;
  /** A token for any principal (client credentials) with the management audience. */
  tokenFor(appId: string, secret: string, resource?: string): Promise<string>;
  call(
    method: string,
    path: string,
    o?: { body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; json: any; text: string; headers: Record<string, unknown> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** A service principal with a secret (created through the admin API). */
  servicePrincipal(name: string): Promise<{ appId: string; objectId: string; password: string }>;
  grant(objectId: string, role: string, scope: string): Promise<void>;
  /** Waits until a run has ended and returns it. */
  waitRun(factory: string, runId: string): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function startApi(opts: Partial<StartServerOptions> = {}): Promise<ApiHarness> {
  const server = await startTestServer(opts);
  const http = clientFor(server);
  const cred = JSON.parse(readFileSync(server.adminCredentialFile, 'utf8')) as {
    clientId: string;
    clientSecret: string;
  };
  const tokenFor = async (appId: string, secret: string, resource = 'https://management.azure.com/') => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId,
      client_secret: secret,
      scope: `${resource.replace(/\/$/, '')}/.default`,
    }).toString();
    const r = await http(`${server.url}/${server.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    if (r.status !== 200) throw new Error(`token request failed: ${r.status} ${r.text}`);
    return (r.json as { access_token: string }).access_token;
  };
  const adminToken = await tokenFor(cred.clientId, cred.clientSecret);
  const call: ApiHarness['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token === undefined ? adminToken : o.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: unknown;
    if (o.raw !== undefined) {
      body = o.raw;
      headers['content-type'] ??= 'application/json';
    } else if (o.body !== undefined) body = o.body;
    const r = await http(`${server.url}${path}`, { method, headers, body });
    return { status: r.status, json: r.json, text: r.text, headers: r.headers };
  };
  return {
    server,
    adminToken,
    tokenFor,
    call,
    async servicePrincipal(name) {
      const r = await call('POST', '/pipevault/admin/principals', {
        body: { type: 'servicePrincipal', displayName: name },
      });
      if (r.status !== 201) throw new Error(`creating a principal failed: ${r.status} ${r.text}`);
      return r.json;
    },
    async grant(objectId, role, scope) {
      await server.identity.roles.create({
        principalId: objectId,
        role: (await import('../../src/identity/roles.js')).findRole(role)!,
        scope,
      });
    },
    async waitRun(factory, runId) {
      for (let i = 0; i < 400; i++) {
        const r = await call('GET', `${factoryPath(factory)}/pipelineruns/${runId}?${API}`);
        if (r.status !== 200) throw new Error(`get run: ${r.status} ${r.text}`);
        if (!['Queued', 'InProgress', 'Canceling'].includes(r.json.status)) return r.json;
        await new Promise((res) => setTimeout(res, 25));
      }
      throw new Error(`run ${runId} did not end`);
    },
  };
}

export const window = () => ({
  lastUpdatedAfter: new Date(Date.now() - 3600_000).toISOString(),
  lastUpdatedBefore: new Date(Date.now() + 3600_000).toISOString(),
});
