import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCli, spawnServer } from '../helpers/cli.js';
import { clientCredentials } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

function plainHttp(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/health', timeout: 5000 }, (res) =>
      resolve(`answered ${res.statusCode}`),
    );
    req.on('error', (e) => resolve(`refused: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    req.on('timeout', () => {
      req.destroy();
      resolve('refused: timeout');
    });
    req.end();
  });
}

test('pipevault start: ready line, server.json, /health, HTTPS only, CLI through the live server, clean stop', async () => {
  const dir = tempDir();
  const server = await spawnServer(['--data-dir', dir, '--port', '0', '--vault', 'second=0']);
  try {
    const lines = server.stdout().trim().split('\n');
    assert.match(lines[0], /^pipevault ready https:\/\/localhost:\d+$/);
    assert.equal(lines.filter((l) => l.startsWith('pipevault ready')).length, 1);
    assert.ok(lines.some((l) => /vault second: https:\/\/localhost:\d+/.test(l)));
    const info = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8'));
    assert.deepEqual(
      Object.keys(info).sort(),
      ['adminCredentialFile', 'caBundleFile', 'caFile', 'pid', 'port', 'tenant', 'url'].sort(),
    );
    assert.equal(info.url, server.url);
    assert.equal(info.pid, server.child.pid);
    assert.equal(statSync(info.adminCredentialFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'tls', 'key.pem')).mode & 0o777, 0o600);

    const ca = readFileSync(info.caFile, 'utf8');
    const { createAgent, httpsRequest } = await import('../../src/cli/client/https.js');
    const agent = createAgent(ca);
    const health = await httpsRequest({ url: `${server.url}/health`, agent });
    assert.equal(health.status, 200);
    // the certificate also covers 127.0.0.1
    assert.equal((await httpsRequest({ url: `https://127.0.0.1:${info.port}/health`, agent })).status, 200);
    agent.destroy();
    assert.match(await plainHttp(info.port), /^refused/);
    const bundle = readFileSync(info.caBundleFile, 'utf8');
    assert.ok(bundle.includes(ca.trim()));
    assert.ok(bundle.split('BEGIN CERTIFICATE').length > 50, 'the bundle holds the system CAs too');

    // commands reach the live server (its log shows their requests)
    const sp = await runCli(['identity', 'sp', 'create', '--name', 'ci-app', '--data-dir', dir, '-o', 'json']);
    assert.equal(sp.code, 0, sp.stderr);
    const created = JSON.parse(sp.stdout);
    assert.deepEqual(Object.keys(created).sort(), ['appId', 'displayName', 'objectId', 'password', 'tenant']);
    assert.equal(created.tenant, info.tenant);
    assert.match(server.stderr(), /\/pipevault\/admin\/principals/);

    const show = await runCli(['identity', 'show', '--data-dir', dir, '--json']);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout);
    assert.equal(shown.tenant, info.tenant);
    assert.equal(shown.factories[0].factory, 'default');

    // a remote server: --endpoint with the admin credential and the CA to trust
    const remote = await runCli([
      'identity',
      'show',
      '--endpoint',
      server.url,
      '--admin-credential',
      info.adminCredentialFile,
      '--ca',
      info.caFile,
      '-o',
      'json',
    ]);
    assert.equal(remote.code, 0, remote.stderr);
    assert.equal(JSON.parse(remote.stdout).tenant, info.tenant);
    const noCred = await runCli(['identity', 'show', '--endpoint', server.url], {
      env: { PIPEVAULT_ADMIN_CREDENTIAL: '' },
    });
    assert.equal(noCred.code, 2);
    assert.match(noCred.stderr, /^pipevault: --admin-credential: --endpoint needs --admin-credential FILE/);
    const plain = await runCli([
      'identity',
      'show',
      '--endpoint',
      server.url.replace('https:', 'http:'),
      '--admin-credential',
      info.adminCredentialFile,
    ]);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /HTTPS only/);

    // secrets never reach the log: the client secret just created, the admin secret, the master key
    const admin = JSON.parse(readFileSync(info.adminCredentialFile, 'utf8'));
    const log = server.stderr();
    assert.ok(!log.includes(created.password), 'a client secret reached the log');
    assert.ok(!log.includes(admin.clientSecret), 'the admin secret reached the log');
    assert.ok(!log.includes(readFileSync(join(dir, 'master.key'), 'utf8').trim()), 'the master key reached the log');
  } finally {
    const code = await server.stop('SIGTERM');
    assert.equal(code, 0);
  }
  assert.ok(!existsSync(join(dir, 'server.json')), 'server.json is removed on a clean stop');
});

test('the data dir survives restarts: tenant, principals, keys, certificate', async () => {
  const dir = tempDir();
  const sp = await runCli(['identity', 'sp', 'create', '--name', 'keeper', '--data-dir', dir, '-o', 'json']);
  assert.equal(sp.code, 0, sp.stderr);
  const created = JSON.parse(sp.stdout);
  const ca1 = readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8');
  const ua = await runCli(['identity', 'create', '--name', 'loader', '--data-dir', dir, '-o', 'json']);
  assert.equal(ua.code, 0, ua.stderr);

  const server = await spawnServer(['--data-dir', dir, '--port', '0']);
  try {
    const info = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8'));
    assert.equal(info.tenant, created.tenant);
    assert.equal(readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8'), ca1);
    // the service principal still authenticates with its secret, against the restarted server
    const r = await clientCredentials({
      url: server.url,
      ca: ca1,
      tenant: info.tenant,
      appId: created.appId,
      secret: created.password,
    });
    assert.equal(r.status, 200, r.text);
    const list = await runCli(['role', 'assignment', 'list', '--data-dir', dir, '-o', 'json']);
    assert.equal(list.code, 0, list.stderr);
  } finally {
    await server.stop();
  }
});

test('role assignments: create, list, delete through the CLI; unknown role and principal are bad input', async () => {
  const dir = tempDir();
  const sp = JSON.parse(
    (await runCli(['identity', 'sp', 'create', '--name', 'reader', '--data-dir', dir, '-o', 'json'])).stdout,
  );
  const scope =
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault/providers/Microsoft.KeyVault/vaults/default';
  const c = await runCli([
    'role',
    'assignment',
    'create',
    '--assignee',
    sp.appId,
    '--role',
    'Key Vault Secrets User',
    '--scope',
    scope,
    '--data-dir',
    dir,
    '-o',
    'json',
  ]);
  assert.equal(c.code, 0, c.stderr);
  const a = JSON.parse(c.stdout);
  assert.equal(a.properties.principalId, sp.objectId);
  assert.equal(a.properties.roleDefinitionName, 'Key Vault Secrets User');
  assert.match(a.properties.roleDefinitionId, /4633458b-17de-408a-b874-0445c86b69e6$/);
  const l = await runCli(['role', 'assignment', 'list', '--assignee', sp.objectId, '--data-dir', dir]);
  assert.equal(l.code, 0, l.stderr);
  assert.match(l.stdout, /Key Vault Secrets User/);
  const bad = await runCli([
    'role',
    'assignment',
    'create',
    '--assignee',
    sp.appId,
    '--role',
    'Vault Wizard',
    '--scope',
    scope,
    '--data-dir',
    dir,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^pipevault: The role 'Vault Wizard' does not exist/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const nobody = await runCli([
    'role',
    'assignment',
    'create',
    '--assignee',
    'nobody',
    '--role',
    'Reader',
    '--scope',
    scope,
    '--data-dir',
    dir,
  ]);
  assert.equal(nobody.code, 2);
  assert.match(nobody.stderr, /No principal .* 'nobody'/);
  const d = await runCli(['role', 'assignment', 'delete', '--assignee', sp.appId, '--data-dir', dir, '-o', 'json']);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(JSON.parse(d.stdout).length, 1);
  const l2 = await runCli(['role', 'assignment', 'list', '--data-dir', dir, '-o', 'json']);
  assert.deepEqual(JSON.parse(l2.stdout), []);
});

test('start refuses bad flags with exit 2 and one line', async () => {
  const dir = tempDir();
  const r = await runCli(['start', '--data-dir', dir, '--port', 'eighty']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--port: 'eighty' is not a port/);
  const v = await runCli(['start', '--data-dir', dir, '--vault', 'x=1=2']);
  assert.equal(v.code, 2);
  assert.match(v.stderr, /--vault/);
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  try {
    const port = (busy.address() as { port: number }).port;
    const inUse = await runCli(['start', '--data-dir', dir, '--port', String(port)]);
    assert.equal(inUse.code, 2);
    assert.match(inUse.stderr, new RegExp(`^pipevault: --port: port ${port} on 127.0.0.1 is in use`, 'm'));
    assert.ok(!existsSync(join(dir, 'server.json')));
  } finally {
    busy.close();
  }
});
