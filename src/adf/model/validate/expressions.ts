import { isExpressionError, parse, references, type Template } from '../../expressions/index.js';
import { ancestorsOf, childLists, type ActivityNode } from '../activity-tree.js';
import { jsonPath } from '../json-path.js';
import { isRecord } from '../normalize.js';
import { upstreamOf } from './dependencies.js';
import type { PipelineContext, PipelineRule } from './context.js';
import type { Activity } from '../types.js';

/** Characters per expression (ADF limits page, includes/azure-data-factory-limits.md 2024-03-19). */
export const EXPRESSION_MAX_LENGTH = 8192;

/** Activity fields that are never templates; child activity lists are checked as their own activities. */
const NOT_TEMPLATES = new Set(['name', 'type', 'description', 'dependsOn', 'state', 'onInactiveMarkAs']);

/**
 * Every template string of every active activity (a string starting with `@`, or holding `@{`, in either the
 * bare or the `{"value", "type": "Expression"}` form): it must parse, be at most 8,192 characters, and read
 * only what exists and is visible from where it stands — declared variables and parameters, global
 * parameters the factory declares, and activities that have surely finished: those upstream through
 * `dependsOn` or upstream of an enclosing container (with the inner activities of those), and, for an
 * Until's own condition, the Until's inner activities. ADF's editor rejects other `activity('X')` references ("not an ancestor to the current
 * activity").
 */
export const expressions: PipelineRule = (ctx) => {
  const vars = lowerSet(Object.keys(ctx.pipeline.properties.variables ?? {}));
  const params = lowerSet(Object.keys(ctx.pipeline.properties.parameters ?? {}));
  const globals = lowerSet(Object.keys(ctx.factory.globalParameters));
  for (const node of ctx.nodes) {
    if (node.activity.state === 'Inactive') continue;
    const visible = visibleFrom(node);
    const untilBody = node.activity.type === 'Until' ? descendantNames(node.activity) : undefined;
    const inLoop = ancestorsOf(node).some((a) => a.activity.type === 'ForEach');
    forEachTemplate(node.activity, node.path, (text, path, field) => {
      if (text.length > EXPRESSION_MAX_LENGTH) {
        ctx.problem(
          'expression-length',
          path,
          `the expression is ${text.length} characters long; ADF allows at most ${EXPRESSION_MAX_LENGTH}`,
        );
      }
      let template: Template;
      try {
        template = parse(text);
      } catch (e) {
        if (!isExpressionError(e)) throw e;
        ctx.problem('expression-syntax', path, e.message);
        return;
      }
      if (template.kind === 'literal') return;
      const refs = references(template);
      if (refs.usesItem && !inLoop && !(node.activity.type === 'Filter' && field === 'condition')) {
        ctx.warning(
          'item-outside-foreach',
          path,
          `item() is used outside any ForEach (and outside a Filter's condition), where it has no value; the activity will fail when this is evaluated`,
        );
      }
      for (const v of refs.variables) {
        if (!vars.has(v.toLowerCase())) {
          ctx.problem(
            'unknown-variable',
            path,
            `variables('${v}') reads a variable the pipeline does not declare${list(ctx.pipeline.properties.variables)}`,
          );
        }
      }
      for (const p of refs.parameters) {
        if (!params.has(p.toLowerCase())) {
          ctx.problem(
            'unknown-parameter',
            path,
            `pipeline().parameters.${p} reads a parameter the pipeline does not declare${list(ctx.pipeline.properties.parameters)}`,
          );
        }
      }
      if (ctx.factory.hasFactoryFile) {
        for (const g of refs.globalParameters) {
          if (!globals.has(g.toLowerCase())) {
            ctx.problem(
              'unknown-global-parameter',
              path,
              `pipeline().globalParameters.${g} reads a global parameter the factory does not declare${list(ctx.factory.globalParameters)}`,
            );
          }
        }
      }
      for (const a of refs.activities) {
        const lower = a.toLowerCase();
        if (visible.has(lower)) continue;
        if (field === 'expression' && untilBody?.has(lower)) continue;
        activityNotVisible(ctx, node, a, path);
      }
    });
  }
};

function activityNotVisible(ctx: PipelineContext, node: ActivityNode, name: string, path: string): void {
  const target = ctx.byName.get(name.toLowerCase());
  if (!target) {
    ctx.problem('activity-reference', path, `activity('${name}') refers to an activity this pipeline does not have`);
  } else if (target === node) {
    ctx.problem('activity-reference', path, `activity '${node.activity.name}' refers to its own output`);
  } else {
    ctx.problem(
      'activity-reference',
      path,
      `activity('${name}') cannot be read from '${node.activity.name}': it is not an ancestor of the current activity (add a dependsOn path from '${name}', or from a container holding it, to '${node.activity.name}' or one of its containers)`,
    );
  }
}

/**
 * Lower-cased names of the activities that have finished whenever `node` runs: upstream of it or of an
 * enclosing container, and the inner activities of those (procfwk's published 04-Infant pipeline reads an
 * activity inside an upstream Until from a Switch, so ADF accepts that).
 */
function visibleFrom(node: ActivityNode): Set<string> {
  const out = new Set<string>();
  for (let n: ActivityNode | undefined = node; n; n = n.parent) {
    for (const a of upstreamOf(n)) {
      out.add(a.name.toLowerCase());
      for (const d of descendantNames(a)) out.add(d);
    }
  }
  return out;
}

function descendantNames(a: Activity): Set<string> {
  const out = new Set<string>();
  const visit = (x: Activity) => {
    for (const c of childLists(x)) {
      for (const child of c.activities) {
        out.add(child.name.toLowerCase());
        visit(child);
      }
    }
  };
  visit(a);
  return out;
}

/**
 * Calls `visit` for each template string of an activity (its own fields, not its children's). `field` is the
 * top-level `typeProperties` key the string sits under (`expression` for an Until's condition).
 */
function forEachTemplate(a: Activity, path: string, visit: (text: string, path: string, field: string) => void): void {
  const childKeys = new Set(childLists(a).map((c) => c.segments.join('/')));
  const walk = (v: unknown, p: string, segs: (string | number)[]) => {
    if (typeof v === 'string') {
      if (v.startsWith('@') || v.includes('@{')) visit(v, p, String(segs[1] ?? ''));
    } else if (Array.isArray(v)) {
      if (childKeys.has(segs.join('/'))) return;
      v.forEach((x, i) => walk(x, jsonPath(p, i), [...segs, i]));
    } else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (segs.length === 0 && NOT_TEMPLATES.has(k)) continue;
        walk(x, jsonPath(p, k), [...segs, k]);
      }
    }
  };
  walk(a, path, []);
}

function lowerSet(names: string[]): Set<string> {
  return new Set(names.map((n) => n.toLowerCase()));
}

function list(specs: Record<string, unknown> | undefined): string {
  const names = Object.keys(specs ?? {});
  return names.length ? ` (declared: ${names.join(', ')})` : ' (none are declared)';
}
