import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { harness, pipeline, standIn, writeFactory } from './helpers.js';

/**
 * A canary secret read from the vault flows through secure outputs, secure inputs, a SetVariable, an
 * ExecutePipeline (secure input) into a child's SecureString parameter and out to an API. Afterwards every byte
 * pipevault persisted or printed — the store's files (database, WAL), the debug-level server log, the run
 * records, `pipevault run --json` and its stderr — is scanned for the canary in every form masking knows
 * (plain, base64, URL-encoded, JSON-escaped) and holds none of them.
 */

const CANARY = 'canary+Zx9/q"7e41-b2c3-secret';

function forms(v: string): string[] {
  const b = Buffer.from(v);
  return [
    v,
    JSON.stringify(v).slice(1, -1),
    encodeURIComponent(v),
    b.toString('base64').slice(0, -2),
    b.toString('base64url').slice(0, -2),
    Buffer.from(`svc:${v}`).toString('base64').slice(8, -4),
  ];
}

function assertClean(what: string, bytes: Buffer | string): void {
  const text = Buffer.isBuffer(bytes) ? bytes.toString('latin1') : bytes;
  for (const f of forms(CANARY))
    assert.equal(text.includes(f), false, `${what} holds the canary (as ${JSON.stringify(f)})`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const received: string[] = [];
const api = await standIn((req, res) => {
  received.push(String(req.headers['x-api-key'] ?? ''));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true }));
});

const files = {
  'pipeline/Parent.json': pipeline(
    'Parent',
    [
      {
        name: 'Get secret',
        type: 'WebActivity',
        policy: { secureOutput: true },
        typeProperties: {
          url: 'https://canary-kv.vault.azure.net/secrets/the-canary?api-version=7.0',
          method: 'GET',
          authentication: { type: 'MSI', resource: 'https://vault.azure.net' },
        },
      },
      {
        name: 'Keep it',
        type: 'SetVariable',
        dependsOn: [{ activity: 'Get secret', dependencyConditions: ['Succeeded'] }],
        policy: { secureInput: true, secureOutput: true },
        typeProperties: {
          variableName: 'key',
          value: { value: "@activity('Get secret').output.value", type: 'Expression' },
        },
      },
      {
        name: 'Child',
        type: 'ExecutePipeline',
        dependsOn: [{ activity: 'Keep it', dependencyConditions: ['Succeeded'] }],
        policy: { secureInput: true },
        typeProperties: {
          pipeline: { referenceName: 'Child', type: 'PipelineReference' },
          waitOnCompletion: true,
          parameters: { apiKey: { value: "@variables('key')", type: 'Expression' } },
        },
      },
    ],
    { variables: { key: { type: 'String' } } },
  ),
  'pipeline/Child.json': pipeline(
    'Child',
    [
      {
        name: 'Send',
        type: 'WebActivity',
        policy: { secureInput: true },
        typeProperties: {
          url: 'https://orders.contoso.com/api/orders',
          method: 'POST',
          headers: { 'x-api-key': '@pipeline().parameters.apiKey' },
          body: { hello: 'world' },
        },
      },
    ],
    { parameters: { apiKey: { type: 'SecureString' } } },
  ),
  'pipevault.json': {
    factory: { name: 'canary-factory' },
    vaults: {
      'canary-kv': {
        secrets: { 'the-canary': { fromEnv: 'CANARY_SECRET' } },
        accessPolicies: [{ principal: 'factory', secrets: ['get'] }],
      },
    },
    hosts: { 'orders.contoso.com': api.url },
  },
};

test('no persisted or logged byte holds the canary after a run with secure flags', async () => {
  const dir = writeFactory(files);
  const dataDir = tempDir();
  const logFile = join(tempDir(), 'server.log');
  const h = await harness(dir, { env: { CANARY_SECRET: CANARY }, dataDir, logFile });
  const { run, activities } = await h.run('Parent');
  assert.equal(run.status, 'Succeeded', JSON.stringify(activities.map((a) => a.error)));
  assert.equal(received.at(-1), CANARY, 'the API got the real value');
  const children = await h.runs.listPipelineRuns({ parentRunId: run.runId });
  assert.equal(children.length, 1);
  const childActivities = await h.runs.listActivityRuns(children[0]!.runId);
  assert.equal(children[0]!.parameters.apiKey, '**********');
  await h.runs.flush();

  assertClean('the run records', JSON.stringify({ run, activities, children, childActivities }));
  const stored = filesUnder(dataDir);
  assert.ok(stored.some((f) => f.endsWith('pipevault.db')));
  for (const f of stored) assertClean(f, readFileSync(f));
  const log = readFileSync(logFile);
  assert.ok(log.length > 0, 'the server logged at debug level');
  assertClean('the server log', log);
});

test('pipevault run --json prints no byte of the canary, on stdout or stderr', async () => {
  const dir = writeFactory(files);
  const r = await runCli(['run', dir, '--pipeline', 'Parent', '--json'], {
    env: { CANARY_SECRET: CANARY, PIPEVAULT_LOG_LEVEL: 'debug' },
  });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { run: { status: string }; childRuns: unknown[] };
  assert.equal(doc.run.status, 'Succeeded');
  assert.equal(doc.childRuns.length, 1);
  assertClean('stdout', r.stdout);
  assertClean('stderr', r.stderr);
  assert.equal(received.at(-1), CANARY);
});
