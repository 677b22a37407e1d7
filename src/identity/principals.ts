import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import type { IdGenerator } from '../common/ids.js';
import type { Database } from '../storage/database.js';
import { hashSecret, newClientSecret, verifySecret } from './password-hash.js';
import {
  factoryResourceId,
  userAssignedResourceId,
  type ManagedIdentityType,
  type PrincipalKind,
  type PrincipalRecord,
} from './types.js';

interface PrincipalRow {
  object_id: string;
  app_id: string;
  tenant_id: string;
  kind: string;
  mi_type: string | null;
  display_name: string;
  factory: string | null;
  created_at: number;
}

function toRecord(r: PrincipalRow): PrincipalRecord {
  const rec: PrincipalRecord = {
    tenantId: r.tenant_id,
    objectId: r.object_id,
    appId: r.app_id,
    kind: r.kind as PrincipalKind,
    displayName: r.display_name,
    createdAt: Number(r.created_at),
  };
  if (r.mi_type) rec.managedIdentityType = r.mi_type as ManagedIdentityType;
  if (r.factory) rec.factory = r.factory;
  if (r.kind === 'managedIdentity') {
    rec.resourceId = r.factory ? factoryResourceId(r.factory) : userAssignedResourceId(r.display_name);
  }
  return rec;
}

/** Persistence of tenants, principals and their client secrets (hashed). */
export class PrincipalStore {
  private readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  constructor(
    private readonly store: Database,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {
    this.db = store.db;
  }

  /** The data dir's tenant, created on first call. */
  async ensureTenant(): Promise<string> {
    const row = await this.db
      .selectFrom('identity_tenants')
      .select('id')
      .where('is_default', '=', 1)
      .executeTakeFirst();
    if (row) return row.id as string;
    const id = this.ids.uuid();
    await this.db
      .insertInto('identity_tenants')
      .values({ id, is_default: 1, created_at: this.clock.now() })
      .onConflict((oc) => oc.doNothing())
      .execute();
    // another process may have won the race; the first tenant is the tenant
    const again = await this.db
      .selectFrom('identity_tenants')
      .select('id')
      .where('is_default', '=', 1)
      .orderBy('created_at')
      .executeTakeFirstOrThrow();
    return again.id as string;
  }

  async create(p: {
    tenantId: string;
    kind: PrincipalKind;
    displayName: string;
    managedIdentityType?: ManagedIdentityType;
    factory?: string;
    objectId?: string;
    appId?: string;
  }): Promise<PrincipalRecord> {
    const row: PrincipalRow = {
      object_id: (p.objectId ?? this.ids.uuid()).toLowerCase(),
      app_id: (p.appId ?? this.ids.uuid()).toLowerCase(),
      tenant_id: p.tenantId,
      kind: p.kind,
      mi_type: p.managedIdentityType ?? null,
      display_name: p.displayName,
      factory: p.factory ?? null,
      created_at: this.clock.now(),
    };
    await this.db.insertInto('identity_principals').values(row).execute();
    return toRecord(row);
  }

  async byObjectId(objectId: string): Promise<PrincipalRecord | undefined> {
    const r = await this.db
      .selectFrom('identity_principals')
      .selectAll()
      .where('object_id', '=', objectId.toLowerCase())
      .executeTakeFirst();
    return r ? toRecord(r as PrincipalRow) : undefined;
  }

  async byAppId(appId: string): Promise<PrincipalRecord | undefined> {
    const r = await this.db
      .selectFrom('identity_principals')
      .selectAll()
      .where('app_id', '=', appId.toLowerCase())
      .executeTakeFirst();
    return r ? toRecord(r as PrincipalRow) : undefined;
  }

  async factoryIdentity(factory: string): Promise<PrincipalRecord | undefined> {
    const r = await this.db
      .selectFrom('identity_principals')
      .selectAll()
      .where('factory', '=', factory)
      .where('kind', '=', 'managedIdentity')
      .executeTakeFirst();
    return r ? toRecord(r as PrincipalRow) : undefined;
  }

  async byKind(kind: PrincipalKind): Promise<PrincipalRecord[]> {
    const rows = await this.db
      .selectFrom('identity_principals')
      .selectAll()
      .where('kind', '=', kind)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => toRecord(r as PrincipalRow));
  }

  async list(): Promise<PrincipalRecord[]> {
    const rows = await this.db
      .selectFrom('identity_principals')
      .selectAll()
      .orderBy('created_at')
      .orderBy('object_id')
      .execute();
    return rows.map((r) => toRecord(r as PrincipalRow));
  }

  async delete(objectId: string): Promise<boolean> {
    return this.store.transaction(async (trx) => {
      await trx.deleteFrom('identity_client_secrets').where('object_id', '=', objectId.toLowerCase()).execute();
      const r = await trx
        .deleteFrom('identity_principals')
        .where('object_id', '=', objectId.toLowerCase())
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  /** Adds a client secret and returns it in clear — the only time it exists outside the caller. */
  async addSecret(
    objectId: string,
    opts: { secret?: string; expiresAt?: number } = {},
  ): Promise<{ keyId: string; secret: string }> {
    const secret = opts.secret ?? newClientSecret();
    const keyId = this.ids.uuid();
    await this.db
      .insertInto('identity_client_secrets')
      .values({
        key_id: keyId,
        object_id: objectId.toLowerCase(),
        hash: await hashSecret(secret),
        hint: secret.slice(0, 3),
        created_at: this.clock.now(),
        expires_at: opts.expiresAt ?? null,
      })
      .execute();
    return { keyId, secret };
  }

  /** True when `secret` matches one of the principal's unexpired client secrets. */
  async checkSecret(objectId: string, secret: string): Promise<boolean> {
    const rows = await this.db
      .selectFrom('identity_client_secrets')
      .select(['hash', 'hint', 'expires_at'])
      .where('object_id', '=', objectId.toLowerCase())
      .execute();
    const now = this.clock.now();
    for (const r of rows) {
      if (r.expires_at !== null && Number(r.expires_at) <= now) continue;
      // the hint (first 3 characters) rules out most candidates before the expensive hash
      if (r.hint !== secret.slice(0, 3)) continue;
      if (await verifySecret(secret, r.hash as string)) return true;
    }
    return false;
  }

  async removeSecrets(objectId: string): Promise<void> {
    await this.db.deleteFrom('identity_client_secrets').where('object_id', '=', objectId.toLowerCase()).execute();
  }
}
