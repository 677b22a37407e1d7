export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  if (m < 60) return `${m} min ${r} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatTime(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export const STATUS_LABEL: Record<string, string> = {
  InProgress: 'In progress',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
  Canceling: 'Cancelling',
  Queued: 'Queued',
  Inactive: 'Inactive',
  Skipped: 'Skipped',
  Reused: 'Reused',
  NotRun: 'Not run',
};

export function runLabel(r: { runId: string; runGroupId: string; isLatest: boolean }): string {
  if (r.runGroupId === r.runId) return r.isLatest ? 'Original' : 'Original';
  return r.isLatest ? 'Rerun (Latest)' : 'Rerun';
}

/** The time windows the run lists offer (ADF's queries need a window; "All time" starts at the epoch). */
export const RANGES: { label: string; ms: number | null }[] = [
  { label: 'Last hour', ms: 3_600_000 },
  { label: 'Last 24 hours', ms: 86_400_000 },
  { label: 'Last 7 days', ms: 7 * 86_400_000 },
  { label: 'Last 30 days', ms: 30 * 86_400_000 },
  { label: 'All time', ms: null },
];

/** A pipeline run's invokedByType that names a trigger (ScheduleTrigger, TumblingWindowTrigger, …). */
export function isTriggerType(t: string | undefined): boolean {
  return !!t && t.endsWith('Trigger');
}

/** The trigger runs view, filtered to one trigger. */
export const triggerRunsHref = (trigger: string) => `#/trigger-runs?trigger=${encodeURIComponent(trigger)}`;
