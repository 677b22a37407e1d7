import { kvBadParameter, kvVaultNotFound } from '../../common/catalogue.js';
import type { Clock } from '../../common/clock.js';
import type { KeyVaultStore, VaultRow } from '../../storage/keyvault-store.js';
import type { AccessPolicy, AccessPolicyOperation, Vault, VaultInput } from './model.js';
import { checkVaultName } from './validate.js';

/**
 * Vault management: what ARM's Microsoft.KeyVault/vaults does for secrets. Soft delete is on unless asked
 * otherwise (as for new Azure vaults); retention is fixed at creation and purge protection, once on, stays on.
 */

export interface VaultServiceOptions {
  store: KeyVaultStore;
  clock: Clock;
  tenantId: string;
}

const DEFAULT_RETENTION = 90;

export function toVault(r: VaultRow): Vault {
  return {
    name: r.displayName,
    tenantId: r.tenantId,
    enableRbacAuthorization: r.enableRbac,
    enableSoftDelete: r.enableSoftDelete,
    softDeleteRetentionInDays: r.retentionDays,
    enablePurgeProtection: r.purgeProtection,
    accessPolicies: r.accessPolicies,
    tags: r.tags,
    createdMs: r.createdMs,
    updatedMs: r.updatedMs,
  };
}

function toRow(v: Vault): VaultRow {
  return {
    name: v.name.toLowerCase(),
    displayName: v.name,
    tenantId: v.tenantId,
    enableRbac: v.enableRbacAuthorization,
    enableSoftDelete: v.enableSoftDelete,
    retentionDays: v.softDeleteRetentionInDays,
    purgeProtection: v.enablePurgeProtection,
    accessPolicies: v.accessPolicies,
    tags: v.tags,
    createdMs: v.createdMs,
    updatedMs: v.updatedMs,
  };
}

function samePolicyKey(a: AccessPolicy, b: AccessPolicy): boolean {
  return a.objectId.toLowerCase() === b.objectId.toLowerCase() && (a.applicationId ?? '') === (b.applicationId ?? '');
}

function mergeList(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a && !b) return undefined;
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}

/**
 * How long a vault's settings (access policies, RBAC switch, retention) are reused before they are read again.
 * Changes made through this service apply at once; a change made by another server process on the same
 * PostgreSQL store applies within this time, as Azure's own policy and role changes take time to propagate.
 * Secrets are never served stale: a secret write is visible to the next read (the SQLite store's row cache is
 * cleared by every write, see KeyVaultStore).
 */
export const VAULT_SETTINGS_TTL_MS = 1000;

export class VaultService {
  private readonly cache = new Map<string, { vault: Vault; at: number }>();

  constructor(private readonly o: VaultServiceOptions) {}

  /** The vault's settings while they are fresh in the cache, without a promise; else undefined (use `get`). */
  cached(name: string): Vault | undefined {
    const now = this.o.clock.now();
    const hit = this.cache.get(name) ?? this.cache.get(name.toLowerCase());
    return hit && now - hit.at < VAULT_SETTINGS_TTL_MS && now >= hit.at ? hit.vault : undefined;
  }

  async find(name: string): Promise<Vault | undefined> {
    const key = name.toLowerCase();
    const now = this.o.clock.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < VAULT_SETTINGS_TTL_MS && now >= hit.at) return hit.vault;
    const r = await this.o.store.getVault(key);
    if (!r) {
      this.cache.delete(key);
      return undefined;
    }
    const vault = toVault(r);
    this.cache.set(key, { vault, at: now });
    return vault;
  }

  private forget(name: string): void {
    this.cache.delete(name.toLowerCase());
  }

  async get(name: string): Promise<Vault> {
    const v = await this.find(name);
    if (!v) throw kvVaultNotFound(name);
    return v;
  }

  async list(): Promise<Vault[]> {
    return (await this.o.store.listVaults()).map(toVault);
  }

  /** Creates the vault when missing, with defaults; used for the default vault and `--vault NAME`. */
  async ensure(name: string, input: VaultInput = {}): Promise<Vault> {
    const found = await this.find(name);
    if (found) return found;
    try {
      return (await this.createOrUpdate(name, input)).vault;
    } catch (e) {
      // another listener or process created it at the same moment
      const now = await this.find(name);
      if (now) return now;
      throw e;
    }
  }

  /** ARM PUT semantics: create, or update the given properties of an existing vault. */
  async createOrUpdate(name: string, input: VaultInput): Promise<{ vault: Vault; created: boolean }> {
    if (name !== 'default') checkVaultName(name);
    const now = this.o.clock.now();
    const existing = await this.find(name);
    if (!existing) {
      const soft = input.enableSoftDelete ?? true;
      if (!soft && input.enablePurgeProtection)
        throw kvBadParameter(
          'properties.enablePurgeProtection needs soft delete; enableSoftDelete cannot be false with it.',
        );
      const vault: Vault = {
        name,
        tenantId: this.o.tenantId,
        enableRbacAuthorization: input.enableRbacAuthorization ?? false,
        enableSoftDelete: soft,
        softDeleteRetentionInDays: input.softDeleteRetentionInDays ?? DEFAULT_RETENTION,
        enablePurgeProtection: input.enablePurgeProtection ?? false,
        accessPolicies: input.accessPolicies ?? [],
        tags: input.tags ?? {},
        createdMs: now,
        updatedMs: now,
      };
      this.forget(name);
      await this.o.store.insertVault(toRow(vault));
      return { vault, created: true };
    }
    if (
      input.softDeleteRetentionInDays !== undefined &&
      input.softDeleteRetentionInDays !== existing.softDeleteRetentionInDays
    ) {
      throw kvBadParameter(
        `properties.softDeleteRetentionInDays is fixed at vault creation (${existing.softDeleteRetentionInDays} days for ${existing.name}).`,
      );
    }
    if (existing.enablePurgeProtection && input.enablePurgeProtection === false)
      throw kvBadParameter(`Purge protection cannot be turned off once enabled (vault ${existing.name}).`);
    if (existing.enableSoftDelete && input.enableSoftDelete === false)
      throw kvBadParameter(`Soft delete cannot be turned off once enabled (vault ${existing.name}).`);
    const vault: Vault = {
      ...existing,
      enableRbacAuthorization: input.enableRbacAuthorization ?? existing.enableRbacAuthorization,
      enableSoftDelete: input.enableSoftDelete ?? existing.enableSoftDelete,
      enablePurgeProtection: input.enablePurgeProtection ?? existing.enablePurgeProtection,
      accessPolicies: input.accessPolicies ?? existing.accessPolicies,
      tags: input.tags ?? existing.tags,
      updatedMs: now,
    };
    this.forget(name);
    await this.o.store.updateVault(toRow(vault));
    return { vault, created: false };
  }

  async delete(name: string): Promise<void> {
    await this.get(name);
    this.forget(name);
    await this.o.store.deleteVault(name.toLowerCase());
  }

  /**
   * ARM's accessPolicies/{add|replace|remove}: add merges permissions into the entry of the same object (and
   * application) ID; replace swaps the entry's permissions; remove takes the listed permissions away, and the
   * whole entry when it lists none or none are left.
   */
  async updateAccessPolicies(name: string, op: AccessPolicyOperation, changes: AccessPolicy[]): Promise<Vault> {
    const vault = await this.get(name);
    let policies = vault.accessPolicies.map((p) => ({ ...p, permissions: { ...p.permissions } }));
    for (const c of changes) {
      const i = policies.findIndex((p) => samePolicyKey(p, c));
      if (op === 'add') {
        if (i < 0) policies.push(c);
        else {
          const p = policies[i];
          p.permissions = {
            secrets: mergeList(p.permissions.secrets, c.permissions.secrets) ?? [],
            ...Object.fromEntries(
              (['keys', 'certificates', 'storage'] as const)
                .map((k) => [k, mergeList(p.permissions[k], c.permissions[k])])
                .filter(([, v]) => v !== undefined),
            ),
          };
        }
      } else if (op === 'replace') {
        if (i < 0) policies.push(c);
        else policies[i] = c;
      } else if (i >= 0) {
        const p = policies[i];
        const removeAll = c.permissions.secrets.length === 0;
        const secrets = removeAll ? [] : p.permissions.secrets.filter((s) => !c.permissions.secrets.includes(s));
        const others = (['keys', 'certificates', 'storage'] as const).some((k) => (p.permissions[k]?.length ?? 0) > 0);
        if (removeAll || (secrets.length === 0 && !others)) policies = policies.filter((_, j) => j !== i);
        else p.permissions = { ...p.permissions, secrets };
      }
    }
    const updated: Vault = { ...vault, accessPolicies: policies, updatedMs: this.o.clock.now() };
    this.forget(name);
    await this.o.store.updateVault(toRow(updated));
    return updated;
  }
}
