import type { Migration } from '../migrate.js';

/**
 * No query reads activity runs by status alone: they are always read through their pipeline run (the
 * `adf_activity_runs_run` index). The status index only added a B-tree write to every activity-run insert and
 * status update, the engine's hottest write.
 */
export const dropActivityStatusIndex0201: Migration = {
  id: '0201_drop_activity_status_index',
  async up(db) {
    await db.schema.dropIndex('adf_activity_runs_status').ifExists().execute();
  },
};
