import { parse, type Node } from '../expressions/index.js';

/**
 * Approximate text of a value, enough to recognise a Key Vault secret URL however it is built: literal text is
 * kept, `concat` and `@{…}` are followed, variables and parameters are replaced by the values the pipeline
 * gives them (SetVariable values, default values, global parameter values) and anything else becomes `{}`.
 * A value may have several texts (a variable set in two places); at most MAX_TEXTS are kept.
 */

const UNKNOWN = '{}';
const MAX_TEXTS = 8;
const MAX_DEPTH = 6;

export interface ApproxScope {
  /** Values assigned to a variable (SetVariable values and the default), as written. */
  variableValues(name: string): unknown[];
  /** A pipeline parameter's default value, if any. */
  parameterDefault(name: string): unknown;
  globalParameter(name: string): unknown;
}

function cross(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (const x of a) for (const y of b) if (out.length < MAX_TEXTS) out.push(x + y);
  return out;
}

function union(lists: string[][]): string[] {
  const out = new Set<string>();
  for (const l of lists) for (const s of l) if (out.size < MAX_TEXTS) out.add(s);
  return out.size ? [...out] : [UNKNOWN];
}

/** Property names of a member chain rooted at a call: `pipeline().parameters.X` → call pipeline, ['parameters','X']. */
function chain(node: Node): { root: Node; names: (string | undefined)[] } {
  const names: (string | undefined)[] = [];
  let n = node;
  while (n.type === 'member' || n.type === 'index') {
    if (n.type === 'member') names.unshift(n.name);
    else names.unshift(n.index.type === 'literal' ? String(n.index.value) : undefined);
    n = n.object;
  }
  return { root: n, names };
}

function ofNode(node: Node, scope: ApproxScope, depth: number): string[] {
  if (node.type === 'literal') return [node.value === null ? '' : String(node.value)];
  if (node.type === 'call') {
    const name = node.name.toLowerCase();
    if (name === 'concat') {
      return node.args.reduce<string[]>((acc, a) => cross(acc, ofNode(a, scope, depth)), ['']);
    }
    if (name === 'variables' && node.args[0]?.type === 'literal' && depth < MAX_DEPTH) {
      const values = scope.variableValues(String(node.args[0].value));
      return union(values.map((v) => approximate(v, scope, depth + 1)));
    }
    if ((name === 'string' || name === 'trim' || name === 'uricomponent') && node.args.length === 1) {
      return ofNode(node.args[0], scope, depth);
    }
    return [UNKNOWN];
  }
  const { root, names } = chain(node);
  if (root.type === 'call' && root.name === 'pipeline' && names.length === 2 && names[1] !== undefined) {
    const scopeName = names[0]?.toLowerCase();
    const value =
      scopeName === 'parameters'
        ? scope.parameterDefault(names[1])
        : scopeName === 'globalparameters'
          ? scope.globalParameter(names[1])
          : undefined;
    if (value !== undefined && depth < MAX_DEPTH) return approximate(value, scope, depth + 1);
  }
  return [UNKNOWN];
}

/** The possible texts of a JSON value as it stands in pipeline JSON (a template string or Expression object). */
export function approximate(value: unknown, scope: ApproxScope, depth = 0): string[] {
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Expression') {
    return approximate((value as { value?: unknown }).value, scope, depth);
  }
  if (typeof value !== 'string') return [UNKNOWN];
  let t;
  try {
    t = parse(value);
  } catch {
    return [UNKNOWN];
  }
  if (t.kind === 'literal') return [t.value];
  if (t.kind === 'expression') return ofNode(t.node, scope, depth);
  return t.parts.reduce<string[]>(
    (acc, p) => cross(acc, typeof p === 'string' ? [p] : ofNode(p.node, scope, depth)),
    [''],
  );
}
