import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { badInput } from '../common/catalogue.js';
import { systemClock, type Clock } from '../common/clock.js';
import { randomIds, type IdGenerator } from '../common/ids.js';
import { silentLogger, type Logger } from '../common/logger.js';
import { createIdentityService, type IdentityService } from '../identity/service.js';
import { DEFAULT_FACTORY } from '../identity/types.js';
import { createBarrier, loadMasterKey } from '../storage/barrier.js';
import { openDatabase, type Database } from '../storage/database.js';
import { ADMIN_CREDENTIAL_FILE, ensureAdminCredential } from './admin-credential.js';
import { buildApp } from './app.js';
import type { ServerDeps, VaultBinding } from './deps.js';
import { loadFactories } from './plugins.js';
import { SERVER_JSON, type ServerJson } from './server-json.js';
import { ensureTls, readUserTls } from './tls.js';
import { DEFAULT_VAULT } from './vault-routing.js';

export interface StartServerOptions {
  /** Holds the SQLite store (unless `store`/`inMemory`), TLS material, master key, admin credential. */
  dataDir: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Main port (default 8443; 0 picks a free one). */
  port?: number;
  /** `sqlite:PATH` or `postgres://…`; default `sqlite:{dataDir}/pipevault.db`. */
  store?: string;
  /** PostgreSQL schema (tests). */
  storeSchema?: string;
  inMemory?: boolean;
  certFile?: string;
  keyFile?: string;
  /** `--ca`: the CA that issued `certFile`, recorded in server.json for clients to trust. */
  caFile?: string;
  /** Extra vaults: `{name, port?}`; those with a port get their own listener. */
  vaults?: VaultBinding[];
  factories?: string[];
  watch?: boolean;
  loose?: boolean;
  /** Write `{dataDir}/server.json` (what `pipevault start` does; in-process servers for one command do not). */
  writeServerJson?: boolean;
  logger?: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  env?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Vault name → base URL. */
  vaultUrls: Record<string, string>;
  tenantId: string;
  dataDir: string;
  caFile?: string;
  caBundleFile?: string;
  /**
   * The CA (PEM) clients must trust: the generated one; with --cert/--key, `--ca` or the chain's own root, else
   * the given certificate chain itself.
   */
  ca: string;
  adminCredentialFile: string;
  /** `IDENTITY_HEADER` for App Service–style managed identity clients. */
  appServiceHeader: string;
  identity: IdentityService;
  deps: ServerDeps;
  close(): Promise<void>;
}

export { SERVER_JSON, type ServerJson };

function readOrCreateSecretFile(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const v = randomBytes(24).toString('base64url');
  writeFileSync(file, v + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return v;
}

/** Listens, turning the usual socket errors into a message that names the flag to change. */
async function listen(app: FastifyInstance, host: string, port: number, flag: string): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw badInput(`port ${port} on ${host} is in use; choose another (0 picks a free one)`, flag);
    if (code === 'EACCES') throw badInput(`not allowed to listen on port ${port}; use a port above 1023`, flag);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw badInput(`cannot listen on '${host}': no such local address`, '--host');
    throw e;
  }
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const logger = opts.logger ?? silentLogger;
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8443;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw badInput(`'${opts.port}' is not a port (0-65535)`, '--port');
  const vaults: VaultBinding[] = [
    { name: DEFAULT_VAULT },
    ...(opts.vaults ?? []).filter((v) => v.name !== DEFAULT_VAULT),
  ];
  if ((opts.certFile && !opts.keyFile) || (!opts.certFile && opts.keyFile))
    throw badInput('--cert and --key go together', '--cert');
  if (opts.caFile && !opts.certFile)
    throw badInput(
      '--ca names the CA of a certificate given with --cert/--key; without them pipevault makes its own',
      '--ca',
    );

  const tls = opts.certFile
    ? readUserTls({ certFile: opts.certFile, keyFile: opts.keyFile as string, caFile: opts.caFile, dataDir })
    : await ensureTls({ dataDir, hosts: [host], clock });
  if (opts.certFile && !tls.caFile)
    logger.warn(
      { cert: opts.certFile },
      'the --cert file does not include its root CA and no --ca was given: server.json names no CA, so clients must already trust the issuer',
    );
  const ca = tls.ca;

  const storeUrl = opts.inMemory ? 'sqlite::memory:' : (opts.store ?? `sqlite:${join(dataDir, 'pipevault.db')}`);
  const store: Database = await openDatabase({ url: storeUrl, schema: opts.storeSchema, clock });
  const cleanup: Array<() => Promise<void>> = [() => store.close()];
  const apps: FastifyInstance[] = [];
  try {
    await store.migrate();
    // an in-memory store lives only as long as this process, and so does its key
    const barrier = createBarrier(opts.inMemory ? randomBytes(32) : loadMasterKey({ dataDir, env: opts.env }));
    const serverNames = [...new Set(['localhost', '127.0.0.1', '::1', host.toLowerCase()])];
    const identity = await createIdentityService({ store, barrier, clock, ids, logger, serverNames });
    await identity.ensureFactoryIdentity(DEFAULT_FACTORY);
    const adminCredentialFile = join(dataDir, ADMIN_CREDENTIAL_FILE);
    await ensureAdminCredential(identity, adminCredentialFile);
    const appServiceHeader = readOrCreateSecretFile(join(dataDir, 'identity-header'));

    let mainPort = port;
    const deps: ServerDeps = {
      store,
      barrier,
      identity,
      clock,
      ids,
      logger,
      config: {
        dataDir,
        ca,
        loose: !!opts.loose,
        vaults,
        port: () => mainPort,
        factories: opts.factories ?? [],
        watch: !!opts.watch,
      },
    };
    const main = await buildApp({ deps, tls, appServiceHeader });
    apps.push(main);
    await listen(main, host, port, '--port');
    mainPort = (main.server.address() as { port: number }).port;
    const url = `https://localhost:${mainPort}`;
    const vaultUrls: Record<string, string> = { [DEFAULT_VAULT]: url };
    for (const v of vaults) {
      if (v.name === DEFAULT_VAULT) continue;
      if (v.port === undefined) {
        vaultUrls[v.name] = `https://${v.name}.localhost:${mainPort}`;
        continue;
      }
      const app = await buildApp({ deps, tls, appServiceHeader, fixedVault: v.name });
      apps.push(app);
      await listen(app, host, v.port, '--vault');
      v.port = (app.server.address() as { port: number }).port;
      vaultUrls[v.name] = `https://localhost:${v.port}`;
    }
    await loadFactories(deps);

    const serverJsonFile = join(dataDir, SERVER_JSON);
    if (opts.writeServerJson) {
      const info: ServerJson = {
        url,
        port: mainPort,
        pid: process.pid,
        tenant: identity.tenantId,
        caFile: tls.caFile ?? null,
        caBundleFile: tls.caBundleFile ?? null,
        adminCredentialFile,
      };
      writeFileSync(serverJsonFile, JSON.stringify(info, null, 2) + '\n');
    }
    let closing: Promise<void> | undefined;
    return {
      url,
      port: mainPort,
      vaultUrls,
      tenantId: identity.tenantId,
      dataDir,
      caFile: tls.caFile,
      caBundleFile: tls.caBundleFile,
      ca,
      adminCredentialFile,
      appServiceHeader,
      identity,
      deps,
      close: () =>
        (closing ??= (async () => {
          if (opts.writeServerJson) {
            // only remove the file if it is still ours (another server may have started on this data dir since)
            try {
              const cur = JSON.parse(readFileSync(serverJsonFile, 'utf8')) as ServerJson;
              if (cur.pid === process.pid && cur.port === mainPort) rmSync(serverJsonFile, { force: true });
            } catch {
              // already gone
            }
          }
          await Promise.all(apps.map((a) => a.close()));
          for (const c of cleanup.reverse()) await c();
        })()),
    };
  } catch (e) {
    await Promise.all(apps.map((a) => a.close().catch(() => undefined)));
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    throw e;
  }
}
