import type { FastifyInstance, FastifyRequest } from 'fastify';
import { armInvalidBody } from '../../common/catalogue.js';
import { requireAccess } from './auth.js';
import type { ApiContext } from './context.js';
import { applyFilter, page, parseRunFilter } from './query.js';
import { FACTORIES } from './routes-resources.js';
import type { TriggerRunRecord } from './triggers/scheduler.js';
import { TRIGGER_RUN_OPERANDS, TRIGGER_RUN_ORDER } from './triggers/trigger-runs.js';
import { resourceView, type Scope } from './wire.js';

/**
 * Triggers' start / stop (runtimeState), queryTriggerRuns, a trigger run's rerun and cancel, and querytriggers,
 * as ADF has them.
 */

type P = { subscriptionId: string; resourceGroupName: string; factoryName: string; triggerName: string; runId: string };

/** Trigger runs per page; a request may ask for another size with the pipevault extension `pageSize`. */
export const TRIGGER_RUNS_PAGE = 100;
const MAX_PAGE = 5000;

function pageSize(body: unknown): number {
  const v = (body as { pageSize?: unknown } | null)?.pageSize;
  if (v === undefined) return TRIGGER_RUNS_PAGE;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_PAGE) {
    throw armInvalidBody(`pageSize must be a whole number from 1 to ${MAX_PAGE}.`, 'pageSize');
  }
  return v;
}

export function triggerRunView(r: TriggerRunRecord) {
  const { factory: _f, ...view } = r;
  return view;
}

export function registerTriggerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { service, identity } = ctx;
  const F = `${FACTORIES}/:factoryName`;
  const allow = async (req: FastifyRequest, access: 'read' | 'write', action: string) => {
    const who = await ctx.caller(req);
    await requireAccess(identity, who.principal, (req.params as P).factoryName, access, action);
  };

  // ADF answers these long-running operations with 200 once done; the SDK's poller accepts that at once
  app.post(`${F}/triggers/:triggerName/start`, async (req, reply) => {
    const { factoryName, triggerName } = req.params as P;
    await allow(req, 'write', 'triggers/start/action');
    await service.startTrigger(factoryName, triggerName);
    return reply.code(200).send();
  });

  app.post(`${F}/triggers/:triggerName/stop`, async (req, reply) => {
    const { factoryName, triggerName } = req.params as P;
    await allow(req, 'write', 'triggers/stop/action');
    await service.stopTrigger(factoryName, triggerName);
    return reply.code(200).send();
  });

  // a window of a TumblingWindowTrigger runs again; answered once its rerun has started
  app.post(`${F}/triggers/:triggerName/triggerRuns/:runId/rerun`, async (req, reply) => {
    const { factoryName, triggerName, runId } = req.params as P;
    await allow(req, 'write', 'triggers/triggerruns/rerun/action');
    await service.rerunTriggerRun(factoryName, triggerName, runId);
    return reply.code(200).send();
  });

  // an Inprogress trigger run stops; answered once it has ended
  app.post(`${F}/triggers/:triggerName/triggerRuns/:runId/cancel`, async (req, reply) => {
    const { factoryName, triggerName, runId } = req.params as P;
    await allow(req, 'write', 'triggers/triggerruns/cancel/action');
    await service.cancelTriggerRun(factoryName, triggerName, runId);
    return reply.code(200).send();
  });

  app.post(`${F}/queryTriggerRuns`, async (req) => {
    const { factoryName } = req.params as P;
    await allow(req, 'read', 'triggerruns/read');
    const f = await service.requireFactory(factoryName);
    const p = parseRunFilter(req.body, {
      operands: Object.keys(TRIGGER_RUN_OPERANDS),
      orderFields: Object.keys(TRIGGER_RUN_ORDER),
    });
    const size = pageSize(req.body);
    // lastUpdatedAfter/Before bound when a trigger run last changed (started, rerun, ended), as ADF's do
    const rows = await service.triggerRuns(f.name, {
      lastUpdatedAfter: p.lastUpdatedAfter,
      lastUpdatedBefore: p.lastUpdatedBefore,
    });
    const sorted = applyFilter<TriggerRunRecord>(rows, p, {
      operands: TRIGGER_RUN_OPERANDS,
      order: TRIGGER_RUN_ORDER,
      // newest first when nothing else decides
      tieBreak: (a, b) => Date.parse(b.triggerRunTimestamp) - Date.parse(a.triggerRunTimestamp),
    });
    const res = page(sorted, p, size, `tr:${f.name.toLowerCase()}`);
    return {
      value: res.value.map(triggerRunView),
      ...(res.continuationToken ? { continuationToken: res.continuationToken } : {}),
    };
  });

  // Triggers_QueryByFactory: the factory's triggers, or those whose parentTrigger is the one named
  app.post(`${F}/querytriggers`, async (req) => {
    const { factoryName } = req.params as P;
    await allow(req, 'read', 'triggers/read');
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw armInvalidBody('The request body must be {parentTriggerName?, continuationToken?}.');
    }
    if (body.parentTriggerName !== undefined && typeof body.parentTriggerName !== 'string') {
      throw armInvalidBody('parentTriggerName must be a string.', 'parentTriggerName');
    }
    if (body.continuationToken !== undefined && body.continuationToken !== null) {
      throw armInvalidBody('continuationToken is not one this query returned.', 'continuationToken');
    }
    const f = await service.requireFactory(factoryName);
    const parent = (body.parentTriggerName as string | undefined)?.toLowerCase();
    const s: Scope = {
      subscriptionId: (req.params as P).subscriptionId,
      resourceGroupName: (req.params as P).resourceGroupName,
    };
    const all = await service.factories.listResources(f.name, 'triggers');
    return {
      value: all
        .filter(
          (t) =>
            parent === undefined ||
            String((t.properties as { parentTrigger?: unknown }).parentTrigger ?? '').toLowerCase() === parent,
        )
        .map((t) => resourceView(s, t)),
    };
  });
}
