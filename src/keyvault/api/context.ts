import type { FastifyRequest } from 'fastify';
import type { Caller } from '../domain/model.js';

/**
 * Per-request Key Vault state, kept under a symbol of this module (not a named fastify decoration) so this
 * plugin adds nothing to the shared request type. A property, not a WeakMap entry: a WeakMap set per request
 * showed in profiles, and its entries cost the garbage collector extra work.
 */
export interface KvRequestState {
  caller: Caller;
}

export const KV_STATE = Symbol('pipevault.keyvault.state');

type WithState = FastifyRequest & { [KV_STATE]?: KvRequestState | null };

export function setState(req: FastifyRequest, s: KvRequestState): void {
  (req as WithState)[KV_STATE] = s;
}

export function getState(req: FastifyRequest): KvRequestState | undefined {
  return (req as WithState)[KV_STATE] ?? undefined;
}

/**
 * The vault a request addresses. The server decorates requests with it (extra ports, `{v}.vault.azure.net`,
 * `{v}.localhost`, else `default`); the host-name fallback keeps this plugin usable on a bare fastify app.
 */
export function vaultNameOf(req: FastifyRequest): string {
  const decorated = (req as unknown as { vaultName?: unknown }).vaultName;
  if (typeof decorated === 'string' && decorated) return decorated;
  const host = req.hostname.toLowerCase();
  const m = /^([a-z0-9-]+)\.(?:vault\.azure\.net|localhost)$/.exec(host);
  return m ? m[1] : 'default';
}

/** Set by the admin bridge on the requests it replays in-process (which carry no TLS socket). */
export const BRIDGE_PROTO_HEADER = 'x-pipevault-bridge-proto';

/** `https://host[:port]` exactly as the client addressed us: every id and nextLink is built on it. */
export function baseUrlOf(req: FastifyRequest): string {
  // Only a request without TLS can be a bridged replay: the listeners themselves speak HTTPS only.
  const proto = req.protocol === 'http' && req.headers[BRIDGE_PROTO_HEADER] === 'https' ? 'https' : req.protocol;
  return `${proto}://${req.host}`;
}
