import type { SummaryRow } from './api.js';
import { formatDuration } from './format.js';

/**
 * The run on a time axis: one bar per activity; an activity inside a ForEach or Until is one bar spanning all
 * its iterations, labelled with their count and outcome (the iterations are grouped, not one row each).
 */
export function Gantt(props: {
  rows: SummaryRow[];
  runStart?: string;
  runEnd?: string;
  selected: string | null;
  onSelect(path: string): void;
}) {
  const now = Date.now();
  const starts = props.rows.map((r) => (r.firstStart ? Date.parse(r.firstStart) : NaN)).filter(Number.isFinite);
  const t0 = props.runStart ? Date.parse(props.runStart) : Math.min(...starts, now);
  const ends = props.rows
    .map((r) => (r.lastEnd ? Date.parse(r.lastEnd) : r.status === 'InProgress' ? now : NaN))
    .filter(Number.isFinite);
  const t1 = Math.max(props.runEnd ? Date.parse(props.runEnd) : now, ...ends, t0 + 1);
  const span = t1 - t0;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div className="gantt" role="table" aria-label="Activity timeline">
      <div className="gantt-row gantt-axis" role="row">
        <div className="gantt-label" role="columnheader">
          Activity
        </div>
        <div className="gantt-track" role="columnheader" aria-label="Time">
          {ticks.map((t) => (
            <span key={t} className="tick" style={{ left: `${t * 100}%` }}>
              +{formatDuration(Math.round(span * t))}
            </span>
          ))}
        </div>
      </div>
      {props.rows.map((r) => {
        const s = r.firstStart ? Date.parse(r.firstStart) : t0;
        const e = r.lastEnd ? Date.parse(r.lastEnd) : r.status === 'InProgress' ? now : s;
        const left = ((s - t0) / span) * 100;
        const width = Math.max(((e - s) / span) * 100, 0.4);
        const depth = r.path.split('/').length - 1;
        const outcome = Object.entries(r.statuses)
          .map(([k, v]) => `${v} ${k.toLowerCase()}`)
          .join(', ');
        const label = r.count > 1 ? `${r.count} iterations: ${outcome}` : formatDuration(e - s);
        return (
          <div
            key={r.path}
            role="row"
            className={`gantt-row${props.selected === r.path ? ' selected' : ''}`}
            onClick={() => props.onSelect(r.path)}
          >
            <div className="gantt-label" role="rowheader" style={{ paddingLeft: 8 + depth * 16 }}>
              <button
                type="button"
                className="link"
                onClick={() => props.onSelect(r.path)}
                aria-label={`${r.activityName}: ${label}`}
              >
                {r.activityName}
              </button>
              <span className="type"> {r.activityType}</span>
            </div>
            <div className="gantt-track" role="cell">
              <div
                className={`bar s-${r.status}${r.rootCause ? ' root-cause' : ''}${r.count > 1 ? ' grouped' : ''}`}
                style={{ left: `${left}%`, width: `${width}%` }}
                title={`${r.activityName}: ${label}`}
              />
              <span
                className="bar-label"
                style={
                  left + width > 75 ? { right: `calc(${100 - left}% + 6px)` } : { left: `calc(${left + width}% + 6px)` }
                }
              >
                {label}
              </span>
            </div>
          </div>
        );
      })}
    </div>
  );
}
