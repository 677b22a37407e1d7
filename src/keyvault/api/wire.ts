import type { DeletedSecretBundle, SecretBundle } from '../domain/model.js';
import { hasRecoverableDays } from './api-versions.js';

/**
 * Domain bundles → Key Vault JSON. Ids are absolute URLs on the base the client used (scheme, host and port),
 * because the SDK parses them back into a vault URL; list items carry base ids, except in a versions listing.
 */

export interface WireAttributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  recoveryLevel: string;
  recoverableDays?: number;
}

function attributes(b: SecretBundle, apiVersion: string): WireAttributes {
  const a = b.attributes;
  const out: WireAttributes = {
    enabled: a.enabled,
    ...(a.nbf !== undefined ? { nbf: a.nbf } : {}),
    ...(a.exp !== undefined ? { exp: a.exp } : {}),
    created: a.created,
    updated: a.updated,
    recoveryLevel: a.recoveryLevel,
  };
  if (hasRecoverableDays(apiVersion)) out.recoverableDays = a.recoverableDays;
  return out;
}

function common(b: SecretBundle, id: string, apiVersion: string): Record<string, unknown> {
  const out: Record<string, unknown> = { id, attributes: attributes(b, apiVersion) };
  if (b.contentType !== undefined) out.contentType = b.contentType;
  if (b.tags !== undefined) out.tags = b.tags;
  return out;
}

export const secretId = (base: string, name: string, version?: string) =>
  version ? `${base}/secrets/${name}/${version}` : `${base}/secrets/${name}`;

/** SecretBundle: the value first when the operation returns it, as Key Vault orders it. */
export function secretBundle(base: string, b: SecretBundle, apiVersion: string): Record<string, unknown> {
  const body = common(b, secretId(base, b.name, b.version), apiVersion);
  return b.value !== undefined ? { value: b.value, ...body } : body;
}

/**
 * `secretBundle` already serialised: the same JSON text as `JSON.stringify(secretBundle(…))`, built as one string
 * without the two intermediate objects (the secret GET's hot path; test/keyvault/wire-text.test.ts holds them
 * equal).
 */
export function secretBundleText(base: string, b: SecretBundle, apiVersion: string): string {
  const a = b.attributes;
  let out = b.value !== undefined ? `{"value":${JSON.stringify(b.value)},"id":` : '{"id":';
  out += JSON.stringify(secretId(base, b.name, b.version));
  out += `,"attributes":{"enabled":${a.enabled}`;
  if (a.nbf !== undefined) out += `,"nbf":${jsonNumber(a.nbf)}`;
  if (a.exp !== undefined) out += `,"exp":${jsonNumber(a.exp)}`;
  out += `,"created":${jsonNumber(a.created)},"updated":${jsonNumber(a.updated)},"recoveryLevel":${JSON.stringify(a.recoveryLevel)}`;
  if (hasRecoverableDays(apiVersion)) out += `,"recoverableDays":${jsonNumber(a.recoverableDays)}`;
  out += '}';
  if (b.contentType !== undefined) out += `,"contentType":${JSON.stringify(b.contentType)}`;
  if (b.tags !== undefined) out += `,"tags":${JSON.stringify(b.tags)}`;
  return out + '}';
}

const jsonNumber = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** SecretItem in `GET /secrets`: base id, no value. */
export function secretItem(base: string, b: SecretBundle, apiVersion: string): Record<string, unknown> {
  return common(b, secretId(base, b.name), apiVersion);
}

/** SecretItem in `GET /secrets/{name}/versions`: versioned id, no value. */
export function versionItem(base: string, b: SecretBundle, apiVersion: string): Record<string, unknown> {
  return common(b, secretId(base, b.name, b.version), apiVersion);
}

function deletedFields(base: string, d: DeletedSecretBundle, recoverable: boolean): Record<string, unknown> {
  return recoverable
    ? {
        recoveryId: `${base}/deletedsecrets/${d.name}`,
        deletedDate: d.deletedDate,
        scheduledPurgeDate: d.scheduledPurgeDate,
      }
    : {};
}

export function deletedBundle(
  base: string,
  d: DeletedSecretBundle,
  apiVersion: string,
  recoverable = true,
): Record<string, unknown> {
  return { ...deletedFields(base, d, recoverable), ...common(d, secretId(base, d.name, d.version), apiVersion) };
}

export function deletedItem(base: string, d: DeletedSecretBundle, apiVersion: string): Record<string, unknown> {
  return { ...deletedFields(base, d, true), ...common(d, secretId(base, d.name), apiVersion) };
}

/** `nextLink`: absolute, on the client's base, carrying api-version and maxresults (the SDK re-adds neither). */
export function nextLink(
  base: string,
  path: string,
  apiVersion: string,
  maxResults: number,
  token: string | null,
): string | null {
  if (token === null) return null;
  const q = new URLSearchParams({ 'api-version': apiVersion, $skiptoken: token, maxresults: String(maxResults) });
  return `${base}${path}?${q.toString()}`;
}
