import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The vault this request addresses: the vault of the listener's port (`--vault NAME=PORT`), else the
     * `{v}` of a `{v}.vault.azure.net` or `{v}.localhost` host, else `default`.
     */
    vaultName: string;
  }
}

export const DEFAULT_VAULT = 'default';

/** The vault a Host header names, or undefined when it names none. */
export function vaultFromHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const h = host.replace(/:\d+$/, '').toLowerCase();
  const m = /^([a-z0-9-]+)\.(?:vault\.azure\.net|localhost)$/.exec(h);
  return m ? m[1] : undefined;
}

/**
 * Decorates requests with `vaultName` and returns the function that names a request's vault, for the server's
 * one onRequest hook (app.ts): the listener's vault, else the vault its Host names, else `default`.
 * vaultFromHost is pure and a client sends the same Host on every request, so the last answer is kept (a regex
 * replace, a lower-casing and a match fewer per request).
 */
export function decorateVaultName(app: FastifyInstance, fixedVault?: string): (host: string | undefined) => string {
  app.decorateRequest('vaultName', DEFAULT_VAULT);
  if (fixedVault !== undefined) return () => fixedVault;
  let lastHost: string | undefined;
  let lastVault = DEFAULT_VAULT;
  return (host) => {
    if (host !== lastHost) {
      lastVault = vaultFromHost(host) ?? DEFAULT_VAULT;
      lastHost = host;
    }
    return lastVault;
  };
}

/** First path segments of Key Vault's data plane (secrets, and the collections pipevault does not serve yet). */
const KEYVAULT_COLLECTIONS = new Set([
  'secrets',
  'deletedsecrets',
  'keys',
  'deletedkeys',
  'certificates',
  'deletedcertificates',
  'storage',
  'deletedstorage',
  'rng',
]);

/**
 * Whether a request is addressed to a vault rather than to the server's other services: it came in on a vault's
 * own port, names a vault by host, or asks for a Key Vault collection on the main port. Only such requests get
 * Key Vault's error shape when no route matches.
 */
export function isVaultScoped(req: { url: string; headers: { host?: string } }, fixedVault?: string): boolean {
  if (fixedVault !== undefined || vaultFromHost(req.headers.host) !== undefined) return true;
  const first = req.url.split(/[/?]/, 2)[1] ?? '';
  return KEYVAULT_COLLECTIONS.has(first.toLowerCase());
}
