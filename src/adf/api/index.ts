import type { FastifyInstance } from 'fastify';
import { createKeyVault } from '../../keyvault/api/plugin.js';
import type { Database } from '../../storage/database.js';
import { adfApiPlugin } from './plugin.js';
import { AdfService, type AdfServiceOptions } from './service.js';

export { adfApiPlugin, type AdfApiPluginOptions } from './plugin.js';
export { AdfService, DEFAULT_FACTORY_NAME, type CreateRunOptions, type RunChange } from './service.js';
export type { ServicesFor } from './runtime.js';
export { API_VERSION } from './wire.js';
export { EVENTS_PATH } from './routes-events.js';
export { UI_HEADER } from './auth.js';

/**
 * One AdfService per store, shared by every listener of a server (the main port and each `--vault` port
 * mount the same plugins): runs, engines and the live feed must not be duplicated per port.
 */
const shared = new WeakMap<Database, Promise<AdfService>>();

export function sharedAdfService(o: AdfServiceOptions): Promise<AdfService> {
  let s = shared.get(o.database);
  if (!s) {
    s = AdfService.open(o);
    shared.set(o.database, s);
  }
  return s;
}

/** Mounts the management API on one listener; the shared service's run records are flushed when it closes. */
export async function registerAdfApi(
  app: FastifyInstance,
  o: AdfServiceOptions & { loose: boolean },
): Promise<AdfService> {
  const service = await sharedAdfService(o);
  const keyVault = o.barrier
    ? createKeyVault({ store: o.database, barrier: o.barrier, identity: o.identity, clock: o.clock, ids: o.ids })
    : undefined;
  await app.register(adfApiPlugin, { service, identity: o.identity, loose: o.loose, keyVault });
  app.addHook('onClose', async () => {
    // no trigger fires into a server that is going away
    await service.stopBackground();
    await service.runs.flush().catch(() => undefined);
  });
  return service;
}
