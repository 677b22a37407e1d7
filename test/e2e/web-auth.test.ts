import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { harness, pipeline, standIn, writeFactory } from './helpers.js';

/**
 * Authentication kinds, linked-service Key Vault references, 202 polling, WebHook callbacks and response
 * shapes, end to end over real HTTPS against a server on an ephemeral loopback port and a local stand-in.
 */

const BASIC_PASS = 'canary-basic-7c1e55';
const SP_SECRET = 'canary-sp-secret-91ab';
const FN_KEY = 'canary-function-key-2f0d';
const SP_APP_ID = '3c7a1f52-9e44-4b1d-8a6e-0f2b3c4d5e6f';
const UMI_RESOURCE =
  '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/prod-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/TrainingUMI';

const postJson = (url: string, body: unknown) =>
  new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });

let polls = 0;
const api = await standIn(async (req, res) => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/basic') {
    const expected = `Basic ${Buffer.from(`svc-user:${BASIC_PASS}`).toString('base64')}`;
    return json(req.headers.authorization === expected ? 200 : 401, { who: 'basic' });
  }
  if (req.url === '/api/Score') {
    return json(req.headers['x-functions-key'] === FN_KEY ? 200 : 401, {
      score: 42,
      echo: JSON.parse(req.body || '{}'),
    });
  }
  if (req.url === '/jobs' && req.method === 'POST') return json(202, {}, { Location: '/jobs/1', 'Retry-After': '0' });
  if (req.url === '/jobs/1') {
    polls++;
    return polls < 2 ? json(202, {}, { Location: '/jobs/1' }) : json(200, { done: true, polls });
  }
  if (req.url === '/text') {
    res.writeHead(200, { 'content-type': 'text/csv' });
    return res.end('id,name\n1,widget\n');
  }
  if (req.url === '/hook') {
    const { callBackUri, job } = JSON.parse(req.body) as { callBackUri: string; job: string };
    json(202, { accepted: true });
    setTimeout(() => void postJson(callBackUri, { result: 'finished', job }), 50);
    return;
  }
  if (req.url === '/hook-fails') {
    const { callBackUri } = JSON.parse(req.body) as { callBackUri: string };
    json(202, {});
    setTimeout(
      () =>
        void postJson(callBackUri, {
          Output: { partial: true },
          Error: { ErrorCode: 'JobFailed', Message: 'the job broke' },
          StatusCode: '500',
        }),
      50,
    );
    return;
  }
  json(404, { error: 'no such route' });
});

const kvRef = (secretName: string) => ({
  type: 'AzureKeyVaultSecret',
  store: {
    referenceName: 'GenericKeys',
    type: 'LinkedServiceReference',
    parameters: { KeyVaultURL: 'https://demo-kv.vault.azure.net' },
  },
  secretName: { value: secretName, type: 'Expression' },
});

const webAct = (name: string, typeProperties: Record<string, unknown>, policy: Record<string, unknown> = {}) => ({
  name,
  type: 'WebActivity',
  policy,
  typeProperties,
});

const dir = writeFactory({
  'linkedService/GenericKeys.json': {
    name: 'GenericKeys',
    properties: {
      type: 'AzureKeyVault',
      parameters: { KeyVaultURL: { type: 'String' } },
      typeProperties: { baseUrl: '@{linkedService().KeyVaultURL}' },
    },
  },
  'linkedService/ScoringFunctions.json': {
    name: 'ScoringFunctions',
    properties: {
      type: 'AzureFunction',
      typeProperties: { functionAppUrl: 'https://scoring-prod.azurewebsites.net', functionKey: kvRef('function-key') },
    },
  },
  'credential/TrainingCredential01.json': {
    name: 'TrainingCredential01',
    properties: { type: 'ManagedIdentity', typeProperties: { resourceId: UMI_RESOURCE } },
  },
  'pipeline/Basic.json': pipeline('Basic', [
    webAct('Call', {
      url: 'https://partner.example.com/basic',
      method: 'GET',
      authentication: { type: 'Basic', username: 'svc-user', password: kvRef('basic-pass') },
    }),
  ]),
  'pipeline/ServicePrincipal.json': pipeline('ServicePrincipal', [
    webAct(
      'Read',
      {
        url: 'https://demo-kv.vault.azure.net/secrets/shared?api-version=7.4',
        method: 'GET',
        authentication: {
          type: 'ServicePrincipal',
          tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
          servicePrincipalId: SP_APP_ID,
          servicePrincipalKey: { type: 'SecureString', value: SP_SECRET },
          resource: 'https://vault.azure.net',
        },
      },
      { secureOutput: true },
    ),
  ]),
  'pipeline/UserAssigned.json': pipeline('UserAssigned', [
    webAct(
      'Read',
      {
        url: 'https://demo-kv.vault.azure.net/secrets/shared?api-version=7.4',
        method: 'GET',
        authentication: {
          type: 'UserAssignedManagedIdentity',
          resource: 'https://vault.azure.net',
          credential: { referenceName: 'TrainingCredential01', type: 'CredentialReference' },
        },
      },
      { secureOutput: true },
    ),
  ]),
  'pipeline/Function.json': pipeline('Function', [
    {
      name: 'Score',
      type: 'AzureFunctionActivity',
      linkedServiceName: { referenceName: 'ScoringFunctions', type: 'LinkedServiceReference' },
      typeProperties: { functionName: 'Score', method: 'POST', body: { rows: 3 } },
    },
  ]),
  'pipeline/Polling.json': pipeline('Polling', [
    webAct('Job', { url: 'https://partner.example.com/jobs', method: 'POST', body: { start: true } }),
    webAct('NoWait', {
      url: 'https://partner.example.com/jobs',
      method: 'POST',
      body: { start: true },
      turnOffAsync: true,
    }),
  ]),
  'pipeline/Text.json': pipeline('Text', [webAct('Csv', { url: 'https://partner.example.com/text', method: 'GET' })]),
  'pipeline/Hook.json': pipeline('Hook', [
    {
      name: 'Wait for job',
      type: 'WebHook',
      typeProperties: {
        url: 'https://partner.example.com/hook',
        method: 'POST',
        body: { job: 'nightly' },
        timeout: '00:01:00',
      },
    },
  ]),
  'pipeline/HookFails.json': pipeline('HookFails', [
    {
      name: 'Wait for job',
      type: 'WebHook',
      typeProperties: {
        url: 'https://partner.example.com/hook-fails',
        method: 'POST',
        body: {},
        reportStatusOnCallBack: true,
      },
    },
  ]),
  'pipeline/NotFound.json': pipeline('NotFound', [
    webAct('Missing', { url: 'https://partner.example.com/nothing', method: 'get' }),
  ]),
  'pipevault.json': {
    factory: { name: 'auth-factory' },
    principals: { 'api-client': { appId: SP_APP_ID, secretFromEnv: 'E2E_SP_SECRET' } },
    identities: { TrainingUMI: {} },
    vaults: {
      'demo-kv': {
        secrets: {
          'basic-pass': { value: BASIC_PASS },
          'function-key': { value: FN_KEY },
          shared: { value: 'canary-shared-5e5e' },
        },
        accessPolicies: [
          { principal: 'factory', secrets: ['get', 'list'] },
          { principal: 'api-client', secrets: ['get'] },
          { principal: 'TrainingUMI', secrets: ['get'] },
        ],
      },
    },
    hosts: { 'partner.example.com': api.url, 'scoring-prod.azurewebsites.net': api.url },
  },
});
const h = await harness(dir, { env: { E2E_SP_SECRET: SP_SECRET } });

const firstError = (a: { error: unknown }[]) => JSON.stringify(a.map((x) => x.error));

test('Basic authentication with the password read from the vault through a parameterized Key Vault linked service', async () => {
  const { run, activities } = await h.run('Basic');
  assert.equal(run.status, 'Succeeded', firstError(activities));
  assert.equal((activities[0]!.output as { who: string }).who, 'basic');
  assert.doesNotMatch(JSON.stringify(activities), new RegExp(BASIC_PASS));
});

test("ServicePrincipal authentication: the token is the service principal's, which the access policy allows", async () => {
  const { run, activities } = await h.run('ServicePrincipal');
  assert.equal(run.status, 'Succeeded', firstError(activities));
  const text = JSON.stringify(activities);
  assert.doesNotMatch(text, new RegExp(SP_SECRET));
  assert.doesNotMatch(text, /canary-shared-5e5e/);
});

test('UserAssignedManagedIdentity through a credential whose production resource ID names the local identity', async () => {
  const { run, activities } = await h.run('UserAssigned');
  assert.equal(run.status, 'Succeeded', firstError(activities));
});

test('Azure Function activity: function key from the vault through the linked service, JSON output', async () => {
  const { run, activities } = await h.run('Function');
  assert.equal(run.status, 'Succeeded', firstError(activities));
  const out = activities[0]!.output as Record<string, unknown>;
  assert.equal(out.score, 42);
  assert.deepEqual(out.echo, { rows: 3 });
  assert.doesNotMatch(JSON.stringify(activities), new RegExp(FN_KEY));
});

test('202 + Location is polled until the job answers; turnOffAsync stops at the 202', async () => {
  const { run, activities } = await h.run('Polling');
  assert.equal(run.status, 'Succeeded', firstError(activities));
  const job = activities.find((a) => a.activityName === 'Job')!.output as Record<string, unknown>;
  assert.equal(job.done, true);
  assert.equal(job.polls, 2);
  const noWait = activities.find((a) => a.activityName === 'NoWait')!.output as Record<string, unknown>;
  assert.equal(noWait.done, undefined);
  assert.equal((noWait.ADFWebActivityResponseHeaders as Record<string, string>).Location, '/jobs/1');
});

test('a non-JSON body arrives as text in output.Response', async () => {
  const { activities } = await h.run('Text');
  const out = activities[0]!.output as Record<string, unknown>;
  assert.equal(out.Response, 'id,name\n1,widget\n');
  assert.equal((out.ADFWebActivityResponseHeaders as Record<string, string>)['content-type'], 'text/csv');
  assert.equal(typeof out.executionDuration, 'number');
});

test('WebHook: the endpoint gets callBackUri; the callback body becomes the output', async () => {
  const { run, activities } = await h.run('Hook');
  assert.equal(run.status, 'Succeeded', firstError(activities));
  const out = activities[0]!.output as Record<string, unknown>;
  assert.equal(out.result, 'finished');
  assert.equal(out.job, 'nightly');
  const sent = JSON.parse(api.requests.find((r) => r.url === '/hook')!.body) as Record<string, unknown>;
  assert.match(String(sent.callBackUri), /^http:\/\/127\.0\.0\.1:\d+\/callbacks\//);
});

test('WebHook with reportStatusOnCallBack: a StatusCode of 400 or more fails with the reported error', async () => {
  const { run, activities } = await h.run('HookFails');
  assert.equal(run.status, 'Failed');
  assert.equal(activities[0]!.error!.errorCode, 'JobFailed');
  assert.equal(activities[0]!.error!.message, 'the job broke');
});

test("a non-2xx answer fails with ADF's error code and the body as message", async () => {
  const { activities } = await h.run('NotFound');
  assert.equal(activities[0]!.error!.errorCode, '2108');
  assert.match(activities[0]!.error!.message, /no such route/);
});
