import assert from 'node:assert/strict';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/common/logger.js';
import { SECRET_MARKER } from '../../src/common/masking.js';
import { API, factoryPath, startApi, window } from '../api/helpers.js';
import { writeFactory } from '../e2e/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { canaryFactory, leaks, LS_SECRET, PARAM_SECRET, standInApi, VAULT_SECRET } from './canary-factory.js';

/**
 * The server path: the canary factory loaded with `--factory` (workspace applied), run through the ADF API's
 * createRun; every response of the monitoring API, every byte in the data dir and the server's log hold no
 * canary, with every secure flag off.
 */

const api = await standInApi();
const dir = writeFactory(canaryFactory(api.url));
process.env.CANARY_VAULT = VAULT_SECRET;
process.env.CANARY_LS = LS_SECRET;
const dataDir = tempDir();
const logFile = join(dataDir, 'server.log');
const stream = createWriteStream(logFile);
const h = await startApi({ dataDir, factories: [dir], logger: createLogger({ level: 'debug', destination: stream }) });
const F = factoryPath('canary-factory');

function files(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('monitoring API responses, data dir and log hold no canary', async () => {
  const created = await h.call('POST', `${F}/pipelines/Leaky/createRun?${API}`, { body: { pw: PARAM_SECRET } });
  assert.equal(created.status, 200, created.text);
  const runId = created.json.runId as string;
  const run = await h.waitRun('canary-factory', runId);
  const responses: string[] = [JSON.stringify(run)];
  assert.equal(run.status, 'Failed', JSON.stringify(run));
  assert.match(run.message, /child returned \*{10}/);
  assert.equal(run.parameters.pw, SECRET_MARKER);

  const acts = await h.call('POST', `${F}/pipelineruns/${runId}/queryActivityruns?${API}`, { body: window() });
  assert.equal(acts.status, 200, acts.text);
  responses.push(acts.text);
  assert.ok(acts.json.value.length >= 6);
  const runs = await h.call('POST', `${F}/queryPipelineRuns?${API}`, { body: window() });
  responses.push(runs.text);
  for (const child of runs.json.value.filter((r: { runId: string }) => r.runId !== runId)) {
    const c = await h.call('POST', `${F}/pipelineruns/${child.runId}/queryActivityruns?${API}`, { body: window() });
    responses.push(c.text);
  }
  assert.ok(responses.join('').includes(SECRET_MARKER));
  assert.deepEqual(leaks(Buffer.from(responses.join('\n'))), []);

  // The run computed with the real values.
  const call = api.requests.find((q) => q.url.startsWith('/echo'))!;
  assert.equal(call.headers['x-api-key'], VAULT_SECRET);

  await h.server.close();
  await new Promise<void>((r) => stream.end(() => r()));
  for (const f of files(dataDir)) assert.deepEqual(leaks(readFileSync(f)), [], f);
});
