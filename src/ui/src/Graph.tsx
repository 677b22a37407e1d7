import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import { memo, useMemo } from 'react';
import type { GraphLayout, SummaryRow } from './api.js';
import { StatusBadge } from './StatusBadge.js';

/**
 * The pipeline as a graph: containers (ForEach, Until, If, Switch) drawn as boxes holding their activities,
 * edges coloured by dependency condition, nodes by status; the failure's root cause is marked apart from
 * activities that failed only because something inside them did, and from what was skipped.
 */

export const CONDITION_COLOUR: Record<string, string> = {
  Succeeded: '#1b7f3b',
  Failed: '#c4281c',
  Completed: '#1f5fbf',
  Skipped: '#6b6b6b',
};

export type NodeInfo = {
  path: string;
  name: string;
  type: string;
  branch: string;
  status: string;
  row?: SummaryRow;
  container: boolean;
  selected: boolean;
  onSelect(path: string): void;
};

function statusFor(
  path: string,
  rows: Map<string, SummaryRow>,
  ended: boolean,
  recovery: boolean,
  topLevel: boolean,
): string {
  const r = rows.get(path);
  if (r) return r.status;
  if (!ended) return 'NotRun';
  if (recovery && topLevel) return 'Reused';
  return topLevel ? 'Skipped' : 'NotRun';
}

const ActivityNode = memo(function ActivityNode({ data }: NodeProps<Node<NodeInfo>>) {
  const d = data;
  const n = d.row?.count ?? 0;
  const cls = `gnode s-${d.status}${d.row?.rootCause ? ' root-cause' : ''}${d.selected ? ' selected' : ''}${d.container ? ' container' : ''}`;
  const label = `${d.name}, ${d.type}, ${d.status}${d.row?.rootCause ? ', root cause of the failure' : ''}`;
  return (
    <div
      className={cls}
      role="button"
      tabIndex={0}
      aria-label={label}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          d.onSelect(d.path);
        }
      }}
    >
      <Handle type="target" position={Position.Left} />
      <div className="gnode-head">
        <span className="gnode-name" title={d.name}>
          {d.branch && <span className="branch">{d.branch}: </span>}
          {d.name}
        </span>
        {n > 1 && (
          <span className="count" title={`${n} runs`}>
            ×{n}
          </span>
        )}
      </div>
      <div className="gnode-sub">
        <span className="type">{d.type}</span>
        <StatusBadge status={d.status} />
      </div>
      {d.row?.rootCause && <div className="root-flag">Root cause</div>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const nodeTypes = { activity: ActivityNode, container: ActivityNode };

/**
 * Node statuses for a run: an activity without an activity run was not reached (a run still going), skipped,
 * or — in a rerun, at the top level — reused. In a rerun a top-level activity without an activity run either
 * kept its earlier outcome (Reused: nothing it depends on ran in this run) or was skipped (something upstream
 * ran in this run, so it was due to run).
 */
function statuses(layout: GraphLayout, rows: Map<string, SummaryRow>, ended: boolean, recovery: boolean) {
  const out = new Map<string, string>();
  for (const n of layout.nodes) out.set(n.id, statusFor(n.id, rows, ended, recovery, !n.parent));
  if (recovery && ended) {
    const top = new Set(layout.nodes.filter((n) => !n.parent).map((n) => n.id));
    const upstream = new Map<string, string[]>();
    for (const e of layout.edges) {
      if (top.has(e.target) && top.has(e.source)) upstream.set(e.target, [...(upstream.get(e.target) ?? []), e.source]);
    }
    const memo = new Map<string, string>();
    const walk = (name: string, seen = new Set<string>()): string => {
      const known = memo.get(name);
      if (known) return known;
      const row = rows.get(name);
      let st: string;
      if (row) st = row.status;
      else if (seen.has(name)) st = 'Skipped';
      else {
        seen.add(name);
        st = (upstream.get(name) ?? []).every((u) => walk(u, seen) === 'Reused') ? 'Reused' : 'Skipped';
      }
      memo.set(name, st);
      return st;
    };
    for (const id of top) if (!rows.has(id)) out.set(id, walk(id));
  }
  return out;
}

export function PipelineGraph(props: {
  layout: GraphLayout;
  rows: SummaryRow[];
  ended: boolean;
  recovery: boolean;
  selected: string | null;
  onSelect(path: string): void;
}) {
  const { layout, rows, ended, recovery, selected, onSelect } = props;
  const edges = useMemo<Edge[]>(
    () =>
      layout.edges.map((e) => {
        const colour = CONDITION_COLOUR[e.conditions[0]] ?? '#555';
        const text = e.conditions.join(' | ');
        return {
          id: e.id,
          source: e.source,
          target: e.target,
          label: text === 'Succeeded' ? undefined : text,
          style: { stroke: colour, strokeWidth: 2 },
          labelStyle: { fill: colour, fontWeight: 600 },
          markerEnd: { type: MarkerType.ArrowClosed, color: colour },
          zIndex: 1,
        };
      }),
    [layout],
  );
  const nodes = useMemo<Node<NodeInfo>[]>(() => {
    const byPath = new Map(rows.map((r) => [r.path, r]));
    const st = statuses(layout, byPath, ended, recovery);
    return layout.nodes.map((n) => ({
      id: n.id,
      type: n.container ? 'container' : 'activity',
      position: { x: n.x, y: n.y },
      ...(n.parent ? { parentId: n.parent, extent: 'parent' as const } : {}),
      // Fixed dimensions from the layout: React Flow shows a node only once it has dimensions, and
      // waiting for its ResizeObserver left nodes hidden after live re-renders.
      width: n.width,
      height: n.height,
      style: { width: n.width, height: n.height },
      data: {
        path: n.id,
        name: n.name,
        type: n.type,
        branch: n.branch,
        status: st.get(n.id) ?? 'NotRun',
        row: byPath.get(n.id),
        container: n.container,
        selected: n.id === selected,
        onSelect,
      },
      draggable: false,
    }));
  }, [layout, rows, ended, recovery, selected, onSelect]);
  return (
    <div className="graph" aria-label="Pipeline graph" role="group">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.1 }}
        minZoom={0.1}
        nodesConnectable={false}
        nodesDraggable={false}
        elementsSelectable={false}
        onNodeClick={(_, n) => onSelect(n.id)}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} color="#e3e6ea" />
        <Controls showInteractive={false} />
      </ReactFlow>
      <ul className="legend" aria-label="Edge colours">
        {Object.entries(CONDITION_COLOUR).map(([k, c]) => (
          <li key={k}>
            <span className="swatch" style={{ background: c }} aria-hidden="true" /> {k}
          </li>
        ))}
      </ul>
    </div>
  );
}
