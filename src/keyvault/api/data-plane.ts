import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  kvBadParameter,
  kvInternal,
  kvMethodNotAllowed,
  kvUnauthorized,
  kvUnknownPath,
} from '../../common/catalogue.js';
import { PipevaultError, isPipevaultError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { KEYVAULT_AUDIENCES } from '../../identity/types.js';
import type { AuditLog } from '../audit/audit.js';
import { checkAuthorization, type RoleAssignment, type SecretOperation } from '../domain/authorization.js';
import type { Caller, SecretBundle, Vault } from '../domain/model.js';
import type { SecretService } from '../domain/secrets.js';
import { parseMaxResults, parseSetSecret, parseUpdateSecret } from '../domain/validate.js';
import type { VaultService } from '../domain/vaults.js';
import { checkApiVersion } from './api-versions.js';
import { baseUrlOf, getState, setState, vaultNameOf, type KvRequestState } from './context.js';
import {
  deletedBundle,
  deletedItem,
  nextLink,
  secretBundle,
  secretBundleText,
  secretItem,
  versionItem,
} from './wire.js';

/**
 * The Key Vault secrets REST API (specs/keyvault-identity.md §1). Order of work on every request, as the SDKs
 * need it: the bearer challenge first (onRequest, before any body is read — the SDK's first request carries no
 * token and an emptied body), then api-version, vault, input, authorization, the operation, and an audit
 * record of the outcome before the response leaves.
 */

export interface DataPlaneDeps {
  secrets: SecretService;
  vaults: VaultService;
  audit: AuditLog;
  logger: Logger;
  loose: boolean;
  identity: {
    readonly tenantId: string;
    authority(host: string): string;
    verifyAccessToken(
      token: string,
      opts: { audiences: readonly string[]; host?: string },
    ): Promise<Caller & { kind?: string }>;
    /** A token verified before, without a promise (see IdentityService); undefined: call verifyAccessToken. */
    verifyAccessTokenCached?(
      token: string,
      opts: { audiences: readonly string[]; host?: string },
    ): (Caller & { kind?: string }) | undefined;
  };
  /** The caller's role assignments, for vaults with RBAC authorization. */
  roleAssignments(principalId: string): Promise<RoleAssignment[]>;
}

const RESOURCE = 'https://vault.azure.net';
/** The role assignments of a caller of an access-policy vault: never read (checkAuthorization does not ask). */
const noAssignments = (): Promise<RoleAssignment[]> => Promise.resolve([]);
/** `x-ms-keyvault-service-version` of every data-plane answer. */
const SERVICE_VERSION = '1.9.0.0';
const BODY_LIMIT = 1024 * 1024;

function challenge(deps: DataPlaneDeps, req: FastifyRequest): Record<string, string> {
  const authority = deps.identity.authority(req.host);
  return {
    'www-authenticate': `Bearer authorization="${authority}", authorization_uri="${authority}", resource="${RESOURCE}"`,
  };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function bearerOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = BEARER.exec(h);
  return m ? m[1] : undefined;
}

function toCaller(p: Caller & { kind?: string }): Caller {
  return { tenantId: p.tenantId, objectId: p.objectId, appId: p.appId, admin: p.kind === 'admin' };
}

/**
 * The bearer challenge, answered before anything else (the SDK's first request carries no token and an emptied
 * body): no token or one that fails verification → 401 with `WWW-Authenticate` (and an audit record of the
 * failure); a good one → the caller kept beside the request. Returns whether the request may go on.
 */
async function authenticate(deps: DataPlaneDeps, req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const token = bearerOf(req);
  if (!token) {
    const e = kvUnauthorized(challenge(deps, req));
    await reply
      .code(401)
      .headers(e.headers ?? {})
      .send(e.toKeyVault());
    return false;
  }
  try {
    const p = await deps.identity.verifyAccessToken(token, { audiences: KEYVAULT_AUDIENCES, host: req.host });
    setState(req, { caller: toCaller(p) });
    return true;
  } catch (err) {
    const reason = isPipevaultError(err) ? err.message : 'The access token could not be verified.';
    const e = kvUnauthorized(challenge(deps, req), reason);
    await deps.audit
      .record({
        vault: vaultNameOf(req),
        operation: 'Authentication',
        status: 401,
        reason,
        clientIp: req.ip,
        requestId: req.id,
      })
      .catch((auditErr) => deps.logger.error({ err: auditErr }, 'audit write failed'));
    await reply
      .code(401)
      .headers(e.headers ?? {})
      .send(e.toKeyVault());
    return false;
  }
}

/** Method and path pattern of every data-plane route, as registered (for 405 on a known path). */
interface RoutePattern {
  methods: Set<string>;
  pattern: RegExp;
}

function toPattern(url: string): RegExp {
  const parts = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('/')}$`);
}

/**
 * The answer to a vault-scoped request no route matched, in Key Vault's error shape: the bearer challenge
 * first, as for every vault request; then 405 with `Allow` when the path is a data-plane path taken with
 * another method (e.g. `PUT /secrets`), else 404 NotFound. The server calls it from its not-found handler for
 * requests it routes to a vault (vault host name or port, or a Key Vault path on the main port).
 */
export type VaultNotFoundHandler = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** What an operation's work gets: the vault (authorised), the request's api-version and base URL. */
interface WorkContext {
  vault: Vault;
  apiVersion: string;
  base: string;
}

/** An operation's answer; `text` is a body already serialised as JSON. */
interface WorkResult {
  status?: number;
  body?: unknown;
  text?: string;
  version?: string;
  name?: string;
}

interface OpTarget {
  name?: string;
  version?: string;
}

export function registerDataPlane(app: FastifyInstance, deps: DataPlaneDeps): VaultNotFoundHandler {
  const routes: RoutePattern[] = [];
  app.addHook('onRoute', (r) => {
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD');
    if (methods.length === 0) return;
    const known = routes.find((x) => x.pattern.source === toPattern(r.url).source);
    if (known) for (const m of methods) known.methods.add(m);
    else routes.push({ methods: new Set(methods), pattern: toPattern(r.url) });
  });

  // Our own JSON parser: an empty body is "no body" (the SDK's probe), and malformed JSON is a Key Vault error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(kvBadParameter(`The request body is not valid JSON: ${(e as Error).message}.`), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (req, body, done) => {
    if (String(body).length === 0) return done(null, undefined);
    done(
      kvBadParameter(`Unsupported Content-Type '${req.headers['content-type']}'; send application/json.`),
      undefined,
    );
  });

  // A callback hook: a token verified before is checked without a promise (expiry, nbf, audience, issuer every
  // time); a new or failing one takes the full path. A hook that answered the request does not call done.
  const verifyCached = deps.identity.verifyAccessTokenCached?.bind(deps.identity);
  const cachedStates = new WeakMap<object, KvRequestState>();
  app.addHook('onRequest', (req, reply, done) => {
    // Key Vault's own headers on every answer of the data plane, errors and 401s included (set here, where the
    // request starts, instead of in an onSend hook: one hook fewer per request; fastify keeps headers set before
    // an error). x-ms-request-id and the checked echo of x-ms-client-request-id come from the server (app.ts).
    reply.header('x-ms-keyvault-service-version', SERVICE_VERSION);
    reply.header('cache-control', 'no-cache');
    const h = req.headers.authorization;
    if (verifyCached && typeof h === 'string' && h.startsWith('Bearer ')) {
      // only a token verified before can hit, and such a token is exactly what bearerOf would have taken
      let p: (Caller & { kind?: string }) | undefined;
      try {
        p = verifyCached(h.slice(7), { audiences: KEYVAULT_AUDIENCES, host: req.host });
      } catch {
        p = undefined; // rejected: the full path below rejects it again, with its audit record and 401
      }
      if (p) {
        // a cached token answers the same principal object every time: so is its (frozen) request state
        let state = cachedStates.get(p);
        if (state === undefined) cachedStates.set(p, (state = Object.freeze({ caller: Object.freeze(toCaller(p)) })));
        setState(req, state);
        done();
        return;
      }
    }
    authenticate(deps, req, reply).then((ok) => {
      if (ok) done();
    }, done);
  });

  app.setErrorHandler((err, req, reply) => {
    let e: PipevaultError;
    if (isPipevaultError(err)) e = err;
    else if (
      typeof (err as { statusCode?: number }).statusCode === 'number' &&
      (err as { statusCode: number }).statusCode < 500
    ) {
      // fastify's own 4xx (body too large, bad content type…): Key Vault's shape, fastify's reason
      e = new PipevaultError({
        code: 'BadParameter',
        message: (err as Error).message,
        status: (err as { statusCode: number }).statusCode,
      });
    } else {
      deps.logger.error(
        { err: { message: (err as Error).message, code: (err as { code?: string }).code }, reqId: req.id },
        'keyvault request failed',
      );
      e = kvInternal();
    }
    return reply
      .code(e.status)
      .headers(e.headers ?? {})
      .send(e.toKeyVault());
  });

  /**
   * Runs one secret operation: api-version, vault, authorization, the work, the audit record (stored before the
   * answer leaves). `text` in the work's result is a body already serialised as JSON.
   */
  const perform = async (
    req: FastifyRequest,
    reply: FastifyReply,
    operation: SecretOperation,
    target: OpTarget,
    work: (ctx: WorkContext, req: FastifyRequest) => WorkResult | Promise<WorkResult>,
  ) => {
    const caller = getState(req)?.caller;
    if (!caller) throw kvUnauthorized(challenge(deps, req));
    const vaultName = vaultNameOf(req);
    const q = req.query as Record<string, unknown>;
    let status = 500;
    let reason: string | undefined;
    let version = target.version;
    let secretName = target.name;
    let apiVersion: string | undefined;
    try {
      apiVersion = checkApiVersion(q['api-version'], deps.loose);
      const vault = deps.vaults.cached(vaultName) ?? (await deps.vaults.get(vaultName));
      const allowed = checkAuthorization({
        vault,
        caller,
        operation,
        secretName: target.name,
        // only RBAC vaults read role assignments: no closure per request for the others
        assignments: vault.enableRbacAuthorization ? () => deps.roleAssignments(caller.objectId) : noAssignments,
      });
      if (allowed) await allowed;
      // a work that answered without a promise (the secret GET from the row cache) costs no extra turn
      const res = work({ vault, apiVersion, base: baseUrlOf(req) }, req);
      const out = res instanceof Promise ? await res : res;
      status = out.status ?? 200;
      version = out.version ?? version;
      secretName = out.name ?? secretName;
      await recordOutcome(req, operation, vaultName, caller, { secretName, version, status, reason, apiVersion });
      reply.code(status);
      if (out.text !== undefined) return reply.type('application/json; charset=utf-8').send(out.text);
      if (out.body === undefined) return reply.send();
      return reply.type('application/json; charset=utf-8').send(out.body);
    } catch (err) {
      if (isPipevaultError(err)) {
        status = err.status;
        reason = err.innerCode ?? err.code;
      }
      await recordOutcome(req, operation, vaultName, caller, { secretName, version, status, reason, apiVersion });
      throw err;
    }
  };

  /** The audit record of one operation's outcome (made once here, not as a closure per request). */
  const recordOutcome = (
    req: FastifyRequest,
    operation: SecretOperation,
    vaultName: string,
    caller: Caller,
    o: { secretName?: string; version?: string; status: number; reason?: string; apiVersion?: string },
  ) =>
    deps.audit.record({
      vault: vaultName,
      operation,
      secretName: o.secretName,
      version: o.version,
      principalOid: caller.objectId,
      principalApp: caller.appId,
      status: o.status,
      reason: o.reason,
      clientIp: req.ip,
      apiVersion: o.apiVersion,
      requestId: req.id,
    });

  type P = { name: string; version?: string };
  const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;

  // ---- set / get / update ------------------------------------------------------------------------------------

  const set = (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) =>
    perform(req, reply, 'SecretSet', { name: req.params.name }, async ({ vault, apiVersion, base }) => {
      const input = parseSetSecret(req.body);
      const b = await deps.secrets.set(vault, req.params.name, input);
      return { body: secretBundle(base, b, apiVersion), version: b.version };
    });
  app.put('/secrets/:name', set);
  app.put('/secrets/:name/', set);

  /**
   * The secret GET, made once (not a closure per request): the latest version comes without a promise when the
   * store has it at hand (SQLite's row cache), otherwise, and for a given version, through `secrets.get`.
   */
  const getTexts = new WeakMap<SecretBundle, { base: string; apiVersion: string; text: string }>();
  const getWork = ({ vault, apiVersion, base }: WorkContext, req: FastifyRequest): WorkResult | Promise<WorkResult> => {
    const oct = q(req).outContentType;
    if (oct !== undefined && oct !== 'application/x-pkcs12' && oct !== 'application/x-pem-file')
      throw kvBadParameter(`outContentType must be application/x-pkcs12 or application/x-pem-file, not '${oct}'.`);
    const { name, version } = req.params as P;
    const now = version ? undefined : deps.secrets.getNow(vault, name);
    if (now) {
      // getNow's bundles are frozen and reused while their row is cached: so is their text per base and version
      let t = getTexts.get(now);
      if (t === undefined || t.base !== base || t.apiVersion !== apiVersion)
        getTexts.set(now, (t = { base, apiVersion, text: secretBundleText(base, now, apiVersion) }));
      return { text: t.text, version: now.version };
    }
    return deps.secrets
      .get(vault, name, version || undefined)
      .then((b) => ({ text: secretBundleText(base, b, apiVersion), version: b.version }));
  };
  const get = (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) =>
    perform(req, reply, 'SecretGet', { name: req.params.name, version: req.params.version || undefined }, getWork);
  app.get('/secrets/:name', get);
  app.get('/secrets/:name/', get);
  app.get('/secrets/:name/:version', get);

  const update = (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) =>
    perform(
      req,
      reply,
      'SecretUpdate',
      { name: req.params.name, version: req.params.version || undefined },
      async ({ vault, apiVersion, base }) => {
        const input = parseUpdateSecret(req.body);
        const b = await deps.secrets.update(vault, req.params.name, req.params.version || undefined, input);
        return { body: secretBundle(base, b, apiVersion), version: b.version };
      },
    );
  app.patch('/secrets/:name', update);
  app.patch('/secrets/:name/', update);
  app.patch('/secrets/:name/:version', update);

  // ---- lists ---------------------------------------------------------------------------------------------------

  app.get('/secrets', (req, reply) =>
    perform(req, reply, 'SecretList', {}, async ({ vault, apiVersion, base }) => {
      const max = parseMaxResults(q(req).maxresults);
      const page = await deps.secrets.list(vault, max, q(req).$skiptoken);
      return {
        body: {
          value: page.items.map((b) => secretItem(base, b, apiVersion)),
          nextLink: nextLink(base, '/secrets', apiVersion, max, page.next),
        },
      };
    }),
  );

  const versions = (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) =>
    perform(req, reply, 'SecretListVersions', { name: req.params.name }, async ({ vault, apiVersion, base }) => {
      const max = parseMaxResults(q(req).maxresults);
      const page = await deps.secrets.listVersions(vault, req.params.name, max, q(req).$skiptoken);
      return {
        body: {
          value: page.items.map((b) => versionItem(base, b, apiVersion)),
          nextLink: nextLink(base, `/secrets/${req.params.name}/versions`, apiVersion, max, page.next),
        },
      };
    });
  app.get('/secrets/:name/versions', versions);
  app.get('/secrets/:name/versions/', versions);

  // ---- delete, deleted, recover, purge -----------------------------------------------------------------------

  const del = (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) =>
    perform(req, reply, 'SecretDelete', { name: req.params.name }, async ({ vault, apiVersion, base }) => {
      const { deleted, recoverable } = await deps.secrets.delete(vault, req.params.name);
      return { body: deletedBundle(base, deleted, apiVersion, recoverable), version: deleted.version };
    });
  app.delete('/secrets/:name', del);
  app.delete('/secrets/:name/', del);

  app.get('/deletedsecrets', (req, reply) =>
    perform(req, reply, 'SecretListDeleted', {}, async ({ vault, apiVersion, base }) => {
      const max = parseMaxResults(q(req).maxresults);
      const page = await deps.secrets.listDeleted(vault, max, q(req).$skiptoken);
      return {
        body: {
          value: page.items.map((d) => deletedItem(base, d, apiVersion)),
          nextLink: nextLink(base, '/deletedsecrets', apiVersion, max, page.next),
        },
      };
    }),
  );

  const getDeleted = (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) =>
    perform(req, reply, 'SecretGetDeleted', { name: req.params.name }, async ({ vault, apiVersion, base }) => {
      const d = await deps.secrets.getDeleted(vault, req.params.name);
      return { body: deletedBundle(base, d, apiVersion), version: d.version };
    });
  app.get('/deletedsecrets/:name', getDeleted);
  app.get('/deletedsecrets/:name/', getDeleted);

  app.post('/deletedsecrets/:name/recover', (req: FastifyRequest<{ Params: P }>, reply) =>
    perform(req, reply, 'SecretRecover', { name: req.params.name }, async ({ vault, apiVersion, base }) => {
      const b = await deps.secrets.recover(vault, req.params.name);
      return { body: secretBundle(base, b, apiVersion), version: b.version };
    }),
  );

  const purge = (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) =>
    perform(req, reply, 'SecretPurge', { name: req.params.name }, async ({ vault }) => {
      await deps.secrets.purge(vault, req.params.name);
      return { status: 204 };
    });
  app.delete('/deletedsecrets/:name', purge);
  app.delete('/deletedsecrets/:name/', purge);

  // ---- backup / restore ----------------------------------------------------------------------------------------

  app.post('/secrets/:name/backup', (req: FastifyRequest<{ Params: P }>, reply) =>
    perform(req, reply, 'SecretBackup', { name: req.params.name }, async ({ vault }) => {
      const blob = await deps.secrets.backup(vault, req.params.name);
      return { body: { value: blob.toString('base64url') } };
    }),
  );

  app.post('/secrets/restore', (req, reply) =>
    perform(req, reply, 'SecretRestore', {}, async ({ vault, apiVersion, base }) => {
      const body = req.body as { value?: unknown } | undefined;
      if (typeof body?.value !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(body.value))
        throw kvBadParameter('The request body must be {"value": "<base64url backup blob>"} as returned by backup.');
      const b = await deps.secrets.restore(vault, Buffer.from(body.value, 'base64url'));
      return { body: secretBundle(base, b, apiVersion), version: b.version, name: b.name };
    }),
  );
  return async (req, reply) => {
    reply.header('x-ms-keyvault-service-version', SERVICE_VERSION).header('cache-control', 'no-cache');
    if (!(await authenticate(deps, req, reply))) return;
    const path = req.url.split('?')[0];
    const allowed = new Set<string>();
    for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) allowed.add(m);
    const e =
      allowed.size > 0 ? kvMethodNotAllowed(req.method, path, [...allowed].sort()) : kvUnknownPath(req.method, path);
    await reply
      .code(e.status)
      .headers(e.headers ?? {})
      .send(e.toKeyVault());
  };
}
