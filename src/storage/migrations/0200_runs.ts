import type { Migration } from '../migrate.js';

/**
 * Pipeline runs and activity runs, in ADF's monitoring shapes (specs/adf-runtime.md §5). Instants are integer
 * milliseconds, JSON is text, booleans 0/1 (database.ts conventions). `seq` orders activity runs within a run
 * (start times tie at millisecond resolution).
 */
export const runs0200: Migration = {
  id: '0200_runs',
  async up(db) {
    await db.schema
      .createTable('adf_pipeline_runs')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('factory_name', 'text', (c) => c.notNull())
      .addColumn('pipeline_name', 'text', (c) => c.notNull())
      .addColumn('run_group_id', 'text', (c) => c.notNull())
      .addColumn('is_latest', 'integer', (c) => c.notNull())
      .addColumn('parameters', 'text', (c) => c.notNull())
      .addColumn('invoked_by', 'text', (c) => c.notNull())
      // the pipeline run that started this one (ExecutePipeline), for recursive cancel and `childRuns`
      .addColumn('parent_run_id', 'text')
      .addColumn('queued_at', 'bigint', (c) => c.notNull())
      .addColumn('run_start', 'bigint')
      .addColumn('run_end', 'bigint')
      .addColumn('duration_in_ms', 'bigint')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('annotations', 'text', (c) => c.notNull())
      .addColumn('run_dimensions', 'text', (c) => c.notNull())
      .addColumn('return_value', 'text')
      .addColumn('last_updated', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('adf_pipeline_runs_pipeline')
      .on('adf_pipeline_runs')
      .columns(['factory_name', 'pipeline_name', 'status'])
      .execute();
    await db.schema.createIndex('adf_pipeline_runs_status').on('adf_pipeline_runs').column('status').execute();
    await db.schema.createIndex('adf_pipeline_runs_parent').on('adf_pipeline_runs').column('parent_run_id').execute();
    await db.schema
      .createIndex('adf_pipeline_runs_updated')
      .on('adf_pipeline_runs')
      .columns(['factory_name', 'last_updated'])
      .execute();

    await db.schema
      .createTable('adf_activity_runs')
      .addColumn('activity_run_id', 'text', (c) => c.primaryKey())
      .addColumn('pipeline_run_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('pipeline_name', 'text', (c) => c.notNull())
      .addColumn('activity_name', 'text', (c) => c.notNull())
      .addColumn('activity_type', 'text', (c) => c.notNull())
      .addColumn('linked_service_name', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('activity_run_start', 'bigint')
      .addColumn('activity_run_end', 'bigint')
      .addColumn('duration_in_ms', 'bigint')
      .addColumn('input', 'text')
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('retry_attempt', 'integer')
      .addColumn('user_properties', 'text', (c) => c.notNull())
      .addColumn('parent_activity_run_id', 'text')
      .addColumn('iteration', 'integer')
      .addColumn('secure_input', 'integer', (c) => c.notNull())
      .addColumn('secure_output', 'integer', (c) => c.notNull())
      .addColumn('last_updated', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('adf_activity_runs_run')
      .on('adf_activity_runs')
      .columns(['pipeline_run_id', 'seq'])
      .execute();
    await db.schema.createIndex('adf_activity_runs_status').on('adf_activity_runs').column('status').execute();
  },
};
