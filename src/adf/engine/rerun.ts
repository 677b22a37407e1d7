import { rerunNotPossible } from '../../common/catalogue.js';
import { SECURE_MARKER, type ActivityRunRecord, type PipelineRunRecord } from '../../storage/runs-records.js';
import type { RunsStore } from '../../storage/runs-store.js';
import type { ActivityState } from '../expressions/context.js';
import type { Activity, Pipeline } from '../model/types.js';

/**
 * Rerun / recovery (ADF's createRun `referencePipelineRunId` + `isRecovery` + `startActivityName` /
 * `startFromFailure`, specs/adf-runtime.md §2.8). A recovery run joins the reference run's group
 * (`runGroupId`) and becomes its latest (`isLatest`). The top-level activities it reruns are the start
 * activities and everything downstream of them; every other top-level activity keeps the status and output it
 * had in the reference run without running again (no activity run is recorded for it).
 *
 * Containers rerun whole: a ForEach loops over the items it receives again, If/Switch conditions and Until are
 * re-evaluated. An ExecutePipeline that reruns starts its child as a recovery of the reference run's child,
 * so the child's succeeded activities are skipped too.
 *
 * Decision (ADF does not document it): a succeeded activity whose output was secured (`secureOutput`) is rerun
 * instead of reused, because its recorded output is the marker, not the value downstream activities need.
 */
export interface RecoveryRequest {
  reference: PipelineRunRecord;
  startActivityName?: string;
  startFromFailure?: boolean;
  /** For a child rerun: when nothing failed, reuse everything instead of rejecting. */
  allowNothingToRerun?: boolean;
}

export interface RecoveryPlan {
  referenceRunId: string;
  runGroupId: string;
  /** Top-level activities that do not run again, by name, with the state downstream expressions see. */
  reuse: Map<string, ActivityState & { status: 'Succeeded' | 'Failed' | 'Skipped' | 'Cancelled' }>;
  /** Top-level ExecutePipeline activity name → the child run it started in the reference run. */
  childRuns: Map<string, string>;
}

const RERUN_FROM = new Set(['Failed', 'Cancelled']);

/** The last attempt of each top-level activity of a run. */
function lastTopLevel(records: ActivityRunRecord[]): Map<string, ActivityRunRecord> {
  const out = new Map<string, ActivityRunRecord>();
  for (const r of records) {
    if (r.parentActivityRunId !== null) continue;
    const prev = out.get(r.activityName);
    if (!prev || prev.seq < r.seq) out.set(r.activityName, r);
  }
  return out;
}

/** Everything that depends, directly or not, on one of `seeds` within one activity list. */
export function downstreamOf(activities: readonly Activity[], seeds: Iterable<string>): Set<string> {
  const dependents = new Map<string, string[]>();
  for (const a of activities) {
    for (const d of a.dependsOn ?? []) {
      const list = dependents.get(d.activity) ?? [];
      list.push(a.name);
      dependents.set(d.activity, list);
    }
  }
  const out = new Set<string>();
  const stack = [...seeds];
  while (stack.length) {
    const n = stack.pop() as string;
    if (out.has(n)) continue;
    out.add(n);
    stack.push(...(dependents.get(n) ?? []));
  }
  return out;
}

export async function planRecovery(store: RunsStore, pipeline: Pipeline, req: RecoveryRequest): Promise<RecoveryPlan> {
  const ref = req.reference;
  if (ref.pipelineName.toLowerCase() !== pipeline.name.toLowerCase()) {
    throw rerunNotPossible(ref.runId, `it is a run of pipeline '${ref.pipelineName}', not of '${pipeline.name}'`);
  }
  if (['Queued', 'InProgress', 'Canceling'].includes(ref.status)) {
    throw rerunNotPossible(ref.runId, `it is still ${ref.status}; wait for it to end or cancel it`);
  }
  const activities = pipeline.properties.activities ?? [];
  const byLower = new Map(activities.map((a) => [a.name.toLowerCase(), a.name]));
  // An activity a rerun reused has no record in it: its state comes from the earlier run of the group that ran it.
  const group = (await store.listPipelineRuns({ runGroupId: ref.runGroupId })).filter(
    (r) => r.runId === ref.runId || r.queuedAt < ref.queuedAt,
  );
  const records = new Map<string, ActivityRunRecord>();
  for (const run of group)
    for (const [k, v] of lastTopLevel(await store.listActivityRuns(run.runId))) records.set(k, v);

  let seeds: string[];
  if (req.startActivityName !== undefined && req.startActivityName !== '') {
    const name = byLower.get(req.startActivityName.toLowerCase());
    if (!name) {
      throw rerunNotPossible(
        ref.runId,
        `startActivityName '${req.startActivityName}' is not a top-level activity of pipeline '${pipeline.name}' (it has: ${activities.map((a) => a.name).join(', ')})`,
      );
    }
    seeds = [name];
  } else if (req.startFromFailure) {
    seeds = activities.filter((a) => RERUN_FROM.has(records.get(a.name)?.status ?? '')).map((a) => a.name);
    if (!seeds.length && !req.allowNothingToRerun) {
      throw rerunNotPossible(ref.runId, 'it has no failed or cancelled activity to rerun from');
    }
  } else {
    seeds = activities.map((a) => a.name);
  }

  const rerun = downstreamOf(activities, seeds);
  const reuse: RecoveryPlan['reuse'] = new Map();
  for (const a of activities) {
    if (rerun.has(a.name)) continue;
    const r = records.get(a.name);
    if (!r) {
      reuse.set(a.name, { status: 'Skipped' });
    } else if (r.status === 'Succeeded' && !(r.secureOutput || r.output === SECURE_MARKER)) {
      reuse.set(a.name, { status: 'Succeeded', output: r.output ?? undefined });
    } else if (r.status === 'Failed' || r.status === 'Cancelled') {
      reuse.set(a.name, { status: r.status, output: r.output ?? undefined, error: r.error ?? undefined });
    }
    // Succeeded with a secured output, and Inactive: run again (see the decision above).
  }

  const childRuns = new Map<string, string>();
  for (const [name, r] of records) {
    const out = r.output as { pipelineRunId?: unknown } | null;
    if (r.activityType.toLowerCase() === 'executepipeline' && typeof out?.pipelineRunId === 'string') {
      childRuns.set(name, out.pipelineRunId);
    }
  }
  return { referenceRunId: ref.runId, runGroupId: ref.runGroupId, reuse, childRuns };
}

/**
 * The parameters of a rerun: the reference run's (recorded as strings; the engine types them by the declared
 * types again), overridden by any given explicitly. A SecureString parameter is recorded masked, so a rerun
 * must be given its value again.
 */
export function recoveryParameters(
  reference: PipelineRunRecord,
  given: Record<string, unknown>,
  /** The reference run's SecureString values, where they were kept (sealed) by the caller. */
  secureValues: Record<string, string> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const givenLower = new Set(Object.keys(given).map((k) => k.toLowerCase()));
  for (const [k, v] of Object.entries(reference.parameters)) {
    if (givenLower.has(k.toLowerCase())) continue;
    if (v === SECURE_MARKER && secureValues[k] !== undefined) {
      out[k] = secureValues[k];
      continue;
    }
    if (v === SECURE_MARKER) {
      throw rerunNotPossible(
        reference.runId,
        `parameter '${k}' is a SecureString whose value is not kept; pass it again in the request body`,
      );
    }
    out[k] = v;
  }
  return { ...out, ...given };
}

/** Marks every other run of a group as no longer the latest (ADF's `isLatest`). */
export async function supersede(store: RunsStore, runGroupId: string, latestRunId: string): Promise<void> {
  for (const r of await store.listPipelineRuns({ runGroupId })) {
    if (r.runId === latestRunId || !r.isLatest) continue;
    store.savePipelineRun({ ...r, isLatest: false });
  }
  await store.flush();
}
