import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { PageMessages } from './Feedback.js';
import {
  api,
  subscribe,
  timeWindow,
  type ActivityRun,
  type GraphLayout,
  type PipelineResource,
  type PipelineRun,
  type SummaryRow,
} from './api.js';
import { formatDuration, formatTime, runLabel } from './format.js';
import { Gantt } from './Gantt.js';
import { PipelineGraph } from './Graph.js';
import { JsonView } from './JsonView.js';
import { StatusBadge } from './StatusBadge.js';
import { VirtualList } from './VirtualList.js';

// the first page fills a screen or two of the list (it comes with the page); later pages are larger
const FIRST_PAGE = 100;
const PAGE = 500;
const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** One run: graph, Gantt, activity runs (virtualized, paged), an activity's input/output/error, actions. */
export function RunView({ factory, runId }: { factory: string; runId: string }) {
  const [run, setRun] = useState<PipelineRun | null>(null);
  const [rows, setRows] = useState<SummaryRow[]>([]);
  const [total, setTotal] = useState(0);
  const [pipeline, setPipeline] = useState<PipelineResource | null>(null);
  const [graph, setGraph] = useState<GraphLayout | null>(null);
  const [graphError, setGraphError] = useState<string | null>(null);
  const [acts, setActs] = useState<ActivityRun[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [selectedPath, setSelectedPath] = useState<string | null>(null);
  const [detail, setDetail] = useState<ActivityRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [showParams, setShowParams] = useState(false);
  const [tab, setTab] = useState<'graph' | 'gantt'>('graph');
  const loadingMore = useRef(false);

  const loadSummary = useCallback(async () => {
    const s = await api.summary(factory, runId);
    setRun(s.run);
    setRows(s.activities);
    setTotal(s.total);
    return s;
  }, [factory, runId]);

  const loadFirstPage = useCallback(async () => {
    const r = await api.queryActivities(factory, runId, { ...timeWindow(null), pageSize: FIRST_PAGE });
    setActs(r.value);
    setToken(r.continuationToken);
  }, [factory, runId]);

  useEffect(() => {
    setRun(null);
    setGraph(null);
    setGraphError(null);
    setRows([]);
    setActs([]);
    setDetail(null);
    setSelectedPath(null);
    setError(null);
    // every request of the page starts at once: the run record (small, so the page has its header while the
    // summary is computed), the summary, the first page of activity runs and the graph (laid out on the server)
    api
      .graph(factory, runId)
      .then(setGraph)
      .catch((e: Error) => setGraphError(e.message));
    api
      .run(factory, runId)
      .then((r) => {
        setRun((cur) => cur ?? r);
        return api.pipeline(factory, r.pipelineName);
      })
      .then(setPipeline)
      .catch((e: Error) => setError(e.message));
    loadSummary().catch((e: Error) => setError(e.message));
    loadFirstPage().catch((e: Error) => setError(e.message));
  }, [factory, runId, loadSummary, loadFirstPage]);

  // live: this run's record and its activity runs
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      timer = null;
      void loadSummary().catch(() => undefined);
      void loadFirstPage().catch(() => undefined);
    };
    return subscribe(factory, (e) => {
      if (e.type === 'pipelineRun' && e.run.runId === runId) {
        setRun(e.run);
        timer ??= setTimeout(refresh, 150);
      } else if (e.type === 'activityRuns' && e.runId === runId) {
        timer ??= setTimeout(refresh, 300);
      }
    });
  }, [factory, runId, loadSummary, loadFirstPage]);

  const loadMore = useCallback(() => {
    if (!token || loadingMore.current) return;
    loadingMore.current = true;
    api
      .queryActivities(factory, runId, { ...timeWindow(null), pageSize: PAGE, continuationToken: token })
      .then((r) => {
        setActs((cur) => [...cur, ...r.value]);
        setToken(r.continuationToken);
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => (loadingMore.current = false));
  }, [factory, runId, token]);

  const selectPath = useCallback(
    (path: string) => {
      setSelectedPath(path);
      const row = rows.find((r) => r.path === path);
      if (!row) {
        setDetail(null);
        return;
      }
      const have = acts.find((a) => a.activityRunId === row.latest.activityRunId);
      if (have) return setDetail(have);
      api
        .queryActivities(factory, runId, {
          ...timeWindow(null),
          filters: [{ operand: 'ActivityName', operator: 'Equals', values: [row.activityName] }],
          orderBy: [{ orderBy: 'ActivityRunStart', order: 'DESC' }],
          pageSize: 50,
        })
        .then((r) => setDetail(r.value.find((a) => a.activityRunId === row.latest.activityRunId) ?? r.value[0] ?? null))
        .catch((e: Error) => setError(e.message));
    },
    [rows, acts, factory, runId],
  );

  const act = async (what: string, fn: () => Promise<string | void>) => {
    setBusy(true);
    setError(null);
    try {
      const next = await fn();
      if (next) location.hash = `#/runs/${next}`;
      else setNotice(what);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const topLevel = useMemo(() => new Set((graph?.nodes ?? []).filter((n) => !n.parent).map((n) => n.id)), [graph]);
  const selectedTop = selectedPath && topLevel.has(selectedPath) ? selectedPath : null;

  if (error && !run) {
    return (
      <section className="page">
        <p role="alert" className="error-box">
          {error}
        </p>
        <a href="#/">Back to runs</a>
      </section>
    );
  }
  if (!run)
    return (
      <section className="page" aria-busy="true">
        Loading run…
      </section>
    );
  const ended = ENDED.has(run.status);
  const failed = run.status === 'Failed' || run.status === 'Cancelled';
  const recovery = run.runGroupId !== run.runId;
  const rerun = (q: string) => () =>
    api
      .createRun(factory, run.pipelineName, {}, `&referencePipelineRunId=${run.runId}&isRecovery=true${q}`)
      .then((r) => r.runId);

  return (
    <section className="page run-page" aria-labelledby="run-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href="#/">Pipeline runs</a> <span aria-hidden="true">›</span> <span>{run.pipelineName}</span>
      </nav>
      <div className="run-head">
        <div>
          <h1 id="run-title">
            {run.pipelineName} <StatusBadge status={run.status} />
          </h1>
          <dl className="facts">
            <div>
              <dt>Run ID</dt>
              <dd>
                <code>{run.runId}</code>
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{formatTime(run.runStart)}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{formatDuration(run.durationInMs)}</dd>
            </div>
            <div>
              <dt>Triggered by</dt>
              <dd>{run.invokedBy.name}</dd>
            </div>
            <div>
              <dt>Run</dt>
              <dd>{runLabel(run)}</dd>
            </div>
            <div>
              <dt>Activity runs</dt>
              <dd>{total.toLocaleString()}</dd>
            </div>
          </dl>
        </div>
        <div className="actions" role="toolbar" aria-label="Run actions">
          <button
            type="button"
            className="primary"
            disabled={!failed || busy}
            onClick={() => void act('rerun', rerun('&startFromFailure=true'))}
          >
            Rerun from failed activity
          </button>
          <button
            type="button"
            disabled={!ended || !selectedTop || busy}
            title={selectedTop ? `Rerun from ${selectedTop}` : 'Select a top-level activity in the graph first'}
            onClick={() => void act('rerun', rerun(`&startActivityName=${encodeURIComponent(selectedTop ?? '')}`))}
          >
            Rerun from {selectedTop ? `“${selectedTop}”` : 'selected activity'}
          </button>
          <button type="button" disabled={!ended || busy} onClick={() => void act('rerun', rerun(''))}>
            Rerun
          </button>
          <button type="button" disabled={busy} onClick={() => setShowParams((v) => !v)} aria-expanded={showParams}>
            Run with new parameters
          </button>
          <button
            type="button"
            className="danger"
            disabled={ended || busy}
            onClick={() => void act('Cancellation requested.', () => api.cancel(factory, run.runId))}
          >
            Cancel
          </button>
        </div>
      </div>
      {run.status === 'Failed' && run.message && (
        <p className="error-box" role="note">
          <strong>Error:</strong> {run.message}
        </p>
      )}
      <PageMessages error={error} notice={notice} />
      {showParams && pipeline && (
        <ParamsForm
          pipeline={pipeline}
          current={run.parameters}
          busy={busy}
          onSubmit={(params) =>
            void act('run', () => api.createRun(factory, run.pipelineName, params).then((r) => r.runId))
          }
        />
      )}
      <div className="tabs" role="tablist" aria-label="Run views">
        <button type="button" role="tab" aria-selected={tab === 'graph'} onClick={() => setTab('graph')}>
          Graph
        </button>
        <button type="button" role="tab" aria-selected={tab === 'gantt'} onClick={() => setTab('gantt')}>
          Gantt
        </button>
      </div>
      <div className="split">
        <div className="views">
          {tab === 'graph' ? (
            graph ? (
              <PipelineGraph
                layout={graph}
                rows={rows}
                ended={ended}
                recovery={recovery}
                selected={selectedPath}
                onSelect={selectPath}
              />
            ) : (
              <div className="graph placeholder">{graphError ?? 'Loading the pipeline graph…'}</div>
            )
          ) : (
            <Gantt
              rows={rows}
              runStart={run.runStart}
              runEnd={run.runEnd}
              selected={selectedPath}
              onSelect={selectPath}
            />
          )}
          <h2 className="section-title">
            Activity runs <span className="muted">({total.toLocaleString()})</span>
          </h2>
          <div className="act-head" aria-hidden="true">
            <span>Activity</span>
            <span>Type</span>
            <span>Status</span>
            <span>Start</span>
            <span>Duration</span>
            <span>Iteration</span>
          </div>
          <VirtualList
            label="Activity runs"
            items={acts}
            total={total}
            rowHeight={34}
            height={Math.min(360, Math.max(120, acts.length * 34 + 4))}
            onNeedMore={token ? loadMore : undefined}
            render={(a) => (
              <button
                type="button"
                className={`act-row${detail?.activityRunId === a.activityRunId ? ' selected' : ''}`}
                onClick={() => {
                  setDetail(a);
                  setSelectedPath(rows.find((r) => r.latest.activityRunId === a.activityRunId)?.path ?? null);
                }}
              >
                <span className="name">{a.activityName}</span>
                <span className="type">{a.activityType}</span>
                <StatusBadge status={a.status} />
                <span>{formatTime(a.activityRunStart)}</span>
                <span>{formatDuration(a.durationInMs)}</span>
                <span>
                  {a.iteration !== undefined ? `#${a.iteration}` : a.retryAttempt ? `retry ${a.retryAttempt}` : ''}
                </span>
              </button>
            )}
          />
        </div>
        <aside className="detail" aria-label="Activity run details">
          {detail ? (
            <ActivityDetail a={detail} />
          ) : (
            <p className="muted">
              Select an activity in the graph, the timeline or the list to see its input, output and error.
            </p>
          )}
        </aside>
      </div>
    </section>
  );
}

function ActivityDetail({ a }: { a: ActivityRun }) {
  const hasError = !!a.error?.message;
  return (
    <div>
      <h2>
        {a.activityName} <StatusBadge status={a.status} />
      </h2>
      <p className="muted">
        {a.activityType} · {formatDuration(a.durationInMs)} · <code>{a.activityRunId.slice(0, 8)}</code>
        {a.iteration !== undefined && ` · iteration ${a.iteration}`}
      </p>
      {hasError && <JsonView label="Error" value={a.error} />}
      <JsonView label={`Input${a.secureInput ? ' (secure)' : ''}`} value={a.input} />
      <JsonView label={`Output${a.secureOutput ? ' (secure)' : ''}`} value={a.output} />
    </div>
  );
}

function ParamsForm(props: {
  pipeline: PipelineResource;
  current: Record<string, string>;
  busy: boolean;
  onSubmit(p: Record<string, unknown>): void;
}) {
  const decl = props.pipeline.properties.parameters ?? {};
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      Object.keys(decl).map((k) => [k, props.current[k] === '**********' ? '' : (props.current[k] ?? '')]),
    ),
  );
  return (
    <form
      className="params-form"
      aria-label="Run with new parameters"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')));
      }}
    >
      {Object.entries(decl).map(([k, spec]) => (
        <label key={k}>
          {k} <span className="muted">({spec.type})</span>
          <input
            type={spec.type.toLowerCase() === 'securestring' ? 'password' : 'text'}
            value={values[k] ?? ''}
            autoComplete="off"
            onChange={(e) => setValues((v) => ({ ...v, [k]: e.target.value }))}
          />
        </label>
      ))}
      {!Object.keys(decl).length && <p className="muted">This pipeline declares no parameters.</p>}
      <button type="submit" className="primary" disabled={props.busy}>
        Start run
      </button>
    </form>
  );
}
