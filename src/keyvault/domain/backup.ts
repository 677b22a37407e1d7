import { kvBadBackup } from '../../common/catalogue.js';
import type { Barrier } from '../../storage/barrier.js';

/**
 * The backup blob: a magic prefix, then the barrier's ciphertext of the secret's JSON (all versions with their
 * values). Opaque to clients, as Key Vault's is; restorable by any vault of a store sharing the master key.
 */

const MAGIC = Buffer.from('PVKVSECRETBACKUP1');
const AAD = 'keyvault/backup/v1';

export interface BackupVersion {
  version: string;
  value: string;
  contentType: string | null;
  tags: Record<string, string> | null;
  enabled: boolean;
  nbf: number | null;
  exp: number | null;
  created: number;
  updated: number;
}

export interface SecretBackup {
  name: string;
  versions: BackupVersion[];
}

export function sealBackup(barrier: Barrier, b: SecretBackup): Buffer {
  const ct = barrier.encrypt(Buffer.from(JSON.stringify(b), 'utf8'), AAD);
  return Buffer.concat([MAGIC, Buffer.from(ct)]);
}

const isNumOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v));

function valid(o: any): o is SecretBackup {
  return (
    typeof o?.name === 'string' &&
    Array.isArray(o.versions) &&
    o.versions.every(
      (v: any) =>
        typeof v?.version === 'string' &&
        /^[0-9a-f]{32}$/.test(v.version) &&
        typeof v.value === 'string' &&
        typeof v.enabled === 'boolean' &&
        isNumOrNull(v.nbf) &&
        isNumOrNull(v.exp) &&
        Number.isInteger(v.created) &&
        Number.isInteger(v.updated),
    )
  );
}

export function openBackup(barrier: Barrier, blob: Buffer): SecretBackup {
  if (blob.length <= MAGIC.length || !blob.subarray(0, MAGIC.length).equals(MAGIC))
    throw kvBadBackup('it does not start with the pipevault backup header');
  let plain: Buffer;
  try {
    plain = barrier.decrypt(blob.subarray(MAGIC.length), AAD);
  } catch {
    throw kvBadBackup('it was altered, or made by a store with another master key');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(plain.toString('utf8'));
  } catch {
    throw kvBadBackup('its content is not readable');
  }
  if (!valid(parsed)) throw kvBadBackup('its content does not describe a secret');
  return parsed;
}
