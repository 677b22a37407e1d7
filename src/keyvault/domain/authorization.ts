import { kvAccessDenied, kvForbiddenByRbac } from '../../common/catalogue.js';
import type { Caller, SecretPermission, Vault } from './model.js';

/**
 * Default-deny authorization for secret operations, in Key Vault's two models: access policies (object ID →
 * permission names) or Azure RBAC (role assignments at subscription, resource group, vault or secret scope).
 * Pure functions: the caller loads the vault and assignments, these decide.
 */

export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const RESOURCE_GROUP = 'pipevault';

/** Audit operation names, as Key Vault's AuditEvent logs name them. */
export type SecretOperation =
  | 'SecretGet'
  | 'SecretSet'
  | 'SecretUpdate'
  | 'SecretList'
  | 'SecretListVersions'
  | 'SecretDelete'
  | 'SecretGetDeleted'
  | 'SecretListDeleted'
  | 'SecretRecover'
  | 'SecretPurge'
  | 'SecretBackup'
  | 'SecretRestore';

const RBAC = 'Microsoft.KeyVault/vaults/secrets';

/** Each operation's access-policy permission and RBAC data action (specs §2.1–2.2). */
export const OPERATION_RIGHTS: Record<SecretOperation, { permission: SecretPermission; action: string }> = {
  SecretGet: { permission: 'get', action: `${RBAC}/getSecret/action` },
  SecretSet: { permission: 'set', action: `${RBAC}/setSecret/action` },
  SecretUpdate: { permission: 'set', action: `${RBAC}/update/action` },
  SecretList: { permission: 'list', action: `${RBAC}/readMetadata/action` },
  SecretListVersions: { permission: 'list', action: `${RBAC}/readMetadata/action` },
  SecretDelete: { permission: 'delete', action: `${RBAC}/delete` },
  SecretGetDeleted: { permission: 'get', action: `${RBAC}/readMetadata/action` },
  SecretListDeleted: { permission: 'list', action: `${RBAC}/readMetadata/action` },
  SecretRecover: { permission: 'recover', action: `${RBAC}/recover/action` },
  SecretPurge: { permission: 'purge', action: `${RBAC}/purge/action` },
  SecretBackup: { permission: 'backup', action: `${RBAC}/backup/action` },
  SecretRestore: { permission: 'restore', action: `${RBAC}/restore/action` },
};

/** A role assignment as the RBAC check needs it (identity owns the assignments themselves). */
export interface RoleAssignment {
  /** A role name, bare GUID or full roleDefinitionId. */
  roleDefinitionId: string;
  scope: string;
}

export interface RoleDefinition {
  id: string;
  name: string;
  dataActions: string[];
}

/** The built-in roles that carry secret data actions (ids as Azure's). */
export const KEY_VAULT_ROLES: RoleDefinition[] = [
  {
    id: '4633458b-17de-408a-b874-0445c86b69e6',
    name: 'Key Vault Secrets User',
    dataActions: [`${RBAC}/getSecret/action`, `${RBAC}/readMetadata/action`],
  },
  { id: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', name: 'Key Vault Secrets Officer', dataActions: [`${RBAC}/*`] },
  {
    id: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
    name: 'Key Vault Administrator',
    dataActions: ['Microsoft.KeyVault/vaults/*'],
  },
  {
    id: '21090545-7ca7-4776-b22c-e363652d74d2',
    name: 'Key Vault Reader',
    dataActions: [`${RBAC}/readMetadata/action`],
  },
  {
    id: 'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba',
    name: 'Key Vault Certificate User',
    dataActions: [`${RBAC}/getSecret/action`, `${RBAC}/readMetadata/action`],
  },
];

/** Finds a role by name (case-insensitive), bare GUID, or full roleDefinitionId. */
export function findRole(ref: string): RoleDefinition | undefined {
  const r = ref.trim().toLowerCase();
  const guid = r.split('/').pop() ?? r;
  return KEY_VAULT_ROLES.find((d) => d.name.toLowerCase() === r || d.id === guid);
}

export function roleDefinitionResourceId(roleId: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

export function vaultScope(vault: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/${vault}`;
}

export function secretScope(vault: string, secret: string): string {
  return `${vaultScope(vault)}/secrets/${secret}`;
}

export function callerString(c: Caller): string {
  return `appid=${c.appId};oid=${c.objectId};iss=https://sts.windows.net/${c.tenantId}/`;
}

/** Union of the secret permissions the vault's access policies give the caller (policyAllows decides one). */
export function policyPermissions(vault: Vault, caller: Caller): Set<string> {
  const oid = caller.objectId.toLowerCase();
  const app = caller.appId.toLowerCase();
  const out = new Set<string>();
  for (const p of vault.accessPolicies) {
    if (p.objectId.toLowerCase() !== oid) continue;
    if (p.applicationId && p.applicationId.toLowerCase() !== app) continue;
    for (const s of p.permissions.secrets) out.add(s.toLowerCase());
  }
  return out;
}

/** Whether the vault's access policies give the caller `permission` (lower-case); allocates nothing. */
export function policyAllows(vault: Vault, caller: Caller, permission: string): boolean {
  for (const p of vault.accessPolicies) {
    if (!sameId(p.objectId, caller.objectId)) continue;
    if (p.applicationId && !sameId(p.applicationId, caller.appId)) continue;
    for (const s of p.permissions.secrets) if (s === permission || s.toLowerCase() === permission) return true;
  }
  return false;
}

/** Case-insensitive equality of two ids, without lower-casing copies when they are equal as given. */
function sameId(a: string, b: string): boolean {
  return a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase());
}

function actionMatches(pattern: string, action: string): boolean {
  const p = pattern.toLowerCase();
  const a = action.toLowerCase();
  if (p.endsWith('/*')) return a.startsWith(p.slice(0, -1));
  return p === a;
}

/** Whether `scope` contains `resource`: equal, or a parent on a segment boundary. */
export function scopeCovers(scope: string, resource: string): boolean {
  const s = scope.toLowerCase().replace(/\/+$/, '');
  const r = resource.toLowerCase();
  return r === s || r.startsWith(`${s}/`);
}

export function rbacAllows(assignments: RoleAssignment[], action: string, resource: string): boolean {
  for (const a of assignments) {
    if (!scopeCovers(a.scope, resource)) continue;
    const role = findRole(a.roleDefinitionId);
    if (role?.dataActions.some((p) => actionMatches(p, action))) return true;
  }
  return false;
}

export interface AuthorizeInput {
  vault: Vault;
  caller: Caller;
  operation: SecretOperation;
  /** The secret the operation addresses, for secret-scope role assignments. */
  secretName?: string;
  /** The caller's role assignments (only asked for in RBAC vaults). */
  assignments: () => Promise<RoleAssignment[]>;
}

/** Throws (rejects with) 403 Forbidden (AccessDenied or ForbiddenByRbac) unless the caller may run the operation. */
export async function authorize(input: AuthorizeInput): Promise<void> {
  await checkAuthorization(input);
}

/**
 * `authorize` for the request hot path: access-policy vaults are decided without a promise (returns undefined
 * when allowed, throws when not); RBAC vaults answer a promise, as the role assignments are read.
 */
export function checkAuthorization(input: AuthorizeInput): Promise<void> | undefined {
  const { vault, caller, operation } = input;
  if (caller.admin) return undefined;
  const rights = OPERATION_RIGHTS[operation];
  if (vault.enableRbacAuthorization) return authorizeRbac(input, rights);
  if (policyAllows(vault, caller, rights.permission)) return undefined;
  throw kvAccessDenied({ caller: callerString(caller), permission: rights.permission, vault: vault.name });
}

async function authorizeRbac(input: AuthorizeInput, rights: { action: string }): Promise<void> {
  const { vault, caller } = input;
  const resource = input.secretName ? secretScope(vault.name, input.secretName) : vaultScope(vault.name);
  if (rbacAllows(await input.assignments(), rights.action, resource)) return;
  throw kvForbiddenByRbac({ caller: callerString(caller), action: rights.action, resource, vault: vault.name });
}
