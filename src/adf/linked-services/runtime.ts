import type { Clock } from '../../common/clock.js';
import type { ActivityServices } from '../activities/types.js';
import type { Factory } from '../model/types.js';
import { RunHttpClient } from './http-client.js';
import { LinkedServiceResolver } from './resolver.js';
import { RunTokenProvider } from './tokens.js';
import { WebhookCallbacks } from './webhook-callbacks.js';

/**
 * The services runs of one factory use to reach the outside: the outbound HTTP client, tokens, linked
 * services with vault references, and the WebHook callback endpoint. Built by whoever starts runs (the
 * embedded `pipevault run`, `pipevault start`), handed to the engine as `services`, and closed with it.
 */

export interface RunRuntimeOptions {
  factory: Factory;
  /** The pipevault server runs talk to (vaults, identity endpoints). */
  server: { url: string; address: string; port: number; ca: string; tenantId: string };
  /** App ID of the factory's system-assigned identity (or how to find it on first use). */
  factoryAppId: string | (() => Promise<string>);
  vaultExists(name: string): boolean | Promise<boolean>;
  hosts?: Record<string, string>;
  allowEgress?: boolean;
  /** Read on every call instead of `hosts`/`allowEgress` (a workspace reloaded by `--watch`). */
  network?: () => { hosts: Record<string, string>; allowEgress: boolean } | undefined;
  clock: Clock;
  /** Masking: every secret value a run obtains is given here first. */
  registerSecret?: (value: string) => void;
}

export interface RunRuntime {
  services: ActivityServices;
  http: RunHttpClient;
  tokens: RunTokenProvider;
  resolver: LinkedServiceResolver;
  close(): Promise<void>;
}

export function createRunRuntime(o: RunRuntimeOptions): RunRuntime {
  const http = new RunHttpClient({
    server: { address: o.server.address, port: o.server.port, ca: o.server.ca },
    vaultExists: o.vaultExists,
    hosts: o.hosts,
    allowEgress: o.allowEgress,
    ...(o.network ? { network: o.network } : {}),
  });
  const tokens = new RunTokenProvider({
    http,
    serverUrl: o.server.url,
    tenantId: o.server.tenantId,
    factoryAppId: o.factoryAppId,
    clock: o.clock,
  });
  const resolver = new LinkedServiceResolver({
    factory: o.factory,
    http,
    tokens,
    clock: o.clock,
    registerSecret: o.registerSecret,
  });
  const webhooks = new WebhookCallbacks();
  if (o.registerSecret) for (const v of secureStringLiterals(o.factory)) o.registerSecret(v);
  const services: ActivityServices = {
    http,
    tokens,
    linkedServices: resolver,
    webhooks,
    factory: o.factory,
    ...(o.registerSecret ? { registerSecret: o.registerSecret } : {}),
  };
  return {
    services,
    http,
    tokens,
    resolver,
    async close() {
      http.close();
      await webhooks.close();
    },
  };
}

/**
 * Every literal `{"type": "SecureString", "value": "…"}` in the factory's pipelines, linked services and
 * credentials: registered for masking before any run starts, so a literal password shows as the marker even
 * in the input recorded before the activity resolves it.
 */
export function secureStringLiterals(factory: Factory): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (
        typeof o.type === 'string' &&
        o.type.toLowerCase() === 'securestring' &&
        typeof o.value === 'string' &&
        !o.value.startsWith('@')
      ) {
        out.push(o.value);
      }
      for (const x of Object.values(o)) walk(x);
    }
  };
  for (const m of [factory.pipelines, factory.linkedServices, factory.credentials]) for (const r of m.values()) walk(r);
  return out;
}
