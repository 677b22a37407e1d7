// The official @azure/arm-datafactory client against a pipevault server, with only the endpoint changed and a
// credential from pipevault's identity service. Runs in its own process (NODE_EXTRA_CA_CERTS applies); prints
// one JSON line per scenario: {"name", "ok", "error"?}.
import { ClientSecretCredential } from '@azure/identity';
import { DataFactoryManagementClient, type PipelineRun } from '@azure/arm-datafactory';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const url = env('PVT_URL');
const tenant = env('PVT_TENANT');
const SUB = '00000000-0000-0000-0000-000000000000';
const RG = 'pipevault';
const F = 'sdk-factory';

const cred = (app: string, secret: string) =>
  new ClientSecretCredential(tenant, app, secret, { authorityHost: url, disableInstanceDiscovery: true });
const client = new DataFactoryManagementClient(cred(env('PVT_APP'), env('PVT_SECRET')), SUB, { endpoint: url });
const reader = new DataFactoryManagementClient(cred(env('PVT_READER_APP'), env('PVT_READER_SECRET')), SUB, {
  endpoint: url,
});

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

async function poll(runId: string): Promise<PipelineRun> {
  for (let i = 0; i < 600; i++) {
    const r = await client.pipelineRuns.get(RG, F, runId);
    if (!['Queued', 'InProgress', 'Canceling'].includes(r.status ?? '')) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`run ${runId} did not end`);
}

const window = () => ({
  lastUpdatedAfter: new Date(Date.now() - 3600_000),
  lastUpdatedBefore: new Date(Date.now() + 3600_000),
});

const scenarios: [string, () => Promise<void>][] = [];
const scenario = (name: string, fn: () => Promise<void>) => scenarios.push([name, fn]);
const state: { failedRunId?: string } = {};

const failing = (fixed: boolean) => ({
  parameters: { label: { type: 'String' as const, defaultValue: 'sdk' } },
  activities: [
    { name: 'First', type: 'Wait', waitTimeInSeconds: 0 },
    fixed
      ? {
          name: 'Second',
          type: 'Wait',
          waitTimeInSeconds: 0,
          dependsOn: [{ activity: 'First', dependencyConditions: ['Succeeded'] }],
        }
      : {
          name: 'Second',
          type: 'Fail',
          message: 'not yet',
          errorCode: '42',
          dependsOn: [{ activity: 'First', dependencyConditions: ['Succeeded'] }],
        },
  ],
});

scenario('factories.createOrUpdate returns the factory with its managed identity', async () => {
  const f = await client.factories.createOrUpdate(RG, F, { location: 'local', identity: { type: 'SystemAssigned' } });
  assert(f.name === F, `name ${f.name}`);
  assert(/^[0-9a-f-]{36}$/.test(f.identity?.principalId ?? ''), `principalId ${f.identity?.principalId}`);
  const got = await client.factories.get(RG, F);
  assert(got.identity?.principalId === f.identity?.principalId, 'get returns the same identity');
  const list: string[] = [];
  for await (const x of client.factories.listByResourceGroup(RG)) list.push(x.name ?? '');
  assert(list.includes(F), `listByResourceGroup: ${list.join(',')}`);
});

scenario('pipelines.createOrUpdate, get and listByFactory', async () => {
  const p = await client.pipelines.createOrUpdate(RG, F, 'hello', {
    parameters: { who: { type: 'String' } },
    variables: { greeting: { type: 'String' } },
    activities: [
      {
        name: 'Greet',
        type: 'SetVariable',
        variableName: 'greeting',
        value: "@concat('hello ', pipeline().parameters.who)",
      } as never,
    ],
  });
  assert(p.name === 'hello', `name ${p.name}`);
  const got = await client.pipelines.get(RG, F, 'hello');
  assert(got.activities?.[0]?.name === 'Greet', JSON.stringify(got.activities));
  const names: string[] = [];
  for await (const x of client.pipelines.listByFactory(RG, F)) names.push(x.name ?? '');
  assert(names.includes('hello'), names.join(','));
});

scenario('createRun with parameters, poll the run, query its activity runs', async () => {
  const { runId } = await client.pipelines.createRun(RG, F, 'hello', { parameters: { who: 'sdk' } });
  const run = await poll(runId);
  assert(run.status === 'Succeeded', `status ${run.status}: ${run.message}`);
  assert(run.parameters?.who === 'sdk', JSON.stringify(run.parameters));
  assert(run.runGroupId === runId && run.isLatest === true, 'group of one');
  const acts = await client.activityRuns.queryByPipelineRun(RG, F, runId, window());
  assert(acts.value.length === 1, `activity runs: ${acts.value.length}`);
  const a = acts.value[0];
  assert(a.activityName === 'Greet' && a.status === 'Succeeded', JSON.stringify(a));
  assert((a.output as { value?: string }).value === 'hello sdk', JSON.stringify(a.output));
  const byFactory = await client.pipelineRuns.queryByFactory(RG, F, {
    ...window(),
    filters: [{ operand: 'PipelineName', operator: 'Equals', values: ['hello'] }],
    orderBy: [{ orderBy: 'RunStart', order: 'DESC' }],
  });
  assert(
    byFactory.value.some((r) => r.runId === runId),
    'queryByFactory finds the run',
  );
});

scenario('pipelineRuns.cancel (isRecursive) ends a running run as Cancelled', async () => {
  await client.pipelines.createOrUpdate(RG, F, 'slow', {
    activities: [{ name: 'Sleep', type: 'Wait', waitTimeInSeconds: 60 } as never],
  });
  const { runId } = await client.pipelines.createRun(RG, F, 'slow');
  await client.pipelineRuns.cancel(RG, F, runId, { isRecursive: true });
  const run = await poll(runId);
  assert(run.status === 'Cancelled', `status ${run.status}`);
});

scenario('rerun from failure: referencePipelineRunId + isRecovery + startFromFailure', async () => {
  await client.pipelines.createOrUpdate(RG, F, 'flaky', failing(false) as never);
  const { runId } = await client.pipelines.createRun(RG, F, 'flaky');
  const first = await poll(runId);
  assert(first.status === 'Failed', `first ${first.status}`);
  state.failedRunId = runId;
  await client.pipelines.createOrUpdate(RG, F, 'flaky', failing(true) as never);
  const re = await client.pipelines.createRun(RG, F, 'flaky', {
    referencePipelineRunId: runId,
    isRecovery: true,
    startFromFailure: true,
  });
  const second = await poll(re.runId);
  assert(second.status === 'Succeeded', `rerun ${second.status}: ${second.message}`);
  assert(second.runGroupId === runId, `runGroupId ${second.runGroupId}`);
  assert(second.isLatest === true, 'rerun is latest');
  const old = await client.pipelineRuns.get(RG, F, runId);
  assert(old.isLatest === false, 'original is no longer latest');
  const acts = await client.activityRuns.queryByPipelineRun(RG, F, re.runId, window());
  assert(acts.value.map((a) => a.activityName).join() === 'Second', acts.value.map((a) => a.activityName).join());
});

scenario(
  'triggers: beginStartAndWait / beginStopAndWait set runtimeState; a started schedule fires; queryByFactory trigger runs',
  async () => {
    // the first instant a couple of seconds ahead, on a whole second
    const first = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000);
    const t = await client.triggers.createOrUpdate(RG, F, 'sdk-schedule', {
      properties: {
        type: 'ScheduleTrigger',
        pipelines: [
          {
            pipelineReference: { type: 'PipelineReference', referenceName: 'hello' },
            parameters: { who: '@trigger().scheduledTime' },
          },
        ],
        recurrence: { frequency: 'Minute', interval: 1, startTime: first, timeZone: 'UTC' },
      } as never,
    });
    assert(t.properties.runtimeState === 'Stopped', `created ${t.properties.runtimeState}`);
    await client.triggers.beginStartAndWait(RG, F, 'sdk-schedule');
    const started = await client.triggers.get(RG, F, 'sdk-schedule');
    assert(started.properties.runtimeState === 'Started', `after start ${started.properties.runtimeState}`);
    let runs: PipelineRun[] = [];
    for (let i = 0; i < 200 && !runs.length; i++) {
      await new Promise((res) => setTimeout(res, 50));
      runs = (
        await client.pipelineRuns.queryByFactory(RG, F, {
          ...window(),
          filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['sdk-schedule'] }],
        })
      ).value;
    }
    assert(runs.length === 1, `runs fired: ${runs.length}`);
    const run = await poll(runs[0].runId ?? '');
    assert(run.status === 'Succeeded', `triggered run ${run.status}: ${run.message}`);
    assert(run.invokedBy?.invokedByType === 'ScheduleTrigger', JSON.stringify(run.invokedBy));
    assert(run.parameters?.who === first.toISOString(), JSON.stringify(run.parameters));
    const tr = await client.triggerRuns.queryByFactory(RG, F, {
      ...window(),
      filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['sdk-schedule'] }],
    });
    assert(tr.value.length === 1, `trigger runs ${tr.value.length}`);
    assert(tr.value[0].status === 'Succeeded', `trigger run ${tr.value[0].status}`);
    assert(tr.value[0].triggeredPipelines?.hello === run.runId, JSON.stringify(tr.value[0].triggeredPipelines));
    assert(tr.value[0].triggerRunTimestamp instanceof Date, 'triggerRunTimestamp is a date');
    try {
      await client.triggers.createOrUpdate(RG, F, 'sdk-schedule', {
        properties: { ...started.properties, description: 'changed while started' },
      });
      throw new Error('a started trigger was replaced');
    } catch (e) {
      const err = e as { statusCode?: number; code?: string };
      assert(err.statusCode === 400 && err.code === 'TriggerEnabledCannotUpdate', `${err.statusCode} ${err.code}`);
    }
    await client.triggers.beginStopAndWait(RG, F, 'sdk-schedule');
    const stopped = await client.triggers.get(RG, F, 'sdk-schedule');
    assert(stopped.properties.runtimeState === 'Stopped', `after stop ${stopped.properties.runtimeState}`);
    await client.triggers.delete(RG, F, 'sdk-schedule');
  },
);

scenario('factories.update replaces tags and keeps the managed identity', async () => {
  const before = await client.factories.get(RG, F);
  const f = await client.factories.update(RG, F, { tags: { owner: 'sdk' }, identity: { type: 'SystemAssigned' } });
  assert(JSON.stringify(f.tags) === JSON.stringify({ owner: 'sdk' }), JSON.stringify(f.tags));
  assert(f.identity?.principalId === before.identity?.principalId, 'same identity');
  const got = await client.factories.get(RG, F);
  assert(got.tags?.owner === 'sdk', JSON.stringify(got.tags));
});

scenario('a Reader may look but not run: AuthorizationFailed 403', async () => {
  const run = await reader.pipelineRuns.get(RG, F, state.failedRunId ?? '');
  assert(run.status === 'Failed', 'reader reads');
  try {
    await reader.pipelines.createRun(RG, F, 'hello', { parameters: { who: 'x' } });
    throw new Error('createRun was allowed');
  } catch (e) {
    const err = e as { statusCode?: number; code?: string };
    assert(err.statusCode === 403 && err.code === 'AuthorizationFailed', `${err.statusCode} ${err.code}`);
  }
});

scenario('a missing pipeline is a RestError 404', async () => {
  try {
    await client.pipelines.get(RG, F, 'nope');
    throw new Error('found');
  } catch (e) {
    const err = e as { statusCode?: number };
    assert(err.statusCode === 404, `status ${err.statusCode}`);
  }
});

for (const [name, fn] of scenarios) {
  try {
    await fn();
    console.log(JSON.stringify({ name, ok: true }));
  } catch (e) {
    console.log(JSON.stringify({ name, ok: false, error: (e as Error).stack ?? String(e) }));
  }
}
