import {
  kvBadBackup,
  kvBadParameter,
  kvDeletedButRecoverable,
  kvDeletedSecretNotFound,
  kvNotSoftDeleteVault,
  kvPurgeProtected,
  kvSecretAlreadyExists,
  kvSecretDisabled,
  kvSecretNotFound,
  kvSecretVersionNotFound,
} from '../../common/catalogue.js';
import type { Clock } from '../../common/clock.js';
import type { IdGenerator } from '../../common/ids.js';
import type { Barrier } from '../../storage/barrier.js';
import type { KeyVaultStore, SecretVersionRow, SecretViewRow } from '../../storage/keyvault-store.js';
import { openBackup, sealBackup, type BackupVersion } from './backup.js';
import type {
  DeletedSecretBundle,
  Page,
  RecoveryLevel,
  SecretAttributes,
  SecretBundle,
  SetSecretInput,
  UpdateSecretInput,
  Vault,
} from './model.js';
import { checkSecretName, checkVersion } from './validate.js';

/**
 * The secrets of a vault: versions, attributes, soft delete, recover, purge, backup and restore. Values pass
 * through the barrier and are bound (as AAD) to vault, name and version, so a ciphertext moved to another row
 * does not decrypt. Every write commits before the call returns, so the next read sees it (read-your-writes).
 * Deleted secrets whose purge date has come are purged lazily, whenever the vault's deleted state is looked at.
 */

export interface SecretServiceOptions {
  store: KeyVaultStore;
  barrier: Barrier;
  clock: Clock;
  ids: IdGenerator;
}

const DAY = 86_400;

export function recoveryOf(vault: Vault): { recoveryLevel: RecoveryLevel; recoverableDays: number } {
  if (!vault.enableSoftDelete) return { recoveryLevel: 'Purgeable', recoverableDays: 0 };
  const custom = vault.softDeleteRetentionInDays !== 90 ? 'Customized' : '';
  return {
    recoveryLevel: `${custom}Recoverable${vault.enablePurgeProtection ? '' : '+Purgeable'}` as RecoveryLevel,
    recoverableDays: vault.softDeleteRetentionInDays,
  };
}

function encodeToken(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

function decodeToken<T>(token: string | undefined, check: (o: any) => boolean): T | null {
  if (token === undefined || token === '') return null;
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (check(o)) return o as T;
  } catch {
    // fall through to the error below
  }
  throw kvBadParameter(`$skiptoken '${token.slice(0, 60)}' is not a continuation this vault issued.`);
}

function aad(vault: string, nameKey: string, version: string): string {
  return `keyvault/${vault}/${nameKey}/${version}`;
}

/** What getNow keeps beside a cached row: the opened value, and the last bundle with the settings it was made for. */
interface OpenedRow {
  value: string;
  bundle?: SecretBundle;
  softDelete?: boolean;
  retentionDays?: number;
  purgeProtection?: boolean;
}

/** A version's row when it exists and its secret is not deleted; else Key Vault's 404. */
function liveOr404(r: SecretViewRow | undefined, name: string, version?: string): SecretViewRow {
  if (!r || r.deletedS !== null) throw version ? kvSecretVersionNotFound(name, version) : kvSecretNotFound(name);
  return r;
}

export class SecretService {
  /**
   * The value opened from each row of SQLite's latest-version cache, in memory only, for exactly as long as that
   * row is cached: keyed weakly by the (frozen) row object, so when the store drops the row — any write of secrets
   * by any connection or process, or the cache's bound — the value goes with it, and the next read opens the
   * value read from the database again. The barrier (AES-256-GCM twice, about 7 us of CPU) was the largest single
   * cost of a secret GET. This keeps nothing a reader of the process memory could not have already: the row cache
   * holds the ciphertext and the barrier the unwrapped data key. Nothing of it reaches disk, a log or the audit.
   * Only `getNow` uses it (PostgreSQL rows are fresh objects on every read and are opened every time). The frozen
   * bundle made from it is kept too, until the vault's recovery settings change.
   */
  private readonly openedValues = new WeakMap<SecretViewRow, OpenedRow>();

  constructor(private readonly o: SecretServiceOptions) {}

  private nowS(): number {
    return Math.floor(this.o.clock.now() / 1000);
  }

  private bundle(vault: Vault, r: SecretViewRow, value?: string): SecretBundle {
    const recovery = recoveryOf(vault);
    const attributes: SecretAttributes = {
      enabled: r.enabled,
      created: r.createdS,
      updated: r.updatedS,
      recoveryLevel: recovery.recoveryLevel,
      recoverableDays: recovery.recoverableDays,
    };
    if (r.nbfS !== null) attributes.nbf = r.nbfS;
    if (r.expS !== null) attributes.exp = r.expS;
    const b: SecretBundle = { name: r.name, version: r.version, attributes };
    if (value !== undefined) b.value = value;
    if (r.contentType !== null) b.contentType = r.contentType;
    if (r.tags !== null) b.tags = r.tags;
    return b;
  }

  private deletedBundle(vault: Vault, r: SecretViewRow): DeletedSecretBundle {
    return { ...this.bundle(vault, r), deletedDate: r.deletedS ?? 0, scheduledPurgeDate: r.purgeS ?? 0 };
  }

  private decrypt(vaultKey: string, r: SecretViewRow): string {
    return this.o.barrier.decrypt(r.valueCt, aad(vaultKey, r.nameKey, r.version)).toString('utf8');
  }

  private encrypt(vaultKey: string, nameKey: string, version: string, value: string): Buffer {
    return this.o.barrier.encrypt(Buffer.from(value, 'utf8'), aad(vaultKey, nameKey, version));
  }

  /** Purges the vault's deleted secrets whose scheduled purge date has passed. */
  async purgeDue(vault: Vault): Promise<void> {
    if (vault.enableSoftDelete) await this.o.store.purgeDue(vault.name.toLowerCase(), this.nowS());
  }

  /** The live (not deleted) row of a version, or 404. */
  private async live(vault: Vault, name: string, version?: string): Promise<SecretViewRow> {
    const key = checkSecretName(name).toLowerCase();
    const v = vault.name.toLowerCase();
    const r = version ? await this.o.store.version(v, key, checkVersion(version)) : await this.o.store.latest(v, key);
    return liveOr404(r, name, version);
  }

  async set(vault: Vault, name: string, input: SetSecretInput): Promise<SecretBundle> {
    const key = checkSecretName(name).toLowerCase();
    const v = vault.name.toLowerCase();
    await this.purgeDue(vault);
    const head = await this.o.store.getHead(v, key);
    if (head?.deletedS != null) throw kvDeletedButRecoverable(head.name);
    const version = input.version !== undefined ? checkVersion(input.version).toLowerCase() : this.o.ids.hex32();
    if (input.version !== undefined && (await this.o.store.version(v, key, version))) {
      throw kvBadParameter(`The secret ${name} already has a version ${version}.`);
    }
    const now = this.nowS();
    const a = input.attributes ?? {};
    const row: SecretVersionRow = {
      vault: v,
      nameKey: key,
      version,
      seq: (head?.latestSeq ?? 0) + 1,
      valueCt: this.encrypt(v, key, version, input.value),
      contentType: input.contentType ?? null,
      tags: input.tags ?? null,
      enabled: a.enabled ?? true,
      nbfS: a.nbf ?? null,
      expS: a.exp ?? null,
      createdS: now,
      updatedS: now,
    };
    await this.o.store.addVersion({ vault: v, nameKey: key, name: head?.name ?? name }, row);
    return {
      ...this.bundle(vault, { ...row, name: head?.name ?? name, deletedS: null, purgeS: null }),
      value: input.value,
    };
  }

  /** GET of a value: 403 SecretDisabled for a disabled version; nbf/exp do not block (Key Vault semantics). */
  async get(vault: Vault, name: string, version?: string): Promise<SecretBundle> {
    return this.opened(vault, await this.live(vault, name, version));
  }

  /**
   * `get` of the latest version without a promise, when the store has the row at hand (see
   * KeyVaultStore.latestNow): the bundle, or the same errors `get` throws; `undefined` when only `get` can answer.
   * The bundle is frozen and may be the same object as the last call's (callers may key caches on it).
   */
  getNow(vault: Vault, name: string): SecretBundle | undefined {
    const key = checkSecretName(name).toLowerCase();
    const r = this.o.store.latestNow(vault.name.toLowerCase(), key);
    if (r === undefined) return undefined;
    const live = liveOr404(r ?? undefined, name);
    if (!live.enabled) throw kvSecretDisabled('get');
    // rows from latestNow are the store's cached rows: the value opened from one is kept beside it (see openedValues)
    let kept = this.openedValues.get(live);
    if (kept === undefined) this.openedValues.set(live, (kept = { value: this.decrypt(live.vault, live) }));
    // the bundle depends on the vault only through its recovery settings
    const b = kept.bundle;
    if (
      b === undefined ||
      kept.softDelete !== vault.enableSoftDelete ||
      kept.retentionDays !== vault.softDeleteRetentionInDays ||
      kept.purgeProtection !== vault.enablePurgeProtection
    ) {
      kept.softDelete = vault.enableSoftDelete;
      kept.retentionDays = vault.softDeleteRetentionInDays;
      kept.purgeProtection = vault.enablePurgeProtection;
      const fresh = this.bundle(vault, live, kept.value);
      Object.freeze(fresh.attributes);
      return (kept.bundle = Object.freeze(fresh));
    }
    return b;
  }

  private opened(vault: Vault, r: SecretViewRow): SecretBundle {
    if (!r.enabled) throw kvSecretDisabled('get');
    return this.bundle(vault, r, this.decrypt(r.vault, r));
  }

  /** Properties of a version without its value. */
  async properties(vault: Vault, name: string, version?: string): Promise<SecretBundle> {
    return this.bundle(vault, await this.live(vault, name, version));
  }

  /** Changes attributes, tags or content type of one version (the latest when none is given); no value. */
  async update(
    vault: Vault,
    name: string,
    version: string | undefined,
    input: UpdateSecretInput,
  ): Promise<SecretBundle> {
    const r = await this.live(vault, name, version);
    const a = input.attributes ?? {};
    const nbf = a.nbf !== undefined ? a.nbf : r.nbfS;
    const exp = a.exp !== undefined ? a.exp : r.expS;
    if (nbf !== null && exp !== null && exp < nbf)
      throw kvBadParameter(`attributes.exp (${exp}) is before attributes.nbf (${nbf}).`);
    const patch = {
      updatedS: this.nowS(),
      ...(input.contentType !== undefined ? { contentType: input.contentType } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
      ...(a.enabled !== undefined ? { enabled: a.enabled } : {}),
      ...(a.nbf !== undefined ? { nbfS: a.nbf } : {}),
      ...(a.exp !== undefined ? { expS: a.exp } : {}),
    };
    await this.o.store.patchVersion(r.vault, r.nameKey, r.version, patch);
    return this.bundle(vault, {
      ...r,
      updatedS: patch.updatedS,
      contentType: patch.contentType !== undefined ? patch.contentType : r.contentType,
      tags: patch.tags !== undefined ? patch.tags : r.tags,
      enabled: patch.enabled ?? r.enabled,
      nbfS: nbf,
      expS: exp,
    });
  }

  async list(vault: Vault, maxResults: number, token?: string): Promise<Page<SecretBundle>> {
    const after = decodeToken<{ k: string }>(token, (o) => typeof o?.k === 'string');
    const rows = await this.o.store.listLatest(vault.name.toLowerCase(), after?.k ?? null, maxResults + 1);
    const more = rows.length > maxResults;
    const page = rows.slice(0, maxResults);
    return {
      items: page.map((r) => this.bundle(vault, r)),
      next: more ? encodeToken({ k: page[page.length - 1].nameKey }) : null,
    };
  }

  async listVersions(vault: Vault, name: string, maxResults: number, token?: string): Promise<Page<SecretBundle>> {
    const key = checkSecretName(name).toLowerCase();
    const after = decodeToken<{ s: number }>(token, (o) => Number.isInteger(o?.s));
    const head = await this.o.store.getHead(vault.name.toLowerCase(), key);
    // Key Vault answers an empty list for a name it does not hold; a deleted secret has no live versions.
    if (!head || head.deletedS !== null) return { items: [], next: null };
    const rows = await this.o.store.listVersions(vault.name.toLowerCase(), key, after?.s ?? 0, maxResults + 1);
    const more = rows.length > maxResults;
    const page = rows.slice(0, maxResults);
    return {
      items: page.map((r) => this.bundle(vault, r)),
      next: more ? encodeToken({ s: page[page.length - 1].seq }) : null,
    };
  }

  /**
   * Deletes the whole secret. In a soft-delete vault it becomes a deleted secret (recoverable until its
   * scheduled purge date); otherwise it is gone at once and the answer carries no recovery id.
   */
  async delete(vault: Vault, name: string): Promise<{ deleted: DeletedSecretBundle; recoverable: boolean }> {
    const r = await this.live(vault, name);
    const now = this.nowS();
    if (!vault.enableSoftDelete) {
      await this.o.store.purge(r.vault, r.nameKey);
      return { deleted: this.deletedBundle(vault, { ...r, deletedS: now, purgeS: now }), recoverable: false };
    }
    const purgeS = now + vault.softDeleteRetentionInDays * DAY;
    await this.o.store.setDeleted(r.vault, r.nameKey, now, purgeS);
    return { deleted: this.deletedBundle(vault, { ...r, deletedS: now, purgeS }), recoverable: true };
  }

  private async deletedRow(vault: Vault, name: string): Promise<SecretViewRow> {
    const key = checkSecretName(name).toLowerCase();
    await this.purgeDue(vault);
    const r = await this.o.store.latest(vault.name.toLowerCase(), key);
    if (!r || r.deletedS === null) throw kvDeletedSecretNotFound(name);
    return r;
  }

  async getDeleted(vault: Vault, name: string): Promise<DeletedSecretBundle> {
    return this.deletedBundle(vault, await this.deletedRow(vault, name));
  }

  async listDeleted(vault: Vault, maxResults: number, token?: string): Promise<Page<DeletedSecretBundle>> {
    const after = decodeToken<{ k: string }>(token, (o) => typeof o?.k === 'string');
    await this.purgeDue(vault);
    const rows = await this.o.store.listDeleted(vault.name.toLowerCase(), after?.k ?? null, maxResults + 1);
    const more = rows.length > maxResults;
    const page = rows.slice(0, maxResults);
    return {
      items: page.map((r) => this.deletedBundle(vault, r)),
      next: more ? encodeToken({ k: page[page.length - 1].nameKey }) : null,
    };
  }

  async recover(vault: Vault, name: string): Promise<SecretBundle> {
    if (!vault.enableSoftDelete) throw kvNotSoftDeleteVault(vault.name);
    const r = await this.deletedRow(vault, name);
    await this.o.store.setDeleted(r.vault, r.nameKey, null, null);
    return this.bundle(vault, { ...r, deletedS: null, purgeS: null });
  }

  async purge(vault: Vault, name: string): Promise<void> {
    if (!vault.enableSoftDelete) throw kvNotSoftDeleteVault(vault.name);
    const r = await this.deletedRow(vault, name);
    if (vault.enablePurgeProtection) throw kvPurgeProtected(r.name, vault.name);
    await this.o.store.purge(r.vault, r.nameKey);
  }

  /** All versions of a live secret, values included, sealed by the barrier into one opaque blob. */
  async backup(vault: Vault, name: string): Promise<Buffer> {
    const head = await this.live(vault, name);
    const rows = await this.o.store.allVersions(head.vault, head.nameKey);
    const versions: BackupVersion[] = [];
    for (const r of rows) {
      versions.push({
        version: r.version,
        value: this.decrypt(head.vault, { ...r, name: head.name, deletedS: null, purgeS: null }),
        contentType: r.contentType,
        tags: r.tags,
        enabled: r.enabled,
        nbf: r.nbfS,
        exp: r.expS,
        created: r.createdS,
        updated: r.updatedS,
      });
    }
    return sealBackup(this.o.barrier, { name: head.name, versions });
  }

  /** Recreates a backed-up secret with all its versions (same version ids); 409 if the name is taken. */
  async restore(vault: Vault, blob: Buffer): Promise<SecretBundle> {
    const backup = openBackup(this.o.barrier, blob);
    const key = checkSecretName(backup.name).toLowerCase();
    const v = vault.name.toLowerCase();
    await this.purgeDue(vault);
    const head = await this.o.store.getHead(v, key);
    if (head?.deletedS != null) throw kvDeletedButRecoverable(head.name);
    if (head) throw kvSecretAlreadyExists(head.name);
    if (backup.versions.length === 0) throw kvBadBackup('it holds no versions');
    const rows: SecretVersionRow[] = [];
    let seq = 0;
    for (const b of backup.versions) {
      seq += 1;
      rows.push({
        vault: v,
        nameKey: key,
        version: b.version,
        seq,
        valueCt: this.encrypt(v, key, b.version, b.value),
        contentType: b.contentType,
        tags: b.tags,
        enabled: b.enabled,
        nbfS: b.nbf,
        expS: b.exp,
        createdS: b.created,
        updatedS: b.updated,
      });
    }
    const latest = rows[rows.length - 1];
    await this.o.store.insertSecret(
      {
        vault: v,
        nameKey: key,
        name: backup.name,
        latestVersion: latest.version,
        latestSeq: latest.seq,
        deletedS: null,
        purgeS: null,
      },
      rows,
    );
    return this.bundle(vault, { ...latest, name: backup.name, deletedS: null, purgeS: null });
  }
}
