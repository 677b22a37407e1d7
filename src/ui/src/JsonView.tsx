/** Readable JSON: indented, keys and values coloured, the secure marker called out. */
const MARKER = '**********';

function render(v: unknown, indent: number): React.ReactNode {
  const pad = '  '.repeat(indent);
  if (v === null) return <span className="j-null">null</span>;
  if (typeof v === 'string') {
    if (v === MARKER)
      return (
        <span className="j-secure" title="Secured: the value is not recorded">
          "{MARKER}" (secure)
        </span>
      );
    return <span className="j-str">{JSON.stringify(v)}</span>;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return <span className="j-num">{String(v)}</span>;
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return (
      <>
        {'[\n'}
        {v.map((x, i) => (
          <span key={i}>
            {pad} {render(x, indent + 1)}
            {i < v.length - 1 ? ',' : ''}
            {'\n'}
          </span>
        ))}
        {pad}]
      </>
    );
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.length) return '{}';
  return (
    <>
      {'{\n'}
      {entries.map(([k, x], i) => (
        <span key={k}>
          {pad} <span className="j-key">{JSON.stringify(k)}</span>: {render(x, indent + 1)}
          {i < entries.length - 1 ? ',' : ''}
          {'\n'}
        </span>
      ))}
      {pad}
      {'}'}
    </>
  );
}

export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  const big = text.length > 200_000;
  return (
    <figure className="json">
      <figcaption>
        {label}
        <button type="button" className="link" onClick={() => void navigator.clipboard?.writeText(text)}>
          Copy
        </button>
      </figcaption>
      <pre tabIndex={0} aria-label={label}>
        {big ? text : render(value, 0)}
      </pre>
    </figure>
  );
}
