import { kvBadParameter } from '../../common/catalogue.js';
import type { AccessPolicy, SecretAttributesInput, SetSecretInput, UpdateSecretInput, VaultInput } from './model.js';
import { SECRET_PERMISSIONS } from './model.js';

/**
 * Input rules from Key Vault's documented limits (specs/keyvault-identity.md §1.7). Each check names the field
 * and the limit, so a caller can fix the request; nothing is stored when one fails.
 */

export const MAX_VALUE_BYTES = 25 * 1024;
export const MAX_CONTENT_TYPE = 255;
export const MAX_TAGS = 15;
export const MAX_TAG_NAME = 256;
export const MAX_TAG_VALUE = 256;
export const MAX_PAGE = 25;

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const VERSION = /^[0-9a-fA-F]{32}$/;
const VAULT_NAME = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

export function checkSecretName(name: string): string {
  if (!SECRET_NAME.test(name)) {
    throw kvBadParameter(
      `The request URI contains an invalid name: ${name}. Secret names are 1-127 characters of letters, digits and '-'.`,
    );
  }
  return name;
}

export function checkVersion(version: string): string {
  if (!VERSION.test(version)) {
    throw kvBadParameter(`The request URI contains an invalid version: ${version}. Versions are 32 hex characters.`);
  }
  return version.toLowerCase();
}

export function checkVaultName(name: string): string {
  if (!VAULT_NAME.test(name)) {
    throw kvBadParameter(
      `Invalid vault name '${name}': vault names are 3-24 characters of letters, digits and '-', start with a letter, end with a letter or digit, and contain no '--'.`,
    );
  }
  return name;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function checkTags(v: unknown, where: string): Record<string, string> {
  if (!isPlainObject(v)) throw kvBadParameter(`${where} must be an object of string values, not ${typeName(v)}.`);
  const entries = Object.entries(v);
  if (entries.length > MAX_TAGS)
    throw kvBadParameter(`${where} has ${entries.length} tags; the maximum is ${MAX_TAGS}.`);
  const out: Record<string, string> = {};
  for (const [k, val] of entries) {
    if (k.length === 0 || k.length > MAX_TAG_NAME)
      throw kvBadParameter(`${where}: tag names are 1-${MAX_TAG_NAME} characters; '${k.slice(0, 40)}' is not.`);
    if (typeof val !== 'string') throw kvBadParameter(`${where}.${k} must be a string, not ${typeName(val)}.`);
    if (val.length > MAX_TAG_VALUE)
      throw kvBadParameter(`${where}.${k} is ${val.length} characters; tag values are at most ${MAX_TAG_VALUE}.`);
    out[k] = val;
  }
  return out;
}

function checkUnixSeconds(v: unknown, where: string): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 253402300799) {
    throw kvBadParameter(`${where} must be whole unix seconds (an integer), not ${JSON.stringify(v)}.`);
  }
  return v;
}

function checkAttributes(v: unknown, where: string): SecretAttributesInput {
  if (!isPlainObject(v)) throw kvBadParameter(`${where} must be an object, not ${typeName(v)}.`);
  const out: SecretAttributesInput = {};
  if (v.enabled !== undefined && v.enabled !== null) {
    if (typeof v.enabled !== 'boolean')
      throw kvBadParameter(`${where}.enabled must be true or false, not ${JSON.stringify(v.enabled)}.`);
    out.enabled = v.enabled;
  }
  if (v.nbf !== undefined) out.nbf = checkUnixSeconds(v.nbf, `${where}.nbf`);
  if (v.exp !== undefined) out.exp = checkUnixSeconds(v.exp, `${where}.exp`);
  if (typeof out.nbf === 'number' && typeof out.exp === 'number' && out.exp < out.nbf) {
    throw kvBadParameter(`${where}.exp (${out.exp}) is before ${where}.nbf (${out.nbf}).`);
  }
  return out;
}

function checkContentType(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw kvBadParameter(`contentType must be a string, not ${typeName(v)}.`);
  if (v.length > MAX_CONTENT_TYPE)
    throw kvBadParameter(`contentType is ${v.length} characters; the maximum is ${MAX_CONTENT_TYPE}.`);
  return v;
}

/** The body of `PUT /secrets/{name}`. Unknown fields are ignored, as Key Vault ignores them. */
export function parseSetSecret(body: unknown): SetSecretInput {
  if (!isPlainObject(body))
    throw kvBadParameter(`The request body must be a JSON object with a "value", not ${typeName(body)}.`);
  const { value } = body;
  if (value === undefined || value === null)
    throw kvBadParameter('The request body is missing "value", the secret value to set.');
  if (typeof value !== 'string') throw kvBadParameter(`"value" must be a string, not ${typeName(value)}.`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_VALUE_BYTES)
    throw kvBadParameter(`Secret value is ${bytes} bytes; the maximum permitted is ${MAX_VALUE_BYTES} bytes (25 KiB).`);
  const out: SetSecretInput = { value };
  const contentType = checkContentType(body.contentType);
  if (contentType !== undefined) out.contentType = contentType;
  if (body.tags !== undefined && body.tags !== null) out.tags = checkTags(body.tags, 'tags');
  if (body.attributes !== undefined && body.attributes !== null)
    out.attributes = checkAttributes(body.attributes, 'attributes');
  return out;
}

/** The body of `PATCH /secrets/{name}/{version}`: anything omitted stays unchanged. */
export function parseUpdateSecret(body: unknown): UpdateSecretInput {
  if (body === undefined || body === null) return {};
  if (!isPlainObject(body)) throw kvBadParameter(`The request body must be a JSON object, not ${typeName(body)}.`);
  if (body.value !== undefined)
    throw kvBadParameter('"value" cannot be changed by an update; set the secret again to create a new version.');
  const out: UpdateSecretInput = {};
  const contentType = checkContentType(body.contentType);
  if (contentType !== undefined) out.contentType = contentType;
  if (body.tags !== undefined && body.tags !== null) out.tags = checkTags(body.tags, 'tags');
  if (body.attributes !== undefined && body.attributes !== null)
    out.attributes = checkAttributes(body.attributes, 'attributes');
  return out;
}

/** `maxresults`: 1..25, absent = 25. */
export function parseMaxResults(v: unknown): number {
  if (v === undefined || v === '') return MAX_PAGE;
  const s = String(v);
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > MAX_PAGE) {
    throw kvBadParameter(`maxresults must be an integer from 1 to ${MAX_PAGE}, not '${s}'.`);
  }
  return Number(s);
}

/** Normalises access-policy secret permissions: lower-case, `all` expanded, unknown names rejected. */
export function normalisePermissions(list: unknown, where: string): string[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw kvBadParameter(`${where} must be an array of permission names.`);
  const out = new Set<string>();
  for (const p of list) {
    if (typeof p !== 'string')
      throw kvBadParameter(`${where} holds ${JSON.stringify(p)}, which is not a permission name.`);
    const lower = p.toLowerCase();
    if (lower === 'all') SECRET_PERMISSIONS.forEach((x) => out.add(x));
    else if ((SECRET_PERMISSIONS as readonly string[]).includes(lower)) out.add(lower);
    else
      throw kvBadParameter(`${where}: '${p}' is not a secret permission; use ${SECRET_PERMISSIONS.join(', ')} or all.`);
  }
  return SECRET_PERMISSIONS.filter((p) => out.has(p));
}

function otherPermissions(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw kvBadParameter(`${where} must be an array of strings.`);
  return v as string[];
}

export function parseAccessPolicies(v: unknown, where: string, tenantId: string): AccessPolicy[] {
  if (!Array.isArray(v)) throw kvBadParameter(`${where} must be an array.`);
  if (v.length > 1024) throw kvBadParameter(`${where} has ${v.length} entries; the maximum is 1024.`);
  return v.map((e, i) => {
    const w = `${where}[${i}]`;
    if (!isPlainObject(e)) throw kvBadParameter(`${w} must be an object.`);
    if (typeof e.objectId !== 'string' || e.objectId.length === 0)
      throw kvBadParameter(`${w}.objectId must be a non-empty string.`);
    if (e.tenantId !== undefined && typeof e.tenantId !== 'string')
      throw kvBadParameter(`${w}.tenantId must be a string.`);
    if (e.applicationId !== undefined && e.applicationId !== null && typeof e.applicationId !== 'string')
      throw kvBadParameter(`${w}.applicationId must be a string.`);
    const perms = isPlainObject(e.permissions) ? e.permissions : {};
    const policy: AccessPolicy = {
      tenantId: (e.tenantId as string | undefined) ?? tenantId,
      objectId: e.objectId.toLowerCase(),
      permissions: { secrets: normalisePermissions(perms.secrets, `${w}.permissions.secrets`) },
    };
    if (typeof e.applicationId === 'string' && e.applicationId) policy.applicationId = e.applicationId.toLowerCase();
    for (const k of ['keys', 'certificates', 'storage'] as const) {
      const o = otherPermissions(perms[k], `${w}.permissions.${k}`);
      if (o) policy.permissions[k] = o;
    }
    return policy;
  });
}

function checkBool(v: unknown, where: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw kvBadParameter(`${where} must be true or false, not ${JSON.stringify(v)}.`);
  return v;
}

/** ARM `properties` of a Microsoft.KeyVault/vaults PUT. */
export function parseVaultProperties(props: unknown, tenantId: string): VaultInput {
  if (props === undefined || props === null) return {};
  if (!isPlainObject(props)) throw kvBadParameter('properties must be an object.');
  const out: VaultInput = {};
  const rbac = checkBool(props.enableRbacAuthorization, 'properties.enableRbacAuthorization');
  if (rbac !== undefined) out.enableRbacAuthorization = rbac;
  const soft = checkBool(props.enableSoftDelete, 'properties.enableSoftDelete');
  if (soft !== undefined) out.enableSoftDelete = soft;
  const purge = checkBool(props.enablePurgeProtection, 'properties.enablePurgeProtection');
  if (purge !== undefined) out.enablePurgeProtection = purge;
  if (props.softDeleteRetentionInDays !== undefined && props.softDeleteRetentionInDays !== null) {
    const d = props.softDeleteRetentionInDays;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 7 || d > 90)
      throw kvBadParameter(
        `properties.softDeleteRetentionInDays must be an integer from 7 to 90, not ${JSON.stringify(d)}.`,
      );
    out.softDeleteRetentionInDays = d;
  }
  if (props.accessPolicies !== undefined && props.accessPolicies !== null)
    out.accessPolicies = parseAccessPolicies(props.accessPolicies, 'properties.accessPolicies', tenantId);
  return out;
}

export function parseTagsField(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  return checkTags(v, where);
}
