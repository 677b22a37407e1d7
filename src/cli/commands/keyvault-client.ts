import { badInput } from '../../common/catalogue.js';
import type { Connection } from '../client/connect.js';

/**
 * How the keyvault commands talk to a vault: the admin bridge (`/pipevault/admin/keyvault/vaults/{vault}/…`),
 * which replays the call into the real Key Vault data plane of that vault, so the CLI goes through exactly the
 * routes, authorization and audit the SDKs do.
 */

export const API_VERSION = '2025-07-01';
export const ARM_VAULTS =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault/providers/Microsoft.KeyVault/vaults';
const BRIDGE = '/pipevault/admin/keyvault/vaults';

export function dataPath(vault: string, path: string, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams({ 'api-version': API_VERSION });
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
  return `${BRIDGE}/${encodeURIComponent(vault)}${path}?${q.toString()}`;
}

/** Follows absolute nextLinks (on the vault's own host) back through the bridge until the last page. */
export async function listAll<T>(c: Connection, vault: string, firstPath: string): Promise<T[]> {
  const out: T[] = [];
  let path: string | null = firstPath;
  while (path) {
    const page: { value: T[]; nextLink?: string | null } = await c.request('GET', path);
    out.push(...page.value);
    if (page.nextLink) {
      const next = new URL(page.nextLink);
      path = `${BRIDGE}/${encodeURIComponent(vault)}${next.pathname}${next.search}`;
    } else path = null;
  }
  return out;
}

/** `key=value` words as `az --tags` takes them; a lone `''` clears. */
export function parseTags(words: string[] | undefined): Record<string, string> | undefined {
  if (!words) return undefined;
  const tags: Record<string, string> = {};
  for (const w of words) {
    if (w === '' || w === "''" || w === '""') continue;
    const i = w.indexOf('=');
    if (i <= 0) throw badInput(`'${w}' is not key=value`, '--tags');
    tags[w.slice(0, i)] = w.slice(i + 1);
  }
  return tags;
}

export function parseBool(v: unknown, flag: string): boolean | undefined {
  if (v === undefined) return undefined;
  const s = String(v).toLowerCase();
  if (s === 'true' || s === 'yes' || s === '1') return true;
  if (s === 'false' || s === 'no' || s === '0') return false;
  throw badInput(`'${String(v)}' is not true or false`, flag);
}

/** An ISO 8601 time (as az takes `--expires`) → unix seconds. */
export function parseUnixTime(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(String(v));
  if (Number.isNaN(t)) throw badInput(`'${String(v)}' is not an ISO 8601 time, e.g. 2030-01-01T00:00:00Z`, flag);
  return Math.floor(t / 1000);
}

/** `--id https://{vault}.vault.azure.net/secrets/{name}[/{version}]` → its parts; the vault from the host name. */
export function parseSecretId(id: string): { vault: string; name: string; version?: string } {
  let u: URL;
  try {
    u = new URL(id);
  } catch {
    throw badInput(`'${id}' is not a secret identifier URL`, '--id');
  }
  const seg = u.pathname.split('/').filter(Boolean);
  if ((seg[0] !== 'secrets' && seg[0] !== 'deletedsecrets') || seg.length < 2 || seg.length > 3)
    throw badInput(`'${id}' is not {vault}/secrets/{name}[/{version}]`, '--id');
  const m = /^([a-z0-9-]+)\.(?:vault\.azure\.net|localhost)$/i.exec(u.hostname);
  return { vault: m ? m[1] : 'default', name: seg[1], ...(seg[2] ? { version: seg[2] } : {}) };
}

interface Attrs {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
  created?: number;
  updated?: number;
  recoveryLevel?: string;
  recoverableDays?: number;
}

const iso = (s: number | undefined) => (s === undefined ? undefined : new Date(s * 1000).toISOString());

/** Key Vault JSON → the shape `az keyvault secret` prints (attributes with ISO times, name from the id). */
export function azSecret(b: Record<string, unknown>): Record<string, unknown> {
  const a = (b.attributes ?? {}) as Attrs;
  const id = String(b.id ?? '');
  const seg = new URL(id).pathname.split('/').filter(Boolean);
  const out: Record<string, unknown> = {
    id,
    name: seg[1],
    ...(b.value !== undefined ? { value: b.value } : {}),
    contentType: b.contentType ?? null,
    tags: b.tags ?? null,
    attributes: {
      enabled: a.enabled,
      notBefore: iso(a.nbf) ?? null,
      expires: iso(a.exp) ?? null,
      created: iso(a.created),
      updated: iso(a.updated),
      recoveryLevel: a.recoveryLevel,
      recoverableDays: a.recoverableDays,
    },
  };
  if (b.recoveryId !== undefined) {
    out.recoveryId = b.recoveryId;
    out.deletedDate = iso(b.deletedDate as number);
    out.scheduledPurgeDate = iso(b.scheduledPurgeDate as number);
  }
  return out;
}

/** One table row per secret. */
export function secretRow(s: Record<string, unknown>): Record<string, unknown> {
  const a = s.attributes as Record<string, unknown>;
  const seg = new URL(String(s.id)).pathname.split('/').filter(Boolean);
  return {
    name: s.name,
    version: seg[2] ?? '',
    enabled: a.enabled,
    contentType: s.contentType ?? '',
    expires: a.expires ?? '',
    updated: a.updated,
    ...(s.deletedDate ? { deletedDate: s.deletedDate, scheduledPurgeDate: s.scheduledPurgeDate } : {}),
  };
}
