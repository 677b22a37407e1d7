import { watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sharedAdfService, type ServicesFor } from '../adf/api/index.js';
import type { MockMap } from '../adf/engine/mocks.js';
import { createRunRuntime } from '../adf/linked-services/runtime.js';
import { applyWorkspace, type AppliedWorkspace } from '../adf/linked-services/workspace.js';
import {
  factoryResources,
  PUBLISH_PATH,
  publishBody,
  wireToWorkspace,
  type PublishedResource,
} from '../adf/linked-services/publish.js';
import { loadFactory } from '../adf/model/index.js';
import { loadWorkspace, type Workspace } from '../adf/model/workspace/load.js';
import { adminRequired, armInvalidBody } from '../common/catalogue.js';
import { toPipevaultError } from '../common/errors.js';
import { authenticate } from '../identity/routes/admin.js';
import { createKeyVault } from '../keyvault/api/plugin.js';
import type { ServerDeps } from './deps.js';

/**
 * What runs on the server need to reach the outside (Web, WebHook, Azure Function, Key Vault references),
 * and loading `--factory DIR` folders: each is published into the factory API (so runs show in the API and
 * UI) and its `pipevault.json` applied (identity, vaults, policies, secrets; `hosts` and `allowEgress` for its
 * runs). `--watch` reloads a folder when its files change.
 */

interface Network {
  hosts: Record<string, string>;
  allowEgress: boolean;
}

/** Per server (its deps), per factory name (lower case): the network rules of a loaded workspace. */
const networks = new WeakMap<ServerDeps, Map<string, Network>>();
/**
 * Per server, per factory name (lower case): the mocks of its published workspace. One object per factory,
 * changed in place on each publish, because the factory's engine holds it from its creation on.
 */
const mockMaps = new WeakMap<ServerDeps, Map<string, MockMap>>();

function networkOf(deps: ServerDeps): Map<string, Network> {
  let m = networks.get(deps);
  if (!m) {
    m = new Map();
    networks.set(deps, m);
  }
  return m;
}

function mocksOf(deps: ServerDeps, factory: string): MockMap {
  let byFactory = mockMaps.get(deps);
  if (!byFactory) {
    byFactory = new Map();
    mockMaps.set(deps, byFactory);
  }
  let m = byFactory.get(factory.toLowerCase());
  if (!m) {
    m = {};
    byFactory.set(factory.toLowerCase(), m);
  }
  return m;
}

/** The `servicesFor` hook of the factory API: run services pointed at this server. */
export function serverServicesFor(deps: ServerDeps): ServicesFor {
  const kv = createKeyVault({
    store: deps.store,
    barrier: deps.barrier,
    identity: deps.identity,
    clock: deps.clock,
    ids: deps.ids,
  });
  return ({ factory, registerSecret }) => {
    let appId: Promise<string> | undefined;
    const runtime = createRunRuntime({
      factory,
      server: {
        url: `https://localhost:${deps.config.port()}`,
        address: '127.0.0.1',
        get port() {
          return deps.config.port();
        },
        ca: deps.config.ca ?? '',
        tenantId: deps.identity.tenantId,
      },
      factoryAppId: () => (appId ??= deps.identity.ensureFactoryIdentity(factory.name).then((p) => p.appId)),
      vaultExists: async (name) => !!(await kv.vaults.find(name)),
      network: () => networkOf(deps).get(factory.name.toLowerCase()),
      clock: deps.clock,
      registerSecret,
    });
    return { services: runtime.services, mocks: mocksOf(deps, factory.name), close: () => runtime.close() };
  };
}

/** What publishing a factory into the server takes: the factory's resources and its workspace, resolved. */
export interface PublishFactoryInput {
  /** The factory's name as loaded (the workspace's `factory.name` wins). */
  name: string;
  /** `identity.principalId` of `factory/*.json`, so production access policies keep matching. */
  identity?: { principalId?: string };
  globalParameters: Record<string, unknown>;
  resources: PublishedResource[];
  workspace?: Workspace;
  /** Mocks on top of the workspace's (`pipevault run --mocks FILE`). */
  mocks?: MockMap;
  /** `pipevault run --allow-egress`, on top of the workspace's `allowEgress`. */
  allowEgress?: boolean;
}

/**
 * Publishes a factory into the server as `--factory DIR` does: the workspace applied (identity, principals,
 * vaults, policies, secrets), its `hosts`, `allowEgress` and `mocks` made the rules of the factory's runs, and
 * its resources written through the factory API's validation (nothing is written when any is invalid).
 */
export async function publishFactory(deps: ServerDeps, p: PublishFactoryInput): Promise<AppliedWorkspace> {
  const { workspace } = p;
  const kv = createKeyVault({
    store: deps.store,
    barrier: deps.barrier,
    identity: deps.identity,
    clock: deps.clock,
    ids: deps.ids,
  });
  const applied = await applyWorkspace({
    kv,
    identity: deps.identity,
    workspace,
    factory: { name: p.name, ...(p.identity ? { identity: p.identity } : {}) },
    logger: deps.logger,
  });
  const service = await sharedAdfService({
    database: deps.store,
    barrier: deps.barrier,
    identity: deps.identity,
    clock: deps.clock,
    ids: deps.ids,
    logger: deps.logger,
  });
  const globalParameters = Object.keys(p.globalParameters).length ? { globalParameters: p.globalParameters } : {};
  await service.putFactory({
    name: applied.factoryName,
    location: 'local',
    tags: {},
    properties: { ...globalParameters },
  });
  if (p.resources.length) await service.putResources(applied.factoryName, p.resources);
  // rules change only once the resources are accepted: an invalid publish leaves the previous version serving
  networkOf(deps).set(applied.factoryName.toLowerCase(), {
    hosts: workspace?.hosts ?? {},
    allowEgress: Boolean(workspace?.allowEgress || p.allowEgress),
  });
  const mocks = mocksOf(deps, applied.factoryName);
  for (const k of Object.keys(mocks)) delete mocks[k];
  Object.assign(mocks, workspace?.mocks ?? {}, p.mocks ?? {});
  deps.logger.info({ factory: applied.factoryName, resources: p.resources.length }, 'factory published');
  return applied;
}

/** Loads one factory folder into the server: workspace applied, resources published. Returns the factory name. */
export async function loadFactoryFolder(deps: ServerDeps, dir: string): Promise<string> {
  const workspace = loadWorkspace(dir);
  const factory = await loadFactory(dir, workspace?.factory.name ? { factoryName: workspace.factory.name } : {});
  const applied = await publishFactory(deps, {
    name: factory.name,
    ...(factory.identity ? { identity: factory.identity } : {}),
    globalParameters: factory.globalParameters,
    resources: factoryResources(factory),
    workspace,
  });
  deps.logger.info({ factory: applied.factoryName, dir }, 'factory loaded');
  return applied.factoryName;
}

/** Replaces the host mappings runs of a loaded factory use (quickstart moves its stand-in to a free port). */
export function setFactoryHosts(deps: ServerDeps, factory: string, hosts: Record<string, string>): void {
  const m = networkOf(deps);
  const cur = m.get(factory.toLowerCase());
  m.set(factory.toLowerCase(), { hosts, allowEgress: cur?.allowEgress ?? false });
}

/** `--factory DIR` (repeatable) and `--watch`: loads every folder; with watch, reloads one when it changes. */
export async function loadFactoryFolders(deps: ServerDeps): Promise<{ names: string[]; close(): void }> {
  const names: string[] = [];
  const watchers: FSWatcher[] = [];
  for (const d of deps.config.factories) {
    const dir = resolve(d);
    names.push(await loadFactoryFolder(deps, dir));
    if (deps.config.watch) {
      let timer: NodeJS.Timeout | undefined;
      const w = watch(dir, { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          loadFactoryFolder(deps, dir).catch((e: unknown) =>
            deps.logger.warn(
              { dir, err: (e as Error).message },
              'factory reload failed; the previous definition stays',
            ),
          );
        }, 300);
      });
      // the listener keeps the process alive; the watcher must not keep it alive after close
      w.unref();
      watchers.push(w);
    }
  }
  return { names, close: () => watchers.forEach((w) => w.close()) };
}

/**
 * `POST /pipevault/admin/factories/publish`: publishes a factory folder sent by `pipevault run --data-dir D |
 * --endpoint URL` (see publishFactory). Admin only; answers `{factoryName, identity: {appId, objectId}, vaults}`.
 * Errors name what is wrong (never a value) in ARM's shape; nothing of the resources is written then.
 */
export function publishRoutes(deps: ServerDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.register(async (admin) => {
      admin.addHook('onRequest', async (req) => {
        const who = await authenticate(deps.identity, req);
        if (who.kind !== 'admin') throw adminRequired();
      });
      admin.setErrorHandler((e, _req, reply: FastifyReply) => {
        const status = (e as { statusCode?: number }).statusCode;
        if (status === 400 || status === 413 || status === 415) {
          return reply.code(status).send(armInvalidBody((e as Error).message).toArm());
        }
        const err = toPipevaultError(e);
        if (err.status === 401) reply.header('www-authenticate', 'Bearer');
        if (err.status >= 500) {
          deps.logger.error({ err: { message: (e as Error).message, code: err.code } }, 'publish failed');
          return reply
            .code(500)
            .send({ error: { code: 'InternalError', message: 'Internal error; see the server log.' } });
        }
        return reply.code(err.status).send(err.toArm());
      });
      admin.post(PUBLISH_PATH, { bodyLimit: 64 * 1024 * 1024 }, async (req) => {
        const parsed = publishBody.safeParse(req.body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const where = ['$', ...issue.path.map(String)].join('.');
          throw armInvalidBody(`${where}: ${issue.message}`, where);
        }
        const b = parsed.data;
        const applied = await publishFactory(deps, {
          name: b.factory.name,
          ...(b.factory.identity ? { identity: b.factory.identity } : {}),
          globalParameters: b.factory.globalParameters,
          resources: b.resources,
          ...(b.workspace ? { workspace: wireToWorkspace(b.workspace) } : {}),
          ...(b.mocks ? { mocks: b.mocks } : {}),
          ...(b.allowEgress ? { allowEgress: true } : {}),
        });
        return {
          factoryName: applied.factoryName,
          identity: { appId: applied.factoryIdentity.appId, objectId: applied.factoryIdentity.objectId },
          vaults: applied.vaults,
        };
      });
    });
  };
}
