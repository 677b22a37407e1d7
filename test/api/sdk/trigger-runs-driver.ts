// The official @azure/arm-datafactory client's TriggerRuns operations (queryByFactory, cancel, rerun) against a
// pipevault server, endpoint changed only. Runs in its own process (NODE_EXTRA_CA_CERTS applies); prints one
// JSON line: {"ok", "error"?}.
import { ClientSecretCredential } from '@azure/identity';
import { DataFactoryManagementClient, type PipelineResource, type TriggerRun } from '@azure/arm-datafactory';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const url = env('PVT_URL');
const SUB = '00000000-0000-0000-0000-000000000000';
const RG = 'pipevault';
const F = 'default';
const credential = new ClientSecretCredential(env('PVT_TENANT'), env('PVT_APP'), env('PVT_SECRET'), {
  authorityHost: url,
  disableInstanceDiscovery: true,
});
const client = new DataFactoryManagementClient(credential, SUB, { endpoint: url });

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

const waiting = (seconds: number): PipelineResource => ({
  activities: [{ name: 'W', type: 'Wait' as const, waitTimeInSeconds: seconds }],
});

async function runsUntil(ok: (r: TriggerRun[]) => boolean): Promise<TriggerRun[]> {
  let runs: TriggerRun[] = [];
  for (let i = 0; i < 600; i++) {
    const r = await client.triggerRuns.queryByFactory(RG, F, {
      lastUpdatedAfter: new Date(Date.now() - 3600_000),
      lastUpdatedBefore: new Date(Date.now() + 3600_000),
      filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['sdk-windows'] }],
    });
    runs = r.value;
    if (ok(runs)) return runs;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`trigger runs never got there: ${JSON.stringify(runs)}`);
}

try {
  await client.pipelines.createOrUpdate(RG, F, 'sdk-window', waiting(600));
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  await client.triggers.createOrUpdate(RG, F, 'sdk-windows', {
    properties: {
      type: 'TumblingWindowTrigger',
      pipeline: { pipelineReference: { referenceName: 'sdk-window', type: 'PipelineReference' } },
      frequency: 'Minute',
      interval: 1,
      startTime: new Date(start),
      endTime: new Date(start + 60_000),
      maxConcurrency: 1,
    },
  });
  await client.triggers.beginStartAndWait(RG, F, 'sdk-windows');
  const [running] = await runsUntil((r) => r.length === 1 && !!r[0].triggeredPipelines?.['sdk-window']);
  assert(running.status === 'Inprogress', `running: ${running.status}`);
  const id = running.triggerRunId ?? '';

  await client.triggerRuns.cancel(RG, F, 'sdk-windows', id);
  const [cancelled] = await runsUntil((r) => r.length === 1 && r[0].status !== 'Inprogress');
  assert(cancelled.status === 'Failed', `cancelled: ${cancelled.status}`);
  const first = running.triggeredPipelines?.['sdk-window'] ?? '';
  const pipelineRun = await client.pipelineRuns.get(RG, F, first);
  assert(['Canceling', 'Cancelled'].includes(pipelineRun.status ?? ''), `pipeline run ${pipelineRun.status}`);

  await client.pipelines.createOrUpdate(RG, F, 'sdk-window', waiting(0));
  await client.triggerRuns.rerun(RG, F, 'sdk-windows', id);
  const [rerun] = await runsUntil((r) => r.length === 1 && r[0].status === 'Succeeded');
  assert(rerun.triggerRunId === id, 'the same trigger run');
  assert(rerun.triggeredPipelines?.['sdk-window'] !== first, 'a new pipeline run');
  assert(rerun.triggerRunTimestamp instanceof Date, 'triggerRunTimestamp is a date');

  try {
    await client.triggerRuns.cancel(RG, F, 'sdk-windows', id);
    throw new Error('an ended trigger run was cancelled');
  } catch (e) {
    const err = e as { statusCode?: number; code?: string };
    assert(err.statusCode === 400 && err.code === 'BadRequest', `${err.statusCode} ${err.code}`);
  }
  await client.triggers.beginStopAndWait(RG, F, 'sdk-windows');
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: (e as Error).stack ?? String(e) }));
}
