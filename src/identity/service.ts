import type { Clock } from '../common/clock.js';
import type { IdGenerator } from '../common/ids.js';
import type { Logger } from '../common/logger.js';
import { badInput, principalNotFound } from '../common/catalogue.js';
import type { Barrier } from '../storage/barrier.js';
import type { Database } from '../storage/database.js';
import { PrincipalStore } from './principals.js';
import { RoleAssignments } from './roles.js';
import { SigningKeys } from './signing-keys.js';
import { TokenService, type IssuedToken, type VerifyOptions } from './tokens.js';
import { DEFAULT_FACTORY, type Principal, type PrincipalRecord } from './types.js';

export interface IdentityServiceOptions {
  store: Database;
  barrier: Barrier;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** Host names (without port) the server answers on, accepted as token issuer hosts. */
  serverNames: readonly string[];
  /** Token lifetime in seconds (default 3599 s, as Entra's `expires_in`). */
  tokenLifetimeSec?: number;
  /** Clock skew tolerated on exp/nbf (default 60 s). */
  skewSec?: number;
  /** A signing key older than this is rotated when the service starts (default 30 days). */
  rotateKeysAfterDays?: number;
}

/**
 * The identity service every other part of pipevault uses: who exists (tenant, principals), tokens
 * (`issueToken`, `verifyAccessToken`), and role assignments. Built once by the server.
 */
export interface IdentityService {
  readonly tenantId: string;
  /** `https://{host}/{tenant}`: the authority a Key Vault challenge names. */
  authority(host: string): string;
  verifyAccessToken(token: string, opts: VerifyOptions): Promise<Principal>;
  /**
   * `verifyAccessToken` without a promise for a token verified before (signature and claims cached; expiry,
   * nbf, audience and issuer checked again): the principal, a thrown 401 error, or undefined — then call
   * `verifyAccessToken`.
   */
  verifyAccessTokenCached(token: string, opts: VerifyOptions): Principal | undefined;
  /** Mints a token in-process (e.g. the run engine, for the factory's identity calling the vault). */
  issueToken(opts: { principal: Principal | PrincipalRecord; resource: string; host: string }): Promise<IssuedToken>;
  /** Checks an app ID + client secret; undefined when either is wrong. */
  authenticateClient(appId: string, secret: string): Promise<PrincipalRecord | undefined>;
  createServicePrincipal(opts: { displayName: string }): Promise<{ principal: PrincipalRecord; secret: string }>;
  createUserAssignedIdentity(opts: { name: string }): Promise<PrincipalRecord>;
  /** The factory's system-assigned identity, created on first use (optionally with the object ID its JSON gives). */
  ensureFactoryIdentity(factory: string, opts?: { objectId?: string }): Promise<PrincipalRecord>;
  /** Resolves an object ID or application ID (as `az` `--assignee` / `--spn` do). */
  findPrincipal(idOrAppId: string): Promise<PrincipalRecord | undefined>;
  requirePrincipal(idOrAppId: string): Promise<PrincipalRecord>;
  /**
   * The factory whose system-assigned identity the managed-identity endpoints serve when a request names no
   * identity (`default` until a loaded workspace names its own factory).
   */
  setDefaultFactory(factory: string): void;
  /** A managed identity for an IMDS / App Service request: by client_id, object_id or mi_res_id, else the default factory's. */
  resolveManagedIdentity(sel: {
    clientId?: string;
    objectId?: string;
    resourceId?: string;
  }): Promise<PrincipalRecord | undefined>;
  listPrincipals(): Promise<PrincipalRecord[]>;
  deletePrincipal(objectId: string): Promise<boolean>;
  /** The admin principal, created on first call. */
  ensureAdmin(): Promise<PrincipalRecord>;
  /** Replaces the admin's client secrets with a new one and returns it. */
  resetAdminSecret(): Promise<string>;
  readonly roles: RoleAssignments;
  readonly principals: PrincipalStore;
  rotateSigningKey(): Promise<string>;
  jwks(): { keys: Array<Record<string, unknown>> };
  issuerFor(host: string): string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createIdentityService(o: IdentityServiceOptions): Promise<IdentityService> {
  const lifetimeSec = o.tokenLifetimeSec ?? 3599;
  const skewSec = o.skewSec ?? 60;
  const principals = new PrincipalStore(o.store, o.clock, o.ids);
  const tenantId = await principals.ensureTenant();
  const keys = new SigningKeys(o.store, o.barrier, o.clock, (lifetimeSec + skewSec) * 1000);
  await keys.init();
  if (o.clock.now() - keys.signer().createdAt > (o.rotateKeysAfterDays ?? 30) * 86_400_000) await keys.rotate();
  let defaultFactory = DEFAULT_FACTORY;
  const tokens = new TokenService({ keys, clock: o.clock, tenantId, serverNames: o.serverNames, lifetimeSec, skewSec });
  const roles = new RoleAssignments(o.store, o.clock, o.ids);

  const findPrincipal = async (id: string) => {
    const q = id.trim();
    if (!q) return undefined;
    return (await principals.byObjectId(q)) ?? (await principals.byAppId(q));
  };

  const ensureAdmin = async () => {
    const [admin] = await principals.byKind('admin');
    if (admin) return admin;
    return principals.create({ tenantId, kind: 'admin', displayName: 'pipevault-admin' });
  };

  const ensureFactoryIdentity = async (factory: string, opts: { objectId?: string } = {}) => {
    const existing = await principals.factoryIdentity(factory);
    if (existing) return existing;
    if (opts.objectId !== undefined && !UUID.test(opts.objectId)) {
      throw badInput(`the factory's identity.principalId '${opts.objectId}' is not a GUID`, `factory ${factory}`);
    }
    const p = await principals.create({
      tenantId,
      kind: 'managedIdentity',
      managedIdentityType: 'SystemAssigned',
      displayName: factory,
      factory,
      objectId: opts.objectId,
    });
    o.logger.info({ factory, objectId: p.objectId, appId: p.appId }, 'created system-assigned managed identity');
    return p;
  };

  return {
    tenantId,
    roles,
    principals,
    authority: (host) => `https://${host}/${tenantId}`,
    issuerFor: (host) => tokens.issuerFor(host),
    verifyAccessToken: (token, opts) => tokens.verify(token, opts),
    verifyAccessTokenCached: (token, opts) => tokens.verifyCached(token, opts),
    issueToken: ({ principal, resource, host }) =>
      tokens.issue({
        principal: {
          tenantId: principal.tenantId,
          objectId: principal.objectId,
          appId: principal.appId,
          kind: principal.kind,
        },
        resource,
        host,
        managedIdentityResourceId:
          principal.kind === 'managedIdentity' ? ((principal as PrincipalRecord).resourceId ?? '') : undefined,
      }),
    async authenticateClient(appId, secret) {
      const p = await principals.byAppId(appId);
      if (!p || p.kind === 'managedIdentity') return undefined;
      return (await principals.checkSecret(p.objectId, secret)) ? p : undefined;
    },
    async createServicePrincipal({ displayName }) {
      const name = displayName.trim();
      if (!name || name.length > 120) throw badInput('a display name of 1 to 120 characters is required', '--name');
      const principal = await principals.create({ tenantId, kind: 'servicePrincipal', displayName: name });
      const { secret } = await principals.addSecret(principal.objectId);
      return { principal, secret };
    },
    async createUserAssignedIdentity({ name }) {
      const n = name.trim();
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/.test(n)) {
        throw badInput(
          `'${name}' is not a valid identity name (3 to 128 letters, digits, hyphens or underscores, starting with a letter or digit)`,
          '--name',
        );
      }
      const clash = (await principals.byKind('managedIdentity')).find(
        (p) => p.managedIdentityType === 'UserAssigned' && p.displayName.toLowerCase() === n.toLowerCase(),
      );
      if (clash) return clash;
      return principals.create({
        tenantId,
        kind: 'managedIdentity',
        managedIdentityType: 'UserAssigned',
        displayName: n,
      });
    },
    ensureFactoryIdentity,
    setDefaultFactory(factory) {
      defaultFactory = factory;
    },
    findPrincipal,
    async requirePrincipal(id) {
      const p = await findPrincipal(id);
      if (!p) throw principalNotFound(id);
      return p;
    },
    async resolveManagedIdentity({ clientId, objectId, resourceId }) {
      let p: PrincipalRecord | undefined;
      if (clientId) p = await principals.byAppId(clientId);
      else if (objectId) p = await principals.byObjectId(objectId);
      else if (resourceId) {
        const want = resourceId.toLowerCase();
        p = (await principals.byKind('managedIdentity')).find((x) => x.resourceId?.toLowerCase() === want);
      } else p = await ensureFactoryIdentity(defaultFactory);
      return p?.kind === 'managedIdentity' ? p : undefined;
    },
    listPrincipals: () => principals.list(),
    async deletePrincipal(objectId) {
      const p = await principals.byObjectId(objectId);
      if (!p) return false;
      if (p.kind === 'admin') throw badInput('the admin principal cannot be deleted', objectId);
      await roles.deleteForPrincipal(p.objectId);
      return principals.delete(p.objectId);
    },
    ensureAdmin,
    async resetAdminSecret() {
      const admin = await ensureAdmin();
      await principals.removeSecrets(admin.objectId);
      return (await principals.addSecret(admin.objectId)).secret;
    },
    rotateSigningKey: () => keys.rotate(),
    jwks: () => keys.jwks(),
  };
}
