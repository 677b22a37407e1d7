import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, spawnServer } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { pipeline, writeFactory } from './helpers.js';

/**
 * `pipevault run DIR --data-dir D | --endpoint URL`: the real CLI publishes a factory folder into a real
 * spawned `pipevault start` and runs it there. The run shows in that server's monitoring API afterwards, the
 * workspace's vault, policy, host mapping and mocks are applied, and the secret never reaches CLI output.
 */

const CANARY = 'remote-canary-7c1e9a40f2d8b635';
const expr = (value: string) => ({ value, type: 'Expression' });

function factoryFolder(): string {
  return writeFactory({
    'pipeline/SendOrder.json': pipeline(
      'SendOrder',
      [
        {
          name: 'Get key',
          type: 'WebActivity',
          policy: { secureOutput: true, secureInput: false, retry: 0 },
          typeProperties: {
            url: 'https://remote-kv.vault.azure.net/secrets/orders-key?api-version=7.0',
            method: 'GET',
            authentication: { type: 'MSI', resource: 'https://vault.azure.net' },
          },
        },
        {
          name: 'Copy orders',
          type: 'Copy',
          dependsOn: [{ activity: 'Get key', dependencyConditions: ['Succeeded'] }],
          typeProperties: {},
        },
        {
          name: 'Send',
          type: 'WebActivity',
          dependsOn: [{ activity: 'Copy orders', dependencyConditions: ['Succeeded'] }],
          policy: { secureOutput: false, secureInput: true, retry: 0 },
          typeProperties: {
            url: 'https://orders.contoso.test/orders',
            method: 'POST',
            headers: { 'x-api-key': expr("@activity('Get key').output.value") },
            body: expr("@concat('{\"rows\":', string(activity('Copy orders').output.rowsCopied), '}')"),
          },
        },
      ],
      { parameters: { label: { type: 'string', defaultValue: 'none' } } },
    ),
    'pipeline/Parent.json': pipeline('Parent', [
      {
        name: 'Run child',
        type: 'ExecutePipeline',
        typeProperties: {
          pipeline: { referenceName: 'Child', type: 'PipelineReference' },
          waitOnCompletion: true,
          parameters: { who: 'parent' },
        },
      },
    ]),
    'pipeline/Child.json': pipeline(
      'Child',
      [
        {
          name: 'Remember',
          type: 'SetVariable',
          typeProperties: { variableName: 'who', value: expr('@pipeline().parameters.who') },
        },
      ],
      { parameters: { who: { type: 'string' } }, variables: { who: { type: 'String' } } },
    ),
    'pipeline/Broken.json': pipeline('Broken', [
      { name: 'Boom', type: 'Fail', typeProperties: { message: 'broken on purpose', errorCode: 'E42' } },
    ]),
  });
}

/** The workspace file, once the stand-in's port is known. */
function workspaceFile(apiUrl: string) {
  return {
    factory: { name: 'remote-demo' },
    vaults: {
      'remote-kv': {
        secrets: { 'orders-key': { fromEnv: 'REMOTE_ORDERS_KEY' } },
        accessPolicies: [{ principal: 'factory', secrets: ['get'] }],
      },
    },
    hosts: { 'orders.contoso.test': apiUrl },
    mocks: { 'Copy orders': { output: { rowsCopied: 7 } } },
  };
}

describe('pipevault run --data-dir / --endpoint', () => {
  // made here, not in before(): temp dirs are removed when the suite ends
  const dataDir = tempDir();
  const fresh = tempDir();
  const folder = factoryFolder();
  let server: Awaited<ReturnType<typeof spawnServer>>;
  let api: Server;
  const received: Array<{ key: string; body: string }> = [];
  const env = { REMOTE_ORDERS_KEY: CANARY };

  before(async () => {
    // a stand-in of its own: helpers' standIn closes at the end of the hook that made it
    api = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ key: String(req.headers['x-api-key']), body });
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: true }));
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    writeFileSync(join(folder, 'pipevault.json'), JSON.stringify(workspaceFile(url)));
    server = await spawnServer(['--data-dir', dataDir, '--port', '0']);
  });
  after(async () => {
    await server?.stop();
    await new Promise<void>((r) => api.close(() => r()));
  });

  test('publishes into the live server of the data dir, runs there, and the run shows in its API', async () => {
    const r = await runCli(
      ['run', folder, '--pipeline', 'SendOrder', '--param', 'label=first', '--data-dir', dataDir, '--json'],
      { env },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const doc = JSON.parse(r.stdout) as {
      run: { runId: string; status: string; factoryName: string; parameters: Record<string, string> };
      activityRuns: Array<{ activityName: string; status: string; output: unknown; input: unknown }>;
      childRuns: unknown[];
    };
    assert.equal(doc.run.status, 'Succeeded');
    assert.equal(doc.run.factoryName, 'remote-demo');
    assert.equal(doc.run.parameters.label, 'first');
    assert.deepEqual(
      doc.activityRuns.map((a) => [a.activityName, a.status]),
      [
        ['Get key', 'Succeeded'],
        ['Copy orders', 'Succeeded'],
        ['Send', 'Succeeded'],
      ],
    );
    assert.equal(doc.activityRuns[0]!.output, '**********', 'secure output hidden');
    assert.equal(doc.activityRuns[2]!.input, '**********', 'secure input hidden');
    assert.deepEqual(doc.childRuns, []);
    // the stand-in got the vault's value through the workspace's host mapping, and the mock's output
    assert.deepEqual(received.at(-1), { key: CANARY, body: '{"rows":7}' });

    // it ran on the spawned server (which logged the publish), not on one the CLI started for itself
    assert.match(server.stderr(), /factory published/);
    const shown = await runCli([
      'datafactory',
      'pipeline-run',
      'show',
      '--factory-name',
      'remote-demo',
      '--run-id',
      doc.run.runId,
      '--data-dir',
      dataDir,
      '--json',
    ]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as { status: string }).status, 'Succeeded');
    const acts = await runCli([
      'datafactory',
      'activity-run',
      'query-by-pipeline-run',
      '--factory-name',
      'remote-demo',
      '--run-id',
      doc.run.runId,
      '--data-dir',
      dataDir,
      '--json',
    ]);
    assert.equal(acts.code, 0, acts.stderr);
    assert.equal((JSON.parse(acts.stdout) as { value: unknown[] }).value.length, 3);
    for (const text of [r.stdout, r.stderr, shown.stdout, acts.stdout, server.stdout(), server.stderr()]) {
      assert.ok(!text.includes(CANARY), 'the secret never shows');
    }
  });

  test('text output, exit code 1 for a failed run, 2 for bad input', async () => {
    const failed = await runCli(['run', folder, '--pipeline', 'Broken', '--data-dir', dataDir], { env });
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stdout, /Boom {2}Fail {2}Failed/);
    assert.match(failed.stdout, /E42: broken on purpose/);
    assert.match(failed.stdout, /Run \S+ of Broken: Failed in /);

    const unknown = await runCli(['run', folder, '--pipeline', 'Nope', '--data-dir', dataDir], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Nope/);

    const now = await runCli(
      ['run', folder, '--pipeline', 'Broken', '--data-dir', dataDir, '--now', '2026-01-01T00:00:00Z'],
      { env },
    );
    assert.equal(now.code, 2);
    assert.match(now.stderr, /--now/);
  });

  test('child runs come back with their own activity runs, under their parent', async () => {
    const r = await runCli(['run', folder, '--pipeline', 'Parent', '--data-dir', dataDir, '--json'], { env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const doc = JSON.parse(r.stdout) as {
      run: { runId: string };
      childRuns: Array<{
        run: { pipelineName: string; parentRunId: string; status: string; parameters: Record<string, string> };
        activityRuns: Array<{ activityName: string; status: string }>;
        childRuns: unknown[];
      }>;
    };
    assert.equal(doc.childRuns.length, 1);
    const child = doc.childRuns[0]!;
    assert.equal(child.run.pipelineName, 'Child');
    assert.equal(child.run.parentRunId, doc.run.runId);
    assert.equal(child.run.status, 'Succeeded');
    assert.equal(child.run.parameters.who, 'parent');
    assert.deepEqual(
      child.activityRuns.map((a) => [a.activityName, a.status]),
      [['Remember', 'Succeeded']],
    );
    assert.deepEqual(child.childRuns, []);
  });

  test('--endpoint with the admin credential and the CA reaches the same server', async () => {
    const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as {
      url: string;
      caFile: string;
      adminCredentialFile: string;
    };
    const r = await runCli(
      [
        'run',
        folder,
        '--pipeline',
        'SendOrder',
        '--endpoint',
        info.url,
        '--admin-credential',
        info.adminCredentialFile,
        '--ca',
        info.caFile,
        '--json',
      ],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const runId = (JSON.parse(r.stdout) as { run: { runId: string } }).run.runId;
    const runs = await runCli([
      'datafactory',
      'pipeline-run',
      'query-by-factory',
      '--factory-name',
      'remote-demo',
      '--data-dir',
      dataDir,
      '--json',
    ]);
    assert.equal(runs.code, 0, runs.stderr);
    assert.ok((JSON.parse(runs.stdout) as { value: Array<{ runId: string }> }).value.some((x) => x.runId === runId));
    assert.ok(!r.stdout.includes(CANARY) && !r.stderr.includes(CANARY));

    const noCredential = await runCli(['run', folder, '--pipeline', 'SendOrder', '--endpoint', info.url], {
      env: { ...env, PIPEVAULT_ADMIN_CREDENTIAL: '' },
    });
    assert.equal(noCredential.code, 2);
    assert.match(noCredential.stderr, /--admin-credential/);
  });

  test('a data dir without a live server: one is started for the command, and the run stays in that data dir', async () => {
    const r = await runCli(['run', folder, '--pipeline', 'SendOrder', '--data-dir', fresh, '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const runId = (JSON.parse(r.stdout) as { run: { runId: string } }).run.runId;
    const shown = await runCli([
      'datafactory',
      'pipeline-run',
      'show',
      '--factory-name',
      'remote-demo',
      '--run-id',
      runId,
      '--data-dir',
      fresh,
      '--json',
    ]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as { status: string }).status, 'Succeeded');
    assert.ok(!r.stdout.includes(CANARY) && !r.stderr.includes(CANARY));
  });
});
