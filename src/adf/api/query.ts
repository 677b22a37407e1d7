import { armInvalidBody } from '../../common/catalogue.js';
import type { ActivityRunRecord, PipelineRunRecord } from '../../storage/runs-records.js';

/**
 * ADF's RunFilterParameters (specs/adf-runtime.md §5): `lastUpdatedAfter`/`lastUpdatedBefore` (required),
 * `filters: [{operand, operator, values}]` (Equals, NotEquals, In, NotIn), `orderBy: [{orderBy, order}]` and
 * `continuationToken` paging. Operands and orderBy fields compare case-insensitively, as ADF does; values
 * compare case-insensitively for names and statuses, and as instants for RunStart/RunEnd-style operands.
 */

export interface RunFilterParameters {
  lastUpdatedAfter: number;
  lastUpdatedBefore: number;
  continuationToken?: string;
  filters: { operand: string; operator: 'equals' | 'notequals' | 'in' | 'notin'; values: string[] }[];
  orderBy: { field: string; desc: boolean }[];
}

const OPERATORS = new Set(['equals', 'notequals', 'in', 'notin']);

export const PIPELINE_RUN_OPERANDS: Record<string, (r: PipelineRunRecord) => string | null> = {
  pipelinename: (r) => r.pipelineName,
  status: (r) => r.status,
  runstart: (r) => r.runStart,
  runend: (r) => r.runEnd,
  rungroupid: (r) => r.runGroupId,
  latestonly: (r) => String(r.isLatest),
  triggername: (r) => r.invokedBy?.name ?? null,
  runid: (r) => r.runId,
};

export const ACTIVITY_RUN_OPERANDS: Record<string, (r: ActivityRunRecord) => string | null> = {
  activityname: (r) => r.activityName,
  activitytype: (r) => r.activityType,
  status: (r) => r.status,
  activityrunstart: (r) => r.activityRunStart,
  activityrunend: (r) => r.activityRunEnd,
};

const INSTANT_OPERANDS = new Set(['runstart', 'runend', 'activityrunstart', 'activityrunend', 'triggerruntimestamp']);

export const PIPELINE_RUN_ORDER: Record<string, (r: PipelineRunRecord) => string | number | null> = {
  runstart: (r) => (r.runStart ? Date.parse(r.runStart) : null),
  runend: (r) => (r.runEnd ? Date.parse(r.runEnd) : null),
  pipelinename: (r) => r.pipelineName.toLowerCase(),
  status: (r) => r.status,
};

export const ACTIVITY_RUN_ORDER: Record<string, (r: ActivityRunRecord) => string | number | null> = {
  activityrunstart: (r) => (r.activityRunStart ? Date.parse(r.activityRunStart) : null),
  activityrunend: (r) => (r.activityRunEnd ? Date.parse(r.activityRunEnd) : null),
  activityname: (r) => r.activityName.toLowerCase(),
  status: (r) => r.status,
};

function instant(v: unknown, field: string): number {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t))
    throw armInvalidBody(`${field} must be an ISO 8601 date-time, got ${JSON.stringify(v)}.`, field);
  return t;
}

export function parseRunFilter(
  body: unknown,
  opts: { operands: readonly string[]; orderFields: readonly string[] },
): RunFilterParameters {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw armInvalidBody(
      'The request body must be a RunFilterParameters object with lastUpdatedAfter and lastUpdatedBefore.',
    );
  }
  const b = body as Record<string, unknown>;
  if (b.lastUpdatedAfter === undefined) throw armInvalidBody('lastUpdatedAfter is required.', 'lastUpdatedAfter');
  if (b.lastUpdatedBefore === undefined) throw armInvalidBody('lastUpdatedBefore is required.', 'lastUpdatedBefore');
  const out: RunFilterParameters = {
    lastUpdatedAfter: instant(b.lastUpdatedAfter, 'lastUpdatedAfter'),
    lastUpdatedBefore: instant(b.lastUpdatedBefore, 'lastUpdatedBefore'),
    filters: [],
    orderBy: [],
  };
  if (out.lastUpdatedAfter > out.lastUpdatedBefore) {
    throw armInvalidBody('lastUpdatedAfter must not be later than lastUpdatedBefore.', 'lastUpdatedAfter');
  }
  if (b.continuationToken !== undefined && b.continuationToken !== null) {
    if (typeof b.continuationToken !== 'string')
      throw armInvalidBody('continuationToken must be a string.', 'continuationToken');
    out.continuationToken = b.continuationToken;
  }
  if (b.filters !== undefined && b.filters !== null) {
    if (!Array.isArray(b.filters))
      throw armInvalidBody('filters must be an array of {operand, operator, values}.', 'filters');
    b.filters.forEach((f: unknown, i: number) => {
      const where = `filters[${i}]`;
      const o = (f ?? {}) as Record<string, unknown>;
      const operand = String(o.operand ?? '').toLowerCase();
      if (!opts.operands.includes(operand)) {
        throw armInvalidBody(
          `${where}.operand '${String(o.operand)}' is not supported here; use one of: ${opts.operands.join(', ')}.`,
          `${where}.operand`,
        );
      }
      const operator = String(o.operator ?? '').toLowerCase();
      if (!OPERATORS.has(operator)) {
        throw armInvalidBody(
          `${where}.operator '${String(o.operator)}' is not one of Equals, NotEquals, In, NotIn.`,
          `${where}.operator`,
        );
      }
      if (!Array.isArray(o.values) || !o.values.every((v) => typeof v === 'string') || o.values.length === 0) {
        throw armInvalidBody(`${where}.values must be a non-empty array of strings.`, `${where}.values`);
      }
      if (INSTANT_OPERANDS.has(operand)) o.values.forEach((v, j) => instant(v, `${where}.values[${j}]`));
      out.filters.push({
        operand,
        operator: operator as RunFilterParameters['filters'][number]['operator'],
        values: o.values as string[],
      });
    });
  }
  if (b.orderBy !== undefined && b.orderBy !== null) {
    if (!Array.isArray(b.orderBy)) throw armInvalidBody('orderBy must be an array of {orderBy, order}.', 'orderBy');
    b.orderBy.forEach((ob: unknown, i: number) => {
      const o = (ob ?? {}) as Record<string, unknown>;
      const field = String(o.orderBy ?? '').toLowerCase();
      if (!opts.orderFields.includes(field)) {
        throw armInvalidBody(
          `orderBy[${i}].orderBy '${String(o.orderBy)}' is not supported here; use one of: ${opts.orderFields.join(', ')}.`,
          `orderBy[${i}].orderBy`,
        );
      }
      const order = String(o.order ?? 'ASC').toUpperCase();
      if (order !== 'ASC' && order !== 'DESC')
        throw armInvalidBody(`orderBy[${i}].order must be ASC or DESC.`, `orderBy[${i}].order`);
      out.orderBy.push({ field, desc: order === 'DESC' });
    });
  }
  return out;
}

function matches(actual: string | null, f: RunFilterParameters['filters'][number]): boolean {
  const instantish = INSTANT_OPERANDS.has(f.operand);
  const eq = (v: string) =>
    actual !== null && (instantish ? Date.parse(actual) === Date.parse(v) : actual.toLowerCase() === v.toLowerCase());
  const any = f.values.some(eq);
  return f.operator === 'equals' || f.operator === 'in' ? any : !any;
}

/** Applies filters and order; the base order (when orderBy is empty or ties) is given by `tieBreak`. */
export function applyFilter<T>(
  rows: T[],
  p: RunFilterParameters,
  o: {
    operands: Record<string, (r: T) => string | null>;
    order: Record<string, (r: T) => string | number | null>;
    tieBreak: (a: T, b: T) => number;
  },
): T[] {
  let out = rows;
  for (const f of p.filters) {
    if (f.operand === 'latestonly') {
      // ADF's LatestOnly takes "true"/"false": true keeps only the latest run of each rerun group
      if (f.values.some((v) => v.toLowerCase() === 'true') === (f.operator === 'equals' || f.operator === 'in')) {
        out = out.filter((r) => o.operands.latestonly(r) === 'true');
      }
      continue;
    }
    const get = o.operands[f.operand];
    out = out.filter((r) => matches(get(r), f));
  }
  const sorted = [...out];
  sorted.sort((a, b) => {
    for (const ob of p.orderBy) {
      const va = o.order[ob.field](a);
      const vb = o.order[ob.field](b);
      if (va === vb) continue;
      // nulls (not started / not ended) sort last ascending
      const c = va === null ? 1 : vb === null ? -1 : va < vb ? -1 : 1;
      return ob.desc ? -c : c;
    }
    return o.tieBreak(a, b);
  });
  return sorted;
}

/** Offset paging with an opaque token bound to the query it came from. */
export function page<T>(
  rows: T[],
  p: RunFilterParameters,
  size: number,
  scope: string,
): { value: T[]; continuationToken?: string } {
  let offset = 0;
  if (p.continuationToken) {
    let t: { o?: unknown; s?: unknown } = {};
    try {
      t = JSON.parse(Buffer.from(p.continuationToken, 'base64url').toString('utf8')) as typeof t;
    } catch {
      // reported below
    }
    if (typeof t.o !== 'number' || !Number.isInteger(t.o) || t.o < 0 || t.s !== scope) {
      throw armInvalidBody('continuationToken is not one this query returned.', 'continuationToken');
    }
    offset = t.o;
  }
  const value = rows.slice(offset, offset + size);
  const next = offset + size;
  return next < rows.length
    ? { value, continuationToken: Buffer.from(JSON.stringify({ o: next, s: scope })).toString('base64url') }
    : { value };
}
