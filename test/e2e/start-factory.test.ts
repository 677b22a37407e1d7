import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedAdfService } from '../../src/adf/api/index.js';
import { setFactoryHosts } from '../../src/server/run-services.js';
import { startTestServer } from '../helpers/server.js';
import { standIn } from './helpers.js';

/**
 * `pipevault start --factory examples/keyvault-secret`: the workspace is applied and the factory published into
 * the factory API, whose runs reach the vault with the factory's identity and the orders stand-in through the
 * workspace's host mapping; the run record hides the secret.
 */

const EXAMPLE = new URL('../../examples/keyvault-secret', import.meta.url).pathname;

test('a factory folder loaded at start runs through the factory API with its vault and hosts', async () => {
  const keys: string[] = [];
  const orders = await standIn((req, res) => {
    keys.push(String(req.headers['x-api-key']));
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ accepted: true }));
  });
  const server = await startTestServer({ factories: [EXAMPLE] });
  // the example maps orders.contoso.com to 127.0.0.1:7071; this test's stand-in listens on a free port
  setFactoryHosts(server.deps, 'pipevault-demo', { 'orders.contoso.com': orders.url });
  const { deps } = server;
  const adf = await sharedAdfService({
    database: deps.store,
    barrier: deps.barrier,
    identity: deps.identity,
    clock: deps.clock,
    ids: deps.ids,
    logger: deps.logger,
  });
  const identity = await deps.identity.ensureFactoryIdentity('pipevault-demo');
  assert.equal(
    identity.objectId,
    '5b8e1c2a-7d43-4f6e-9a1b-3c2d4e5f6a7b',
    'the object ID from factory/pipevault-demo.json',
  );
  const runId = await adf.createRun('pipevault-demo', 'SendOrderWithVaultKey');
  const run = await adf.waitForRun('pipevault-demo', runId);
  const activities = await adf.runs.listActivityRuns(runId);
  assert.equal(run.status, 'Succeeded', JSON.stringify(activities.map((a) => a.error)));
  assert.equal(keys.at(-1), 'demo-orders-key-4f9a2c71e8b3');
  assert.equal(activities[0]!.output, '**********');
  assert.equal(activities[1]!.input, '**********');
  assert.doesNotMatch(JSON.stringify({ run, activities }), /demo-orders-key/);
});
