/**
 * Version-agnostic Key Vault words. A vault holds secrets; a secret has versions (32 lower-case hex ids); each
 * version carries its own attributes, tags and content type; the latest version is what a versionless read
 * returns. A deleted secret keeps all its versions until it is recovered or purged. The wire layer
 * (src/keyvault/api) turns these into Key Vault JSON for a given api-version and base URL.
 */

/** Who is calling, as the identity service verified it from the bearer token. */
export interface Caller {
  tenantId: string;
  objectId: string;
  appId: string;
  /** The server's admin credential: may do everything, in every vault. */
  admin?: boolean;
}

/** The eight access-policy secret permissions, as Key Vault names them. */
export const SECRET_PERMISSIONS = ['get', 'list', 'set', 'delete', 'recover', 'backup', 'restore', 'purge'] as const;
export type SecretPermission = (typeof SECRET_PERMISSIONS)[number];

export type RecoveryLevel =
  'Purgeable' | 'Recoverable+Purgeable' | 'Recoverable' | 'CustomizedRecoverable+Purgeable' | 'CustomizedRecoverable';

export interface SecretAttributes {
  enabled: boolean;
  /** Unix seconds, informational only: reads outside nbf/exp still succeed, as in Key Vault. */
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  recoveryLevel: RecoveryLevel;
  recoverableDays: number;
}

/** One version of a secret. `value` is present only when the operation returns it (set, get). */
export interface SecretBundle {
  name: string;
  version: string;
  value?: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes: SecretAttributes;
}

export interface DeletedSecretBundle extends SecretBundle {
  /** Unix seconds. */
  deletedDate: number;
  scheduledPurgeDate: number;
}

/** The attributes a caller may set; absent fields keep their value (update) or take defaults (set). */
export interface SecretAttributesInput {
  enabled?: boolean;
  nbf?: number | null;
  exp?: number | null;
}

export interface SetSecretInput {
  value: string;
  /**
   * A fixed version id (32 hex) instead of a new random one: workspace files pin the versions production
   * pipelines' secret URIs name. Not reachable through the REST API, as in Key Vault.
   */
  version?: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes?: SecretAttributesInput;
}

export interface UpdateSecretInput {
  contentType?: string;
  tags?: Record<string, string>;
  attributes?: SecretAttributesInput;
}

/** A page of results plus where to continue (`null` at the end). */
export interface Page<T> {
  items: T[];
  /** Opaque continuation; the wire layer puts it into `$skiptoken`. */
  next: string | null;
}

export interface AccessPolicy {
  tenantId: string;
  objectId: string;
  applicationId?: string;
  permissions: { secrets: string[]; keys?: string[]; certificates?: string[]; storage?: string[] };
}

export interface Vault {
  name: string;
  tenantId: string;
  enableRbacAuthorization: boolean;
  enableSoftDelete: boolean;
  softDeleteRetentionInDays: number;
  enablePurgeProtection: boolean;
  accessPolicies: AccessPolicy[];
  tags: Record<string, string>;
  createdMs: number;
  updatedMs: number;
}

export interface VaultInput {
  enableRbacAuthorization?: boolean;
  enableSoftDelete?: boolean;
  softDeleteRetentionInDays?: number;
  enablePurgeProtection?: boolean;
  accessPolicies?: AccessPolicy[];
  tags?: Record<string, string>;
}

export type AccessPolicyOperation = 'add' | 'replace' | 'remove';
