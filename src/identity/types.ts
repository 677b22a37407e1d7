/**
 * Words used across identity:
 * - tenant: the directory every principal lives in; one per data dir, generated on first start.
 * - principal: anything a token can be issued to. Kinds: `servicePrincipal` (an app registration with client
 *   secrets), `managedIdentity` (system-assigned to a factory, or user-assigned by name), `admin` (the local
 *   administrator whose credential the server writes into the data dir).
 * - app ID (`appid`/`azp`/`client_id`) and object ID (`oid`): the two GUIDs Azure gives every principal.
 */

export type PrincipalKind = 'servicePrincipal' | 'managedIdentity' | 'admin';
export type ManagedIdentityType = 'SystemAssigned' | 'UserAssigned';

/** Who a verified token speaks for. This is what every other service authorizes against. */
export interface Principal {
  tenantId: string;
  objectId: string;
  appId: string;
  kind: PrincipalKind;
}

/** A principal as stored. */
export interface PrincipalRecord extends Principal {
  displayName: string;
  managedIdentityType?: ManagedIdentityType;
  /** The factory a system-assigned identity belongs to. */
  factory?: string;
  /** ARM resource id (`mi_res_id`) for managed identities. */
  resourceId?: string;
  createdAt: number;
}

export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const RESOURCE_GROUP = 'pipevault';
export const DEFAULT_FACTORY = 'default';

/** Audiences Key Vault accepts (DESIGN.md, Data and security). */
export const KEYVAULT_AUDIENCES = [
  'https://vault.azure.net',
  'https://vault.azure.net/',
  'cfa8b339-82a2-471a-a3c9-0fc0be7a4093',
] as const;

/** Audiences the management API (ARM-shaped routes, admin API) accepts besides its own URL. */
export const MANAGEMENT_AUDIENCES = [
  'https://management.azure.com',
  'https://management.azure.com/',
  'https://management.core.windows.net',
  'https://management.core.windows.net/',
] as const;

export function factoryResourceId(factory: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/${factory}`;
}

export function userAssignedResourceId(name: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
}
