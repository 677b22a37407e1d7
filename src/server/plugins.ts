import type { FastifyInstance } from 'fastify';
import { registerAdfApi } from '../adf/api/index.js';
import { identityPlugin } from '../identity/plugin.js';
import { keyVaultPlugin } from '../keyvault/api/plugin.js';
import type { ServerDeps } from './deps.js';
import { loadFactoryFolders, publishRoutes, serverServicesFor } from './run-services.js';
import { uiAssetsPlugin } from './ui-assets.js';
import { isVaultScoped } from './vault-routing.js';

/**
 * THE place where service plugins are mounted. Every listener (main port and each `--vault NAME=PORT`) gets
 * the same set; `request.vaultName` tells a route which vault it serves. Add one line per service here.
 */
export async function registerServicePlugins(
  app: FastifyInstance,
  deps: ServerDeps,
  extra: { appServiceHeader: string; fixedVault?: string },
): Promise<void> {
  await app.register(identityPlugin, {
    identity: deps.identity,
    clock: deps.clock,
    appServiceHeader: extra.appServiceHeader,
  });
  // ---- service plugins: Key Vault, ADF API … -----------------------------------------------------------
  const keyVault = keyVaultPlugin(deps);
  await app.register(keyVault);
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

  // A vault answers every request in its own error shape, unknown paths included; the rest of the server keeps
  // fastify's default 404.
  app.setNotFoundHandler((req, reply) => {
    if (isVaultScoped(req, extra.fixedVault)) return keyVault.notFound(req, reply);
    return reply
      .code(404)
      .send({ message: `Route ${req.method}:${req.url} not found`, error: 'Not Found', statusCode: 404 });
  });
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
