import type { FastifyRequest } from 'fastify';
import type { Caller } from '../domain/model.js';

/**
 * Per-request Key Vault state, kept beside the request (not as a fastify decoration) so this plugin adds
 * nothing to the shared request type.
 */
export interface KvRequestState {
  caller: Caller;
}

const state = new WeakMap<FastifyRequest, KvRequestState>();

export function setState(req: FastifyRequest, s: KvRequestState): void {
  state.set(req, s);
}

export function getState(req: FastifyRequest): KvRequestState | undefined {
  return state.get(req);
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
