import type { Migration } from '../migrate.js';

/**
 * The values of a run's SecureString parameters, sealed by the encryption barrier, so a rerun (which uses
 * the reference run's parameters, as ADF's does) can use them although run records show them masked.
 */
export const runSecureParameters0301: Migration = {
  id: '0301_run_secure_parameters',
  async up(db, ctx) {
    await db.schema
      .createTable('adf_run_secure_parameters')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('sealed', ctx.binary, (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
