/** Whether a page's live feed is connected (the pipeline-runs and trigger-runs lists). */
export function LiveBadge(props: { live: boolean }) {
  return (
    <span className={`live ${props.live ? 'on' : ''}`} role="status" aria-live="polite">
      <span aria-hidden="true">●</span> {props.live ? 'Live' : 'Connecting…'}
    </span>
  );
}

/** A page's last failure (an alert) and last confirmation (a status line), each shown only when set. */
export function PageMessages(props: { error?: string | null; notice?: string | null }) {
  return (
    <>
      {props.error && (
        <p role="alert" className="error-box">
          {props.error}
        </p>
      )}
      {props.notice && (
        <p role="status" className="notice">
          {props.notice}
        </p>
      )}
    </>
  );
}
