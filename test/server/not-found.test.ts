import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Requests no route matches. Those addressed to a vault (its own port, a vault host name, or a Key Vault path on
 * the main port) get Key Vault's answer: the bearer challenge first, then 405 with Allow for a data-plane path
 * taken with another method, else 404 NotFound, in `{"error":{code,message}}`. Everything else on the main port
 * (UI, health, identity, ARM) keeps its routes and fastify's default 404. Real HTTPS on loopback.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

function call(
  server: RunningServer,
  port: number,
  method: string,
  path: string,
  opts: { token?: string; host?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: opts.host ?? `localhost:${port}`, ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const req = request(
      { host: '127.0.0.1', port, method, path, headers, ca: server.ca, servername: 'localhost' },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('requests no route matches', () => {
  let server: RunningServer;
  let vaultPort: number;
  const tokenFor: Record<string, string> = {};

  before(async () => {
    server = await startServer({ dataDir: tempDir(), port: 0, vaults: [{ name: 'second', port: 0 }] });
    vaultPort = Number(new URL(server.vaultUrls.second).port);
    const sp = await server.identity.createServicePrincipal({ displayName: 'not-found-test' });
    for (const port of [server.port, vaultPort]) {
      tokenFor[port] = (
        await server.identity.issueToken({
          principal: sp.principal,
          resource: 'https://vault.azure.net',
          host: `localhost:${port}`,
        })
      ).accessToken;
    }
  });
  after(() => server.close());

  const assertKvError = (r: Answer, status: number, code: string) => {
    assert.equal(r.status, status, r.text);
    assert.deepEqual(Object.keys(r.json), ['error'], r.text);
    assert.equal(r.json.error.code, code, r.text);
    assert.equal(typeof r.json.error.message, 'string');
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.ok(r.headers['x-ms-request-id'], 'a Key Vault answer carries x-ms-request-id');
  };

  test('a vault port: unknown path → challenge without a token, 404 NotFound with one', async () => {
    const anon = await call(server, vaultPort, 'GET', '/foo?api-version=7.4');
    assertKvError(anon, 401, 'Unauthorized');
    assert.match(
      String(anon.headers['www-authenticate']),
      /^Bearer authorization="https:\/\/localhost:\d+\/[0-9a-f-]+"/,
    );
    const r = await call(server, vaultPort, 'GET', '/foo?api-version=7.4', { token: tokenFor[vaultPort] });
    assertKvError(r, 404, 'NotFound');
    assert.match(r.json.error.message, /GET \/foo\b/);
    // even paths that are other services on the main port belong to the vault here when unmatched
    const arm = await call(server, vaultPort, 'GET', '/subscriptions/x/unknown?api-version=7.4', {
      token: tokenFor[vaultPort],
    });
    assertKvError(arm, 404, 'NotFound');
  });

  test('a known data-plane path with a method it does not take → 405 MethodNotAllowed with Allow', async () => {
    const token = tokenFor[server.port];
    const noName = await call(server, server.port, 'PUT', '/secrets?api-version=7.4', { token });
    assertKvError(noName, 405, 'MethodNotAllowed');
    assert.equal(noName.headers.allow, 'GET');
    const post = await call(server, server.port, 'POST', '/secrets/db-password?api-version=7.4', { token });
    assertKvError(post, 405, 'MethodNotAllowed');
    assert.deepEqual(String(post.headers.allow).split(', '), ['DELETE', 'GET', 'PATCH', 'PUT']);
    const onVaultPort = await call(server, vaultPort, 'PUT', '/deletedsecrets?api-version=7.4', {
      token: tokenFor[vaultPort],
    });
    assertKvError(onVaultPort, 405, 'MethodNotAllowed');
    // no token: the challenge comes first, as for every vault request
    const anon = await call(server, server.port, 'PUT', '/secrets?api-version=7.4');
    assertKvError(anon, 401, 'Unauthorized');
  });

  test('the main port: Key Vault collections pipevault does not serve answer in Key Vault shape', async () => {
    const r = await call(server, server.port, 'GET', '/keys/my-key?api-version=7.4', { token: tokenFor[server.port] });
    assertKvError(r, 404, 'NotFound');
    assert.match(r.json.error.message, /secrets API/);
  });

  test('a vault host name on the main port: unknown path → Key Vault shape', async () => {
    const r = await call(server, server.port, 'GET', '/foo?api-version=7.4', {
      host: `second.localhost:${server.port}`,
      token: tokenFor[server.port],
    });
    assertKvError(r, 404, 'NotFound');
  });

  test('one listener, Host headers alternating between vaults: each request reaches the vault its Host names', async () => {
    const { createKeyVault } = await import('../../src/keyvault/api/plugin.js');
    const kv = createKeyVault(server.deps);
    for (const name of ['default', 'second']) await kv.secrets.set(await kv.vaults.get(name), 'where', { value: name });
    const admin = await server.identity.ensureAdmin();
    const token = (
      await server.identity.issueToken({
        principal: admin,
        resource: 'https://vault.azure.net',
        host: `localhost:${server.port}`,
      })
    ).accessToken;
    for (const host of ['second', 'default', 'default', 'second', 'default']) {
      const r = await call(server, server.port, 'GET', '/secrets/where?api-version=7.4', {
        token,
        host: host === 'default' ? `localhost:${server.port}` : `${host}.localhost:${server.port}`,
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.value, host);
    }
  });

  test('every answer carries x-ms-request-id and the checked echo of x-ms-client-request-id, errors included', async () => {
    const echo = { 'x-ms-client-request-id': 'client-1.a:b' };
    const bad = { 'x-ms-client-request-id': 'not ok\u00e9' };
    const answers = [
      await call(server, server.port, 'GET', '/health', { headers: echo }),
      await call(server, server.port, 'GET', '/foo', { headers: echo }), // fastify's default 404
      await call(server, server.port, 'GET', '/secrets/x?api-version=7.4', { headers: echo }), // 401 challenge
      await call(server, vaultPort, 'GET', '/secrets/x?api-version=1999', {
        headers: echo,
        token: tokenFor[vaultPort],
      }),
    ];
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 404, 401, 400],
    );
    const ids = new Set<string>();
    for (const r of answers) {
      assert.match(String(r.headers['x-ms-request-id']), /^[0-9a-f-]{36}$/, r.text);
      ids.add(String(r.headers['x-ms-request-id']));
      assert.equal(r.headers['x-ms-client-request-id'], 'client-1.a:b');
    }
    assert.equal(ids.size, answers.length, 'one id per request');
    const unechoed = await call(server, server.port, 'GET', '/foo', { headers: bad });
    assert.ok(unechoed.headers['x-ms-request-id']);
    assert.equal(unechoed.headers['x-ms-client-request-id'], undefined);
  });

  test('the rest of the main port keeps its routes and the default 404', async () => {
    const unknown = await call(server, server.port, 'GET', '/foo?api-version=7.4');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, {
      message: 'Route GET:/foo?api-version=7.4 not found',
      error: 'Not Found',
      statusCode: 404,
    });
    const health = await call(server, server.port, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
    const ui = await call(server, server.port, 'GET', '/');
    assert.equal(ui.status, 200);
    assert.match(String(ui.headers['content-type']), /^text\/html/);
    const oidc = await call(server, server.port, 'GET', `/${server.tenantId}/v2.0/.well-known/openid-configuration`);
    assert.equal(oidc.status, 200, oidc.text);
    const imds = await call(
      server,
      server.port,
      'GET',
      '/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net',
      { headers: { metadata: 'true' } },
    );
    assert.equal(imds.status, 200, imds.text);
    // ARM without a token: the management API's own challenge, not Key Vault's
    const arm = await call(
      server,
      server.port,
      'GET',
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01',
    );
    assert.notEqual(arm.json?.error?.code, 'NotFound', arm.text);
    assert.notEqual(arm.status, 404, arm.text);
    // data-plane routes themselves are unchanged
    const list = await call(server, server.port, 'GET', '/secrets?api-version=7.4', { token: tokenFor[server.port] });
    assert.equal(list.status, 403, list.text); // the principal has no access policy: default deny
  });
});
