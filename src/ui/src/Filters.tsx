import { RANGES } from './format.js';

/** A run status as the lists show it: ADF spells it InProgress on pipeline runs and Inprogress on trigger runs. */
function statusLabel(status: string): string {
  return status.toLowerCase() === 'inprogress' ? 'In progress' : status;
}

/** The "Status" filter of a runs list: any, or one of `statuses` (the API's spelling as the value). */
export function StatusFilter(props: { statuses: readonly string[]; value: string; onChange: (v: string) => void }) {
  return (
    <label>
      Status
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">Any status</option>
        {props.statuses.map((s) => (
          <option key={s} value={s}>
            {statusLabel(s)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The "Time" filter of a runs list: an index into RANGES (format.ts). */
export function TimeRangeFilter(props: { value: number; onChange: (v: number) => void }) {
  return (
    <label>
      Time
      <select value={props.value} onChange={(e) => props.onChange(Number(e.target.value))}>
        {RANGES.map((r, i) => (
          <option key={r.label} value={i}>
            {r.label}
          </option>
        ))}
      </select>
    </label>
  );
}
