import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
  type JsonWebKey,
} from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import type { Database } from '../storage/database.js';
import type { Barrier } from '../storage/barrier.js';

/**
 * RS256 signing keys. One key signs; after a rotation the previous key stays published in the JWKS (and
 * accepted by verification) until every token it signed has expired. Private keys pass through the
 * encryption barrier, so the store holds no usable key material.
 */

export interface SigningKey {
  kid: string;
  publicJwk: JsonWebKey;
  publicKey: KeyObject;
  createdAt: number;
  retiredAt?: number;
  publishUntil?: number;
}

interface KeyRow {
  kid: string;
  public_jwk: string;
  private_sealed: Buffer;
  created_at: number;
  retired_at: number | null;
  publish_until: number | null;
}

const aadFor = (kid: string) => `identity-signing-key/${kid}`;

export class SigningKeys {
  private readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  private keys = new Map<string, SigningKey>();
  private active?: { kid: string; privateKey: KeyObject; createdAt: number };
  private lastReload = 0;

  constructor(
    private readonly store: Database,
    private readonly barrier: Barrier,
    private readonly clock: Clock,
    /** How long a retired key stays published: the longest token lifetime plus clock skew. */
    private readonly retireGraceMs: number,
  ) {
    this.db = store.db;
  }

  /** Loads the keys; creates the first one when there is none. */
  async init(): Promise<void> {
    await this.reload();
    if (!this.active) await this.rotate();
  }

  /** Starts signing with a new key; the current one is retired but stays published for the grace period. */
  async rotate(): Promise<string> {
    const now = this.clock.now();
    const kid = randomBytes(16).toString('base64url');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicJwk = publicKey.export({ format: 'jwk' });
    const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    await this.store.transaction(async (trx) => {
      await trx
        .updateTable('identity_signing_keys')
        .set({ retired_at: now, publish_until: now + this.retireGraceMs })
        .where('retired_at', 'is', null)
        .execute();
      await trx
        .insertInto('identity_signing_keys')
        .values({
          kid,
          public_jwk: JSON.stringify(publicJwk),
          private_sealed: this.barrier.encrypt(Buffer.from(privatePem), aadFor(kid)),
          created_at: now,
          retired_at: null,
          publish_until: null,
        })
        .execute();
    });
    await this.reload();
    return kid;
  }

  /** Re-reads keys from the store (another process may have rotated). */
  async reload(): Promise<void> {
    const rows = (await this.db
      .selectFrom('identity_signing_keys')
      .selectAll()
      .orderBy('created_at')
      .execute()) as KeyRow[];
    const keys = new Map<string, SigningKey>();
    let active: KeyRow | undefined;
    for (const r of rows) {
      const jwk = JSON.parse(r.public_jwk) as JsonWebKey;
      keys.set(r.kid, {
        kid: r.kid,
        publicJwk: jwk,
        publicKey: this.keys.get(r.kid)?.publicKey ?? createPublicKey({ key: jwk, format: 'jwk' }),
        createdAt: Number(r.created_at),
        retiredAt: r.retired_at === null ? undefined : Number(r.retired_at),
        publishUntil: r.publish_until === null ? undefined : Number(r.publish_until),
      });
      if (r.retired_at === null && (!active || Number(r.created_at) > Number(active.created_at))) active = r;
    }
    this.keys = keys;
    if (active && this.active?.kid !== active.kid) {
      const pem = this.barrier.decrypt(Buffer.from(active.private_sealed), aadFor(active.kid)).toString();
      this.active = { kid: active.kid, privateKey: createPrivateKey(pem), createdAt: Number(active.created_at) };
    }
    this.lastReload = this.clock.now();
  }

  signer(): { kid: string; privateKey: KeyObject; createdAt: number } {
    if (!this.active) throw new Error('signing keys not initialised');
    return this.active;
  }

  /** A key that may verify tokens now: the active one, or a retired one inside its grace period. */
  async verificationKey(kid: string): Promise<KeyObject | undefined> {
    let key = this.keys.get(kid);
    // an unknown kid may be a key another process just created; re-read at most once a second
    if (!key && this.clock.now() - this.lastReload > 1000) {
      await this.reload();
      key = this.keys.get(kid);
    }
    if (!key || !this.isPublished(key)) return undefined;
    return key.publicKey;
  }

  /** The JWKS document: every key still published. */
  jwks(): { keys: Array<Record<string, unknown>> } {
    const keys: Array<Record<string, unknown>> = [];
    for (const k of this.keys.values()) {
      if (!this.isPublished(k)) continue;
      keys.push({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: k.kid, n: k.publicJwk.n, e: k.publicJwk.e });
    }
    return { keys };
  }

  private isPublished(k: SigningKey): boolean {
    return k.publishUntil === undefined || k.publishUntil > this.clock.now();
  }
}
