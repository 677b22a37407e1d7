import type { Command } from 'commander';
import { badInput } from '../../common/catalogue.js';
import { createLogger } from '../../common/logger.js';
import { SUBSCRIPTION_ID, RESOURCE_GROUP, DEFAULT_FACTORY } from '../../identity/types.js';
import type { VaultBinding } from '../../server/deps.js';

interface StartOptions {
  dataDir: string;
  host: string;
  port: string;
  store?: string;
  cert?: string;
  key?: string;
  ca?: string;
  inMemory?: boolean;
  vault: string[];
  factory: string[];
  watch?: boolean;
  loose?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function parsePort(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw badInput(`'${text}' is not a port (0-65535)`, flag);
  return Number(text);
}

export function parseVault(spec: string): VaultBinding {
  const m = /^([a-zA-Z][a-zA-Z0-9-]{2,23})(?:=(\d+))?$/.exec(spec);
  if (!m || m[1].includes('--') || m[1].endsWith('-')) {
    throw badInput(
      `'${spec}' is not NAME or NAME=PORT (vault names: 3-24 letters, digits and hyphens, starting with a letter)`,
      '--vault',
    );
  }
  return { name: m[1].toLowerCase(), ...(m[2] !== undefined ? { port: parsePort(m[2], '--vault') } : {}) };
}

/** `pipevault start`: the all-in-one server (vaults, identity, factory API, UI) on one HTTPS listener per port. */
export function register(program: Command): void {
  program
    .command('start')
    .description('start the pipevault server: Key Vault, managed identity and Data Factory API over HTTPS')
    .option('--data-dir <dir>', 'where the store, TLS material, master key and admin credential live', '.pipevault')
    .option('--host <host>', 'address to listen on (added to the certificate)', '127.0.0.1')
    .option('--port <port>', 'main HTTPS port (0 picks a free one)', '8443')
    .option('--store <url>', 'sqlite:PATH or postgres://user@host:port/db (default: sqlite in the data dir)')
    .option('--cert <file>', 'PEM certificate to serve instead of the generated one (with --key)')
    .option('--key <file>', 'PEM private key for --cert')
    .option('--ca <file>', "PEM CA that issued --cert (e.g. mkcert's rootCA.pem); server.json records it for clients")
    .option('--in-memory', 'keep everything in memory; nothing survives a stop')
    .option(
      '--vault <NAME[=PORT]>',
      'another vault, on its own port or by host name NAME.localhost (repeatable)',
      collect,
      [],
    )
    .option(
      '--factory <dir>',
      'load an ADF git folder or ARM template and apply its pipevault.json (repeatable)',
      collect,
      [],
    )
    .option('--watch', 'reload loaded factories when their files change')
    .option('--loose', 'accept unknown api-versions (like Azurite --skipApiVersionCheck)')
    .addHelpText(
      'after',
      '\nPrints "pipevault ready https://localhost:PORT" when listening, then the URLs of vaults, identity, API and UI,\n' +
        'and writes DATA_DIR/server.json ({url, port, pid, tenant, caFile, caBundleFile, adminCredentialFile}).\n' +
        'Trust the generated CA with NODE_EXTRA_CA_CERTS=DATA_DIR/tls/ca-bundle.pem. Stop with Ctrl-C (SIGINT) or SIGTERM.\n' +
        'Details: docs/server.md',
    )
    .action(async (o: StartOptions) => {
      const port = parsePort(o.port, '--port');
      const vaults = o.vault.map(parseVault);
      if (o.store && o.inMemory) throw badInput('--store and --in-memory exclude each other', '--in-memory');
      // logs go to stderr: stdout carries the ready line and URLs that scripts read
      const logger = createLogger({ destination: process.stderr });
      const { startServer } = await import('../../server/start.js');
      const server = await startServer({
        dataDir: o.dataDir,
        host: o.host,
        port,
        store: o.store,
        inMemory: o.inMemory,
        certFile: o.cert,
        keyFile: o.key,
        caFile: o.ca,
        vaults,
        factories: o.factory,
        watch: o.watch,
        loose: o.loose,
        writeServerJson: true,
        logger,
      });
      const out = [`pipevault ready ${server.url}`];
      for (const [name, url] of Object.entries(server.vaultUrls)) out.push(`  vault ${name}: ${url}`);
      out.push(`  identity: ${server.url}/${server.tenantId} (tenant ${server.tenantId})`);
      out.push(
        `  api: ${server.url}/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/${DEFAULT_FACTORY}`,
      );
      out.push(`  ui: ${server.url}/`);
      if (server.caBundleFile) out.push(`  trust: NODE_EXTRA_CA_CERTS=${server.caBundleFile}`);
      process.stdout.write(out.join('\n') + '\n');

      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) {
            // a second signal: stop waiting for connections to drain
            process.exit(130);
          }
          stopping = true;
          logger.info({ signal }, 'shutting down');
          server.close().then(resolve, (e: unknown) => {
            logger.error({ err: { message: (e as Error).message } }, 'shutdown failed');
            resolve();
          });
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
