import type { Migration } from '../migrate.js';

/**
 * Key Vault tables. Times that Key Vault shows on the wire are unix seconds (bigint); audit times are
 * milliseconds so records of one second keep their order. Booleans are integers 0/1 on both engines. Secret
 * values live only in `kv_secret_versions.value_ct`, as barrier ciphertext; nothing else is secret.
 */
export const keyvault0100: Migration = {
  id: '0100_keyvault',
  async up(db, { kind, binary }) {
    const pg = kind === 'postgres';

    await db.schema
      .createTable('kv_vaults')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('enable_rbac', 'integer', (c) => c.notNull())
      .addColumn('enable_soft_delete', 'integer', (c) => c.notNull())
      .addColumn('retention_days', 'integer', (c) => c.notNull())
      .addColumn('purge_protection', 'integer', (c) => c.notNull())
      .addColumn('access_policies', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_ms', 'bigint', (c) => c.notNull())
      .addColumn('updated_ms', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('kv_secrets')
      .addColumn('vault', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('latest_version', 'text', (c) => c.notNull())
      .addColumn('latest_seq', 'integer', (c) => c.notNull())
      .addColumn('deleted_s', 'bigint')
      .addColumn('purge_s', 'bigint')
      .addPrimaryKeyConstraint('kv_secrets_pk', ['vault', 'name_key'])
      .execute();

    await db.schema
      .createTable('kv_secret_versions')
      .addColumn('vault', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('value_ct', binary, (c) => c.notNull())
      .addColumn('content_type', 'text')
      .addColumn('tags', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('nbf_s', 'bigint')
      .addColumn('exp_s', 'bigint')
      .addColumn('created_s', 'bigint', (c) => c.notNull())
      .addColumn('updated_s', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('kv_secret_versions_pk', ['vault', 'name_key', 'version'])
      .execute();
    await db.schema
      .createIndex('kv_secret_versions_seq')
      .on('kv_secret_versions')
      .columns(['vault', 'name_key', 'seq'])
      .execute();

    await db.schema
      .createTable('kv_audit')
      .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('time_ms', 'bigint', (c) => c.notNull())
      .addColumn('vault', 'text', (c) => c.notNull())
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('secret_name', 'text')
      .addColumn('version', 'text')
      .addColumn('principal_oid', 'text')
      .addColumn('principal_app', 'text')
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('client_ip', 'text')
      .addColumn('api_version', 'text')
      .addColumn('request_id', 'text')
      .execute();
    await db.schema.createIndex('kv_audit_vault_time').on('kv_audit').columns(['vault', 'time_ms']).execute();
  },
};
