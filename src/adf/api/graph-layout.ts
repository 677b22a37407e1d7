import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The monitor's pipeline graph, laid out on the server. The layout depends only on the pipeline's definition
 * (one node per activity of the definition, containers holding theirs, however many activity runs a run has),
 * so it is computed once per definition and kept; the browser only paints it and colours nodes by status.
 * ELK (a 1.6 MB GWT build) runs in a worker thread, so neither the page nor the server's event loop parses it
 * or waits on a layout.
 */

export interface GraphNode {
  /** Container names and the activity name joined by `/` (the activity summary's `path`). */
  id: string;
  name: string;
  type: string;
  /** The branch of the enclosing If/Switch (`True`, `Case x`, `Default`), or ''. */
  branch: string;
  container: boolean;
  /** The enclosing container's id, absent at the top level. */
  parent?: string;
  /** Position relative to the parent (React Flow's convention), and size. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  conditions: string[];
}

export interface PipelineGraphLayout {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

interface ActivityLike {
  name: string;
  type: string;
  dependsOn?: { activity: string; dependencyConditions?: string[] }[];
  typeProperties?: Record<string, unknown>;
}

interface ElkNode {
  id: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  children?: ElkNode[];
  edges?: { id: string; sources: string[]; targets: string[] }[];
  layoutOptions?: Record<string, string>;
}

const NODE_W = 200;
const NODE_H = 58;

function childLists(a: ActivityLike): { label: string; activities: ActivityLike[] }[] {
  const tp = a.typeProperties ?? {};
  const lists: { label: string; activities: ActivityLike[] }[] = [];
  const add = (label: string, v: unknown) => {
    if (Array.isArray(v) && v.length) lists.push({ label, activities: v as ActivityLike[] });
  };
  switch (String(a.type).toLowerCase()) {
    case 'foreach':
    case 'until':
      add('', tp.activities);
      break;
    case 'ifcondition':
      add('True', tp.ifTrueActivities);
      add('False', tp.ifFalseActivities);
      break;
    case 'switch':
      for (const c of (tp.cases as { value: string; activities: ActivityLike[] }[] | undefined) ?? [])
        add(`Case ${c.value}`, c.activities);
      add('Default', tp.defaultActivities);
      break;
  }
  return lists;
}

/** ELK's input for a pipeline's activities, and what the monitor needs to know of each node. */
export function elkGraph(activities: readonly ActivityLike[]): {
  graph: ElkNode;
  info: Map<string, Omit<GraphNode, 'x' | 'y' | 'width' | 'height'>>;
  conditions: Map<string, string[]>;
} {
  const info = new Map<string, Omit<GraphNode, 'x' | 'y' | 'width' | 'height'>>();
  const conditions = new Map<string, string[]>();
  const build = (acts: readonly ActivityLike[], prefix: string, branch: string): ElkNode => {
    const holder: ElkNode = { id: prefix || '__root', children: [], edges: [] };
    for (const a of acts) {
      const path = prefix ? `${prefix}/${a.name}` : a.name;
      const lists = childLists(a);
      info.set(path, {
        id: path,
        name: a.name,
        type: a.type,
        branch,
        container: lists.length > 0,
        ...(prefix ? { parent: prefix } : {}),
      });
      if (lists.length) {
        const inner: ElkNode = {
          id: path,
          children: [],
          edges: [],
          layoutOptions: { 'elk.padding': '[top=64,left=16,bottom=16,right=16]' },
        };
        for (const l of lists) {
          const b = build(l.activities, path, l.label);
          inner.children!.push(...b.children!);
          inner.edges!.push(...b.edges!);
        }
        holder.children!.push(inner);
      } else {
        holder.children!.push({ id: path, width: NODE_W, height: NODE_H });
      }
      for (const d of a.dependsOn ?? []) {
        const from = prefix ? `${prefix}/${d.activity}` : d.activity;
        const cond = d.dependencyConditions?.length ? d.dependencyConditions : ['Succeeded'];
        const id = `${from}->${path}:${cond.join(',')}`;
        conditions.set(id, cond);
        holder.edges!.push({ id, sources: [from], targets: [path] });
      }
    }
    return holder;
  };
  const root = build(activities, '', '');
  // an edge from an activity that does not exist (an invalid definition) would make ELK reject the graph
  const prune = (n: ElkNode) => {
    n.edges = n.edges?.filter((e) => info.has(e.sources[0]) && info.has(e.targets[0]));
    n.children?.forEach(prune);
  };
  prune(root);
  return {
    graph: {
      ...root,
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
        'elk.layered.spacing.nodeNodeBetweenLayers': '56',
        'elk.spacing.nodeNode': '28',
      },
    },
    info,
    conditions,
  };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ELK = require(workerData.elkPath);
const elk = new ELK();
parentPort.on('message', (m) => {
  elk.layout(m.graph).then(
    (graph) => parentPort.postMessage({ id: m.id, graph }),
    (e) => parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) }),
  );
});`;

/** Lays out pipeline graphs in one worker thread (started on first use) and keeps the results by definition. */
export class GraphLayouts {
  private worker?: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve(g: ElkNode): void; reject(e: Error): void }>();
  private readonly cache = new Map<string, Promise<PipelineGraphLayout>>();
  private readonly max: number;

  constructor(o: { maxCached?: number } = {}) {
    this.max = o.maxCached ?? 200;
  }

  /** The layout of a definition; the same definition is laid out once. */
  layout(activities: readonly ActivityLike[]): Promise<PipelineGraphLayout> {
    const key = createHash('sha256').update(JSON.stringify(activities)).digest('base64url');
    let hit = this.cache.get(key);
    if (hit) {
      // most recently used last
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    hit = this.compute(activities);
    hit.catch(() => this.cache.delete(key));
    if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, hit);
    return hit;
  }

  private async compute(activities: readonly ActivityLike[]): Promise<PipelineGraphLayout> {
    const { graph, info, conditions } = elkGraph(activities);
    const laid = await this.run(graph);
    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    const walk = (n: ElkNode) => {
      for (const c of n.children ?? []) {
        const i = info.get(c.id);
        if (!i) continue;
        nodes.push({
          ...i,
          x: Math.round(c.x ?? 0),
          y: Math.round(c.y ?? 0),
          width: Math.round(c.width ?? NODE_W),
          height: Math.round(c.height ?? NODE_H),
        });
        walk(c);
      }
      for (const e of n.edges ?? []) {
        edges.push({ id: e.id, source: e.sources[0], target: e.targets[0], conditions: conditions.get(e.id) ?? [] });
      }
    };
    walk(laid);
    return { nodes, edges };
  }

  private run(graph: ElkNode): Promise<ElkNode> {
    const w = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) w.ref();
      w.postMessage({ id, graph });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const elkPath = createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js');
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { elkPath } });
    w.on('message', (m: { id: number; graph?: ElkNode; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) w.unref();
      if (m.graph) p.resolve(m.graph);
      else p.reject(new Error(`graph layout failed: ${m.error ?? 'unknown error'}`));
    });
    const fail = (e: Error) => {
      // a worker closed or replaced already has nothing pending here
      if (this.worker !== w) return;
      this.worker = undefined;
      this.rejectPending(e);
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`graph layout worker exited (${code})`)));
    // an idle worker must not keep the process alive
    w.unref();
    this.worker = w;
    return w;
  }

  private rejectPending(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.rejectPending(new Error('graph layouts closed'));
    if (w) await w.terminate();
  }
}
