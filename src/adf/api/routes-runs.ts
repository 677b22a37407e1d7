import type { FastifyInstance, FastifyRequest } from 'fastify';
import { armInvalidBody } from '../../common/catalogue.js';
import type { ActivityRunRecord, PipelineRunRecord } from '../../storage/runs-records.js';
import { requireAccess } from './auth.js';
import type { ApiContext } from './context.js';
import {
  ACTIVITY_RUN_OPERANDS,
  ACTIVITY_RUN_ORDER,
  PIPELINE_RUN_OPERANDS,
  PIPELINE_RUN_ORDER,
  applyFilter,
  page,
  parseRunFilter,
} from './query.js';
import { FACTORIES } from './routes-resources.js';
import { activityRunView, pipelineRunView } from './wire.js';

/** createRun (with rerun), pipelineruns get / cancel, queryPipelineRuns, queryActivityruns. */

type P = { factoryName: string; pipelineName: string; runId: string };

/** Page sizes; a request may ask for a smaller or larger page with the pipevault extension `pageSize`. */
export const PIPELINE_RUNS_PAGE = 100;
export const ACTIVITY_RUNS_PAGE = 1000;
const MAX_PAGE = 5000;

function flag(v: unknown, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  const s = String(v).toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw armInvalidBody(`Query parameter ${name} must be true or false, got '${String(v)}'.`, name);
}

/** Keyset continuation tokens for the default activity-run order: the last `seq` returned, bound to the run. */
function makeKeysetToken(seq: number, runId: string): string {
  return Buffer.from(JSON.stringify({ k: seq, s: `ar:${runId}` })).toString('base64url');
}

function keysetToken(token: string | undefined, runId: string): number | undefined {
  if (!token) return undefined;
  let t: { k?: unknown; s?: unknown } = {};
  try {
    t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof t;
  } catch {
    // reported below
  }
  if (typeof t.k !== 'number' || !Number.isInteger(t.k) || t.s !== `ar:${runId}`) {
    throw armInvalidBody('continuationToken is not one this query returned.', 'continuationToken');
  }
  return t.k;
}

function pageSize(body: unknown, dflt: number): number {
  const v = (body as { pageSize?: unknown } | null)?.pageSize;
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_PAGE) {
    throw armInvalidBody(`pageSize must be a whole number from 1 to ${MAX_PAGE}.`, 'pageSize');
  }
  return v;
}

export function registerRunRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { service, identity } = ctx;
  const F = `${FACTORIES}/:factoryName`;
  const allow = async (req: FastifyRequest, access: 'read' | 'write', action: string) => {
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, (req.params as P).factoryName, access, action);
  };

  app.post(`${F}/pipelines/:pipelineName/createRun`, { bodyLimit: 4 * 1024 * 1024 }, async (req) => {
    const { factoryName, pipelineName } = req.params as P;
    await allow(req, 'write', 'pipelines/createrun/action');
    const q = req.query as Record<string, string | undefined>;
    const body = req.body;
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw armInvalidBody('The request body of createRun is the parameters object itself ({"name": value, …}).');
    }
    const runId = await service.createRun(factoryName, pipelineName, {
      parameters: (body ?? {}) as Record<string, unknown>,
      referencePipelineRunId: q.referencePipelineRunId || undefined,
      isRecovery: flag(q.isRecovery, 'isRecovery'),
      startActivityName: q.startActivityName || undefined,
      startFromFailure: flag(q.startFromFailure, 'startFromFailure'),
    });
    return { runId };
  });

  app.get(`${F}/pipelineruns/:runId`, async (req) => {
    const { factoryName, runId } = req.params as P;
    await allow(req, 'read', 'pipelineruns/read');
    return pipelineRunView(await service.getRun(factoryName, runId));
  });

  app.post(`${F}/pipelineruns/:runId/cancel`, async (req, reply) => {
    const { factoryName, runId } = req.params as P;
    await allow(req, 'write', 'pipelineruns/cancel/action');
    const recursive = flag((req.query as Record<string, string>).isRecursive, 'isRecursive') ?? false;
    await service.cancelRun(factoryName, runId, recursive);
    return reply.code(200).send();
  });

  app.post(`${F}/queryPipelineRuns`, async (req) => {
    const { factoryName } = req.params as P;
    await allow(req, 'read', 'pipelineruns/read');
    const f = await service.requireFactory(factoryName);
    const p = parseRunFilter(req.body, {
      operands: Object.keys(PIPELINE_RUN_OPERANDS),
      orderFields: Object.keys(PIPELINE_RUN_ORDER),
    });
    const rows = await service.runs.listPipelineRuns({
      factoryName: f.name,
      lastUpdatedAfter: new Date(p.lastUpdatedAfter).toISOString(),
      lastUpdatedBefore: new Date(p.lastUpdatedBefore).toISOString(),
    });
    const sorted = applyFilter<PipelineRunRecord>(rows, p, {
      operands: PIPELINE_RUN_OPERANDS,
      order: PIPELINE_RUN_ORDER,
      // newest first when nothing else decides
      tieBreak: (a, b) => (a.queuedAt === b.queuedAt ? (a.runId < b.runId ? 1 : -1) : a.queuedAt < b.queuedAt ? 1 : -1),
    });
    const res = page(sorted, p, pageSize(req.body, PIPELINE_RUNS_PAGE), `pr:${f.name.toLowerCase()}`);
    return {
      value: res.value.map(pipelineRunView),
      ...(res.continuationToken ? { continuationToken: res.continuationToken } : {}),
    };
  });

  app.post(`${F}/pipelineruns/:runId/queryActivityruns`, async (req) => {
    const { factoryName, runId } = req.params as P;
    await allow(req, 'read', 'pipelineruns/queryactivityruns/action');
    const run = await service.getRun(factoryName, runId);
    const p = parseRunFilter(req.body, {
      operands: Object.keys(ACTIVITY_RUN_OPERANDS),
      orderFields: Object.keys(ACTIVITY_RUN_ORDER),
    });
    // An activity run's "last updated" is when it ended, or started while in progress.
    const inWindow = (r: ActivityRunRecord) => {
      const t = Date.parse(r.activityRunEnd ?? r.activityRunStart ?? run.lastUpdated);
      return t >= p.lastUpdatedAfter && t <= p.lastUpdatedBefore;
    };
    const size = pageSize(req.body, ACTIVITY_RUNS_PAGE);
    if (!p.filters.length && !p.orderBy.length) {
      // the default order (as recorded) pages in the database: a page costs the same on a run of any size
      const after = keysetToken(p.continuationToken, run.runId);
      const rows = await service.runs.listActivityRuns(run.runId, { afterSeq: after, limit: size + 1 });
      const more = rows.length > size;
      const pageRows = rows.slice(0, size);
      const last = pageRows[pageRows.length - 1];
      return {
        value: pageRows.filter(inWindow).map(activityRunView),
        ...(more && last ? { continuationToken: makeKeysetToken(last.seq, run.runId) } : {}),
      };
    }
    const rows = (await service.runs.listActivityRuns(run.runId)).filter(inWindow);
    const sorted = applyFilter<ActivityRunRecord>(rows, p, {
      operands: ACTIVITY_RUN_OPERANDS,
      order: ACTIVITY_RUN_ORDER,
      tieBreak: (a, b) => a.seq - b.seq,
    });
    const res = page(sorted, p, size, `ar:${run.runId}`);
    return {
      value: res.value.map(activityRunView),
      ...(res.continuationToken ? { continuationToken: res.continuationToken } : {}),
    };
  });

  // pipevault extension for the monitor: one row per activity (loop iterations aggregated), so a run with
  // thousands of activity runs opens from one small response; the rows themselves are paged as above.
  app.get(`${F}/pipelineruns/:runId/activitySummary`, async (req) => {
    const { factoryName, runId } = req.params as P;
    await allow(req, 'read', 'pipelineruns/read');
    const run = await service.getRun(factoryName, runId);
    return { run: pipelineRunView(run), ...(await service.activitySummary(run)) };
  });

  // pipevault extension for the monitor: the run's pipeline laid out as a graph (one node per activity of the
  // definition), computed once per definition on the server so the page paints it without a layout engine
  app.get(`${F}/pipelineruns/:runId/graph`, async (req) => {
    const { factoryName, runId } = req.params as P;
    await allow(req, 'read', 'pipelineruns/read');
    return service.runGraph(await service.getRun(factoryName, runId));
  });
}
