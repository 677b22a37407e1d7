import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { checkWorkspaceJson, loadMocksFile, findMock, loadWorkspace, SecretText } from '../../src/adf/model/index.js';
import { isPipevaultError } from '../../src/common/errors.js';
import { writeTree } from './fixtures.js';

const CANARY = 'canary-7f3a9c1e-secret-value';

const full = {
  factory: { name: 'demo-factory', identity: { principalId: '11111111-1111-1111-1111-111111111111' } },
  vaults: {
    'demo-vault': {
      secrets: {
        'api-key': { fromEnv: 'DEMO_API_KEY' },
        'db-password': { fromFile: 'secrets/db.txt', contentType: 'text/plain', tags: { env: 'dev' } },
        greeting: { value: 'hello' },
        rotated: {
          versions: [{ value: 'old', version: '0123456789abcdef0123456789ABCDEF' }, { fromEnv: 'DEMO_API_KEY' }],
        },
      },
      accessPolicies: [
        { principal: 'factory', secrets: ['Get', 'list'] },
        { principal: 'ci', secrets: ['get'] },
        { principal: '22222222-2222-2222-2222-222222222222', secrets: ['all'] },
      ],
    },
  },
  principals: { ci: { appId: '33333333-3333-3333-3333-333333333333', secretFromEnv: 'CI_SECRET' } },
  identities: { uami: { clientId: '44444444-4444-4444-4444-444444444444', resourceId: '/subscriptions/x/uami' } },
  hosts: { 'api.contoso.com': 'http://127.0.0.1:9000', 'files.contoso.com:8443': 'https://localhost:9443/base' },
  mocks: {
    'Copy sales': { status: 'succeeded', output: { rowsCopied: 10 } },
    'Main/Fail it': { status: 'Failed', error: { errorCode: 'E1', message: 'no' } },
  },
  allowEgress: false,
};

test('workspace: every key of the documented shape loads; secrets come from value, env var, file and versions', (t) => {
  const { dir, cleanup } = writeTree({ 'pipevault.json': full, 'secrets/db.txt': 'p@ss\n' });
  t.after(cleanup);
  const ws = loadWorkspace(dir, { env: { DEMO_API_KEY: 'k-1', CI_SECRET: 'ci-pw' } })!;
  assert.equal(ws.file, join(dir, 'pipevault.json'));
  assert.equal(ws.factory.name, 'demo-factory');
  const s = ws.vaults['demo-vault']!.secrets;
  assert.equal(s['api-key']!.versions[0]!.value.reveal(), 'k-1');
  assert.equal(s['db-password']!.versions[0]!.value.reveal(), 'p@ss');
  assert.equal(s['db-password']!.contentType, 'text/plain');
  assert.equal(s.greeting!.versions[0]!.value.reveal(), 'hello');
  assert.deepEqual(
    s.rotated!.versions.map((v) => [v.value.reveal(), v.version]),
    [
      ['old', '0123456789abcdef0123456789abcdef'],
      ['k-1', undefined],
    ],
  );
  assert.deepEqual(ws.vaults['demo-vault']!.accessPolicies[0], { principal: 'factory', secrets: ['get', 'list'] });
  assert.equal(ws.principals.ci!.secret!.reveal(), 'ci-pw');
  assert.equal(ws.identities.uami!.clientId, '44444444-4444-4444-4444-444444444444');
  assert.equal(ws.hosts['api.contoso.com'], 'http://127.0.0.1:9000');
  assert.equal(ws.mocks['Copy sales']!.status, 'Succeeded');
  assert.equal(findMock(ws.mocks, 'Main', 'Fail it')!.status, 'Failed');
  assert.equal(findMock(ws.mocks, 'Other', 'Copy sales')!.output !== undefined, true);
  assert.equal(ws.allowEgress, false);
});

test('workspace: a folder without pipevault.json has no workspace', (t) => {
  const { dir, cleanup } = writeTree({ 'pipeline/P.json': { name: 'P', properties: { activities: [] } } });
  t.after(cleanup);
  assert.equal(loadWorkspace(dir), undefined);
});

test('workspace: unknown keys and bad values are errors naming the JSON path', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ factroy: {} }, '$', /unknown key 'factroy'/],
    [
      { vaults: { v1x: { secrets: { s: { value: 'a', fromEnv: 'B' } } } } },
      '$.vaults.v1x.secrets.s',
      /only one of value, fromEnv/,
    ],
    [{ vaults: { v1x: { secrets: { s: {} } } } }, '$.vaults.v1x.secrets.s', /give one of/],
    [
      { vaults: { v1x: { secrets: { s: { versions: [{ value: 'a', version: 'xyz' }] } } } } },
      '$.vaults.v1x.secrets.s.versions[0].version',
      /32 hexadecimal/,
    ],
    [
      { vaults: { v1x: { accessPolicies: [{ principal: 'factory', secrets: ['read'] }] } } },
      '$.vaults.v1x.accessPolicies[0].secrets[0]',
      /must be one of get, list/,
    ],
    [
      { vaults: { v1x: { accessPolicies: [{ principal: 'someone', secrets: ['get'] }] } } },
      '$.vaults.v1x.accessPolicies[0].principal',
      /not a principal/,
    ],
    [{ principals: { ci: { appId: 'not-a-guid' } } }, '$.principals.ci.appId', /GUID/],
    [{ hosts: { 'api.contoso.com': 'ftp://x' } }, "$.hosts['api.contoso.com']", /http/],
    [{ mocks: { 'A/B/C': {} } }, "$.mocks['A/B/C']", /Pipeline\/Activity/],
    [{ mocks: { A: { status: 'Skipped' } } }, '$.mocks.A.status', /Succeeded or Failed/],
    [{ allowEgress: 'yes' }, '$.allowEgress', /expected boolean/],
  ];
  for (const [json, path, reason] of cases) {
    const { problems } = checkWorkspaceJson(json, 'pipevault.json');
    assert.ok(problems.length >= 1, JSON.stringify(json));
    assert.ok(
      problems.some((p) => p.path === path && reason.test(p.reason)),
      `${JSON.stringify(json)} → ${JSON.stringify(problems)}`,
    );
  }
});

test('workspace: loading errors are bad input naming file and path; an unset env var names the variable', (t) => {
  const { dir, cleanup } = writeTree({ 'pipevault.json': full, 'secrets/db.txt': 'x' });
  t.after(cleanup);
  assert.throws(
    () => loadWorkspace(dir, { env: { CI_SECRET: 'x' } }),
    (e: unknown) =>
      isPipevaultError(e) &&
      e.exitCode === 2 &&
      e.message.includes("$.vaults['demo-vault'].secrets['api-key'].fromEnv") &&
      e.message.includes('DEMO_API_KEY'),
  );
  const other = writeTree({ 'pipevault.json': { vaults: { v1x: { secrets: { s: { fromFile: 'missing.txt' } } } } } });
  t.after(other.cleanup);
  assert.throws(
    () => loadWorkspace(other.dir, { env: {} }),
    (e: unknown) => isPipevaultError(e) && /missing\.txt/.test(e.message) && /fromFile/.test(e.message),
  );
});

test('workspace canary: secret values never appear in errors, JSON or inspect output', (t) => {
  // A schema error elsewhere in a file that holds a literal secret value.
  const bad = writeTree({
    'pipevault.json': { vaults: { v1x: { secrets: { s: { value: CANARY, bogus: 1 }, n: { value: 12345 } } } } },
  });
  t.after(bad.cleanup);
  assert.throws(
    () => loadWorkspace(bad.dir),
    (e: unknown) => isPipevaultError(e) && !e.message.includes(CANARY),
  );
  const problems = checkWorkspaceJson(
    { vaults: { v1x: { secrets: { s: { value: CANARY, fromEnv: 'X' }, n: { value: 12345 } } } } },
    'f',
  ).problems;
  assert.ok(problems.length >= 2);
  assert.ok(!JSON.stringify(problems).includes(CANARY) && !JSON.stringify(problems).includes('12345'));
  // A good file: the loaded workspace prints markers, not values.
  const good = writeTree({
    'pipevault.json': {
      vaults: { v1x: { secrets: { s: { value: CANARY } } } },
      principals: { p: { appId: '33333333-3333-3333-3333-333333333333', secretFromEnv: 'E' } },
    },
  });
  t.after(good.cleanup);
  const ws = loadWorkspace(good.dir, { env: { E: CANARY } })!;
  for (const text of [
    JSON.stringify(ws),
    inspect(ws, { depth: 10 }),
    `${ws.vaults.v1x!.secrets.s!.versions[0]!.value}`,
  ]) {
    assert.ok(!text.includes(CANARY), text);
    assert.ok(text.includes(SecretText.MARKER));
  }
  assert.equal(ws.vaults.v1x!.secrets.s!.versions[0]!.value.reveal(), CANARY);
});

test('mocks file: the same map as the workspace key, checked the same way', (t) => {
  const { dir, cleanup } = writeTree({
    'm.json': { 'P/A': { output: { x: '@item()' } } },
    'bad.json': { A: { state: 'x' } },
  });
  t.after(cleanup);
  assert.deepEqual(loadMocksFile(join(dir, 'm.json')), { 'P/A': { output: { x: '@item()' } } });
  assert.throws(
    () => loadMocksFile(join(dir, 'bad.json')),
    (e: unknown) => isPipevaultError(e) && /\$\.A/.test(e.message) && /unknown key 'state'/.test(e.message),
  );
});
