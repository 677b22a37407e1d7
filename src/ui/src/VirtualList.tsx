import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * Renders only the rows in view (plus a margin), so a list of tens of thousands of activity runs costs what a
 * screenful costs. `onNeedMore` is called when the end of the loaded rows comes into view.
 */
export function VirtualList<T>(props: {
  items: T[];
  rowHeight: number;
  height: number;
  total?: number;
  render(item: T, index: number): ReactNode;
  onNeedMore?(): void;
  label: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const { items, rowHeight, height } = props;
  const first = Math.max(0, Math.floor(top / rowHeight) - 10);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + 10);
  useEffect(() => {
    if (last >= items.length - 5 && props.onNeedMore) props.onNeedMore();
  }, [last, items.length, props]);
  return (
    <div
      ref={ref}
      className="vlist"
      style={{ height }}
      onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}
      role="list"
      aria-label={props.label}
      aria-rowcount={props.total ?? items.length}
      tabIndex={0}
    >
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((it, i) => (
          <div
            key={first + i}
            role="listitem"
            className="vrow"
            style={{ position: 'absolute', top: (first + i) * rowHeight, height: rowHeight, left: 0, right: 0 }}
          >
            {props.render(it, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
