import type { FastifyInstance } from 'fastify';
import { armInvalidBody } from '../../common/catalogue.js';
import type { PipelineRunRecord } from '../../storage/runs-records.js';
import { requireAccess } from './auth.js';
import type { ApiContext } from './context.js';
import type { RunChange } from './service.js';
import { triggerRunView } from './routes-triggers.js';
import type { TriggerRunRecord } from './triggers/scheduler.js';
import { pipelineRunView } from './wire.js';

/**
 * Live run changes for the monitor, as server-sent events: `GET /pipevault/adf/events?factory=NAME`.
 * Changes are coalesced and sent at most every `FLUSH_MS`: an `pipelineRun` event per changed run (its ADF
 * shape) and one `activityRuns` event per run whose activity runs changed (`{runId, changed}`: the view
 * refetches what it shows), so a run with thousands of activity runs cannot flood a browser. A trigger run
 * created or changed (started, a pipeline run started, ended, rerun, cancelled) is a `triggerRun` event (its
 * ADF shape, as queryTriggerRuns returns it), the latest state of each per flush — so a trigger run that fails
 * before starting any pipeline run is seen too. A trigger started or stopped is a `trigger` event
 * (`{name, runtimeState}`). Reading trigger runs and triggers is the same read access on the factory.
 */
export const EVENTS_PATH = '/pipevault/adf/events';
const FLUSH_MS = 200;
const HEARTBEAT_MS = 15_000;

export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // open streams never go idle: end them when the server closes, or closing would wait for them forever
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.get(EVENTS_PATH, async (req, reply) => {
    const factory = (req.query as { factory?: string }).factory;
    if (!factory)
      throw armInvalidBody('The query parameter factory (the factory whose runs to follow) is required.', 'factory');
    const who = await ctx.caller(req);
    await requireAccess(ctx.identity, who.principal, factory, 'read', 'pipelineruns/read');
    const f = await ctx.service.requireFactory(factory);
    const key = f.name.toLowerCase();

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\nevent: ready\ndata: {"factory":${JSON.stringify(f.name)}}\n\n`);

    const runs = new Map<string, PipelineRunRecord>();
    const activity = new Map<string, number>();
    const triggerRuns = new Map<string, TriggerRunRecord>();
    const triggers = new Map<string, string>();
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      timer = null;
      let out = '';
      for (const r of runs.values()) out += `event: pipelineRun\ndata: ${JSON.stringify(pipelineRunView(r))}\n\n`;
      for (const [runId, changed] of activity)
        out += `event: activityRuns\ndata: ${JSON.stringify({ runId, changed })}\n\n`;
      for (const r of triggerRuns.values()) out += `event: triggerRun\ndata: ${JSON.stringify(triggerRunView(r))}\n\n`;
      for (const [name, runtimeState] of triggers)
        out += `event: trigger\ndata: ${JSON.stringify({ name, runtimeState })}\n\n`;
      runs.clear();
      activity.clear();
      triggerRuns.clear();
      triggers.clear();
      if (out) res.write(out);
    };
    const unsubscribe = ctx.service.subscribe((c: RunChange) => {
      if (c.factory.toLowerCase() !== key) return;
      if (c.pipelineRun) runs.set(c.pipelineRun.runId, { ...c.pipelineRun });
      if (c.activityRun)
        activity.set(c.activityRun.pipelineRunId, (activity.get(c.activityRun.pipelineRunId) ?? 0) + 1);
      if (c.triggerRun) triggerRuns.set(c.triggerRun.triggerRunId, c.triggerRun);
      if (c.trigger) triggers.set(c.trigger.name, c.trigger.runtimeState);
      timer ??= setTimeout(flush, FLUSH_MS);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const stop = () => {
      unsubscribe();
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
    };
    const end = () => {
      stop();
      res.end();
    };
    open.add(end);
    req.raw.on('close', stop);
    res.on('close', () => {
      stop();
      open.delete(end);
    });
  });
}
