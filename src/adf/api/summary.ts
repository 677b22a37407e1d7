import type { ActivityRunDigest } from '../../storage/factory-run-digest.js';

/**
 * One row per activity of a run — an activity inside a ForEach or Until is one row whatever the number of
 * iterations, with counts by status and the span of time it covered — for the monitor's graph and Gantt.
 * Retries count once per instance (their last attempt decides). A failed row is the failure's root cause when
 * no activity inside it failed too (a container fails because of its inner activities; those are the cause).
 */
export interface ActivitySummaryRow {
  /** Container names and the activity name joined by `/` (unique within a pipeline). */
  path: string;
  activityName: string;
  activityType: string;
  /** The enclosing container's path, or null at the top level. */
  container: string | null;
  /** Instances (one per iteration / pass; retries excluded). */
  count: number;
  attempts: number;
  statuses: Record<string, number>;
  status: string;
  firstStart: string | null;
  lastEnd: string | null;
  /** The last attempt of the last instance. */
  latest: { activityRunId: string; status: string; errorMessage: string | null };
  rootCause: boolean;
}

export function summarizeActivityRuns(records: readonly ActivityRunDigest[]): {
  activities: ActivitySummaryRow[];
  total: number;
} {
  const byId = new Map(records.map((r) => [r.activityRunId, r]));
  const pathCache = new Map<string, string>();
  const pathOf = (r: ActivityRunDigest): string => {
    let p = pathCache.get(r.activityRunId);
    if (p === undefined) {
      const parent = r.parentActivityRunId ? byId.get(r.parentActivityRunId) : undefined;
      p = parent ? `${pathOf(parent)}/${r.activityName}` : r.activityName;
      pathCache.set(r.activityRunId, p);
    }
    return p;
  };

  interface Acc {
    row: ActivitySummaryRow;
    /** instance key (iterationHash or '') → last attempt seen */
    instances: Map<string, ActivityRunDigest>;
    lastSeq: number;
  }
  const acc = new Map<string, Acc>();
  for (const r of records) {
    const path = pathOf(r);
    let a = acc.get(path);
    if (!a) {
      const slash = path.lastIndexOf('/');
      a = {
        row: {
          path,
          activityName: r.activityName,
          activityType: r.activityType,
          container: slash < 0 ? null : path.slice(0, slash),
          count: 0,
          attempts: 0,
          statuses: {},
          status: r.status,
          firstStart: null,
          lastEnd: null,
          latest: { activityRunId: r.activityRunId, status: r.status, errorMessage: null },
          rootCause: false,
        },
        instances: new Map(),
        lastSeq: -1,
      };
      acc.set(path, a);
    }
    a.row.attempts++;
    // a container's inner runs carry the iteration; several runs of the container itself (a rerun inside a
    // loop) are told apart by their parent run
    const inst = `${r.parentActivityRunId ?? ''}#${r.iteration ?? ''}`;
    const prev = a.instances.get(inst);
    if (!prev || prev.seq < r.seq) a.instances.set(inst, r);
    if (r.activityRunStart && (!a.row.firstStart || r.activityRunStart < a.row.firstStart))
      a.row.firstStart = r.activityRunStart;
    if (r.activityRunEnd && (!a.row.lastEnd || r.activityRunEnd > a.row.lastEnd)) a.row.lastEnd = r.activityRunEnd;
    if (r.seq > a.lastSeq) {
      a.lastSeq = r.seq;
      a.row.latest = { activityRunId: r.activityRunId, status: r.status, errorMessage: r.errorMessage || null };
    }
  }

  const rows: ActivitySummaryRow[] = [];
  for (const a of acc.values()) {
    const statuses: Record<string, number> = {};
    for (const r of a.instances.values()) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    a.row.statuses = statuses;
    a.row.count = a.instances.size;
    a.row.status = statuses.InProgress
      ? 'InProgress'
      : statuses.Failed
        ? 'Failed'
        : statuses.Cancelled
          ? 'Cancelled'
          : statuses.Succeeded
            ? 'Succeeded'
            : (Object.keys(statuses)[0] ?? 'Succeeded');
    rows.push(a.row);
  }
  const failedPaths = rows.filter((r) => r.status === 'Failed').map((r) => r.path);
  for (const r of rows) {
    if (r.status !== 'Failed') continue;
    r.rootCause = !failedPaths.some((p) => p.startsWith(`${r.path}/`));
  }
  rows.sort(
    (x, y) => (x.firstStart ?? '\uffff').localeCompare(y.firstStart ?? '\uffff') || x.path.localeCompare(y.path),
  );
  return { activities: rows, total: records.length };
}
