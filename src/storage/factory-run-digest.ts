import type { Database } from './database.js';

/**
 * A narrow read of a pipeline run's activity runs for the monitor's summary: only the columns a graph and a
 * Gantt need (no inputs or outputs), so a run with tens of thousands of activity runs summarizes in one
 * cheap query.
 */
export interface ActivityRunDigest {
  activityRunId: string;
  activityName: string;
  activityType: string;
  status: string;
  activityRunStart: string | null;
  activityRunEnd: string | null;
  parentActivityRunId: string | null;
  iteration: number | null;
  seq: number;
  errorMessage: string | null;
}

interface Row {
  activity_run_id: string;
  activity_name: string;
  activity_type: string;
  status: string;
  activity_run_start: number | null;
  activity_run_end: number | null;
  parent_activity_run_id: string | null;
  iteration: number | null;
  seq: number;
  error: string | null;
}

const iso = (n: number | null) => (n === null || n === undefined ? null : new Date(Number(n)).toISOString());

export async function activityRunDigests(database: Database, pipelineRunId: string): Promise<ActivityRunDigest[]> {
  const rows = (await database.db
    .selectFrom('adf_activity_runs')
    .select([
      'activity_run_id',
      'activity_name',
      'activity_type',
      'status',
      'activity_run_start',
      'activity_run_end',
      'parent_activity_run_id',
      'iteration',
      'seq',
      'error',
    ])
    .where('pipeline_run_id', '=', pipelineRunId)
    .orderBy('seq')
    .execute()) as Row[];
  return rows.map((r) => ({
    activityRunId: r.activity_run_id,
    activityName: r.activity_name,
    activityType: r.activity_type,
    status: r.status,
    activityRunStart: iso(r.activity_run_start),
    activityRunEnd: iso(r.activity_run_end),
    parentActivityRunId: r.parent_activity_run_id,
    iteration: r.iteration === null ? null : Number(r.iteration),
    seq: Number(r.seq),
    errorMessage:
      r.error && r.status === 'Failed' ? ((JSON.parse(r.error) as { message?: string }).message ?? null) : null,
  }));
}
