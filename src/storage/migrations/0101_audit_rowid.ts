import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * SQLite: `kv_audit.id` becomes a plain `INTEGER PRIMARY KEY` (the rowid) instead of `AUTOINCREMENT`.
 *
 * AUTOINCREMENT only differs from the rowid in never reusing the id of a deleted last row, and audit records are
 * never deleted (a vault's records outlive the vault), so ids stay in insertion order either way. What it costs
 * is a read and an update of the `sqlite_sequence` row on every insert; the audit insert runs on every secret
 * operation (about 1 µs of the secret GET's ~7 µs audit write, measured in batches of 40). The table is rebuilt
 * (SQLite cannot drop AUTOINCREMENT in place), keeping every record and its id; dropping the old table removes
 * its `sqlite_sequence` row.
 *
 * PostgreSQL keeps its `bigserial` id: a sequence's `nextval` has no such extra row write, so there is nothing to
 * change there.
 */
export const auditRowid0101: Migration = {
  id: '0101_audit_rowid',
  async up(db, { kind }) {
    if (kind !== 'sqlite') return;
    await db.schema
      .createTable('kv_audit_0101')
      .addColumn('id', 'integer', (c) => c.primaryKey())
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
    const columns =
      'id, time_ms, vault, operation, secret_name, version, principal_oid, principal_app, result, status, reason,' +
      ' client_ip, api_version, request_id';
    await sql.raw(`insert into kv_audit_0101 (${columns}) select ${columns} from kv_audit order by id`).execute(db);
    await db.schema.dropTable('kv_audit').execute();
    await db.schema.alterTable('kv_audit_0101').renameTo('kv_audit').execute();
    await db.schema.createIndex('kv_audit_vault_time').on('kv_audit').columns(['vault', 'time_ms']).execute();
  },
};
