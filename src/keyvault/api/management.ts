import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adminRequired, badInput, kvVaultNotFound } from '../../common/catalogue.js';
import type { Clock } from '../../common/clock.js';
import { toPipevaultError } from '../../common/errors.js';
import { authenticate } from '../../identity/routes/admin.js';
import type { IdentityService } from '../../identity/service.js';
import type { Principal } from '../../identity/types.js';
import type { AuditLog } from '../audit/audit.js';
import { RESOURCE_GROUP, SUBSCRIPTION_ID, vaultScope } from '../domain/authorization.js';
import type { AccessPolicyOperation, Vault } from '../domain/model.js';
import { BRIDGE_PROTO_HEADER } from './context.js';
import { parseAccessPolicies, parseTagsField, parseVaultProperties } from '../domain/validate.js';
import type { VaultService } from '../domain/vaults.js';

/**
 * Vault management, ARM-shaped (`Microsoft.KeyVault/vaults`, api-version 2023-07-01 shapes), and the audit query
 * (`/pipevault/admin/keyvault/audit`). Admin only, ARM error bodies. The api-version query parameter is accepted
 * whatever its value: the management plane has one shape here.
 */

export interface ManagementDeps {
  vaults: VaultService;
  audit: AuditLog;
  identity: Pick<IdentityService, 'tenantId' | 'verifyAccessToken' | 'issueToken'>;
  clock: Clock;
  /** The URL a vault answers on, for `properties.vaultUri`, given the host the request came to. */
  vaultUri(name: string, req: FastifyRequest): string;
}

const PROVIDER = `/subscriptions/:sub/resourceGroups/:rg/providers/Microsoft.KeyVault/vaults`;
export const AUDIT_PATH = '/pipevault/admin/keyvault/audit';
/** `/pipevault/admin/keyvault/vaults/{vault}/secrets/…`: the data plane of any vault, for the admin CLI. */
export const BRIDGE_PREFIX = '/pipevault/admin/keyvault/vaults';

export function armVault(v: Vault, vaultUri: string): Record<string, unknown> {
  return {
    id: vaultScope(v.name),
    name: v.name,
    type: 'Microsoft.KeyVault/vaults',
    location: 'local',
    tags: v.tags,
    systemData: { createdAt: new Date(v.createdMs).toISOString(), lastModifiedAt: new Date(v.updatedMs).toISOString() },
    properties: {
      tenantId: v.tenantId,
      sku: { family: 'A', name: 'standard' },
      accessPolicies: v.accessPolicies,
      vaultUri,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      enableSoftDelete: v.enableSoftDelete,
      softDeleteRetentionInDays: v.softDeleteRetentionInDays,
      enableRbacAuthorization: v.enableRbacAuthorization,
      ...(v.enablePurgeProtection ? { enablePurgeProtection: true } : {}),
      publicNetworkAccess: 'Enabled',
      provisioningState: 'Succeeded',
    },
  };
}

function checkScope(params: { sub?: string; rg?: string }): void {
  if (params.sub && params.sub.toLowerCase() !== SUBSCRIPTION_ID)
    throw badInput(
      `subscription '${params.sub}' does not exist here; pipevault has the one subscription ${SUBSCRIPTION_ID}`,
    );
  if (params.rg && params.rg.toLowerCase() !== RESOURCE_GROUP)
    throw badInput(
      `resource group '${params.rg}' does not exist here; pipevault has the one resource group ${RESOURCE_GROUP}`,
    );
}

function parseInt0(v: unknown, where: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw badInput(`must be a positive integer, not '${String(v)}'`, where);
  return n;
}

function parseTime(v: unknown, where: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = Date.parse(String(v));
  if (Number.isNaN(t)) throw badInput(`must be an ISO 8601 time, not '${String(v)}'`, where);
  return t;
}

export function registerManagement(app: FastifyInstance, deps: ManagementDeps): void {
  const admins = new WeakMap<FastifyRequest, Principal>();
  app.addHook('onRequest', async (req) => {
    const who = await authenticate(deps.identity as IdentityService, req);
    if (who.kind !== 'admin') throw adminRequired();
    admins.set(req, who);
  });
  app.setErrorHandler((e, _req, reply) => {
    const status = (e as { statusCode?: number }).statusCode;
    const err = toPipevaultError(status !== undefined && status < 500 ? badInput((e as Error).message) : e);
    if (err.status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(err.status).send(err.toArm());
  });

  type VP = { sub: string; rg: string; name: string };
  type OpP = VP & { op: string };

  const list = async (req: FastifyRequest<{ Params: { sub: string; rg?: string } }>) => {
    checkScope(req.params);
    return { value: (await deps.vaults.list()).map((v) => armVault(v, deps.vaultUri(v.name, req))) };
  };
  app.get(PROVIDER, list);
  app.get(`/subscriptions/:sub/providers/Microsoft.KeyVault/vaults`, list);

  app.get<{ Params: VP }>(`${PROVIDER}/:name`, async (req) => {
    checkScope(req.params);
    const v = await deps.vaults.get(req.params.name);
    return armVault(v, deps.vaultUri(v.name, req));
  });

  app.put<{ Params: VP }>(`${PROVIDER}/:name`, async (req, reply) => {
    checkScope(req.params);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw badInput('the body must be a JSON object');
    const input = parseVaultProperties(body.properties, deps.identity.tenantId);
    const tags = parseTagsField(body.tags, 'tags');
    if (tags) input.tags = tags;
    const { vault, created } = await deps.vaults.createOrUpdate(req.params.name, input);
    return reply.code(created ? 201 : 200).send(armVault(vault, deps.vaultUri(vault.name, req)));
  });

  app.patch<{ Params: VP }>(`${PROVIDER}/:name`, async (req) => {
    checkScope(req.params);
    await deps.vaults.get(req.params.name);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const input = parseVaultProperties(body.properties, deps.identity.tenantId);
    const tags = parseTagsField(body.tags, 'tags');
    if (tags) input.tags = tags;
    const { vault } = await deps.vaults.createOrUpdate(req.params.name, input);
    return armVault(vault, deps.vaultUri(vault.name, req));
  });

  app.delete<{ Params: VP }>(`${PROVIDER}/:name`, async (req, reply) => {
    checkScope(req.params);
    if (!(await deps.vaults.find(req.params.name))) return reply.code(204).send();
    await deps.vaults.delete(req.params.name);
    return reply.code(200).send();
  });

  const policies = async (req: FastifyRequest<{ Params: OpP }>) => {
    checkScope(req.params);
    const op = req.params.op.toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      throw badInput(`'${req.params.op}' is not an access policy operation; use add, replace or remove`);
    const body = (req.body ?? {}) as { properties?: { accessPolicies?: unknown } };
    const changes = parseAccessPolicies(
      body.properties?.accessPolicies,
      'properties.accessPolicies',
      deps.identity.tenantId,
    );
    const v = await deps.vaults.updateAccessPolicies(req.params.name, op as AccessPolicyOperation, changes);
    return {
      id: `${vaultScope(v.name)}/accessPolicies/${op}`,
      type: 'Microsoft.KeyVault/vaults/accessPolicies',
      properties: { accessPolicies: v.accessPolicies },
    };
  };
  app.put(`${PROVIDER}/:name/accessPolicies/:op`, policies);
  app.put(`${PROVIDER}/:name/accessPolicy/:op`, policies);

  /**
   * The admin CLI reaches every vault through the main port with its management token: the request is
   * replayed into the real data plane (same routes, authorization, audit) addressed to `{vault}.localhost`,
   * with a Key Vault token minted for the admin. Nothing here touches secrets itself.
   */
  const vaultTokens = new Map<string, { token: string; expiresOn: number }>();
  const vaultToken = async (who: Principal, host: string): Promise<string> => {
    const key = `${who.objectId}|${host}`;
    const cached = vaultTokens.get(key);
    const nowS = deps.clock.now() / 1000;
    if (cached && cached.expiresOn - 300 > nowS) return cached.token;
    const t = await deps.identity.issueToken({ principal: who, resource: 'https://vault.azure.net', host });
    vaultTokens.set(key, { token: t.accessToken, expiresOn: t.expiresOn });
    return t.accessToken;
  };
  app.route({
    method: ['GET', 'PUT', 'PATCH', 'POST', 'DELETE'],
    url: `${BRIDGE_PREFIX}/:vault/*`,
    handler: async (req: FastifyRequest<{ Params: { vault: string; '*': string } }>, reply) => {
      const who = admins.get(req) as Principal;
      const vault = req.params.vault.toLowerCase();
      if (!/^[a-z0-9-]{1,24}$/.test(vault)) throw badInput(`'${req.params.vault}' is not a vault name`);
      const host = `${vault}.localhost:${req.port ?? 443}`;
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const r = await app.inject({
        method: req.method as 'GET',
        url: `/${req.params['*']}${query}`,
        headers: {
          host,
          [BRIDGE_PROTO_HEADER]: req.protocol,
          authorization: `Bearer ${await vaultToken(who, host)}`,
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        payload: req.body !== undefined ? JSON.stringify(req.body) : undefined,
        remoteAddress: req.ip,
      });
      return reply
        .code(r.statusCode)
        .type('application/json; charset=utf-8')
        .send(r.body || undefined);
    },
  });

  app.get(AUDIT_PATH, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.vault && !(await deps.vaults.find(q.vault))) throw kvVaultNotFound(q.vault);
    const records = await deps.audit.query({
      vault: q.vault,
      secretName: q.secret,
      principal: q.principal,
      operation: q.operation,
      result: q.result,
      sinceMs: parseTime(q.since, 'since'),
      untilMs: parseTime(q.until, 'until'),
      limit: parseInt0(q.top, 'top'),
    });
    return { value: records };
  });
}
