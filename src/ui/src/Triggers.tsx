import { useCallback, useEffect, useState } from 'react';
import { PageMessages } from './Feedback.js';
import { api, subscribe, type TriggerResource } from './api.js';
import { formatTime, triggerRunsHref } from './format.js';

/**
 * Another client (the CLI, an SDK) may add, change or delete a trigger: look again this often. A trigger started
 * or stopped anywhere arrives at once on the runs feed (a `trigger` event).
 */
const POLL_MS = 10_000;

/** The pipelines a trigger runs: `pipelines` (ScheduleTrigger, event triggers) or `pipeline` (TumblingWindow). */
function pipelinesOf(t: TriggerResource): string[] {
  const refs = t.properties.pipelines ?? (t.properties.pipeline ? [t.properties.pipeline] : []);
  return refs.map((p) => p.pipelineReference?.referenceName ?? '').filter(Boolean);
}

const plural = (n: number, unit: string) => `${n} ${unit.toLowerCase()}${n === 1 ? '' : 's'}`;

/** When it fires, in words: its recurrence, or its windows. Never its pipelines' parameters. */
function whenOf(t: TriggerResource): string {
  const tp = (t.properties.typeProperties ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (t.properties.type === 'ScheduleTrigger') {
    const r = (tp.recurrence ?? {}) as Record<string, unknown>;
    const every = plural(Number(r.interval ?? 1), String(r.frequency ?? '?'));
    const from = str(r.startTime) ? ` from ${formatTime(str(r.startTime))}` : '';
    const until = str(r.endTime) ? ` until ${formatTime(str(r.endTime))}` : '';
    return `Every ${every}${from}${until}${str(r.timeZone) ? ` (${str(r.timeZone)})` : ''}`;
  }
  if (t.properties.type === 'TumblingWindowTrigger') {
    const size = plural(Number(tp.interval ?? 1), String(tp.frequency ?? '?'));
    const from = str(tp.startTime) ? ` from ${formatTime(str(tp.startTime))}` : '';
    const until = str(tp.endTime) ? ` until ${formatTime(str(tp.endTime))}` : '';
    return `Windows of ${size}${from}${until}, at most ${String(tp.maxConcurrency ?? '?')} at a time`;
  }
  return 'On events (not delivered to a local server)';
}

/**
 * A factory's triggers (ADF Studio's Manage › Triggers): type, when they fire, their pipelines, runtimeState,
 * and Start / Stop through the management API — allowed to whoever may write to the factory (the local admin
 * on a loopback server; elsewhere a principal with Data Factory Contributor), refused with the server's error
 * otherwise.
 */
export function Triggers({ factory }: { factory: string }) {
  const [triggers, setTriggers] = useState<TriggerResource[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(
    () =>
      api.triggers(factory).then((r) => {
        setTriggers(r.value);
        setLoading(false);
      }),
    [factory],
  );

  useEffect(() => {
    setLoading(true);
    load().catch((e: Error) => {
      setError(e.message);
      setLoading(false);
    });
    const poll = setInterval(() => !document.hidden && void load().catch(() => undefined), POLL_MS);
    const unsubscribe = subscribe(factory, (e) => {
      if (e.type !== 'trigger') return;
      setTriggers((cur) =>
        cur.map((t) =>
          t.name.toLowerCase() === e.name.toLowerCase()
            ? { ...t, properties: { ...t.properties, runtimeState: e.runtimeState } }
            : t,
        ),
      );
    });
    return () => {
      clearInterval(poll);
      unsubscribe();
    };
  }, [factory, load]);

  const toggle = async (t: TriggerResource, start: boolean) => {
    setBusy(t.name);
    setError(null);
    setNotice(null);
    try {
      await (start ? api.startTrigger(factory, t.name) : api.stopTrigger(factory, t.name));
      await load();
      setNotice(`${t.name} ${start ? 'started' : 'stopped'}.`);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="triggers-title" className="page">
      <div className="page-head">
        <h1 id="triggers-title">Triggers</h1>
      </div>
      <PageMessages error={error} notice={notice} />
      <div className="table-wrap">
        <table className="runs" aria-busy={loading} aria-label="Triggers">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Fires</th>
              <th scope="col">Pipelines</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {triggers.map((t) => {
              const state = t.properties.runtimeState ?? 'Stopped';
              const started = state === 'Started';
              return (
                <tr key={t.name} data-trigger={t.name}>
                  <td>
                    <a href={triggerRunsHref(t.name)} title={`Trigger runs of ${t.name}`}>
                      {t.name}
                    </a>
                    {t.properties.description && <div className="muted">{t.properties.description}</div>}
                  </td>
                  <td>{t.properties.type}</td>
                  <td>
                    <span className={`badge rt-${state}`}>
                      <span aria-hidden="true">{started ? '▶' : '■'}</span> {state}
                    </span>
                  </td>
                  <td>{whenOf(t)}</td>
                  <td>{pipelinesOf(t).join(', ') || <span className="muted">none</span>}</td>
                  <td>
                    <div className="row-actions">
                      <button
                        type="button"
                        className="primary"
                        disabled={started || busy !== null}
                        aria-label={`Start ${t.name}`}
                        onClick={() => void toggle(t, true)}
                      >
                        Start
                      </button>
                      <button
                        type="button"
                        disabled={!started || busy !== null}
                        aria-label={`Stop ${t.name}`}
                        onClick={() => void toggle(t, false)}
                      >
                        Stop
                      </button>
                    </div>
                  </td>
                </tr>
              );
            })}
            {!triggers.length && !loading && (
              <tr>
                <td colSpan={6} className="empty">
                  No triggers. Create one with <code>pipevault datafactory trigger create</code>.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
