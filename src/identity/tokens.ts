import { randomBytes } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../common/clock.js';
import { invalidAccessToken } from '../common/catalogue.js';
import type { SigningKeys } from './signing-keys.js';
import type { Principal, PrincipalKind } from './types.js';

/**
 * Access tokens: RS256 JWTs shaped like Entra ID's app-only tokens. The issuer is built on the host the client
 * used (`https://{host}/{tenant}/v2.0`) because MSAL compares it with the authority it was given; verification
 * therefore accepts any issuer on one of the server's own names.
 */

export interface IssuedToken {
  accessToken: string;
  /** Unix seconds. */
  expiresOn: number;
  /** Seconds from now. */
  expiresIn: number;
  /** Unix seconds. */
  notBefore: number;
  resource: string;
}

export interface VerifyOptions {
  /** Accepted `aud` values; the token's audience must be one of them. */
  audiences: readonly string[];
  /** The Host header of the request being authorized (its host name is accepted as an issuer host). */
  host?: string;
}

interface CachedToken {
  /** The whole token: the cache is keyed by its tail, a hit must be the very same token. */
  token: string;
  principal: Principal;
  aud: string;
  issHost: string;
  nbfMs: number;
  expMs: number;
  /** The last request host the issuer check accepted for this token (the check depends on nothing else). */
  okHost?: string;
}

const ADMIN_ROLE = 'Pipevault.Admin';
const CACHE_LIMIT = 10_000;

export class TokenService {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    private readonly opts: {
      keys: SigningKeys;
      clock: Clock;
      tenantId: string;
      /** Host names (no port) the server answers on; `*.localhost` and `*.vault.azure.net` are always ours. */
      serverNames: readonly string[];
      lifetimeSec: number;
      skewSec: number;
    },
  ) {}

  issuerFor(host: string): string {
    return `https://${host}/${this.opts.tenantId}/v2.0`;
  }

  async issue(p: {
    principal: Principal;
    resource: string;
    host: string;
    managedIdentityResourceId?: string;
  }): Promise<IssuedToken> {
    const nowSec = Math.floor(this.opts.clock.now() / 1000);
    const exp = nowSec + this.opts.lifetimeSec;
    const { kid, privateKey } = this.opts.keys.signer();
    const iss = this.issuerFor(p.host);
    const claims: JWTPayload & Record<string, unknown> = {
      aud: p.resource,
      iss,
      iat: nowSec,
      nbf: nowSec,
      exp,
      tid: this.opts.tenantId,
      oid: p.principal.objectId,
      sub: p.principal.objectId,
      appid: p.principal.appId,
      azp: p.principal.appId,
      appidacr: '1',
      idp: iss,
      idtyp: 'app',
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    };
    if (p.principal.kind === 'admin') claims.roles = [ADMIN_ROLE];
    if (p.managedIdentityResourceId) claims.xms_mirid = p.managedIdentityResourceId;
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .sign(privateKey);
    return { accessToken, expiresOn: exp, expiresIn: this.opts.lifetimeSec, notBefore: nowSec, resource: p.resource };
  }

  /**
   * Checks signature (RS256, a published key of ours), issuer (https, one of our names, our tenant), tenant,
   * audience, exp and nbf (with a small skew). A token that passed once is cached until it expires, so the
   * next check is a map lookup and a few string comparisons. Throws `InvalidAuthenticationToken` (401).
   */
  async verify(token: string, v: VerifyOptions): Promise<Principal> {
    const now = this.opts.clock.now();
    const cached = this.cachedEntry(token, now);
    if (cached) return this.check(cached, now, v);
    const entry = await this.verifyFresh(token, now);
    if (this.cache.size >= CACHE_LIMIT) this.evict(now);
    this.cache.set(cacheKey(token), entry);
    return this.check(entry, now, v);
  }

  /**
   * The same checks as `verify` without a promise when the token's signature and claims were verified before
   * (the hot path of every authenticated request): the principal, a thrown `InvalidAuthenticationToken`, or
   * undefined when the token is not in the cache and needs `verify`. Expiry, nbf, audience and issuer host are
   * checked on every call.
   */
  verifyCached(token: string, v: VerifyOptions): Principal | undefined {
    const now = this.opts.clock.now();
    const entry = this.cachedEntry(token, now);
    return entry ? this.check(entry, now, v) : undefined;
  }

  private cachedEntry(token: string, now: number): CachedToken | undefined {
    const key = cacheKey(token);
    const entry = this.cache.get(key);
    if (!entry || entry.token !== token) return undefined;
    if (now >= entry.expMs + this.opts.skewSec * 1000) {
      this.cache.delete(key);
      return undefined;
    }
    return entry;
  }

  private check(entry: CachedToken, now: number, v: VerifyOptions): Principal {
    if (now + this.opts.skewSec * 1000 < entry.nbfMs) throw invalidAccessToken('the token is not valid yet (nbf)');
    if (!v.audiences.includes(entry.aud)) {
      throw invalidAccessToken(`the token's audience '${entry.aud}' is not accepted here; expected ${v.audiences[0]}`);
    }
    if (v.host === undefined || v.host !== entry.okHost) {
      if (!this.isOurHost(entry.issHost, v.host)) throw invalidAccessToken('the token was not issued by this server');
      if (v.host !== undefined) entry.okHost = v.host;
    }
    return entry.principal;
  }

  private async verifyFresh(token: string, now: number): Promise<CachedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        async (h) => {
          const key = h.kid ? await this.opts.keys.verificationKey(h.kid) : undefined;
          if (!key) throw new joseErrors.JWKSNoMatchingKey();
          return key;
        },
        {
          algorithms: ['RS256'],
          currentDate: new Date(now),
          clockTolerance: this.opts.skewSec,
          requiredClaims: ['exp', 'nbf', 'iss', 'aud', 'tid', 'oid'],
        },
      ));
    } catch (e) {
      throw invalidAccessToken(reasonOf(e));
    }
    const tid = payload.tid;
    if (tid !== this.opts.tenantId)
      throw invalidAccessToken(`the token's tenant is not this server's tenant ${this.opts.tenantId}`);
    const iss = String(payload.iss);
    let issHost: string;
    try {
      const u = new URL(iss);
      if (u.protocol !== 'https:' || u.pathname !== `/${this.opts.tenantId}/v2.0`) throw new Error('path');
      issHost = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    } catch {
      throw invalidAccessToken('the token was not issued by this server');
    }
    if (typeof payload.aud !== 'string') throw invalidAccessToken('the token must carry exactly one audience');
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    const kind: PrincipalKind = roles.includes(ADMIN_ROLE)
      ? 'admin'
      : typeof payload.xms_mirid === 'string'
        ? 'managedIdentity'
        : 'servicePrincipal';
    return {
      token,
      principal: {
        tenantId: tid,
        objectId: String(payload.oid),
        appId: String(payload.appid ?? payload.azp ?? ''),
        kind,
      },
      aud: payload.aud,
      issHost,
      nbfMs: Number(payload.nbf) * 1000,
      expMs: Number(payload.exp) * 1000,
    };
  }

  private isOurHost(issHost: string, requestHost?: string): boolean {
    if (this.opts.serverNames.includes(issHost)) return true;
    if (issHost.endsWith('.localhost') || issHost.endsWith('.vault.azure.net')) return true;
    if (requestHost) {
      const h = requestHost
        .replace(/:\d+$/, '')
        .replace(/^\[|\]$/g, '')
        .toLowerCase();
      if (h === issHost) return true;
    }
    return false;
  }

  private evict(now: number): void {
    for (const [k, e] of this.cache) if (e.expMs <= now) this.cache.delete(k);
    // still full of live tokens: drop the oldest entries (Map keeps insertion order)
    for (const k of this.cache.keys()) {
      if (this.cache.size < CACHE_LIMIT * 0.9) break;
      this.cache.delete(k);
    }
  }
}

/**
 * The cache key of a token: its last 43 characters (the end of the RS256 signature, 256 bits). Hashing a whole
 * token (~1 KB) for every lookup showed in profiles; the entry keeps the whole token, compared on every hit.
 */
function cacheKey(token: string): string {
  return token.length > 43 ? token.slice(-43) : token;
}

function reasonOf(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf') return 'the token is not valid yet (nbf)';
    return `the token's ${e.claim} claim is invalid`;
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'the token must be signed with RS256';
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'the token was not signed by a key of this server';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid) return 'the token is malformed';
  return 'the token could not be verified';
}
