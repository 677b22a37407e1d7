import { kvBadParameter } from '../../common/catalogue.js';

/**
 * The api-versions with a secrets surface (specs/keyvault-identity.md §1.1). The secret wire shapes are the
 * same across them except `recoverableDays` (7.1+) and `outContentType` (2025-06-01+), handled in wire.ts.
 */
export const SUPPORTED_API_VERSIONS = [
  '7.0',
  '7.1',
  '7.2',
  '7.3',
  '7.4',
  '7.5',
  '7.6',
  '2025-06-01',
  '2025-07-01',
] as const;
export const LATEST_API_VERSION = '2025-07-01';

const SUPPORTED = new Set<string>(SUPPORTED_API_VERSIONS);

/**
 * The api-version of a request: required, as Key Vault has no default. An unknown one is rejected unless the
 * server runs with `--loose`, which accepts it and answers in the latest version's shapes.
 */
export function checkApiVersion(value: unknown, loose: boolean): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== 'string' || v === '') {
    throw kvBadParameter(
      `The api-version query parameter is required and has no default; add ?api-version=${LATEST_API_VERSION} (supported: ${SUPPORTED_API_VERSIONS.join(', ')}).`,
    );
  }
  if (!SUPPORTED.has(v) && !loose) {
    throw kvBadParameter(
      `The specified version (${v}) is not recognized. Consider using the latest supported version (${LATEST_API_VERSION}). Start the server with --loose to accept any api-version.`,
    );
  }
  return v;
}

/** 7.0 predates `recoverableDays` in SecretAttributes. */
export function hasRecoverableDays(apiVersion: string): boolean {
  return apiVersion !== '7.0';
}
