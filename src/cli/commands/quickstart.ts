import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { badInput } from '../../common/catalogue.js';
import { createLogger } from '../../common/logger.js';
import { RESOURCE_GROUP, SUBSCRIPTION_ID } from '../../identity/types.js';

/**
 * `pipevault quickstart` (what `npm start` runs): the all-in-one server with examples/keyvault-secret loaded,
 * the example's orders API stand-in, one run of the example pipeline (its outcome printed as the run record
 * shows it: the secret hidden), the URLs, and then it keeps serving until Ctrl-C.
 */

const EXAMPLE_DIR = fileURLToPath(new URL('../../../examples/keyvault-secret', import.meta.url));
const EXAMPLE_PIPELINE = 'SendOrderWithVaultKey';
const STAND_IN_HOST = 'orders.contoso.com';
const STAND_IN_PORT = 7071;

interface QuickstartOptions {
  dataDir: string;
  port: string;
  example: string;
}

/** The orders API stand-in: accepts an order only with the right x-api-key (the same file the vault's secret comes from). */
function ordersApi(expected: string): Server {
  let next = 1000;
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const ok = req.method === 'POST' && req.url === '/api/orders' && req.headers['x-api-key'] === expected;
      let order: unknown = {};
      try {
        order = JSON.parse(body || '{}');
      } catch {
        order = body;
      }
      res.writeHead(ok ? 201 : 401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          ok ? { accepted: true, orderId: next++, order } : { accepted: false, error: 'missing or wrong x-api-key' },
        ),
      );
    });
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

export function register(program: Command): void {
  program
    .command('quickstart')
    .description(
      'start the server with the Key Vault example loaded, run its pipeline once, and keep serving (npm start)',
    )
    .option('--data-dir <dir>', 'data dir of the server', '.pipevault')
    .option('--port <port>', 'main HTTPS port (0 picks a free one)', '8443')
    .option('--example <dir>', 'the factory folder to load', EXAMPLE_DIR)
    .addHelpText('after', '\nThe walk-through is in README.md (Quickstart) and docs/secrets-in-pipelines.md.')
    .action(async (o: QuickstartOptions) => {
      if (!/^\d+$/.test(o.port) || Number(o.port) > 65535)
        throw badInput(`'${o.port}' is not a port (0-65535)`, '--port');
      if (!existsSync(o.example)) throw badInput('no such directory', o.example);
      const logger = createLogger({ destination: process.stderr, level: 'warn' });
      const keyFile = `${o.example}/secrets/orders-api-key.txt`;
      const api = ordersApi(existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '');
      // the example maps orders.contoso.com to 127.0.0.1:7071; if that port is taken, a free one is mapped instead
      const apiPort = await listen(api, STAND_IN_PORT).catch(() => listen(api, 0));

      const { startServer } = await import('../../server/start.js');
      const { setFactoryHosts } = await import('../../server/run-services.js');
      const { sharedAdfService } = await import('../../adf/api/index.js');
      const { loadWorkspace } = await import('../../adf/model/workspace/load.js');
      const server = await startServer({
        dataDir: o.dataDir,
        host: '127.0.0.1',
        port: Number(o.port),
        factories: [o.example],
        writeServerJson: true,
        logger,
      });
      const stop = async () => {
        await server.close();
        await new Promise<void>((r) => api.close(() => r()));
      };
      try {
        const ws = loadWorkspace(o.example);
        const factory = ws?.factory.name ?? 'default';
        setFactoryHosts(server.deps, factory, { ...(ws?.hosts ?? {}), [STAND_IN_HOST]: `http://127.0.0.1:${apiPort}` });
        const { deps } = server;
        const adf = await sharedAdfService({
          database: deps.store,
          barrier: deps.barrier,
          identity: deps.identity,
          clock: deps.clock,
          ids: deps.ids,
          logger: deps.logger,
        });
        const identity = await deps.identity.ensureFactoryIdentity(factory);
        const runId = await adf.createRun(factory, EXAMPLE_PIPELINE);
        const run = await adf.waitForRun(factory, runId);
        const activities = await adf.runs.listActivityRuns(runId);

        const factoryUrl = `${server.url}/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/${factory}`;
        const out: string[] = [
          `pipevault ready ${server.url}`,
          '',
          `Factory ${factory} (managed identity: application ID ${identity.appId}, object ID ${identity.objectId})`,
          `Pipeline ${EXAMPLE_PIPELINE}, run ${runId}: ${run.status}${run.message ? ` (${run.message})` : ''}`,
        ];
        for (const a of activities) {
          const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
          out.push(`  ${a.activityName}: ${a.status}`);
          out.push(`    input:  ${shown(a.input)}${a.secureInput ? '   (secure input)' : ''}`);
          if (a.output !== null)
            out.push(`    output: ${shown(a.output).slice(0, 160)}${a.secureOutput ? '   (secure output)' : ''}`);
          if (a.error) out.push(`    error:  ${a.error.errorCode}: ${a.error.message}`);
        }
        out.push(
          '',
          `  vault demo-vault: https://demo-vault.vault.azure.net (routed by pipevault's own client; ${server.url} serves every vault by host name)`,
          `  identity: ${server.url}/${server.tenantId}`,
          `  api: ${factoryUrl}`,
          `  run: ${factoryUrl}/pipelineruns/${runId}?api-version=2018-06-01`,
          `  ui: ${server.url}/`,
          `  orders API stand-in: http://127.0.0.1:${apiPort} (for ${STAND_IN_HOST})`,
          ...(server.caBundleFile ? [`  trust: NODE_EXTRA_CA_CERTS=${server.caBundleFile}`] : []),
          '',
          'Next: README.md, Quickstart. Serving until Ctrl-C.',
        );
        process.stdout.write(out.join('\n') + '\n');
      } catch (e) {
        await stop();
        throw e;
      }
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = () => {
          if (stopping) process.exit(130);
          stopping = true;
          stop().then(resolve, resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
