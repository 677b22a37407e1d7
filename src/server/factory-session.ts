import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { createRunRuntime, type RunRuntime } from '../adf/linked-services/runtime.js';
import { applyWorkspace, type AppliedWorkspace } from '../adf/linked-services/workspace.js';
import type { Workspace } from '../adf/model/workspace/load.js';
import type { Factory } from '../adf/model/types.js';
import { createKeyVault } from '../keyvault/api/plugin.js';
import { startServer, type RunningServer } from './start.js';

/**
 * A factory attached to a running pipevault server: its workspace file applied (identity, principals, vaults,
 * policies, secrets) and the run services (outbound HTTP, tokens, Key Vault references, WebHook callbacks)
 * pointed at that server. Used by the embedded `pipevault run`, `pipevault quickstart` and the tests.
 */

export interface FactorySessionOptions {
  server: RunningServer;
  factory: Factory;
  workspace?: Workspace;
  allowEgress?: boolean;
  /** Masking: every secret value a run obtains is given here first. */
  registerSecret?: (value: string) => void;
  clock?: Clock;
  logger?: Logger;
}

export interface FactorySession {
  applied: AppliedWorkspace;
  runtime: RunRuntime;
  close(): Promise<void>;
}

export async function openFactorySession(o: FactorySessionOptions): Promise<FactorySession> {
  const { store, barrier, identity, clock, ids } = o.server.deps;
  const kv = createKeyVault({ store, barrier, identity, clock, ids });
  const applied = await applyWorkspace({ kv, identity, workspace: o.workspace, factory: o.factory, logger: o.logger });
  const runtime = createRunRuntime({
    factory: o.factory,
    server: {
      url: o.server.url,
      address: '127.0.0.1',
      port: o.server.port,
      ca: o.server.ca,
      tenantId: o.server.tenantId,
    },
    factoryAppId: applied.factoryIdentity.appId,
    vaultExists: async (name) => !!(await kv.vaults.find(name)),
    hosts: o.workspace?.hosts,
    allowEgress: Boolean(o.allowEgress || o.workspace?.allowEgress),
    clock: o.clock ?? systemClock,
    registerSecret: o.registerSecret,
  });
  return { applied, runtime, close: () => runtime.close() };
}

/**
 * Whether runs of this factory need a pipevault server: the workspace defines vaults, principals or
 * identities, or an activity calls out over HTTP (Web, WebHook, Azure Function), or a linked service keeps a
 * secret in a vault.
 */
export function factoryNeedsServer(factory: Factory, workspace?: Workspace): boolean {
  if (
    workspace &&
    (Object.keys(workspace.vaults).length ||
      Object.keys(workspace.principals).length ||
      Object.keys(workspace.identities).length)
  ) {
    return true;
  }
  const text = JSON.stringify([...factory.pipelines.values(), ...factory.linkedServices.values()]);
  return /"type":\s*"(WebActivity|WebHook|AzureFunctionActivity|AzureKeyVaultSecret)"/i.test(text);
}

/**
 * A server for the duration of one command: in-process, on an ephemeral loopback port, on a temporary data dir
 * that is removed when it closes.
 */
export async function startEmbeddedServer(
  opts: { logger?: Logger; clock?: Clock } = {},
): Promise<{ server: RunningServer; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pipevault-embedded-'));
  try {
    const server = await startServer({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    return {
      server,
      async close() {
        await server.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}
