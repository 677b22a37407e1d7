import type { Node, Template } from './ast.js';
import { parse } from './parser.js';
import { isExpressionObject } from './evaluate.js';
import { isPlainObject } from './values.js';

/** What an expression reads; used by validation and by the secret-flow lint. Names are as written. */
export interface References {
  /** `activity('X')` names. */
  activities: string[];
  /** `activity('X').output.a.b` paths (property names as written, literal indexes as strings). */
  activityPaths: Array<{ activity: string; path: string[] }>;
  /** `pipeline().parameters.X` names. */
  parameters: string[];
  /** `variables('X')` names. */
  variables: string[];
  /** `pipeline().globalParameters.X` names. */
  globalParameters: string[];
  /** `dataset().X` names. */
  datasetParameters: string[];
  /** `linkedService().X` names. */
  linkedServiceParameters: string[];
  /** `pipeline().RunId`, `pipeline().TriggerTime` … (the property names as written). */
  systemVariables: string[];
  usesItem: boolean;
  /** `trigger()`, `triggerBody()`, `triggerOutputs()`. */
  usesTrigger: boolean;
  /** utcNow/getFutureTime/getPastTime: the value depends on the clock. */
  usesClock: boolean;
  /** Functions called (canonical names), each once. */
  functions: string[];
  /** A reference whose name is computed (`variables(concat('a','b'))`), so the lists above may be incomplete. */
  dynamic: boolean;
}

function empty(): References {
  return {
    activities: [],
    activityPaths: [],
    parameters: [],
    variables: [],
    globalParameters: [],
    datasetParameters: [],
    linkedServiceParameters: [],
    systemVariables: [],
    usesItem: false,
    usesTrigger: false,
    usesClock: false,
    functions: [],
    dynamic: false,
  };
}

function add(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v);
}

/** A member/index chain flattened: the root node and the literal property names after it. */
function chain(node: Node): { root: Node; path: (string | null)[] } {
  const path: (string | null)[] = [];
  let n = node;
  for (;;) {
    if (n.type === 'member') {
      path.unshift(n.name);
      n = n.object;
    } else if (n.type === 'index') {
      const i = n.index;
      path.unshift(
        i.type === 'literal' && (typeof i.value === 'string' || typeof i.value === 'number') ? String(i.value) : null,
      );
      n = n.object;
    } else return { root: n, path };
  }
}

function walk(node: Node, r: References): void {
  if (node.type === 'literal') return;
  if (node.type === 'member' || node.type === 'index') {
    const { root, path } = chain(node);
    if (root.type === 'call') {
      const first = path[0];
      if (root.name === 'pipeline' && root.args.length === 0) {
        const scope = first?.toLowerCase();
        const name = path[1];
        if (scope === 'parameters' || scope === 'globalparameters') {
          if (typeof name === 'string') add(scope === 'parameters' ? r.parameters : r.globalParameters, name);
          else if (path.length > 1) r.dynamic = true;
        } else if (typeof first === 'string') add(r.systemVariables, first);
      } else if ((root.name === 'dataset' || root.name === 'linkedService') && typeof first === 'string') {
        add(root.name === 'dataset' ? r.datasetParameters : r.linkedServiceParameters, first);
      } else if (
        root.name === 'activity' &&
        root.args[0]?.type === 'literal' &&
        typeof root.args[0].value === 'string'
      ) {
        const cut = path.indexOf(null);
        r.activityPaths.push({ activity: root.args[0].value, path: (cut < 0 ? path : path.slice(0, cut)) as string[] });
      }
    }
    let n: Node = node;
    while (n.type === 'member' || n.type === 'index') {
      if (n.type === 'index') walk(n.index, r);
      n = n.object;
    }
    walk(n, r);
    return;
  }
  add(r.functions, node.name);
  const arg = node.args[0];
  const literalName = arg?.type === 'literal' && typeof arg.value === 'string' ? arg.value : undefined;
  switch (node.name) {
    case 'activity':
      if (literalName !== undefined) add(r.activities, literalName);
      else r.dynamic = true;
      break;
    case 'variables':
      if (literalName !== undefined) add(r.variables, literalName);
      else r.dynamic = true;
      break;
    case 'item':
      r.usesItem = true;
      break;
    case 'trigger':
    case 'triggerBody':
    case 'triggerOutputs':
      r.usesTrigger = true;
      break;
    case 'utcNow':
    case 'getFutureTime':
    case 'getPastTime':
      r.usesClock = true;
      break;
  }
  for (const a of node.args) walk(a, r);
}

/**
 * What a template reads. Accepts a parsed Template, a template string, or any JSON value (all templates and
 * Expression objects inside it are combined). Throws ExpressionError when a string does not parse.
 */
export function references(input: Template | unknown): References {
  const r = empty();
  collect(input, r);
  return r;
}

function isTemplate(v: unknown): v is Template {
  return (
    isPlainObject(v) &&
    typeof v.text === 'string' &&
    (v.kind === 'literal' || v.kind === 'expression' || v.kind === 'interpolation')
  );
}

function collect(v: unknown, r: References): void {
  if (typeof v === 'string') return collectTemplate(parse(v), r);
  if (isTemplate(v)) return collectTemplate(v, r);
  if (Array.isArray(v)) return v.forEach((x) => collect(x, r));
  if (isPlainObject(v)) {
    if (isExpressionObject(v)) return collect(v.value, r);
    for (const k of Object.keys(v)) collect(v[k], r);
  }
}

function collectTemplate(t: Template, r: References): void {
  if (t.kind === 'expression') walk(t.node, r);
  else if (t.kind === 'interpolation') for (const p of t.parts) if (typeof p !== 'string') walk(p.node, r);
}
