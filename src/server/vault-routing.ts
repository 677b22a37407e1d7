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

export function decorateVaultName(app: FastifyInstance, fixedVault?: string): void {
  app.decorateRequest('vaultName', DEFAULT_VAULT);
  app.addHook('onRequest', async (req) => {
    req.vaultName = fixedVault ?? vaultFromHost(req.headers.host) ?? DEFAULT_VAULT;
  });
}
