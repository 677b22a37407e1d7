import assert from 'node:assert/strict';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../src/common/clock.js';
import { randomIds } from '../../src/common/ids.js';
import { createLogger } from '../../src/common/logger.js';
import { SECRET_MARKER, secretForms } from '../../src/common/masking.js';
import { Engine } from '../../src/adf/engine/engine.js';
import { harness, pipeline, standIn, writeFactory } from '../e2e/helpers.js';

/**
 * Canary secrets through every source (a vault read, a Key Vault reference in a linked service, a SecureString
 * parameter, an activity with secureOutput) into every sink (activity inputs, outputs and errors, variables,
 * user properties, URLs, a child run's parameters and return value, a Fail message, the run's message, logs),
 * with every secure flag OFF. The stand-in API must receive the real values (masking never changes what a
 * pipeline computes); no persisted byte, record or log line may hold any of them in any form.
 */

const VAULT_SECRET = 'canary-vault-7Hq2#x/+=9';
const LS_SECRET = 'canary-linkedsvc-Kp4!w8';
const PARAM_SECRET = 'canary-param-Zt5&u1';
const OUTPUT_SECRET = 'canary-output-Rb8%q3';
const CANARIES = [VAULT_SECRET, LS_SECRET, PARAM_SECRET, OUTPUT_SECRET];

const api = await standIn((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  // Echo what arrived (the response becomes the activity output) and hand out a token on /token.
  res.end(
    JSON.stringify(
      req.url === '/token'
        ? { token: OUTPUT_SECRET }
        : { echoed: req.body, auth: req.headers.authorization ?? null, key: req.headers['x-api-key'] ?? null },
    ),
  );
});

const e = (value: string) => ({ value, type: 'Expression' });
const after = (...names: string[]) => names.map((activity) => ({ activity, dependencyConditions: ['Succeeded'] }));
const open = { secureInput: false, secureOutput: false };
const vault = "activity('Get Secret').output.value";

const dir = writeFactory({
  'pipeline/Leaky.json': pipeline(
    'Leaky',
    [
      {
        name: 'Get Secret',
        type: 'WebActivity',
        policy: open,
        typeProperties: {
          url: 'https://demo-kv.vault.azure.net/secrets/api-key?api-version=7.0',
          method: 'GET',
          authentication: { type: 'MSI', resource: 'https://vault.azure.net' },
        },
      },
      {
        name: 'Get Token',
        type: 'WebActivity',
        policy: { secureOutput: true },
        typeProperties: { url: 'https://api.contoso.com/token', method: 'GET' },
      },
      {
        name: 'Keep',
        type: 'SetVariable',
        dependsOn: after('Get Secret'),
        typeProperties: { variableName: 'kept', value: e(`@${vault}`) },
      },
      {
        name: 'Collect',
        type: 'AppendVariable',
        dependsOn: after('Get Secret'),
        typeProperties: { variableName: 'all', value: e(`@concat('param:', pipeline().parameters.pw)`) },
      },
      {
        name: 'Call API',
        type: 'WebActivity',
        dependsOn: after('Keep', 'Get Token'),
        policy: open,
        userProperties: [{ name: 'shown', value: e("@variables('kept')") }],
        typeProperties: {
          url: e(`@concat('https://api.contoso.com/echo?key=', uriComponent(${vault}))`),
          method: 'POST',
          headers: { 'x-api-key': e("@variables('kept')") },
          body: e(
            `@concat('{"token":"', activity('Get Token').output.token, '","pw":"', pipeline().parameters.pw, '","v":"', ${vault}, '"}')`,
          ),
          authentication: {
            type: 'Basic',
            username: 'svc-user',
            password: {
              type: 'AzureKeyVaultSecret',
              store: { referenceName: 'KeyVault', type: 'LinkedServiceReference' },
              secretName: 'ls-password',
            },
          },
        },
      },
      {
        name: 'Run Child',
        type: 'ExecutePipeline',
        dependsOn: after('Call API'),
        typeProperties: {
          pipeline: { referenceName: 'Child', type: 'PipelineReference' },
          waitOnCompletion: true,
          parameters: { plain: e(`@${vault}`), secure: e('@pipeline().parameters.pw') },
        },
      },
      {
        name: 'Fail Loudly',
        type: 'Fail',
        dependsOn: after('Run Child'),
        typeProperties: {
          message: e(`@concat('child returned ', activity('Run Child').output.pipelineReturnValue.echo)`),
          errorCode: '500',
        },
      },
    ],
    {
      parameters: { pw: { type: 'SecureString' } },
      variables: { kept: { type: 'String' }, all: { type: 'Array' } },
    },
  ),
  'pipeline/Child.json': pipeline(
    'Child',
    [
      {
        name: 'Return',
        type: 'SetVariable',
        typeProperties: {
          variableName: 'pipelineReturnValue',
          setSystemVariable: true,
          value: [
            {
              key: 'echo',
              value: {
                type: 'Expression',
                content: "@concat(pipeline().parameters.plain, '|', pipeline().parameters.secure)",
              },
            },
          ],
        },
      },
    ],
    { parameters: { plain: { type: 'String' }, secure: { type: 'String' } } },
  ),
  'linkedService/KeyVault.json': {
    name: 'KeyVault',
    properties: { type: 'AzureKeyVault', typeProperties: { baseUrl: 'https://demo-kv.vault.azure.net/' } },
  },
  'pipevault.json': {
    factory: { name: 'canary-factory' },
    vaults: {
      'demo-kv': {
        secrets: { 'api-key': { fromEnv: 'CANARY_VAULT' }, 'ls-password': { fromEnv: 'CANARY_LS' } },
        accessPolicies: [{ principal: 'factory', secrets: ['get', 'list'] }],
      },
    },
    hosts: { 'api.contoso.com': api.url },
  },
});

const h = await harness(dir, { env: { CANARY_VAULT: VAULT_SECRET, CANARY_LS: LS_SECRET } });

/** Every file under a directory, recursively. */
function files(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** The byte forms a canary could take on disk: as text (and its encoded forms), and UTF-16 for good measure. */
function leaks(bytes: Buffer): string[] {
  const found: string[] = [];
  for (const c of CANARIES) {
    for (const form of secretForms(c)) {
      if (bytes.includes(Buffer.from(form, 'utf8')) || bytes.includes(Buffer.from(form, 'utf16le'))) found.push(form);
    }
  }
  return found;
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
