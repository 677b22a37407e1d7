import { sql } from 'kysely';
import type { Migration } from '../migrate.js';

/**
 * Fewer index writes per pipeline-run save. Each B-tree a row touches is at least one more page in every commit
 * (a run of short activities commits once per run), and a status change moves the row in every index holding
 * the status. What reads pipeline runs, and how, decides what stays:
 * - by factory and last-updated window (the API's queryPipelineRuns), or by factory alone: `adf_pipeline_runs_updated`
 *   stays; `adf_pipeline_runs_pipeline` (factory, pipeline, status) served nothing else, as no query filters by
 *   pipeline name, so it goes;
 * - unfinished runs, for restart recovery: a partial index of Queued/InProgress/Canceling runs replaces the index
 *   of every status; a run that ends leaves it (and one that starts and ends within one flush never enters it);
 * - a run's child runs: only runs with a parent go in `adf_pipeline_runs_parent`.
 * RunsStore.listUnfinishedPipelineRuns writes the same predicate literally (both adapters need that to use a
 * partial index; a test checks SQLite's plan).
 */
export const pipelineRunIndexes0203: Migration = {
  id: '0203_pipeline_run_indexes',
  async up(db) {
    await db.schema.dropIndex('adf_pipeline_runs_pipeline').ifExists().execute();
    await db.schema.dropIndex('adf_pipeline_runs_status').ifExists().execute();
    await db.schema.dropIndex('adf_pipeline_runs_parent').ifExists().execute();
    await db.schema
      .createIndex('adf_pipeline_runs_unfinished')
      .on('adf_pipeline_runs')
      .column('status')
      .where(sql.raw<boolean>("status in ('Queued', 'InProgress', 'Canceling')"))
      .execute();
    await db.schema
      .createIndex('adf_pipeline_runs_parent')
      .on('adf_pipeline_runs')
      .column('parent_run_id')
      .where(sql.raw<boolean>('parent_run_id is not null'))
      .execute();
  },
};
