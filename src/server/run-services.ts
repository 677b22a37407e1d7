import { watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { sharedAdfService, type ServicesFor } from '../adf/api/index.js';
import { createRunRuntime } from '../adf/linked-services/runtime.js';
import { applyWorkspace } from '../adf/linked-services/workspace.js';
import { loadFactory } from '../adf/model/index.js';
import type { LoadedFactory } from '../adf/model/types.js';
import { loadWorkspace } from '../adf/model/workspace/load.js';
import { createKeyVault } from '../keyvault/api/plugin.js';
import type { FactoryResourceKind } from '../storage/factory-store.js';
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

function networkOf(deps: ServerDeps): Map<string, Network> {
  let m = networks.get(deps);
  if (!m) {
    m = new Map();
    networks.set(deps, m);
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
    return { services: runtime.services, close: () => runtime.close() };
  };
}

const KINDS: Array<[FactoryResourceKind, keyof LoadedFactory]> = [
  ['linkedservices', 'linkedServices'],
  ['credentials', 'credentials'],
  ['datasets', 'datasets'],
  ['pipelines', 'pipelines'],
  ['triggers', 'triggers'],
];

/** Loads one factory folder into the server: workspace applied, resources published. Returns the factory name. */
export async function loadFactoryFolder(deps: ServerDeps, dir: string): Promise<string> {
  const workspace = loadWorkspace(dir);
  const factory = await loadFactory(dir, workspace?.factory.name ? { factoryName: workspace.factory.name } : {});
  const kv = createKeyVault({
    store: deps.store,
    barrier: deps.barrier,
    identity: deps.identity,
    clock: deps.clock,
    ids: deps.ids,
  });
  const applied = await applyWorkspace({ kv, identity: deps.identity, workspace, factory, logger: deps.logger });
  networkOf(deps).set(applied.factoryName.toLowerCase(), {
    hosts: workspace?.hosts ?? {},
    allowEgress: workspace?.allowEgress ?? false,
  });
  const service = await sharedAdfService({
    database: deps.store,
    barrier: deps.barrier,
    identity: deps.identity,
    clock: deps.clock,
    ids: deps.ids,
    logger: deps.logger,
  });
  const globalParameters = Object.keys(factory.globalParameters).length
    ? { globalParameters: factory.globalParameters }
    : {};
  await service.putFactory({
    name: applied.factoryName,
    location: 'local',
    tags: {},
    properties: { ...globalParameters },
  });
  const items = [];
  for (const [kind, key] of KINDS) {
    for (const r of (factory[key] as Map<string, { name: string; properties: Record<string, unknown> }>).values()) {
      items.push({ kind, name: r.name, properties: r.properties });
    }
  }
  if (items.length) await service.putResources(applied.factoryName, items);
  deps.logger.info({ factory: applied.factoryName, dir, resources: items.length }, 'factory loaded');
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
