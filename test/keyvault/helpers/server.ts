import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';

/**
 * A real `pipevault start` in a child process, for contract tests: the compiled bin, an ephemeral port, a data
 * dir of the test's. Gives an HTTPS JSON client that trusts the server's CA and authenticates as the admin.
 */

const root = new URL('../../../', import.meta.url).pathname;

export interface SpawnedServer {
  url: string;
  port: number;
  tenant: string;
  dataDir: string;
  caFile: string;
  caBundleFile: string;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** An admin-authenticated JSON call (token for the management audience). */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** A client-credentials token for any principal and resource. */
  token(appId: string, secret: string, resource: string): Promise<string>;
  call(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; raw?: string },
  ): Promise<{ status: number; json: any; headers: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export async function spawnServer(opts: {
  dataDir: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}): Promise<SpawnedServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, 'dist/cli/main.js'), 'start', '--data-dir', opts.dataDir, '--port', '0', ...(opts.args ?? [])],
    {
      cwd: root,
      env: { ...process.env, PIPEVAULT_LOG_LEVEL: 'debug', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not get ready:\n${out}`)), 60_000);
    const check = () => {
      if (/pipevault ready https:\/\/\S+/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  const info = JSON.parse(readFileSync(join(opts.dataDir, 'server.json'), 'utf8')) as {
    url: string;
    port: number;
    tenant: string;
    caFile: string;
    caBundleFile: string;
    adminCredentialFile: string;
  };
  const cred = JSON.parse(readFileSync(info.adminCredentialFile, 'utf8')) as { clientId: string; clientSecret: string };
  const agent = new Agent({ keepAlive: true, ca: readFileSync(info.caFile, 'utf8') });

  const raw = (method: string, path: string, headers: Record<string, string>, payload?: string) =>
    new Promise<{ status: number; text: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request(`${info.url}${path}`, { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), headers: res.headers }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });

  const token = async (appId: string, secret: string, resource: string) => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId,
      client_secret: secret,
      scope: `${resource.replace(/\/$/, '')}/.default`,
    }).toString();
    const r = await raw(
      'POST',
      `/${info.tenant}/oauth2/v2.0/token`,
      { 'content-type': 'application/x-www-form-urlencoded' },
      form,
    );
    if (r.status !== 200) throw new Error(`token request failed: ${r.status} ${r.text}`);
    return (JSON.parse(r.text) as { access_token: string }).access_token;
  };

  let adminToken: string | undefined;
  const call: SpawnedServer['call'] = async (method, path, o) => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const r = await raw(method, path, headers, payload);
    let json: unknown;
    try {
      json = r.text ? JSON.parse(r.text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.status, json, headers: r.headers };
  };

  return {
    url: info.url,
    port: info.port,
    tenant: info.tenant,
    dataDir: opts.dataDir,
    caFile: info.caFile,
    caBundleFile: info.caBundleFile,
    output: () => out,
    token,
    call,
    admin: async (method, path, body) => {
      adminToken ??= await token(cred.clientId, cred.clientSecret, 'https://management.azure.com/');
      return call(method, path, { token: adminToken, body });
    },
    stop: async () => {
      agent.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
