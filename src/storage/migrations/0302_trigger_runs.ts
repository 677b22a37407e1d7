import type { Migration } from '../migrate.js';

/**
 * Trigger runs (ADF's TriggerRun: one firing of a ScheduleTrigger, one window of a TumblingWindowTrigger), kept
 * so queryTriggerRuns answers across restarts and a window can be rerun. Keyed by factory and trigger run ID
 * (a window's ID is derived from its trigger and start, so a rerun updates the same row); the map-valued
 * fields are JSON text. `updated_at` is what lastUpdatedAfter/Before compare with.
 */
export const triggerRuns0302: Migration = {
  id: '0302_trigger_runs',
  async up(db) {
    await db.schema
      .createTable('adf_trigger_runs')
      .addColumn('factory_key', 'text', (c) => c.notNull())
      .addColumn('trigger_run_id', 'text', (c) => c.notNull())
      .addColumn('factory_name', 'text', (c) => c.notNull())
      .addColumn('trigger_name', 'text', (c) => c.notNull())
      .addColumn('trigger_key', 'text', (c) => c.notNull())
      .addColumn('trigger_type', 'text', (c) => c.notNull())
      .addColumn('run_timestamp', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('triggered_pipelines', 'text', (c) => c.notNull())
      .addColumn('run_dimension', 'text', (c) => c.notNull())
      .addColumn('dependency_status', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('adf_trigger_runs_pk', ['factory_key', 'trigger_run_id'])
      .execute();
    await db.schema
      .createIndex('adf_trigger_runs_updated')
      .on('adf_trigger_runs')
      .columns(['factory_key', 'updated_at'])
      .execute();
    await db.schema
      .createIndex('adf_trigger_runs_trigger')
      .on('adf_trigger_runs')
      .columns(['factory_key', 'trigger_key'])
      .execute();
  },
};
