import { useCallback, useEffect, useRef, useState } from 'react';
import { api, subscribe, timeWindow, type TriggerRun } from './api.js';
import { formatTime, isTriggerType, RANGES } from './format.js';
import { StatusFilter, TimeRangeFilter } from './Filters.js';
import { StatusBadge } from './StatusBadge.js';

/** TriggerRun's statuses as ADF spells them (no Cancelled: a cancelled trigger run ends Failed). */
const STATUSES = ['Inprogress', 'Succeeded', 'Failed'];
/** A trigger run's status as the badge knows it (ADF writes `Inprogress` here, `InProgress` for pipeline runs). */
const badgeStatus = (s: string) => (s === 'Inprogress' ? 'InProgress' : s);
/** Time-valued properties (TriggerTime, ScheduleTime, WindowStartTime, WindowEndTime) are shown as times. */
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
/** A trigger run ends without a pipeline run event when none could start; look again this often meanwhile. */
const POLL_MS = 10_000;
/** Pipeline run events of one firing arrive together: one refetch for them all. */
const DEBOUNCE_MS = 300;

const newestFirst = (a: TriggerRun, b: TriggerRun) => b.triggerRunTimestamp.localeCompare(a.triggerRunTimestamp);

/**
 * A factory's trigger runs (ADF Studio's Monitor › Trigger runs): one per ScheduleTrigger firing, one per
 * TumblingWindowTrigger window, with the pipeline runs each started. Live: a pipeline run started or ended by a
 * trigger (the runs feed) refetches the newest page, merged into what is shown; a slow poll catches the rest.
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
    query()
      .then((r) => {
        if (gone) return;
        setRuns(r.value);
        setToken(r.continuationToken);
        setError(null);
      })
      .catch((e: Error) => !gone && setError(e.message))
      .finally(() => !gone && setLoading(false));
    return () => {
      gone = true;
    };
  }, [query]);

  // the newest page again, merged into the rows shown (pages loaded with "Load more" stay) unless it is all
  const queryRef = useRef(query);
  queryRef.current = query;
  const refresh = useCallback(() => {
    const q = queryRef.current;
    void q()
      .then((r) => {
        if (q !== queryRef.current) return; // the filters changed meanwhile
        setRuns((cur) => {
          // one page holds them all: exactly what matches now (a run that left the filter goes)
          if (!r.continuationToken) return r.value;
          const fresh = new Map(r.value.map((x) => [x.triggerRunId, x]));
          const kept = cur.map((x) => fresh.get(x.triggerRunId) ?? x);
          const known = new Set(cur.map((x) => x.triggerRunId));
          return [...r.value.filter((x) => !known.has(x.triggerRunId)), ...kept].sort(newestFirst);
        });
      })
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = subscribe(
      factory,
      (e) => {
        if (e.type !== 'pipelineRun' || !isTriggerType(e.run.invokedBy.invokedByType)) return;
        timer ??= setTimeout(() => {
          timer = null;
          refresh();
        }, DEBOUNCE_MS);
      },
      setLive,
    );
    const poll = setInterval(() => !document.hidden && refresh(), POLL_MS);
    return () => {
      unsubscribe();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    };
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
        <span className={`live ${live ? 'on' : ''}`} role="status" aria-live="polite">
          <span aria-hidden="true">●</span> {live ? 'Live' : 'Connecting…'}
        </span>
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
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
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
          onClick={() =>
            void query(token).then((r) => {
              setRuns((cur) => [...cur, ...r.value.filter((x) => !cur.some((c) => c.triggerRunId === x.triggerRunId))]);
              setToken(r.continuationToken);
            })
          }
        >
          Load more trigger runs
        </button>
      )}
    </section>
  );
}
