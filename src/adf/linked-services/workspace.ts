import { badInput } from '../../common/catalogue.js';
import type { Logger } from '../../common/logger.js';
import type { IdentityService } from '../../identity/service.js';
import type { PrincipalRecord } from '../../identity/types.js';
import type { KeyVault } from '../../keyvault/api/plugin.js';
import type { AccessPolicy as VaultAccessPolicy } from '../../keyvault/domain/model.js';
import type { Workspace } from '../model/workspace/load.js';
import { GUID } from '../model/workspace/schema.js';

/**
 * Applies a factory's `pipevault.json` to a server's state: the factory's system-assigned identity (its object
 * ID from `factory/*.json` `identity.principalId` when present, so production access policies keep matching),
 * declared service principals and user-assigned identities, vaults, their access policies and secrets.
 * Declarative and repeatable (start-up, `--watch` reloads): what exists is kept, what differs is updated,
 * nothing else is touched (policies added by hand for other principals stay).
 */

export interface ApplyWorkspaceOptions {
  kv: KeyVault;
  identity: IdentityService;
  workspace: Workspace | undefined;
  /** The factory as loaded: its name and `identity.principalId`. */
  factory: { name: string; identity?: { principalId?: string } };
  logger?: Logger;
}

export interface AppliedWorkspace {
  factoryName: string;
  factoryIdentity: PrincipalRecord;
  vaults: string[];
}

export async function applyWorkspace(o: ApplyWorkspaceOptions): Promise<AppliedWorkspace> {
  const ws = o.workspace;
  const { identity, kv } = o;
  const factoryName = ws?.factory.name ?? o.factory.name ?? 'default';
  const objectId = o.factory.identity?.principalId ?? ws?.factory.identity?.principalId;
  const appId = ws?.factory.identity?.appId;
  let factoryIdentity = await identity.principals.factoryIdentity(factoryName);
  if (!factoryIdentity) {
    factoryIdentity =
      appId || objectId
        ? await identity.principals.create({
            tenantId: identity.tenantId,
            kind: 'managedIdentity',
            managedIdentityType: 'SystemAssigned',
            displayName: factoryName,
            factory: factoryName,
            ...(objectId ? { objectId } : {}),
            ...(appId ? { appId } : {}),
          })
        : await identity.ensureFactoryIdentity(factoryName);
  }
  if (!ws) return { factoryName, factoryIdentity, vaults: [] };

  const named = new Map<string, PrincipalRecord>();
  for (const [name, p] of Object.entries(ws.principals)) {
    let rec = await identity.findPrincipal(p.appId);
    if (!rec) {
      rec = await identity.principals.create({
        tenantId: identity.tenantId,
        kind: 'servicePrincipal',
        displayName: name,
        appId: p.appId,
        ...(p.objectId ? { objectId: p.objectId } : {}),
      });
    }
    if (p.secret && !(await identity.principals.checkSecret(rec.objectId, p.secret.reveal()))) {
      await identity.principals.addSecret(rec.objectId, { secret: p.secret.reveal() });
    }
    named.set(name, rec);
  }
  const userAssigned = (await identity.principals.byKind('managedIdentity')).filter(
    (p) => p.managedIdentityType === 'UserAssigned',
  );
  for (const [name, idn] of Object.entries(ws.identities)) {
    let rec = userAssigned.find((p) => p.displayName.toLowerCase() === name.toLowerCase());
    if (!rec) {
      rec =
        idn.clientId || idn.principalId
          ? await identity.principals.create({
              tenantId: identity.tenantId,
              kind: 'managedIdentity',
              managedIdentityType: 'UserAssigned',
              displayName: name,
              ...(idn.principalId ? { objectId: idn.principalId } : {}),
              ...(idn.clientId ? { appId: idn.clientId } : {}),
            })
          : await identity.createUserAssignedIdentity({ name });
    }
    named.set(name, rec);
  }

  const principalOf = async (ref: string, where: string): Promise<VaultAccessPolicy> => {
    let objectId: string;
    if (ref === 'factory') objectId = factoryIdentity.objectId;
    else if (named.has(ref)) objectId = named.get(ref)!.objectId;
    else if (GUID.test(ref)) objectId = (await identity.findPrincipal(ref))?.objectId ?? ref.toLowerCase();
    else throw badInput(`'${ref}' is not a principal`, where);
    return { tenantId: identity.tenantId, objectId, permissions: { secrets: [] } };
  };

  const vaults: string[] = [];
  for (const [vaultName, v] of Object.entries(ws.vaults)) {
    let vault = await kv.vaults.ensure(vaultName);
    vaults.push(vault.name);
    if (v.accessPolicies.length) {
      const changes: VaultAccessPolicy[] = [];
      for (const [i, p] of v.accessPolicies.entries()) {
        const base = await principalOf(p.principal, `${ws.file}: $.vaults.${vaultName}.accessPolicies[${i}].principal`);
        changes.push({ ...base, permissions: { secrets: [...new Set(p.secrets)] } });
      }
      vault = await kv.vaults.updateAccessPolicies(vaultName, 'replace', changes);
    }
    for (const [secretName, s] of Object.entries(v.secrets)) {
      const latest = s.versions[s.versions.length - 1]!;
      const current = await kv.secrets.get(vault, secretName).catch(() => undefined);
      const wanted = latest.value.reveal();
      const upToDate = current && current.value === wanted && (!latest.version || current.version === latest.version);
      if (!upToDate) {
        for (const ver of s.versions) {
          if (ver.version && (await kv.secrets.properties(vault, secretName, ver.version).catch(() => undefined)))
            continue;
          await kv.secrets.set(vault, secretName, {
            value: ver.value.reveal(),
            ...(ver.version ? { version: ver.version } : {}),
            ...(s.contentType !== undefined ? { contentType: s.contentType } : {}),
            ...(s.tags ? { tags: s.tags } : {}),
          });
        }
      }
      if (s.enabled === false) {
        const props = await kv.secrets.properties(vault, secretName);
        if (props.attributes?.enabled !== false)
          await kv.secrets.update(vault, secretName, props.version, { attributes: { enabled: false } });
      }
    }
  }
  o.logger?.info({ factory: factoryName, vaults }, 'workspace applied');
  return { factoryName, factoryIdentity, vaults };
}
