import { STATUS_LABEL } from './format.js';

const ICON: Record<string, string> = {
  Succeeded: '✓',
  Failed: '✕',
  Cancelled: '⊘',
  Canceling: '⊘',
  InProgress: '◔',
  Queued: '…',
  Inactive: '–',
  Skipped: '↷',
  Reused: '↺',
  NotRun: '·',
};

export function StatusBadge({ status, title }: { status: string; title?: string }) {
  return (
    <span className={`badge s-${status}`} title={title}>
      <span aria-hidden="true">{ICON[status] ?? '•'}</span> {STATUS_LABEL[status] ?? status}
    </span>
  );
}
