import { SUBSCRIPTION_ID, RESOURCE_GROUP } from '../../identity/types.js';
import type { MockMap } from '../../adf/engine/mocks.js';
import type { LoadedFactory } from '../../adf/model/types.js';
import type { Workspace } from '../../adf/model/workspace/load.js';
import {
  factoryResources,
  PUBLISH_PATH,
  workspaceToWire,
  type PublishBody,
} from '../../adf/linked-services/publish.js';
import type { ActivityRunRecord, PipelineRunRecord } from '../../storage/runs-records.js';
import { connect, type Connection, type ConnectionOptions } from './connect.js';

/**
 * `pipevault run DIR --data-dir D | --endpoint URL`: publishes the factory folder into that server (resources
 * through the factory API's validation, the workspace file applied as `start --factory` applies it) and runs
 * the pipeline there through the ARM-shaped API — createRun, then the run followed to its end — so the run
 * shows in the server's API and monitor like any other.
 */

export interface RemoteRunDocument {
  run: PipelineRunRecord;
  activityRuns: ActivityRunRecord[];
  childRuns: RemoteRunDocument[];
}

export interface RemoteRunOptions {
  connection: ConnectionOptions;
  factory: LoadedFactory;
  workspace?: Workspace;
  /** `--mocks FILE`, published on top of the workspace's mocks. */
  mocks?: MockMap;
  allowEgress?: boolean;
  pipelineName: string;
  parameters: Record<string, unknown>;
  /** Live progress, as the server reports it while the run goes on. */
  onPipelineRun?: (r: PipelineRunRecord) => void;
  onActivityRun?: (r: ActivityRunRecord) => void;
  /** Called once the run exists, with a function that cancels it (and its children) on the server. */
  onStarted?: (cancel: () => Promise<void>) => void;
  pollMs?: number;
}

const API = 'api-version=2018-06-01';
const ENDED = new Set(['Succeeded', 'Failed', 'Cancelled']);
const ALL_TIME = { lastUpdatedAfter: '1970-01-01T00:00:00Z', lastUpdatedBefore: '9999-12-31T00:00:00Z' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runOnServer(o: RemoteRunOptions): Promise<RemoteRunDocument> {
  const c = await connect(o.connection);
  try {
    const body: PublishBody = {
      factory: {
        name: o.factory.name,
        ...(o.factory.identity?.principalId ? { identity: { principalId: o.factory.identity.principalId } } : {}),
        globalParameters: o.factory.globalParameters,
      },
      resources: factoryResources(o.factory),
      ...(o.workspace ? { workspace: workspaceToWire(o.workspace) } : {}),
      ...(o.mocks && Object.keys(o.mocks).length ? { mocks: o.mocks } : {}),
      ...(o.allowEgress ? { allowEgress: true } : {}),
    };
    const { factoryName } = await c.request<{ factoryName: string }>('POST', PUBLISH_PATH, body);
    const base = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.DataFactory/factories/${encodeURIComponent(factoryName)}`;
    const { runId } = await c.request<{ runId: string }>(
      'POST',
      `${base}/pipelines/${encodeURIComponent(o.pipelineName)}/createRun?${API}`,
      o.parameters,
    );
    o.onStarted?.(async () => {
      await c.request('POST', `${base}/pipelineruns/${runId}/cancel?isRecursive=true&${API}`);
    });
    const follower = new Follower(c, base, o);
    return await follower.document(runId, factoryName, null);
  } finally {
    await c.close();
  }
}

class Follower {
  private readonly pollMs: number;

  constructor(
    private readonly c: Connection,
    private readonly base: string,
    private readonly o: RemoteRunOptions,
  ) {
    this.pollMs = o.pollMs ?? 250;
  }

  private async getRun(runId: string): Promise<PipelineRunRecord> {
    return asPipelineRun(await this.c.request<Wire>('GET', `${this.base}/pipelineruns/${runId}?${API}`));
  }

  /** Every activity run of a run, in the order they were recorded (the API's default order, paged). */
  private async activityRuns(runId: string): Promise<ActivityRunRecord[]> {
    const out: ActivityRunRecord[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.c.request<{ value: Wire[]; continuationToken?: string }>(
        'POST',
        `${this.base}/pipelineruns/${runId}/queryActivityruns?${API}`,
        { ...ALL_TIME, pageSize: 5000, ...(continuationToken ? { continuationToken } : {}) },
      );
      out.push(...page.value.map(asActivityRun));
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return out;
  }

  /**
   * Polls a run until it ended, reporting its changes (and, with a live view, its activity runs: read again at
   * most every other poll's worth of the time the last read took, so a run with thousands of them is not read
   * back whole four times a second).
   */
  private async follow(runId: string, factoryName: string, parentRunId: string | null): Promise<PipelineRunRecord> {
    const live = this.o.onActivityRun;
    const seen = new Map<string, string>();
    let nextRead = 0;
    for (;;) {
      const run = { ...(await this.getRun(runId)), factoryName, parentRunId };
      this.o.onPipelineRun?.(run);
      const ended = ENDED.has(run.status);
      if (live && (ended || Date.now() >= nextRead)) {
        const started = Date.now();
        const all = await this.activityRuns(runId);
        nextRead = Date.now() + 2 * (Date.now() - started);
        // the API lists them in the order they started; the live view orders rows by that (`seq`)
        all.forEach((a, i) => {
          const key = `${a.status}|${a.activityRunEnd ?? ''}`;
          if (seen.get(a.activityRunId) === key) return;
          seen.set(a.activityRunId, key);
          live({ ...a, seq: i });
        });
      }
      if (ended) return run;
      await sleep(this.pollMs);
    }
  }

  /**
   * A run's document once it ended: its record, activity runs and child runs (those its ExecutePipeline
   * activities started, each followed to its end too, as an embedded run waits for fire-and-forget children).
   */
  async document(runId: string, factoryName: string, parentRunId: string | null): Promise<RemoteRunDocument> {
    const run = await this.follow(runId, factoryName, parentRunId);
    const activityRuns = await this.activityRuns(runId);
    const childIds = new Set<string>();
    for (const a of activityRuns) {
      const id = (a.output as { pipelineRunId?: unknown } | null)?.pipelineRunId;
      if (a.activityType === 'ExecutePipeline' && typeof id === 'string') childIds.add(id);
    }
    const childRuns: RemoteRunDocument[] = [];
    for (const id of childIds) childRuns.push(await this.document(id, factoryName, runId));
    return { run, activityRuns, childRuns };
  }
}

type Wire = Record<string, unknown>;

const orNull = (v: unknown) => (v === undefined ? null : v);

/** The API leaves out what is unset; the embedded document says null, and so does this one. */
function asPipelineRun(w: Wire): PipelineRunRecord {
  return {
    ...w,
    runStart: orNull(w.runStart),
    runEnd: orNull(w.runEnd),
    durationInMs: orNull(w.durationInMs),
  } as unknown as PipelineRunRecord;
}

function asActivityRun(w: Wire): ActivityRunRecord {
  const error = w.error as { errorCode?: string; message?: string } | undefined;
  return {
    ...w,
    linkedServiceName: w.linkedServiceName ? w.linkedServiceName : null,
    activityRunStart: orNull(w.activityRunStart),
    activityRunEnd: orNull(w.activityRunEnd),
    durationInMs: orNull(w.durationInMs),
    // ADF's wire shape has an empty error on runs that did not fail
    error: error && (error.errorCode || error.message) ? error : null,
    retryAttempt: orNull(w.retryAttempt),
    iterationHash: orNull(w.iterationHash),
    parentActivityRunId: orNull(w.parentActivityRunId),
    iteration: orNull(w.iteration),
  } as unknown as ActivityRunRecord;
}
