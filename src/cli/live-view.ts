import type { Clock } from '../common/clock.js';
import type { ActivityRunRecord, PipelineRunRecord } from '../storage/runs-records.js';

/** What the view writes to: a TTY stream (process.stdout when it is one). */
export interface LiveViewOutput {
  write(text: string): unknown;
  columns?: number;
  rows?: number;
}

interface Row {
  label: string;
  status: string;
  start: number;
  durationInMs: number | null;
  /** Activity runs seen (loop iterations, retries); shown as ×N when more than one. */
  runs: number;
  open: Set<string>;
  /** Where the row sorts: see Placement. */
  order: readonly number[];
}

/**
 * Where an activity run (or a pipeline run) sits in the view: `order` compares element by element — a run's
 * activities by their `seq` (the order they started), a child pipeline run's right after the ExecutePipeline
 * activity that started it — and `level` is the indentation.
 */
interface Placement {
  order: readonly number[];
  level: number;
}

const REDRAW_MS = 100;

/**
 * `pipevault run` on a terminal: one line per activity (inner activities of containers indented under them,
 * loop iterations counted) with its status and duration, redrawn in place while the run goes on. The last
 * drawing, when the run has ended, shows every activity's final status.
 */
export class LiveView {
  private readonly rows = new Map<string, Row>();
  private readonly runs = new Map<string, Placement>();
  /** Activity runs still open: a container (ForEach, ExecutePipeline…) is open while its inner activities run. */
  private readonly open = new Map<string, Placement>();
  private run: PipelineRunRecord | undefined;
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;
  private sorted = true;

  constructor(
    private readonly out: LiveViewOutput,
    private readonly clock: Clock,
  ) {}

  pipeline(r: PipelineRunRecord): void {
    if (!r.parentRunId) this.run = r;
    if (!this.runs.has(r.runId)) this.runs.set(r.runId, this.placeRun(r.parentRunId ? r.invokedBy.id : null));
  }

  private placeRun(invokingActivityRunId: string | null): Placement {
    if (invokingActivityRunId === null) return { order: [], level: 0 };
    const by = this.open.get(invokingActivityRunId);
    return by ? { order: by.order, level: by.level + 1 } : { order: [Number.MAX_SAFE_INTEGER], level: 1 };
  }

  activity(r: ActivityRunRecord): void {
    let run = this.runs.get(r.pipelineRunId);
    if (!run) {
      run = this.placeRun(this.run && this.run.runId !== r.pipelineRunId ? '' : null);
      this.runs.set(r.pipelineRunId, run);
    }
    const parent = r.parentActivityRunId ? this.open.get(r.parentActivityRunId) : undefined;
    // An inner activity whose container has not been reported is still one level below the run's activities.
    const level = parent ? parent.level + 1 : run.level + (r.parentActivityRunId ? 1 : 0);
    const place: Placement = { order: [...run.order, r.seq], level };
    if (r.status === 'InProgress') this.open.set(r.activityRunId, place);
    else this.open.delete(r.activityRunId);
    const child = run.order.length > 0;
    const key = `${'  '.repeat(place.level)}${child ? `${r.pipelineName}/` : ''}${r.activityName}`;
    let row = this.rows.get(key);
    if (!row) {
      row = {
        label: key,
        status: r.status,
        start: Date.parse(r.activityRunStart ?? '') || this.clock.now(),
        durationInMs: null,
        runs: 0,
        open: new Set(),
        order: place.order,
      };
      this.rows.set(key, row);
      this.sorted = false;
    }
    if (r.status === 'InProgress') {
      if (!row.open.has(r.activityRunId)) {
        row.open.add(r.activityRunId);
        row.runs++;
      }
    } else if (!row.open.delete(r.activityRunId)) row.runs++;
    row.status = row.open.size ? 'InProgress' : r.status;
    row.durationInMs = r.durationInMs;
    if (r.activityRunStart) row.start = Date.parse(r.activityRunStart);
  }

  start(): void {
    this.timer ??= setInterval(() => this.render(false), REDRAW_MS);
    this.timer.unref();
  }

  /** Stops redrawing and draws the final state once, in full. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.render(true);
  }

  /** The lines of the current state, without terminal control sequences. */
  lines(): string[] {
    if (!this.sorted) {
      // A container's inner activities may report before the container does; seq is the order they started.
      const ordered = [...this.rows.entries()].sort(([, a], [, b]) => compareOrder(a.order, b.order));
      this.rows.clear();
      for (const [k, v] of ordered) this.rows.set(k, v);
      this.sorted = true;
    }
    const now = this.clock.now();
    const lines: string[] = [];
    if (this.run) lines.push(`${this.run.pipelineName}  ${this.run.status}`);
    for (const row of this.rows.values()) {
      const d = row.status === 'InProgress' ? now - row.start : row.durationInMs;
      const times = row.runs > 1 ? ` ×${row.runs}` : '';
      lines.push(`  ${row.label.padEnd(40)} ${row.status.padEnd(10)} ${formatDuration(d)}${times}`.trimEnd());
    }
    return lines;
  }

  private render(final: boolean): void {
    let lines = this.lines();
    // Moving the cursor up cannot go past the top of the screen: while redrawing, keep within its height.
    const height = this.out.rows ?? 0;
    if (!final && height > 2 && lines.length > height - 1) {
      const hidden = lines.length - (height - 2);
      lines = [lines[0], `  … ${hidden} more`, ...lines.slice(hidden + 1)];
    }
    const columns = this.out.columns || 120;
    const text = lines.map((l) => (l.length >= columns ? l.slice(0, columns - 1) : l)).join('\n');
    this.out.write(`${this.drawn ? `\x1b[${this.drawn}F` : ''}\x1b[J${text}\n`);
    this.drawn = lines.length;
  }
}

function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
