import { tokenRequestFailed } from '../../common/catalogue.js';
import type { Clock } from '../../common/clock.js';
import { userAssignedResourceId } from '../../identity/types.js';
import type { TokenProvider } from '../activities/types.js';
import type { RunHttpClient } from './http-client.js';

/**
 * Tokens for what a run calls, from pipevault's identity service over its real endpoints (the IMDS-style
 * managed-identity endpoint and the tenant's token endpoint), so a run authenticates exactly as an outside
 * client would. Tokens are cached in memory per principal and resource until five minutes before they expire,
 * and are never written anywhere.
 */

export type TokenSubject =
  /** The factory's system-assigned identity. */
  | { kind: 'factory' }
  /** A user-assigned identity, by its local name. */
  | { kind: 'userAssigned'; name: string }
  | { kind: 'servicePrincipal'; clientId: string; secret: string };

export interface RunTokenProviderOptions {
  http: RunHttpClient;
  /** The pipevault server's base URL (`https://localhost:PORT`). */
  serverUrl: string;
  tenantId: string;
  /** App ID of the factory's system-assigned identity (or how to find it, once, on first use). */
  factoryAppId: string | (() => Promise<string>);
  clock: Clock;
  /** Credential name → user-assigned identity name, for `credential` references (see credentials.ts). */
  credentialIdentity?: (credential: string) => string;
}

const REFRESH_MARGIN_MS = 5 * 60_000;

interface Cached {
  token: string;
  expiresOn: number;
}

export class RunTokenProvider implements TokenProvider {
  private readonly cache = new Map<string, Promise<Cached>>();

  constructor(private readonly o: RunTokenProviderOptions) {}

  /** The engine's hook: the factory's identity, or the user-assigned identity a credential names. */
  getToken(req: {
    resource: string;
    credential?: string;
    signal?: AbortSignal;
  }): Promise<{ token: string; expiresOn: number }> {
    if (req.credential) {
      const name = this.o.credentialIdentity ? this.o.credentialIdentity(req.credential) : req.credential;
      return this.tokenFor({ kind: 'userAssigned', name }, req.resource, req.signal);
    }
    return this.tokenFor({ kind: 'factory' }, req.resource, req.signal);
  }

  async tokenFor(subject: TokenSubject, resource: string, signal?: AbortSignal): Promise<Cached> {
    const key = subjectKey(subject, resource);
    const hit = this.cache.get(key);
    if (hit) {
      const v = await hit.catch(() => undefined);
      if (v && v.expiresOn * 1000 - REFRESH_MARGIN_MS > this.o.clock.now()) return v;
      if (this.cache.get(key) === hit) this.cache.delete(key);
    }
    let p = this.cache.get(key);
    if (!p) {
      p = this.fetch(subject, resource, signal);
      this.cache.set(key, p);
      p.catch(() => {
        if (this.cache.get(key) === p) this.cache.delete(key);
      });
    }
    return p;
  }

  private async fetch(subject: TokenSubject, resource: string, signal?: AbortSignal): Promise<Cached> {
    const who = describe(subject);
    let res;
    if (subject.kind === 'servicePrincipal') {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: subject.clientId,
        client_secret: subject.secret,
        scope: `${resource.replace(/\/+$/, '') || resource}/.default`,
      });
      // a GUID resource (an app ID) has no trailing slash to trim; a URL keeps its meaning without one
      res = await this.o.http.request({
        method: 'POST',
        url: `${this.o.serverUrl}/${this.o.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal,
      });
    } else {
      const q = new URLSearchParams({ 'api-version': '2018-02-01', resource });
      if (subject.kind === 'factory') {
        const id = this.o.factoryAppId;
        q.set('client_id', typeof id === 'string' ? id : await id());
      } else q.set('mi_res_id', userAssignedResourceId(subject.name));
      res = await this.o.http.request({
        method: 'GET',
        url: `${this.o.serverUrl}/metadata/identity/oauth2/token?${q.toString()}`,
        headers: { metadata: 'true', accept: 'application/json' },
        signal,
      });
    }
    const text = Buffer.from(res.body).toString('utf8');
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // reported below
    }
    if (res.status !== 200 || typeof json.access_token !== 'string') {
      const reason = String(json.error_description ?? json.message ?? json.error ?? `HTTP ${res.status}`);
      throw tokenRequestFailed(who, resource, reason);
    }
    const expiresOn =
      json.expires_on !== undefined
        ? Number(json.expires_on)
        : Math.floor(this.o.clock.now() / 1000) + Number(json.expires_in ?? 3599);
    return { token: json.access_token, expiresOn };
  }
}

function subjectKey(s: TokenSubject, resource: string): string {
  if (s.kind === 'factory') return `f|${resource}`;
  if (s.kind === 'userAssigned') return `u|${s.name.toLowerCase()}|${resource}`;
  return `s|${s.clientId.toLowerCase()}|${s.secret}|${resource}`;
}

function describe(s: TokenSubject): string {
  if (s.kind === 'factory') return "the factory's managed identity";
  if (s.kind === 'userAssigned') return `the user-assigned identity '${s.name}'`;
  return `the service principal '${s.clientId}'`;
}
