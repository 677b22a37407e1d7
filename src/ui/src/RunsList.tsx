import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { LiveBadge, PageMessages } from './Feedback.js';
import { api, subscribe, timeWindow, type PipelineRun } from './api.js';
import { formatDuration, formatTime, isTriggerType, RANGES, runLabel, triggerRunsHref } from './format.js';
import { StatusFilter, TimeRangeFilter } from './Filters.js';
import { StatusBadge } from './StatusBadge.js';

const STATUSES = ['Queued', 'InProgress', 'Succeeded', 'Failed', 'Canceling', 'Cancelled'];

/** Runs of a factory: filters, rerun groups kept together, live through server-sent events. */
export function RunsList({ factory }: { factory: string }) {
  const [pipelines, setPipelines] = useState<string[]>([]);
  const [pipeline, setPipeline] = useState('');
  const [status, setStatus] = useState('');
  const [range, setRange] = useState(1);
  const [latestOnly, setLatestOnly] = useState(false);
  const [runs, setRuns] = useState<PipelineRun[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [loading, setLoading] = useState(true);
  const filtersRef = useRef({ pipeline, status, range });
  filtersRef.current = { pipeline, status, range };

  const query = useCallback(
    (continuationToken?: string) => {
      const filters: unknown[] = [];
      if (pipeline) filters.push({ operand: 'PipelineName', operator: 'Equals', values: [pipeline] });
      if (status) filters.push({ operand: 'Status', operator: 'Equals', values: [status] });
      if (latestOnly) filters.push({ operand: 'LatestOnly', operator: 'Equals', values: ['true'] });
      return api.queryRuns(factory, {
        ...timeWindow(RANGES[range].ms),
        filters,
        orderBy: [{ orderBy: 'RunStart', order: 'DESC' }],
        continuationToken,
      });
    },
    [factory, pipeline, status, range, latestOnly],
  );

  useEffect(() => {
    api
      .pipelines(factory)
      .then((r) => setPipelines(r.value.map((p) => p.name)))
      .catch(() => setPipelines([]));
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

  useEffect(
    () =>
      subscribe(
        factory,
        (e) => {
          if (e.type !== 'pipelineRun') return;
          const f = filtersRef.current;
          const r = e.run;
          setRuns((cur) => {
            const i = cur.findIndex((x) => x.runId === r.runId);
            if (i >= 0) {
              const next = [...cur];
              next[i] = r;
              // a rerun makes the others of its group "not latest"
              return next;
            }
            if (f.pipeline && f.pipeline.toLowerCase() !== r.pipelineName.toLowerCase()) return cur;
            if (f.status && f.status !== r.status) return cur;
            return [
              r,
              ...cur.map((x) => (x.runGroupId === r.runGroupId && r.isLatest ? { ...x, isLatest: false } : x)),
            ];
          });
        },
        setLive,
      ),
    [factory],
  );

  // rerun groups: each group's runs together, under its newest
  const grouped = useMemo(() => {
    const order: string[] = [];
    const groups = new Map<string, PipelineRun[]>();
    for (const r of runs) {
      if (!groups.has(r.runGroupId)) {
        groups.set(r.runGroupId, []);
        order.push(r.runGroupId);
      }
      groups.get(r.runGroupId)!.push(r);
    }
    return order.flatMap((g) => {
      const list = groups
        .get(g)!
        .sort((a, b) => (b.runStart ?? b.lastUpdated).localeCompare(a.runStart ?? a.lastUpdated));
      return list.map((r, i) => ({ run: r, nested: i > 0, groupSize: list.length }));
    });
  }, [runs]);

  return (
    <section aria-labelledby="runs-title" className="page">
      <div className="page-head">
        <h1 id="runs-title">Pipeline runs</h1>
        <LiveBadge live={live} />
      </div>
      <form className="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Pipeline
          <select value={pipeline} onChange={(e) => setPipeline(e.target.value)}>
            <option value="">All pipelines</option>
            {pipelines.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <StatusFilter statuses={STATUSES} value={status} onChange={setStatus} />
        <TimeRangeFilter value={range} onChange={setRange} />
        <label className="check">
          <input type="checkbox" checked={latestOnly} onChange={(e) => setLatestOnly(e.target.checked)} /> Latest of
          each rerun group
        </label>
      </form>
      <PageMessages error={error} />
      <div className="table-wrap">
        <table className="runs" aria-busy={loading}>
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Status</th>
              <th scope="col">Run start</th>
              <th scope="col">Duration</th>
              <th scope="col">Triggered by</th>
              <th scope="col">Parameters</th>
              <th scope="col">Error</th>
              <th scope="col">Run</th>
              <th scope="col">Run ID</th>
            </tr>
          </thead>
          <tbody>
            {grouped.map(({ run: r, nested }) => (
              <tr key={r.runId} className={nested ? 'nested' : ''} data-run-id={r.runId}>
                <td>
                  {nested && (
                    <span aria-hidden="true" className="tree">
                      └{' '}
                    </span>
                  )}
                  <a href={`#/runs/${r.runId}`}>{r.pipelineName}</a>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>{formatTime(r.runStart)}</td>
                <td>
                  {formatDuration(
                    r.durationInMs ?? (r.runStart && !r.runEnd ? Date.now() - Date.parse(r.runStart) : undefined),
                  )}
                </td>
                <td>
                  {r.invokedBy.invokedByType === 'PipelineActivity' ? (
                    `${r.invokedBy.pipelineName} › ${r.invokedBy.name}`
                  ) : isTriggerType(r.invokedBy.invokedByType) ? (
                    <a
                      href={triggerRunsHref(r.invokedBy.name)}
                      title={`${r.invokedBy.invokedByType}: its trigger runs`}
                    >
                      {r.invokedBy.name}
                    </a>
                  ) : (
                    r.invokedBy.name
                  )}
                </td>
                <td className="params">
                  {Object.entries(r.parameters)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ') || <span className="muted">none</span>}
                </td>
                <td className="err" title={r.message}>
                  {r.status === 'Failed' ? r.message : ''}
                </td>
                <td>{runLabel(r)}</td>
                <td>
                  <code>{r.runId.slice(0, 8)}</code>
                </td>
              </tr>
            ))}
            {!grouped.length && !loading && (
              <tr>
                <td colSpan={9} className="empty">
                  No runs match. Start one with <code>pipevault datafactory pipeline create-run</code>.
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
              setRuns((cur) => [...cur, ...r.value.filter((x) => !cur.some((c) => c.runId === x.runId))]);
              setToken(r.continuationToken);
            })
          }
        >
          Load more runs
        </button>
      )}
    </section>
  );
}
