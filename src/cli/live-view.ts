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
  /** Where the row sorts: its pipeline run's order of appearance, then the activity's `seq` in that run. */
  runOrder: number;
  seq: number;
}

const REDRAW_MS = 100;

/**
 * `pipevault run` on a terminal: one line per activity (inner activities of containers indented under them,
 * loop iterations counted) with its status and duration, redrawn in place while the run goes on. The last
 * drawing, when the run has ended, shows every activity's final status.
 */
export class LiveView {
  private readonly rows = new Map<string, Row>();
  private readonly runOrder = new Map<string, number>();
  /** Nesting depth of activity runs still open: a container is open while its inner activities run. */
  private readonly depth = new Map<string, number>();
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
    if (!this.runOrder.has(r.runId)) this.runOrder.set(r.runId, this.runOrder.size);
  }

  activity(r: ActivityRunRecord): void {
    const level = r.parentActivityRunId ? (this.depth.get(r.parentActivityRunId) ?? 0) + 1 : 0;
    if (r.status === 'InProgress') this.depth.set(r.activityRunId, level);
    else this.depth.delete(r.activityRunId);
    const child = this.run !== undefined && r.pipelineRunId !== this.run.runId;
    const key = `${child ? `${r.pipelineName}/` : ''}${'  '.repeat(level)}${r.activityName}`;
    let row = this.rows.get(key);
    if (!row) {
      if (!this.runOrder.has(r.pipelineRunId)) this.runOrder.set(r.pipelineRunId, this.runOrder.size);
      row = {
        label: key,
        status: r.status,
        start: Date.parse(r.activityRunStart ?? '') || this.clock.now(),
        durationInMs: null,
        runs: 0,
        open: new Set(),
        runOrder: this.runOrder.get(r.pipelineRunId) as number,
        seq: r.seq,
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
      const ordered = [...this.rows.entries()].sort(([, a], [, b]) => a.runOrder - b.runOrder || a.seq - b.seq);
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

function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
