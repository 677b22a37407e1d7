import assert from 'node:assert/strict';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../src/common/clock.js';
import { randomIds } from '../../src/common/ids.js';
import { createLogger } from '../../src/common/logger.js';
import { SECRET_MARKER } from '../../src/common/masking.js';
import { Engine } from '../../src/adf/engine/engine.js';
import { harness, writeFactory } from '../e2e/helpers.js';
import {
  canaryFactory,
  leaks,
  LS_SECRET,
  OUTPUT_SECRET,
  PARAM_SECRET,
  standInApi,
  VAULT_SECRET,
} from './canary-factory.js';

/**
 * Canary secrets through every source (a vault read, a Key Vault reference in a linked service, a SecureString
 * parameter, an activity with secureOutput) into every sink (activity inputs, outputs and errors, variables,
 * user properties, URLs, a child run's parameters and return value, a Fail message, the run's message, logs),
 * with every secure flag OFF. The stand-in API must receive the real values (masking never changes what a
 * pipeline computes); no persisted byte, record or log line may hold any of them in any form.
 */

const api = await standInApi();
const dir = writeFactory(canaryFactory(api.url));

const h = await harness(dir, { env: { CANARY_VAULT: VAULT_SECRET, CANARY_LS: LS_SECRET } });

/** Every file under a directory, recursively. */
function files(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('canaries through every source and sink, flags off: used for real, shown nowhere', async () => {
  const logFile = join(h.server.dataDir, 'run.log');
  const stream = createWriteStream(logFile);
  const logger = createLogger({ level: 'debug', destination: stream, secrets: h.registry });
  const engine = new Engine({
    store: h.runs,
    pipelines: h.factory.pipelines,
    factoryName: h.applied.factoryName,
    clock: systemClock,
    ids: randomIds,
    logger,
    services: h.runtime.services,
    secrets: h.registry,
  });
  const handle = await engine.createRun({ pipelineName: 'Leaky', parameters: { pw: PARAM_SECRET } });
  const live = await handle.done;
  await engine.idle();
  // What the API and `pipevault run` show is the stored record; the live one keeps real values (a parent's
  // ExecutePipeline computes with its child's return value).
  const run = (await h.runs.getPipelineRun(live.runId))!;
  const activities = await h.runs.listActivityRuns(run.runId);
  const children = await h.runs.listPipelineRuns({ parentRunId: run.runId });
  const childActivities = await h.runs.listActivityRuns(children[0]!.runId);
  // Whatever the engine logged about this run goes through the masked logger; log each record too, as a
  // careless caller might, to prove the log hook masks what the records would not.
  logger.info({ run, activities, note: `vault ${VAULT_SECRET} param ${PARAM_SECRET}` }, 'run finished');
  await new Promise<void>((r) => stream.end(() => r()));

  // The pipeline computed with the real values: the stand-in received every one of them.
  const call = api.requests.find((r) => r.url.startsWith('/echo'))!;
  assert.ok(call, 'the API was called');
  assert.equal(call.url, `/echo?key=${encodeURIComponent(VAULT_SECRET)}`);
  assert.equal(call.headers['x-api-key'], VAULT_SECRET);
  assert.equal(call.headers.authorization, `Basic ${Buffer.from(`svc-user:${LS_SECRET}`).toString('base64')}`);
  assert.deepEqual(JSON.parse(call.body), { token: OUTPUT_SECRET, pw: PARAM_SECRET, v: VAULT_SECRET });

  // The run failed on purpose, with a message built from the child's return value.
  assert.equal(run.status, 'Failed', JSON.stringify(activities.map((a) => [a.activityName, a.status, a.error])));
  assert.match(run.message, /child returned \*{10}/);
  assert.equal(activities.find((a) => a.activityName === 'Fail Loudly')?.status, 'Failed');

  // Records (what the API and `--json` serve) hold the marker instead.
  const records = JSON.stringify({ run, activities, children, childActivities });
  assert.deepEqual(leaks(Buffer.from(records)), []);
  assert.ok(records.includes(SECRET_MARKER));
  const callRecord = activities.find((a) => a.activityName === 'Call API')!;
  assert.equal(callRecord.userProperties.shown, SECRET_MARKER);
  assert.equal(run.parameters.pw, SECRET_MARKER);
  assert.equal(children[0]!.parameters.plain, SECRET_MARKER);

  // Every persisted byte: the store (SQLite database, WAL), the log file, everything in the data dir.
  await h.runs.flush();
  for (const f of files(h.server.dataDir)) assert.deepEqual(leaks(readFileSync(f)), [], f);
  const log = readFileSync(logFile, 'utf8');
  assert.match(log, /run finished/);
  assert.deepEqual(leaks(Buffer.from(log)), []);
});
