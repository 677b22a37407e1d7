import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import type { IdGenerator } from '../common/ids.js';
import type { Database } from './database.js';

/**
 * Factories and their resources (pipelines, linked services, datasets, triggers, credentials, global
 * parameters), persisted as the management API accepted them. The store keeps JSON as text and knows nothing
 * of ADF's rules: validation happens before a write, in the API. Names compare case-insensitively (ADF's rule);
 * the name as first written is what reads return.
 */

/** ARM type segments of a factory's child resources (`…/factories/{f}/{kind}/{name}`). */
export const FACTORY_RESOURCE_KINDS = [
  'pipelines',
  'linkedservices',
  'datasets',
  'triggers',
  'credentials',
  'globalParameters',
] as const;
export type FactoryResourceKind = (typeof FACTORY_RESOURCE_KINDS)[number];

export interface FactoryRecord {
  name: string;
  location: string;
  tags: Record<string, string>;
  /** ARM `properties` of the factory, as given (e.g. `globalParameters`, `publicNetworkAccess`). */
  properties: Record<string, unknown>;
  etag: string;
  createdAt: number;
  updatedAt: number;
}

export interface FactoryResourceRecord {
  factory: string;
  kind: FactoryResourceKind;
  name: string;
  properties: Record<string, unknown>;
  etag: string;
  updatedAt: number;
}

interface FactoryRow {
  name_key: string;
  name: string;
  location: string;
  tags: string;
  properties: string;
  etag: string;
  created_at: number;
  updated_at: number;
}

interface ResourceRow {
  factory_key: string;
  kind: string;
  name_key: string;
  name: string;
  properties: string;
  etag: string;
  updated_at: number;
}

const key = (name: string) => name.toLowerCase();

const toFactory = (r: FactoryRow): FactoryRecord => ({
  name: r.name,
  location: r.location,
  tags: JSON.parse(r.tags) as Record<string, string>,
  properties: JSON.parse(r.properties) as Record<string, unknown>,
  etag: r.etag,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toResource = (factory: string, r: ResourceRow): FactoryResourceRecord => ({
  factory,
  kind: r.kind as FactoryResourceKind,
  name: r.name,
  properties: JSON.parse(r.properties) as Record<string, unknown>,
  etag: r.etag,
  updatedAt: Number(r.updated_at),
});

export interface FactoryStoreOptions {
  database: Database;
  clock: Clock;
  ids: IdGenerator;
}

export class FactoryStore {
  private readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  private readonly database: Database;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;

  constructor(o: FactoryStoreOptions) {
    this.database = o.database;
    this.db = o.database.db;
    this.clock = o.clock;
    this.ids = o.ids;
  }

  async listFactories(): Promise<FactoryRecord[]> {
    const rows = (await this.db.selectFrom('adf_factories').selectAll().orderBy('name_key').execute()) as FactoryRow[];
    return rows.map(toFactory);
  }

  async getFactory(name: string): Promise<FactoryRecord | undefined> {
    const r = (await this.db
      .selectFrom('adf_factories')
      .selectAll()
      .where('name_key', '=', key(name))
      .executeTakeFirst()) as FactoryRow | undefined;
    return r ? toFactory(r) : undefined;
  }

  /** Creates or replaces a factory; its resources stay. Returns the stored record and whether it is new. */
  async putFactory(f: {
    name: string;
    location: string;
    tags: Record<string, string>;
    properties: Record<string, unknown>;
  }): Promise<{ record: FactoryRecord; created: boolean }> {
    const now = this.clock.now();
    const existing = await this.getFactory(f.name);
    const row: FactoryRow = {
      name_key: key(f.name),
      name: existing?.name ?? f.name,
      location: f.location,
      tags: JSON.stringify(f.tags),
      properties: JSON.stringify(f.properties),
      etag: this.etag(),
      created_at: existing?.createdAt ?? now,
      updated_at: now,
    };
    if (existing) {
      await this.db.updateTable('adf_factories').set(row).where('name_key', '=', row.name_key).execute();
    } else {
      await this.db.insertInto('adf_factories').values(row).execute();
    }
    return { record: toFactory(row), created: !existing };
  }

  /** Deletes a factory and every resource in it, in one transaction. */
  async deleteFactory(name: string): Promise<boolean> {
    return this.database.transaction(async (trx) => {
      await trx.deleteFrom('adf_factory_resources').where('factory_key', '=', key(name)).execute();
      const r = await trx.deleteFrom('adf_factories').where('name_key', '=', key(name)).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async listResources(factory: string, kind: FactoryResourceKind): Promise<FactoryResourceRecord[]> {
    const rows = (await this.db
      .selectFrom('adf_factory_resources')
      .selectAll()
      .where('factory_key', '=', key(factory))
      .where('kind', '=', kind)
      .orderBy('name_key')
      .execute()) as ResourceRow[];
    return rows.map((r) => toResource(factory, r));
  }

  /** Every resource of a factory, all kinds (to assemble the factory for validation and runs). */
  async allResources(factory: string): Promise<FactoryResourceRecord[]> {
    const rows = (await this.db
      .selectFrom('adf_factory_resources')
      .selectAll()
      .where('factory_key', '=', key(factory))
      .orderBy('kind')
      .orderBy('name_key')
      .execute()) as ResourceRow[];
    return rows.map((r) => toResource(factory, r));
  }

  async getResource(
    factory: string,
    kind: FactoryResourceKind,
    name: string,
  ): Promise<FactoryResourceRecord | undefined> {
    const r = (await this.db
      .selectFrom('adf_factory_resources')
      .selectAll()
      .where('factory_key', '=', key(factory))
      .where('kind', '=', kind)
      .where('name_key', '=', key(name))
      .executeTakeFirst()) as ResourceRow | undefined;
    return r ? toResource(factory, r) : undefined;
  }

  /**
   * Creates or replaces resources in one transaction (a publish of many resources lands whole or not at all).
   * A replaced resource keeps the name as first written, as ADF does.
   */
  async putResources(
    factory: string,
    items: ReadonlyArray<{ kind: FactoryResourceKind; name: string; properties: Record<string, unknown> }>,
  ): Promise<FactoryResourceRecord[]> {
    const now = this.clock.now();
    return this.database.transaction(async (trx) => {
      const out: FactoryResourceRecord[] = [];
      for (const it of items) {
        const existing = (await trx
          .selectFrom('adf_factory_resources')
          .select('name')
          .where('factory_key', '=', key(factory))
          .where('kind', '=', it.kind)
          .where('name_key', '=', key(it.name))
          .executeTakeFirst()) as { name: string } | undefined;
        const row: ResourceRow = {
          factory_key: key(factory),
          kind: it.kind,
          name_key: key(it.name),
          name: existing?.name ?? it.name,
          properties: JSON.stringify(it.properties),
          etag: this.etag(),
          updated_at: now,
        };
        if (existing) {
          await trx
            .updateTable('adf_factory_resources')
            .set({ properties: row.properties, etag: row.etag, updated_at: row.updated_at })
            .where('factory_key', '=', row.factory_key)
            .where('kind', '=', row.kind)
            .where('name_key', '=', row.name_key)
            .execute();
        } else {
          await trx.insertInto('adf_factory_resources').values(row).execute();
        }
        out.push(toResource(factory, row));
      }
      return out;
    });
  }

  async deleteResource(factory: string, kind: FactoryResourceKind, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('adf_factory_resources')
      .where('factory_key', '=', key(factory))
      .where('kind', '=', kind)
      .where('name_key', '=', key(name))
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** ARM etags are opaque quoted strings; a fresh one on every write. */
  private etag(): string {
    return `"${this.ids.uuid()}"`;
  }
}
