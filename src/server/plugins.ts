import type { FastifyInstance } from 'fastify';
import { registerAdfApi } from '../adf/api/index.js';
import { identityPlugin } from '../identity/plugin.js';
import { keyVaultPlugin } from '../keyvault/api/plugin.js';
import type { ServerDeps } from './deps.js';
import { loadFactoryFolders, publishRoutes, serverServicesFor } from './run-services.js';
import { uiAssetsPlugin } from './ui-assets.js';

/**
 * THE place where service plugins are mounted. Every listener (main port and each `--vault NAME=PORT`) gets
 * the same set; `request.vaultName` tells a route which vault it serves. Add one line per service here.
 */
export async function registerServicePlugins(
  app: FastifyInstance,
  deps: ServerDeps,
  extra: { appServiceHeader: string },
): Promise<void> {
  await app.register(identityPlugin, {
    identity: deps.identity,
    clock: deps.clock,
    appServiceHeader: extra.appServiceHeader,
  });
  // ---- service plugins: Key Vault, ADF API … -----------------------------------------------------------
  await app.register(keyVaultPlugin(deps));
  await registerAdfApi(app, {
    database: deps.store,
    barrier: deps.barrier,
    identity: deps.identity,
    clock: deps.clock,
    ids: deps.ids,
    logger: deps.logger,
    loose: deps.config.loose,
    servicesFor: serverServicesFor(deps),
  });
  await app.register(publishRoutes(deps));
  await app.register(uiAssetsPlugin);
}

/**
 * Hook for `--factory DIR` (repeatable) and `--watch`: loading factory folders belongs to the ADF side. It is
 * called once the server is listening, with every dir given on the command line.
 */
export async function loadFactories(deps: ServerDeps): Promise<void> {
  if (deps.config.factories.length === 0) return;
  // ---- factory loading goes here (ADF) ----------------------------------------------------------------
  await loadFactoryFolders(deps);
}
