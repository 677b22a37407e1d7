import type { FastifyInstance, FastifyRequest } from 'fastify';
import { armAuthorizationFailed, armInvalidBody } from '../../common/catalogue.js';
import { toPipevaultError } from '../../common/errors.js';
import type { KeyVault } from '../../keyvault/api/plugin.js';
import { authorize } from '../../keyvault/domain/authorization.js';
import type { Caller as VaultCaller, SecretBundle } from '../../keyvault/domain/model.js';
import type { ApiContext } from './context.js';

/**
 * The monitor's vault view: vaults with their access policies, secrets with versions, attributes and tags
 * (never values), a value revealed only on an explicit request by a caller the vault allows to `get` it, and
 * the audit log. Each answer goes through the Key Vault domain with the same authorization as the data plane;
 * listing needs `list`, revealing needs `get` (and is audited as a SecretGet, allowed or denied, like any read);
 * access policies and the audit log are for the admin (the loopback monitor acts as the local admin).
 */
export const MONITOR_VAULTS = '/pipevault/monitor/vaults';

type P = { vault: string; name: string };

function meta(b: SecretBundle) {
  return { version: b.version, contentType: b.contentType ?? null, tags: b.tags ?? {}, attributes: b.attributes };
}

export function registerMonitorVaultRoutes(app: FastifyInstance, ctx: ApiContext, kv: KeyVault): void {
  const vaultCaller = async (req: FastifyRequest): Promise<VaultCaller> => {
    const c = await ctx.caller(req);
    return { ...c.principal, admin: c.principal.kind === 'admin' };
  };
  const allAssignments = (c: VaultCaller) => () => ctx.identity.roles.assignmentsFor(c.objectId);
  const requireAdmin = (c: VaultCaller) => {
    if (!c.admin) throw armAuthorizationFailed(c.objectId, 'Microsoft.KeyVault/vaults/read', MONITOR_VAULTS);
  };

  app.get(MONITOR_VAULTS, async (req) => {
    const c = await vaultCaller(req);
    requireAdmin(c);
    return {
      value: (await kv.vaults.list()).map((v) => ({
        name: v.name,
        enableRbacAuthorization: v.enableRbacAuthorization,
        enableSoftDelete: v.enableSoftDelete,
        softDeleteRetentionInDays: v.softDeleteRetentionInDays,
        enablePurgeProtection: v.enablePurgeProtection,
        accessPolicies: v.accessPolicies,
        tags: v.tags,
      })),
    };
  });

  app.get(`${MONITOR_VAULTS}/:vault/secrets`, async (req) => {
    const c = await vaultCaller(req);
    const vault = await kv.vaults.get((req.params as P).vault);
    await authorize({ vault, caller: c, operation: 'SecretList', assignments: allAssignments(c) });
    const out = [];
    let token: string | undefined;
    do {
      const page = await kv.secrets.list(vault, 25, token);
      for (const s of page.items) {
        const versions: SecretBundle[] = [];
        let vt: string | undefined;
        do {
          const vp = await kv.secrets.listVersions(vault, s.name, 25, vt);
          versions.push(...vp.items);
          vt = vp.next ?? undefined;
        } while (vt);
        versions.sort((a, b) => b.attributes.created - a.attributes.created);
        out.push({ name: s.name, ...meta(s), versions: versions.map(meta) });
      }
      token = page.next ?? undefined;
    } while (token);
    return { value: out };
  });

  app.post(`${MONITOR_VAULTS}/:vault/secrets/:name/reveal`, async (req) => {
    const c = await vaultCaller(req);
    const { vault: vaultName, name } = req.params as P;
    const version = (req.body as { version?: unknown } | undefined)?.version;
    if (version !== undefined && typeof version !== 'string')
      throw armInvalidBody('version must be a string.', 'version');
    const vault = await kv.vaults.get(vaultName);
    const audit = (status: number, reason?: string, v?: string) =>
      kv.audit.record({
        vault: vault.name,
        operation: 'SecretGet',
        secretName: name,
        version: v ?? version,
        principalOid: c.objectId,
        principalApp: c.appId,
        status,
        reason,
        clientIp: req.ip,
        apiVersion: 'monitor',
        requestId: req.id,
      });
    try {
      await authorize({ vault, caller: c, operation: 'SecretGet', secretName: name, assignments: allAssignments(c) });
      const b = await kv.secrets.get(vault, name, version || undefined);
      await audit(200, undefined, b.version);
      return { name: b.name, version: b.version, value: b.value };
    } catch (e) {
      const err = toPipevaultError(e);
      await audit(err.status, err.innerCode ?? err.code);
      throw e;
    }
  });

  app.get(`${MONITOR_VAULTS}/:vault/audit`, async (req) => {
    const c = await vaultCaller(req);
    requireAdmin(c);
    const top = Math.min(Number((req.query as { top?: string }).top ?? 200) || 200, 1000);
    const records = await kv.audit.query({ vault: (req.params as P).vault, limit: top });
    return { value: records };
  });
}
