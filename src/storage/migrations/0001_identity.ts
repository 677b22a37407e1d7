import type { Migration } from '../migrate.js';

/** Tenants, principals (service principals, managed identities, the admin), their secrets, signing keys, roles. */
export const identity0001: Migration = {
  id: '0001_identity',
  async up(db, { binary }) {
    await db.schema
      .createTable('identity_tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('is_default', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('identity_principals')
      .addColumn('object_id', 'text', (c) => c.primaryKey())
      .addColumn('app_id', 'text', (c) => c.notNull().unique())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      // servicePrincipal | managedIdentity | admin
      .addColumn('kind', 'text', (c) => c.notNull())
      // SystemAssigned | UserAssigned for managed identities
      .addColumn('mi_type', 'text')
      .addColumn('display_name', 'text', (c) => c.notNull())
      // the factory a system-assigned identity belongs to
      .addColumn('factory', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('identity_principals_factory').on('identity_principals').column('factory').execute();
    await db.schema
      .createTable('identity_client_secrets')
      .addColumn('key_id', 'text', (c) => c.primaryKey())
      .addColumn('object_id', 'text', (c) =>
        c.notNull().references('identity_principals.object_id').onDelete('cascade'),
      )
      // scrypt$N$r$p$salt$hash — never the secret itself
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('hint', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('identity_client_secrets_object')
      .on('identity_client_secrets')
      .column('object_id')
      .execute();
    await db.schema
      .createTable('identity_signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      // the private key, sealed by the encryption barrier (AAD identity-signing-key/{kid})
      .addColumn('private_sealed', binary, (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // set when a newer key takes over signing; the key stays in the JWKS until `publish_until`
      .addColumn('retired_at', 'bigint')
      .addColumn('publish_until', 'bigint')
      .execute();
    await db.schema
      .createTable('identity_role_assignments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('role_definition_id', 'text', (c) => c.notNull())
      .addColumn('role_name', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('identity_role_assignments_principal')
      .on('identity_role_assignments')
      .column('principal_id')
      .execute();
  },
};
