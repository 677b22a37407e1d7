import type { Migration } from '../migrate.js';

/**
 * Factories and their resources as the management API stores them (ADF REST 2018-06-01 bodies, kept as JSON
 * text exactly as accepted). Names are case-insensitive in ADF, so each row keys on the lower-cased name and
 * keeps the name as first written. `kind` is the ARM type segment: pipelines, linkedservices, datasets,
 * triggers, credentials, globalParameters.
 */
export const factories0300: Migration = {
  id: '0300_factories',
  async up(db) {
    await db.schema
      .createTable('adf_factories')
      .addColumn('name_key', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('adf_factory_resources')
      .addColumn('factory_key', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('adf_factory_resources_pk', ['factory_key', 'kind', 'name_key'])
      .execute();
  },
};
