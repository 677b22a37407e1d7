import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Agent } from 'node:https';
import { badInput, unreadablePath } from '../../common/catalogue.js';
import { systemClock } from '../../common/clock.js';
import { PipevaultError } from '../../common/errors.js';
import { readAdminCredential, ADMIN_CREDENTIAL_FILE, type AdminCredential } from '../../server/admin-credential.js';
import { SERVER_JSON, type ServerJson } from '../../server/server-json.js';
import { createAgent, httpsRequest, type HttpsResponse } from './https.js';

/**
 * The one path CLI commands take to a data dir's state: the server's HTTPS API.
 * - `--endpoint URL` (+ `--admin-credential FILE`, `--ca FILE`): a remote server.
 * - else `--data-dir D` (default `.pipevault`): the live server `D/server.json` names when its pid is alive and
 *   `/health` answers; otherwise a server started in-process on an ephemeral loopback port for the command.
 * Requests carry the admin principal's token (client credentials from the admin credential file).
 */
export interface ConnectionOptions {
  dataDir?: string;
  endpoint?: string;
  adminCredential?: string;
  ca?: string;
}

export interface Connection {
  baseUrl: string;
  tenantId: string;
  /** Whether this command started the server itself. */
  inProcess: boolean;
  /** JSON request with the admin token; a non-2xx answer throws a PipevaultError carrying the server's message. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** The raw response (no throw on non-2xx), with the admin token. */
  raw(method: string, path: string, body?: unknown): Promise<HttpsResponse>;
  close(): Promise<void>;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadablePath(file, `${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function healthy(url: string, agent: Agent): Promise<boolean> {
  try {
    const r = await Promise.race([
      httpsRequest({ url: `${url}/health`, agent }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000).unref()),
    ]);
    return r.status === 200;
  } catch {
    return false;
  }
}

export async function connect(opts: ConnectionOptions): Promise<Connection> {
  const credentialFile = opts.adminCredential ?? process.env.PIPEVAULT_ADMIN_CREDENTIAL;
  if (opts.endpoint) {
    let base: URL;
    try {
      base = new URL(opts.endpoint);
    } catch {
      throw badInput(`'${opts.endpoint}' is not a URL`, '--endpoint');
    }
    if (base.protocol !== 'https:') throw badInput('pipevault serves HTTPS only; use https://', '--endpoint');
    if (!credentialFile)
      throw badInput('--endpoint needs --admin-credential FILE (or PIPEVAULT_ADMIN_CREDENTIAL)', '--admin-credential');
    const ca = opts.ca ? readText(opts.ca, '--ca') : undefined;
    return authenticated({
      baseUrl: base.origin,
      agent: createAgent(ca),
      credential: loadCredential(credentialFile),
      inProcess: false,
    });
  }

  const dataDir = resolve(opts.dataDir ?? '.pipevault');
  const serverJson = join(dataDir, SERVER_JSON);
  if (existsSync(serverJson)) {
    let info: ServerJson | undefined;
    try {
      info = JSON.parse(readFileSync(serverJson, 'utf8')) as ServerJson;
    } catch {
      info = undefined;
    }
    if (info && pidAlive(info.pid)) {
      const ca = opts.ca
        ? readText(opts.ca, '--ca')
        : info.caFile
          ? readText(info.caFile, 'the CA in server.json')
          : undefined;
      const agent = createAgent(ca);
      if (await healthy(info.url, agent)) {
        const credential = loadCredential(credentialFile ?? info.adminCredentialFile);
        return authenticated({ baseUrl: info.url, agent, credential, inProcess: false });
      }
      agent.destroy();
    }
  }
  // loaded only when needed: the server pulls in fastify, TLS and the store, which other paths never use
  const { startServer } = await import('../../server/start.js');
  const server = await startServer({ dataDir, port: 0, host: '127.0.0.1' });
  const agent = createAgent(server.ca);
  const conn = await authenticated({
    baseUrl: server.url,
    agent,
    credential: loadCredential(join(dataDir, ADMIN_CREDENTIAL_FILE)),
    inProcess: true,
  });
  return {
    ...conn,
    close: async () => {
      await conn.close();
      await server.close();
    },
  };
}

function loadCredential(file: string): AdminCredential {
  readText(file, 'the admin credential');
  try {
    return readAdminCredential(file);
  } catch (e) {
    throw badInput((e as Error).message, '--admin-credential');
  }
}

async function authenticated(c: {
  baseUrl: string;
  agent: Agent;
  credential: AdminCredential;
  inProcess: boolean;
}): Promise<Connection> {
  let token: { value: string; expiresAt: number } | undefined;
  const getToken = async () => {
    if (token && token.expiresAt - 60_000 > systemClock.now()) return token.value;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.credential.clientId,
      client_secret: c.credential.clientSecret,
      scope: 'https://management.azure.com/.default',
    }).toString();
    const r = await httpsRequest({
      url: `${c.baseUrl}/${c.credential.tenantId}/oauth2/v2.0/token`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      agent: c.agent,
    });
    const j = r.json as { access_token?: string; expires_in?: number; error_description?: string } | undefined;
    if (r.status !== 200 || !j?.access_token) {
      throw new PipevaultError({
        code: 'AuthenticationFailed',
        message: `The server refused the admin credential: ${j?.error_description ?? `HTTP ${r.status}`}`,
        exitCode: 1,
      });
    }
    token = { value: j.access_token, expiresAt: systemClock.now() + Number(j.expires_in ?? 0) * 1000 };
    return token.value;
  };
  const raw = async (method: string, path: string, body?: unknown) =>
    httpsRequest({
      url: `${c.baseUrl}${path}`,
      method,
      headers: { authorization: `Bearer ${await getToken()}` },
      body,
      agent: c.agent,
    });
  return {
    baseUrl: c.baseUrl,
    tenantId: c.credential.tenantId,
    inProcess: c.inProcess,
    raw,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await raw(method, path, body);
      if (r.status >= 200 && r.status < 300) return r.json as T;
      const err = (r.json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new PipevaultError({
        code: err?.code ?? `HTTP${r.status}`,
        message: err?.message ?? `The server answered HTTP ${r.status}`,
        status: r.status,
        exitCode: r.status === 400 || r.status === 404 || r.status === 409 ? 2 : 1,
      });
    },
    close: async () => {
      c.agent.destroy();
    },
  };
}

/** Runs `fn` with a connection and always closes it (stopping an in-process server). */
export async function withConnection<T>(opts: ConnectionOptions, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await connect(opts);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}
