import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../../common/clock.js';
import { randomIds, type IdGenerator } from '../../common/ids.js';
import type { Logger } from '../../common/logger.js';
import type { IdentityService } from '../../identity/service.js';
import type { Barrier } from '../../storage/barrier.js';
import type { Database } from '../../storage/database.js';
import { KeyVaultStore } from '../../storage/keyvault-store.js';
import { AuditLog } from '../audit/audit.js';
import { SecretService } from '../domain/secrets.js';
import { VaultService } from '../domain/vaults.js';
import { registerDataPlane, type VaultNotFoundHandler } from './data-plane.js';
import { registerManagement } from './management.js';

/**
 * The Key Vault service as one fastify plugin: the secrets data plane on every host/port the server routes to
 * a vault, ARM-shaped vault management, and the audit query. The server registers it once:
 * `app.register(keyVaultPlugin(deps))`.
 */

/** What the plugin needs; the server's ServerDeps has this shape. */
export interface KeyVaultDeps {
  store: Database;
  barrier: Barrier;
  identity: IdentityService;
  logger: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  config?: {
    /** `--loose`: accept unknown api-versions. */
    loose?: boolean;
    /** Vaults to create at start when missing (`default` always is), with their own port if they have one. */
    vaults?: ReadonlyArray<{ name: string; port?: number }>;
    /** The main listener's port. */
    port?: () => number;
  };
}

export interface KeyVault {
  vaults: VaultService;
  secrets: SecretService;
  audit: AuditLog;
}

/** The Key Vault services over one database, for the plugin and for in-process callers (workspace loading). */
// One Key Vault per database: the vault-settings cache lives in the instance, so every path that changes a
// vault (data plane, management routes, the monitor, workspace application) must share it for a write to be
// visible to the next read.
const instances = new WeakMap<object, KeyVault>();

export function createKeyVault(deps: Pick<KeyVaultDeps, 'store' | 'barrier' | 'identity' | 'clock' | 'ids'>): KeyVault {
  const hit = instances.get(deps.store);
  if (hit) return hit;
  const store = new KeyVaultStore(deps.store);
  const clock = deps.clock ?? systemClock;
  const kv: KeyVault = {
    vaults: new VaultService({ store, clock, tenantId: deps.identity.tenantId }),
    secrets: new SecretService({ store, clock, ids: deps.ids ?? randomIds, barrier: deps.barrier }),
    audit: new AuditLog({ store, clock }),
  };
  instances.set(deps.store, kv);
  return kv;
}

/**
 * `properties.vaultUri`: a vault with its own port answers there; the default vault on the main port; any other
 * by host name on the main port (`{name}.localhost`, which needs a hosts entry, or pipevault's own client).
 */
function vaultUriFor(deps: KeyVaultDeps) {
  return (name: string, req: FastifyRequest): string => {
    const lower = name.toLowerCase();
    const own = deps.config?.vaults?.find((v) => v.name.toLowerCase() === lower && v.port);
    const mainPort = deps.config?.port?.() ?? req.port;
    if (own?.port) return `https://${req.hostname}:${own.port}/`;
    if (lower === 'default') return `https://${req.hostname}:${mainPort}/`;
    return `https://${lower}.localhost:${mainPort}/`;
  };
}

/**
 * The plugin, and `notFound`: Key Vault's answer to a vault-scoped request no route matched (see
 * VaultNotFoundHandler), for the server's not-found handler once the plugin is registered.
 */
export type KeyVaultPlugin = FastifyPluginAsync & { notFound: VaultNotFoundHandler };

export function keyVaultPlugin(deps: KeyVaultDeps): KeyVaultPlugin {
  let notFound: VaultNotFoundHandler | undefined;
  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    const kv = createKeyVault(deps);
    for (const name of ['default', ...(deps.config?.vaults ?? []).map((v) => v.name)]) await kv.vaults.ensure(name);
    const roles = deps.identity.roles;

    await app.register(async (dataPlane) => {
      notFound = registerDataPlane(dataPlane, {
        ...kv,
        logger: deps.logger,
        loose: deps.config?.loose ?? false,
        identity: deps.identity,
        roleAssignments: (principalId) => roles.assignmentsFor(principalId),
      });
    });
    await app.register(async (management) =>
      registerManagement(management, {
        ...kv,
        identity: deps.identity,
        clock: deps.clock ?? systemClock,
        vaultUri: vaultUriFor(deps),
      }),
    );
  };
  return Object.assign(plugin, {
    notFound: async (req: FastifyRequest, reply: FastifyReply) => {
      if (!notFound) throw new Error('the Key Vault plugin is not registered');
      await notFound(req, reply);
    },
  });
}
