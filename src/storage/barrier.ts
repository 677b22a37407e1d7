import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipevaultError } from '../common/errors.js';
import { masterKeyUnusable, sealedValueUnreadable } from '../common/catalogue.js';

/**
 * The encryption barrier every secret value passes through before it reaches the store (envelope encryption):
 * each value gets a fresh 256-bit data key; the value is sealed with AES-256-GCM under that data key, and the
 * data key is sealed with AES-256-GCM under the master key. Both seals take the caller's AAD (e.g.
 * `keyvault/{vault}/{name}/{version}`), so a blob copied onto another record fails to open instead of
 * revealing the wrong secret.
 *
 * Blob layout (version 1):
 *   [0]      format version (1)
 *   [1..8]   master key id: first 8 bytes of SHA-256(master key), to say "wrong master key" clearly
 *   [9..20]  nonce for the wrapped data key
 *   [21..52] wrapped data key (32 bytes)
 *   [53..68] GCM tag of the wrapped data key
 *   [69..80] nonce for the value
 *   [81..96] GCM tag of the value
 *   [97..]   ciphertext of the value
 */
export interface Barrier {
  encrypt(plain: Buffer, aad: string): Buffer;
  decrypt(blob: Buffer, aad: string): Buffer;
}

const VERSION = 1;
const HEADER = 97;
export const MASTER_KEY_ENV = 'PIPEVAULT_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';

/**
 * Unwrapped data keys of recently read values, keyed by the wrapped key's bytes (nonce, ciphertext, tag) and the
 * AAD: reading the same version again then costs one AES-GCM open instead of two. Bounded; the value itself is
 * still opened and authenticated on every read, so a changed blob or another record's AAD still fails.
 */
const DATA_KEY_CACHE_LIMIT = 4096;

export function createBarrier(masterKey: Buffer): Barrier {
  if (masterKey.length !== 32) throw masterKeyUnusable('it must be exactly 32 bytes');
  const keyId = createHash('sha256').update(masterKey).digest().subarray(0, 8);
  const dataKeys = new Map<string, Buffer>();
  const unwrapDataKey = (blob: Buffer, aad: string): Buffer => {
    const cacheKey = blob.toString('latin1', 9, 69) + aad;
    const hit = dataKeys.get(cacheKey);
    if (hit) return hit;
    let dataKey: Buffer;
    try {
      const unwrap = createDecipheriv('aes-256-gcm', masterKey, blob.subarray(9, 21)).setAAD(Buffer.from(aad, 'utf8'));
      unwrap.setAuthTag(blob.subarray(53, 69));
      dataKey = Buffer.concat([unwrap.update(blob.subarray(21, 53)), unwrap.final()]);
    } catch {
      throw sealedValueUnreadable('it belongs to another record or was altered');
    }
    if (dataKeys.size >= DATA_KEY_CACHE_LIMIT) {
      const oldest = dataKeys.keys().next().value as string;
      dataKeys.get(oldest)?.fill(0);
      dataKeys.delete(oldest);
    }
    dataKeys.set(cacheKey, dataKey);
    return dataKey;
  };
  return {
    encrypt(plain, aad) {
      const aadBuf = Buffer.from(aad, 'utf8');
      const dataKey = randomBytes(32);
      const wrapNonce = randomBytes(12);
      const wrap = createCipheriv('aes-256-gcm', masterKey, wrapNonce).setAAD(aadBuf);
      const wrapped = Buffer.concat([wrap.update(dataKey), wrap.final()]);
      const wrapTag = wrap.getAuthTag();
      const nonce = randomBytes(12);
      const seal = createCipheriv('aes-256-gcm', dataKey, nonce).setAAD(aadBuf);
      const ct = Buffer.concat([seal.update(plain), seal.final()]);
      const tag = seal.getAuthTag();
      dataKey.fill(0);
      return Buffer.concat([Buffer.of(VERSION), keyId, wrapNonce, wrapped, wrapTag, nonce, tag, ct]);
    },
    decrypt(blob, aad) {
      if (blob.length < HEADER || blob[0] !== VERSION) throw sealedValueUnreadable('not a pipevault sealed value');
      if (!blob.subarray(1, 9).equals(keyId)) {
        throw sealedValueUnreadable('it was sealed under a different master key');
      }
      const dataKey = unwrapDataKey(blob, aad);
      try {
        const open = createDecipheriv('aes-256-gcm', dataKey, blob.subarray(69, 81)).setAAD(Buffer.from(aad, 'utf8'));
        open.setAuthTag(blob.subarray(81, 97));
        // GCM yields all plaintext from update; final only checks the tag (and throws), so no concatenated copy
        const plain = open.update(blob.subarray(HEADER));
        open.final();
        return plain;
      } catch {
        throw sealedValueUnreadable('it was altered');
      }
    },
  };
}

/**
 * The master key, in order of precedence: env `PIPEVAULT_MASTER_KEY` (32 bytes as base64 or 64 hex chars);
 * `{dataDir}/master.key` (created with 0600 on first use); a random key for in-memory stores (no data dir).
 */
export function loadMasterKey(opts: { dataDir?: string; env?: NodeJS.ProcessEnv }): Buffer {
  const fromEnv = (opts.env ?? process.env)[MASTER_KEY_ENV];
  if (fromEnv) return parseMasterKey(fromEnv.trim(), `env ${MASTER_KEY_ENV}`);
  if (!opts.dataDir) return randomBytes(32);
  const file = join(opts.dataDir, MASTER_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(opts.dataDir, { recursive: true });
    const key = randomBytes(32);
    // 'wx' so two processes starting at once can't overwrite each other's key
    try {
      writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      return key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw masterKeyUnusable(`${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 ${file}`);
  }
  return parseMasterKey(readFileSync(file, 'utf8').trim(), file);
}

function parseMasterKey(text: string, where: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw masterKeyUnusable(`${where} must hold 32 bytes as base64 or 64 hex characters`);
  return key;
}

export function isBarrierError(e: unknown): boolean {
  return e instanceof PipevaultError && e.code === 'SealedValueUnreadable';
}
