import { useCallback, useEffect, useRef, useState } from 'react';
import { LiveBadge, PageMessages } from './Feedback.js';
import { api, subscribe, timeWindow, type TriggerRun } from './api.js';
import { formatTime, RANGES } from './format.js';
import { StatusFilter, TimeRangeFilter } from './Filters.js';
import { StatusBadge } from './StatusBadge.js';

/** TriggerRun's statuses as ADF spells them (no Cancelled: a cancelled trigger run ends Failed). */
const STATUSES = ['Inprogress', 'Succeeded', 'Failed'];
/** A trigger run's status as the badge knows it (ADF writes `Inprogress` here, `InProgress` for pipeline runs). */
const badgeStatus = (s: string) => (s === 'Inprogress' ? 'InProgress' : s);
/** Time-valued properties (TriggerTime, ScheduleTime, WindowStartTime, WindowEndTime) are shown as times. */
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

const newestFirst = (a: TriggerRun, b: TriggerRun) => b.triggerRunTimestamp.localeCompare(a.triggerRunTimestamp);

interface Shown {
  trigger: string;
  status: string;
}

/**
 * `list` with `r` (a trigger run as the feed sent it) in its place: added or replaced if it matches the filters
 * shown, gone if it no longer does. The time range always holds: the feed sends a trigger run as it changes,
 * so it was last updated now.
 */
function merge(list: TriggerRun[], r: TriggerRun, f: Shown): TriggerRun[] {
  const rest = list.filter((x) => x.triggerRunId !== r.triggerRunId);
  const matches =
    (!f.trigger || r.triggerName.toLowerCase() === f.trigger.toLowerCase()) && (!f.status || r.status === f.status);
  if (!matches) return rest.length === list.length ? list : rest;
  return [...rest, r].sort(newestFirst);
}

/**
 * A factory's trigger runs (ADF Studio's Monitor › Trigger runs): one per ScheduleTrigger firing, one per
 * TumblingWindowTrigger window, with the pipeline runs each started. Live, without polling: the runs feed sends
 * each trigger run as it is created and each time it changes (a pipeline run started, ended, rerun, cancelled —
 * also one that fails before any pipeline run starts), merged into the rows shown; when the feed (re)connects,
 * the newest page is fetched once, for what was sent while it was down.
 */
export function TriggerRuns({ factory, trigger: initialTrigger }: { factory: string; trigger: string }) {
  const [triggers, setTriggers] = useState<string[]>([]);
  const [trigger, setTrigger] = useState(initialTrigger);
  const [status, setStatus] = useState('');
  const [range, setRange] = useState(1);
  const [runs, setRuns] = useState<TriggerRun[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [live, setLive] = useState(false);
  const [loading, setLoading] = useState(true);
  useEffect(() => setTrigger(initialTrigger), [initialTrigger]);
  const shown = useRef<Shown>({ trigger, status });
  shown.current = { trigger, status };

  // The feed's trigger runs, kept while a query that started before they arrived is in flight: its answer (a
  // snapshot taken earlier) must not undo them. For a given trigger run the feed's last event is its latest state.
  const seq = useRef(0);
  const fromFeed = useRef(new Map<string, { run: TriggerRun; seq: number }>());
  const inFlight = useRef<number[]>([]);
  const track = useCallback(() => {
    const since = seq.current;
    inFlight.current.push(since);
    return (list: TriggerRun[]): TriggerRun[] => {
      const i = inFlight.current.indexOf(since);
      if (i >= 0) inFlight.current.splice(i, 1);
      let out = list;
      for (const e of fromFeed.current.values()) if (e.seq > since) out = merge(out, e.run, shown.current);
      const oldest = Math.min(...inFlight.current); // Infinity when none is in flight
      for (const [id, e] of fromFeed.current) if (e.seq <= oldest) fromFeed.current.delete(id);
      return out;
    };
  }, []);

  const query = useCallback(
    (continuationToken?: string) => {
      const filters: unknown[] = [];
      if (trigger) filters.push({ operand: 'TriggerName', operator: 'Equals', values: [trigger] });
      if (status) filters.push({ operand: 'Status', operator: 'Equals', values: [status] });
      return api.queryTriggerRuns(factory, {
        ...timeWindow(RANGES[range].ms),
        filters,
        orderBy: [{ orderBy: 'TriggerRunTimestamp', order: 'DESC' }],
        continuationToken,
      });
    },
    [factory, trigger, status, range],
  );

  useEffect(() => {
    api
      .triggers(factory)
      .then((r) => setTriggers(r.value.map((t) => t.name)))
      .catch(() => setTriggers([]));
  }, [factory]);

  useEffect(() => {
    let gone = false;
    setLoading(true);
    const done = track();
    query()
      .then((r) => {
        const value = done(r.value);
        if (gone) return;
        setRuns(value);
        setToken(r.continuationToken);
        setError(null);
      })
      .catch((e: Error) => {
        done([]);
        if (!gone) setError(e.message);
      })
      .finally(() => !gone && setLoading(false));
    return () => {
      gone = true;
    };
  }, [query, track]);

  // the newest page again, merged into the rows shown (pages loaded with "Load more" stay) unless it is all
  const queryRef = useRef(query);
  queryRef.current = query;
  const refresh = useCallback(() => {
    const q = queryRef.current;
    const done = track();
    void q()
      .then((r) => {
        const value = done(r.value);
        if (q !== queryRef.current) return; // the filters changed meanwhile
        setRuns((cur) => {
          // one page holds them all: exactly what matches now (a run that left the filter goes)
          if (!r.continuationToken) return value;
          const fresh = new Map(value.map((x) => [x.triggerRunId, x]));
          const kept = cur.map((x) => fresh.get(x.triggerRunId) ?? x);
          const known = new Set(cur.map((x) => x.triggerRunId));
          return [...value.filter((x) => !known.has(x.triggerRunId)), ...kept].sort(newestFirst);
        });
      })
      .catch(() => void done([]));
  }, [track]);

  useEffect(() => {
    const unsubscribe = subscribe(
      factory,
      (e) => {
        if (e.type !== 'triggerRun') return;
        if (inFlight.current.length) fromFeed.current.set(e.run.triggerRunId, { run: e.run, seq: ++seq.current });
        setRuns((cur) => merge(cur, e.run, shown.current));
      },
      (on) => {
        setLive(on);
        // connected (again): what the feed sent while it was down, or before it connected, was missed
        if (on) refresh();
      },
    );
    return unsubscribe;
  }, [factory, refresh]);

  const act = async (what: string, fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await fn();
      setNotice(what);
      refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="trigger-runs-title" className="page">
      <div className="page-head">
        <h1 id="trigger-runs-title">Trigger runs</h1>
        <LiveBadge live={live} />
      </div>
      <form className="filters" aria-label="Filter trigger runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Trigger
          <select value={trigger} onChange={(e) => setTrigger(e.target.value)}>
            <option value="">All triggers</option>
            {trigger && !triggers.some((t) => t.toLowerCase() === trigger.toLowerCase()) && (
              <option value={trigger}>{trigger}</option>
            )}
            {triggers.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <StatusFilter statuses={STATUSES} value={status} onChange={setStatus} />
        <TimeRangeFilter value={range} onChange={setRange} />
      </form>
      <PageMessages error={error} notice={notice} />
      <div className="table-wrap">
        <table className="runs" aria-busy={loading} aria-label="Trigger runs">
          <thead>
            <tr>
              <th scope="col">Trigger</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger time</th>
              <th scope="col">Pipeline runs</th>
              <th scope="col">Properties</th>
              <th scope="col">Message</th>
              <th scope="col">Actions</th>
              <th scope="col">Trigger run ID</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => {
              const pipelines = Object.entries(r.triggeredPipelines ?? {});
              const props = Object.entries({ ...r.properties, ...r.runDimension });
              return (
                <tr key={r.triggerRunId} data-trigger-run-id={r.triggerRunId}>
                  <td>{r.triggerName}</td>
                  <td>{r.triggerType}</td>
                  <td>
                    <StatusBadge status={badgeStatus(r.status)} />
                  </td>
                  <td>{formatTime(r.triggerRunTimestamp)}</td>
                  <td>
                    {pipelines.length ? (
                      <ul className="plain">
                        {pipelines.map(([p, id]) => (
                          <li key={p}>
                            <a href={`#/runs/${id}`} title={`Pipeline run ${id}`}>
                              {p}
                            </a>{' '}
                            <code className="muted">{id.slice(0, 8)}</code>
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                  <td className="props">
                    {props.length ? (
                      <dl className="props">
                        {props.map(([k, v]) => (
                          <div key={k}>
                            <dt>{k}</dt>
                            <dd title={v}>{ISO.test(v) ? formatTime(v) : v}</dd>
                          </div>
                        ))}
                      </dl>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                  <td className="err" title={r.message}>
                    {r.message}
                  </td>
                  <td>
                    {r.status === 'Inprogress' ? (
                      <button
                        type="button"
                        className="danger"
                        disabled={busy}
                        aria-label={`Cancel trigger run ${r.triggerRunId.slice(0, 8)} of ${r.triggerName}`}
                        onClick={() =>
                          void act(`Trigger run of ${r.triggerName} cancelled.`, () =>
                            api.cancelTriggerRun(factory, r.triggerName, r.triggerRunId),
                          )
                        }
                      >
                        Cancel
                      </button>
                    ) : r.triggerType === 'TumblingWindowTrigger' ? (
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={`Rerun window ${r.triggerRunId.slice(0, 8)} of ${r.triggerName}`}
                        title="Run this window again (a new pipeline run, the same trigger run)"
                        onClick={() =>
                          void act(`Window of ${r.triggerName} rerunning.`, () =>
                            api.rerunTriggerRun(factory, r.triggerName, r.triggerRunId),
                          )
                        }
                      >
                        Rerun
                      </button>
                    ) : null}
                  </td>
                  <td>
                    <code title={r.triggerRunId}>{r.triggerRunId.slice(0, 8)}</code>
                  </td>
                </tr>
              );
            })}
            {!runs.length && !loading && (
              <tr>
                <td colSpan={9} className="empty">
                  No trigger runs match. Start a trigger on the <a href="#/triggers">Triggers</a> page.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {token && (
        <button
          type="button"
          onClick={() => {
            const done = track();
            void query(token).then(
              (r) => {
                const value = done(r.value);
                setRuns((cur) => [...cur, ...value.filter((x) => !cur.some((c) => c.triggerRunId === x.triggerRunId))]);
                setToken(r.continuationToken);
              },
              () => void done([]),
            );
          }}
        >
          Load more trigger runs
        </button>
      )}
    </section>
  );
}
