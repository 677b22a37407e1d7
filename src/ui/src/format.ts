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
