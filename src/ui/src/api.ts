/**
 * The monitor's only way to the server: the same ARM-shaped management API the SDKs use. On a loopback server
 * the `X-Pipevault-UI` header makes the request act as the local admin (no sign-in); elsewhere a signed-in
 * principal's token is sent.
 */

export const SUB = '00000000-0000-0000-0000-000000000000';
export const RG = 'pipevault';
const V = 'api-version=2018-06-01';

export interface PipelineRun {
  runId: string;
  runGroupId: string;
  isLatest: boolean;
  pipelineName: string;
  parameters: Record<string, string>;
  invokedBy: { name: string; id: string; invokedByType: string; pipelineName?: string; pipelineRunId?: string };
  lastUpdated: string;
  runStart?: string;
  runEnd?: string;
  durationInMs?: number;
  status: string;
  message: string;
  annotations: unknown[];
}

/** ADF's TriggerRun: one ScheduleTrigger firing or one TumblingWindowTrigger window. */
export interface TriggerRun {
  triggerRunId: string;
  triggerName: string;
  triggerType: string;
  triggerRunTimestamp: string;
  /** `Succeeded`, `Failed` or `Inprogress` (ADF's spelling). */
  status: string;
  message: string;
  /** TriggerTime and ScheduleTime; a window's WindowStartTime and WindowEndTime. */
  properties: Record<string, string>;
  /** pipeline name → the run ID of the pipeline run this trigger run started */
  triggeredPipelines: Record<string, string>;
  runDimension?: Record<string, string>;
  dependencyStatus?: Record<string, unknown>;
}

export interface PipelineRef {
  pipelineReference?: { referenceName?: string };
}

export interface TriggerResource {
  name: string;
  properties: {
    type: string;
    description?: string;
    runtimeState?: string;
    /** ScheduleTrigger (and event triggers): several pipelines */
    pipelines?: PipelineRef[];
    /** TumblingWindowTrigger: one pipeline */
    pipeline?: PipelineRef;
    typeProperties?: Record<string, unknown>;
  };
}

export interface ActivityRun {
  pipelineName: string;
  pipelineRunId: string;
  activityName: string;
  activityType: string;
  activityRunId: string;
  status: string;
  activityRunStart?: string;
  activityRunEnd?: string;
  durationInMs?: number;
  input: unknown;
  output: unknown;
  error: { errorCode: string; message: string; failureType: string; target: string };
  retryAttempt?: number;
  iteration?: number;
  parentActivityRunId?: string;
  secureInput?: boolean;
  secureOutput?: boolean;
}

export interface SummaryRow {
  path: string;
  activityName: string;
  activityType: string;
  container: string | null;
  count: number;
  attempts: number;
  statuses: Record<string, number>;
  status: string;
  firstStart: string | null;
  lastEnd: string | null;
  latest: { activityRunId: string; status: string; errorMessage: string | null };
  rootCause: boolean;
}

export interface Activity {
  name: string;
  type: string;
  dependsOn?: { activity: string; dependencyConditions: string[] }[];
  typeProperties?: Record<string, unknown>;
  state?: string;
}

/** The run's pipeline laid out on the server (one node per activity of the definition). */
export interface GraphLayout {
  pipelineName: string;
  nodes: {
    id: string;
    name: string;
    type: string;
    branch: string;
    container: boolean;
    parent?: string;
    x: number;
    y: number;
    width: number;
    height: number;
  }[];
  edges: { id: string; source: string; target: string; conditions: string[] }[];
}

export interface PipelineResource {
  name: string;
  properties: { activities: Activity[]; parameters?: Record<string, { type: string; defaultValue?: unknown }> };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let token: string | null = sessionStorage.getItem('pipevault.token');
export function setToken(t: string | null): void {
  token = t;
  if (t) sessionStorage.setItem('pipevault.token', t);
  else sessionStorage.removeItem('pipevault.token');
}

/**
 * Off loopback the server asks for a token: its challenge names the authority (`https://host/{tenant}`), where
 * a principal's client credentials buy one for this server's own URL.
 */
type SignInListener = (authority: string) => void;
let onSignIn: SignInListener | null = null;
export function onSignInNeeded(l: SignInListener | null): void {
  onSignIn = l;
}
function signInNeeded(challenge: string | null): void {
  const m = /authorization_uri="([^"]+)"/.exec(challenge ?? '');
  if (m && onSignIn) onSignIn(m[1]);
}

export async function signIn(authority: string, clientId: string, clientSecret: string): Promise<void> {
  const res = await fetch(`${authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope: `${location.origin}/.default`,
    }).toString(),
  });
  const json = (await res.json().catch(() => ({}))) as { access_token?: string; error_description?: string };
  if (!res.ok || !json.access_token) throw new Error(json.error_description ?? `Sign-in failed (${res.status})`);
  setToken(json.access_token);
}

export function authHeaders(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : { 'x-pipevault-ui': '1' };
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (res.status === 401) signInNeeded(res.headers.get('www-authenticate'));
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? String(res.status), e?.message ?? res.statusText);
  }
  return json as T;
}

export const factoryPath = (f: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DataFactory/factories/${encodeURIComponent(f)}`;

export const api = {
  factories: () =>
    call<{ value: { name: string }[] }>(
      'GET',
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DataFactory/factories?${V}`,
    ),
  pipelines: (f: string) => call<{ value: PipelineResource[] }>('GET', `${factoryPath(f)}/pipelines?${V}`),
  pipeline: (f: string, name: string) =>
    call<PipelineResource>('GET', `${factoryPath(f)}/pipelines/${encodeURIComponent(name)}?${V}`),
  run: (f: string, id: string) => call<PipelineRun>('GET', `${factoryPath(f)}/pipelineruns/${id}?${V}`),
  queryRuns: (f: string, body: Record<string, unknown>) =>
    call<{ value: PipelineRun[]; continuationToken?: string }>(
      'POST',
      `${factoryPath(f)}/queryPipelineRuns?${V}`,
      body,
    ),
  queryActivities: (f: string, id: string, body: Record<string, unknown>) =>
    call<{ value: ActivityRun[]; continuationToken?: string }>(
      'POST',
      `${factoryPath(f)}/pipelineruns/${id}/queryActivityruns?${V}`,
      body,
    ),
  summary: (f: string, id: string) =>
    call<{ run: PipelineRun; activities: SummaryRow[]; total: number }>(
      'GET',
      `${factoryPath(f)}/pipelineruns/${id}/activitySummary?${V}`,
    ),
  graph: (f: string, id: string) => call<GraphLayout>('GET', `${factoryPath(f)}/pipelineruns/${id}/graph?${V}`),
  createRun: (f: string, pipeline: string, params: Record<string, unknown>, query = '') =>
    call<{ runId: string }>(
      'POST',
      `${factoryPath(f)}/pipelines/${encodeURIComponent(pipeline)}/createRun?${V}${query}`,
      params,
    ),
  cancel: (f: string, id: string) =>
    call<void>('POST', `${factoryPath(f)}/pipelineruns/${id}/cancel?${V}&isRecursive=true`),
  triggers: (f: string) => call<{ value: TriggerResource[] }>('GET', `${factoryPath(f)}/triggers?${V}`),
  startTrigger: (f: string, name: string) =>
    call<void>('POST', `${factoryPath(f)}/triggers/${encodeURIComponent(name)}/start?${V}`),
  stopTrigger: (f: string, name: string) =>
    call<void>('POST', `${factoryPath(f)}/triggers/${encodeURIComponent(name)}/stop?${V}`),
  queryTriggerRuns: (f: string, body: Record<string, unknown>) =>
    call<{ value: TriggerRun[]; continuationToken?: string }>('POST', `${factoryPath(f)}/queryTriggerRuns?${V}`, body),
  rerunTriggerRun: (f: string, trigger: string, id: string) =>
    call<void>(
      'POST',
      `${factoryPath(f)}/triggers/${encodeURIComponent(trigger)}/triggerRuns/${encodeURIComponent(id)}/rerun?${V}`,
    ),
  cancelTriggerRun: (f: string, trigger: string, id: string) =>
    call<void>(
      'POST',
      `${factoryPath(f)}/triggers/${encodeURIComponent(trigger)}/triggerRuns/${encodeURIComponent(id)}/cancel?${V}`,
    ),
};

/** The whole time range ADF's query needs, wide enough for "everything". */
export function timeWindow(sinceMs: number | null): { lastUpdatedAfter: string; lastUpdatedBefore: string } {
  return {
    lastUpdatedAfter: new Date(sinceMs === null ? 0 : Date.now() - sinceMs).toISOString(),
    lastUpdatedBefore: new Date(Date.now() + 86_400_000).toISOString(),
  };
}

export type LiveEvent =
  | { type: 'pipelineRun'; run: PipelineRun }
  | { type: 'activityRuns'; runId: string; changed: number }
  /** A trigger run created or changed (started, a pipeline run started, ended, rerun, cancelled). */
  | { type: 'triggerRun'; run: TriggerRun }
  /** A trigger started or stopped. */
  | { type: 'trigger'; name: string; runtimeState: string };

/**
 * Server-sent events over fetch (EventSource cannot send headers): reconnects after a drop.
 * Returns a function that stops listening.
 */
export function subscribe(
  factory: string,
  onEvent: (e: LiveEvent) => void,
  onState?: (live: boolean) => void,
): () => void {
  let stopped = false;
  let ctl: AbortController | null = null;
  const loop = async () => {
    while (!stopped) {
      ctl = new AbortController();
      try {
        const res = await fetch(`/pipevault/adf/events?factory=${encodeURIComponent(factory)}`, {
          headers: authHeaders(),
          signal: ctl.signal,
        });
        if (!res.ok || !res.body) throw new Error(String(res.status));
        onState?.(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (!data) continue;
            const payload = JSON.parse(data) as Record<string, unknown>;
            if (event === 'pipelineRun') onEvent({ type: 'pipelineRun', run: payload as unknown as PipelineRun });
            else if (event === 'activityRuns')
              onEvent({ type: 'activityRuns', runId: String(payload.runId), changed: Number(payload.changed) });
            else if (event === 'triggerRun') onEvent({ type: 'triggerRun', run: payload as unknown as TriggerRun });
            else if (event === 'trigger')
              onEvent({ type: 'trigger', name: String(payload.name), runtimeState: String(payload.runtimeState) });
          }
        }
      } catch {
        // dropped or refused: retry below
      }
      onState?.(false);
      if (!stopped) await new Promise((r) => setTimeout(r, 1500));
    }
  };
  void loop();
  return () => {
    stopped = true;
    ctl?.abort();
  };
}
