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
import ELK, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk-api.js';
// ELK (a large GWT build) runs in a Web Worker: the page neither parses nor lays out on its main thread
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { memo, useEffect, useState } from 'react';
import type { Activity, SummaryRow } from './api.js';
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

const NODE_W = 200;
const NODE_H = 58;

interface ChildList {
  label: string;
  activities: Activity[];
}

function childLists(a: Activity): ChildList[] {
  const tp = (a.typeProperties ?? {}) as Record<string, unknown>;
  const lists: ChildList[] = [];
  const add = (label: string, v: unknown) => {
    if (Array.isArray(v) && v.length) lists.push({ label, activities: v as Activity[] });
  };
  switch (a.type.toLowerCase()) {
    case 'foreach':
    case 'until':
      add('', tp.activities);
      break;
    case 'ifcondition':
      add('True', tp.ifTrueActivities);
      add('False', tp.ifFalseActivities);
      break;
    case 'switch':
      for (const c of (tp.cases as { value: string; activities: Activity[] }[] | undefined) ?? [])
        add(`Case ${c.value}`, c.activities);
      add('Default', tp.defaultActivities);
      break;
  }
  return lists;
}

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

const elk = new ELK({ workerUrl: elkWorkerUrl });

export function PipelineGraph(props: {
  activities: Activity[];
  rows: SummaryRow[];
  ended: boolean;
  recovery: boolean;
  selected: string | null;
  onSelect(path: string): void;
}) {
  const [layout, setLayout] = useState<{ nodes: Node<NodeInfo>[]; edges: Edge[] } | null>(null);
  const rowsKey = props.rows.map((r) => `${r.path}:${r.status}:${r.count}:${r.rootCause}`).join('|');

  useEffect(() => {
    let gone = false;
    const rows = new Map(props.rows.map((r) => [r.path, r]));
    const info = new Map<string, Omit<NodeInfo, 'selected' | 'onSelect'>>();
    const build = (
      acts: Activity[],
      prefix: string,
      branch: string,
      top: boolean,
    ): { children: ElkNode[]; edges: ElkExtendedEdge[] } => {
      const children: ElkNode[] = [];
      const edges: ElkExtendedEdge[] = [];
      for (const a of acts) {
        const path = prefix ? `${prefix}/${a.name}` : a.name;
        const lists = childLists(a);
        const status = statusFor(path, rows, props.ended, props.recovery, top);
        info.set(path, {
          path,
          name: a.name,
          type: a.type,
          branch,
          status,
          row: rows.get(path),
          container: lists.length > 0,
        });
        if (lists.length) {
          const inner: ElkNode[] = [];
          const innerEdges: ElkExtendedEdge[] = [];
          for (const l of lists) {
            const b = build(l.activities, path, l.label, false);
            inner.push(...b.children);
            innerEdges.push(...b.edges);
          }
          children.push({
            id: path,
            children: inner,
            edges: innerEdges,
            layoutOptions: { 'elk.padding': '[top=64,left=16,bottom=16,right=16]' },
          });
        } else {
          children.push({ id: path, width: NODE_W, height: NODE_H });
        }
        for (const d of a.dependsOn ?? []) {
          const from = prefix ? `${prefix}/${d.activity}` : d.activity;
          edges.push({ id: `${from}->${path}:${d.dependencyConditions.join(',')}`, sources: [from], targets: [path] });
        }
      }
      return { children, edges };
    };
    const root = build(props.activities, '', '', true);
    // In a rerun, a top-level activity without an activity run either kept its earlier outcome (Reused: nothing
    // it depends on ran in this run) or was skipped (something upstream ran in this run, so it was due to run).
    if (props.recovery && props.ended) {
      const byName = new Map(props.activities.map((a) => [a.name, a]));
      const memo = new Map<string, string>();
      const top = (name: string, seen = new Set<string>()): string => {
        const known = memo.get(name);
        if (known) return known;
        const row = rows.get(name);
        let st: string;
        if (row) st = row.status;
        else if (seen.has(name)) st = 'Skipped';
        else {
          seen.add(name);
          const deps = byName.get(name)?.dependsOn ?? [];
          st = deps.every((d) => top(d.activity, seen) === 'Reused') ? 'Reused' : 'Skipped';
        }
        memo.set(name, st);
        return st;
      };
      for (const a of props.activities) {
        const i = info.get(a.name);
        if (i && !i.row) info.set(a.name, { ...i, status: top(a.name) });
      }
    }
    const graph: ElkNode = {
      id: '__root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
        'elk.layered.spacing.nodeNodeBetweenLayers': '56',
        'elk.spacing.nodeNode': '28',
        'elk.edgeRouting': 'SPLINES',
      },
      children: root.children,
      edges: root.edges,
    };
    elk
      .layout(graph)
      .then((g) => {
        if (gone) return;
        const nodes: Node<NodeInfo>[] = [];
        const edges: Edge[] = [];
        const walk = (n: ElkNode, parent?: string) => {
          for (const c of n.children ?? []) {
            const i = info.get(c.id)!;
            nodes.push({
              id: c.id,
              type: i.container ? 'container' : 'activity',
              position: { x: c.x ?? 0, y: c.y ?? 0 },
              ...(parent ? { parentId: parent, extent: 'parent' as const } : {}),
              // Fixed dimensions from the layout: React Flow shows a node only once it has dimensions, and
              // waiting for its ResizeObserver left nodes hidden after live re-renders.
              width: c.width,
              height: c.height,
              style: { width: c.width, height: c.height },
              data: { ...i, selected: false, onSelect: props.onSelect },
              draggable: false,
            });
            walk(c, c.id);
          }
          for (const e of n.edges ?? []) {
            const cond = e.id.split(':').pop()!.split(',');
            const colour = CONDITION_COLOUR[cond[0]] ?? '#555';
            edges.push({
              id: e.id,
              source: e.sources[0],
              target: e.targets[0],
              label: cond.join(' | ') === 'Succeeded' ? undefined : cond.join(' | '),
              style: { stroke: colour, strokeWidth: 2 },
              labelStyle: { fill: colour, fontWeight: 600 },
              markerEnd: { type: MarkerType.ArrowClosed, color: colour },
              zIndex: 1,
            });
          }
        };
        walk(g);
        setLayout({ nodes, edges });
      })
      .catch(() => undefined);
    return () => {
      gone = true;
    };
    // rowsKey stands for props.rows (a new array on every summary fetch); onSelect is read through the latest render
  }, [props.activities, rowsKey, props.ended, props.recovery]);

  if (!layout) return <div className="graph placeholder">Laying out the pipeline…</div>;
  const nodes = layout.nodes.map((n) => ({
    ...n,
    data: { ...n.data, selected: n.id === props.selected, onSelect: props.onSelect },
  }));
  return (
    <div className="graph" aria-label="Pipeline graph" role="group">
      <ReactFlow
        nodes={nodes}
        edges={layout.edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.1 }}
        minZoom={0.1}
        nodesConnectable={false}
        nodesDraggable={false}
        elementsSelectable={false}
        onNodeClick={(_, n) => props.onSelect(n.id)}
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
