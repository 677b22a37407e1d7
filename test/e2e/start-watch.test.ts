import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect } from '../../src/cli/client/connect.js';
import { spawnServer } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { pipeline, writeFactory } from './helpers.js';

/**
 * `pipevault start --factory DIR --watch` (a real spawned server): editing a pipeline file republishes it, as the
 * factory API shows; an invalid edit (broken JSON, or a pipeline the API's validation refuses) is reported in
 * the server's log and the previous version keeps serving, runs included; a later valid edit is picked up.
 */

const FACTORY = 'watched-factory';
const API = 'api-version=2018-06-01';
const BASE = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault/providers/Microsoft.DataFactory/factories/${FACTORY}`;

const greet = (value: string, extra: Record<string, unknown> = {}) =>
  pipeline(
    'Greet',
    [{ name: 'Say', type: 'SetVariable', typeProperties: { variableName: 'greeting', value }, ...extra }],
    { variables: { greeting: { type: 'String' } } },
  );

const dir = writeFactory({ 'pipeline/Greet.json': greet('v1'), 'pipevault.json': { factory: { name: FACTORY } } });
const file = join(dir, 'pipeline', 'Greet.json');
const dataDir = tempDir();
const server = await spawnServer(['--data-dir', dataDir, '--port', '0', '--factory', dir, '--watch']);
after(() => server.stop());
const c = await connect({ dataDir });
after(() => c.close());

async function served(): Promise<unknown> {
  const p = await c.request<{ properties: { activities: Array<{ typeProperties: { value: unknown } }> } }>(
    'GET',
    `${BASE}/pipelines/Greet?${API}`,
  );
  return p.properties.activities[0]!.typeProperties.value;
}

async function eventually(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} did not happen within 20 s; server log:\n${server.stderr().slice(-2000)}`);
}

const reloadFailures = () =>
  server
    .stderr()
    .split('\n')
    .filter((l) => l.includes('factory reload failed')).length;

async function runGreet(): Promise<{ status: string; value: unknown }> {
  const { runId } = await c.request<{ runId: string }>('POST', `${BASE}/pipelines/Greet/createRun?${API}`, {});
  let status = '';
  await eventually('the run ending', async () => {
    status = (await c.request<{ status: string }>('GET', `${BASE}/pipelineruns/${runId}?${API}`)).status;
    return ['Succeeded', 'Failed', 'Cancelled'].includes(status);
  });
  const acts = await c.request<{ value: Array<{ input: { value: unknown } }> }>(
    'POST',
    `${BASE}/pipelineruns/${runId}/queryActivityruns?${API}`,
    { lastUpdatedAfter: '2000-01-01T00:00:00Z', lastUpdatedBefore: '2999-01-01T00:00:00Z' },
  );
  return { status, value: acts.value[0]?.input.value };
}

test('an edited pipeline file is republished', async () => {
  assert.equal(await served(), 'v1');
  writeFileSync(file, JSON.stringify(greet('v2')));
  await eventually('v2 being served', async () => (await served()) === 'v2');
  assert.deepEqual(await runGreet(), { status: 'Succeeded', value: 'v2' });
});

test('an invalid edit is reported and the previous version keeps serving', async () => {
  const before = reloadFailures();
  writeFileSync(file, '{ "name": "Greet", "properties": { "activities": [ ');
  await eventually('the broken JSON being reported', () => reloadFailures() > before);
  assert.match(server.stderr(), /Greet\.json/);
  assert.equal(await served(), 'v2');

  const afterJson = reloadFailures();
  // valid JSON the factory API's validation refuses: a dependency on an activity that does not exist
  writeFileSync(
    file,
    JSON.stringify(greet('v-bad', { dependsOn: [{ activity: 'Nowhere', dependencyConditions: ['Succeeded'] }] })),
  );
  await eventually('the invalid pipeline being reported', () => reloadFailures() > afterJson);
  assert.match(
    server
      .stderr()
      .split('\n')
      .filter((l) => l.includes('factory reload failed'))
      .at(-1)!,
    /Nowhere/,
  );
  assert.equal(await served(), 'v2');
  assert.deepEqual(await runGreet(), { status: 'Succeeded', value: 'v2' });

  writeFileSync(file, JSON.stringify(greet('v3')));
  await eventually('v3 being served after the fix', async () => (await served()) === 'v3');
});
