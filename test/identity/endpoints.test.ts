import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { startTestServer, clientFor } from '../helpers/server.js';

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

test('identity endpoints answer in the shapes Entra ID, IMDS and App Service use', async (t) => {
  const server = await startTestServer();
  const http = clientFor(server);
  const tenant = server.tenantId;
  const { principal, secret } = await server.identity.createServicePrincipal({ displayName: 'endpoint-app' });
  const factory = await server.identity.ensureFactoryIdentity('default');
  const host = `localhost:${server.port}`;

  await t.test('OpenID configuration: issuer on the host the client used, all four endpoints', async () => {
    const r = await http(`${server.url}/${tenant}/v2.0/.well-known/openid-configuration`, {
      headers: { 'x-ms-client-request-id': 'client-id-1' },
    });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['x-ms-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(r.headers['x-ms-client-request-id'], 'client-id-1');
    const c = r.json as Record<string, string>;
    assert.equal(c.issuer, `https://${host}/${tenant}/v2.0`);
    assert.equal(c.token_endpoint, `https://${host}/${tenant}/oauth2/v2.0/token`);
    assert.ok(c.authorization_endpoint.startsWith(`https://${host}/`));
    const jwks = await http(c.jwks_uri);
    assert.equal(jwks.status, 200);
    const keys = (jwks.json as { keys: Array<Record<string, string>> }).keys;
    assert.ok(keys.length >= 1);
    assert.equal(keys[0].kty, 'RSA');
    assert.equal(keys[0].alg, 'RS256');
    assert.equal(keys[0].d, undefined, 'no private part in the JWKS');
    const other = await http(`https://127.0.0.1:${server.port}/${tenant}/v2.0/.well-known/openid-configuration`);
    assert.equal((other.json as Record<string, string>).issuer, `https://127.0.0.1:${server.port}/${tenant}/v2.0`);
  });

  await t.test('token endpoint: client_credentials with scope {resource}/.default', async () => {
    const r = await http(`${server.url}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: FORM,
      body: form({
        grant_type: 'client_credentials',
        client_id: principal.appId,
        client_secret: secret,
        scope: 'https://vault.azure.net/.default',
      }),
    });
    assert.equal(r.status, 200, r.text);
    const j = r.json as Record<string, unknown>;
    assert.equal(j.token_type, 'Bearer');
    assert.equal(j.expires_in, 3599);
    const c = decodeJwt(j.access_token as string);
    assert.equal(c.aud, 'https://vault.azure.net');
    assert.equal(c.iss, `https://${host}/${tenant}/v2.0`);
    assert.equal(c.appid, principal.appId);
    // HTTP Basic client authentication works too
    const basic = await http(`${server.url}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { ...FORM, authorization: `Basic ${Buffer.from(`${principal.appId}:${secret}`).toString('base64')}` },
      body: form({ grant_type: 'client_credentials', scope: 'https://vault.azure.net/.default' }),
    });
    assert.equal(basic.status, 200, basic.text);
  });

  await t.test('token endpoint errors in the AAD shape, and never echo the secret', async () => {
    const cases: Array<[Record<string, string>, number, string, number, string?]> = [
      [
        {
          grant_type: 'client_credentials',
          client_id: principal.appId,
          client_secret: 'wrong-secret-value',
          scope: 'https://vault.azure.net/.default',
        },
        401,
        'invalid_client',
        7000215,
      ],
      [
        {
          grant_type: 'client_credentials',
          client_id: principal.appId,
          client_secret: secret,
          scope: 'https://vault.azure.net',
        },
        400,
        'invalid_scope',
        1002012,
      ],
      [
        { grant_type: 'client_credentials', client_id: principal.appId, client_secret: secret },
        400,
        'invalid_request',
        900144,
      ],
      [
        { grant_type: 'password', client_id: principal.appId, client_secret: secret, scope: 'x/.default' },
        400,
        'unsupported_grant_type',
        70003,
      ],
      [
        {
          grant_type: 'client_credentials',
          client_id: '11111111-1111-1111-1111-111111111111',
          client_secret: secret,
          scope: 'https://vault.azure.net/.default',
        },
        400,
        'unauthorized_client',
        700016,
      ],
      [
        {
          grant_type: 'client_credentials',
          client_id: factory.appId,
          client_secret: secret,
          scope: 'https://vault.azure.net/.default',
        },
        400,
        'unauthorized_client',
        700016,
      ],
    ];
    for (const [body, status, error, code] of cases) {
      const r = await http(`${server.url}/${tenant}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: FORM,
        body: form(body),
      });
      assert.equal(r.status, status, `${error}: ${r.text}`);
      const j = r.json as { error: string; error_description: string; error_codes: number[] };
      assert.equal(j.error, error);
      assert.deepEqual(j.error_codes, [code]);
      assert.match(j.error_description, new RegExp(`^AADSTS${code}: `));
      assert.ok(!r.text.includes(secret) && !r.text.includes('wrong-secret-value'));
    }
    const wrongTenant = await http(`${server.url}/22222222-2222-2222-2222-222222222222/oauth2/v2.0/token`, {
      method: 'POST',
      headers: FORM,
      body: form({
        grant_type: 'client_credentials',
        client_id: principal.appId,
        client_secret: secret,
        scope: 'https://vault.azure.net/.default',
      }),
    });
    assert.equal(wrongTenant.status, 400);
    assert.match((wrongTenant.json as { error_description: string }).error_description, /^AADSTS90002/);
  });

  await t.test('IMDS: with and without trailing slash, Metadata header required, strings everywhere', async () => {
    for (const path of ['/metadata/identity/oauth2/token', '/metadata/identity/oauth2/token/']) {
      const url = `${server.url}${path}?api-version=2018-02-01&resource=${encodeURIComponent('https://vault.azure.net')}`;
      const no = await http(url);
      assert.equal(no.status, 400);
      assert.equal(
        (no.json as { error_description: string }).error_description,
        'Required metadata header not specified',
      );
      const r = await http(url, { headers: { Metadata: 'true' } });
      assert.equal(r.status, 200, r.text);
      const j = r.json as Record<string, unknown>;
      for (const k of [
        'access_token',
        'expires_in',
        'expires_on',
        'not_before',
        'resource',
        'token_type',
        'client_id',
      ]) {
        assert.equal(typeof j[k], 'string', k);
      }
      assert.match(j.expires_on as string, /^\d{10}$/);
      assert.equal(j.resource, 'https://vault.azure.net');
      assert.equal(j.client_id, factory.appId);
      assert.equal(decodeJwt(j.access_token as string).oid, factory.objectId);
    }
    const noResource = await http(`${server.url}/metadata/identity/oauth2/token?api-version=2018-02-01`, {
      headers: { Metadata: 'true' },
    });
    assert.equal(noResource.status, 400);
    const ua = await server.identity.createUserAssignedIdentity({ name: 'by-res-id' });
    const byRes = await http(
      `${server.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/&mi_res_id=${encodeURIComponent(ua.resourceId as string)}`,
      { headers: { Metadata: 'true' } },
    );
    assert.equal(byRes.status, 200, byRes.text);
    assert.equal(decodeJwt((byRes.json as { access_token: string }).access_token).oid, ua.objectId);
    const unknown = await http(
      `${server.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x&client_id=33333333-3333-3333-3333-333333333333`,
      { headers: { Metadata: 'true' } },
    );
    assert.equal(unknown.status, 400);
    // a service principal is not a managed identity
    const sp = await http(`${server.url}/metadata/identity/oauth2/token?resource=x&client_id=${principal.appId}`, {
      headers: { Metadata: 'true' },
    });
    assert.equal(sp.status, 400);
  });

  await t.test('App Service: X-IDENTITY-HEADER required, expires_on in unix seconds', async () => {
    const url = `${server.url}/msi/token?api-version=2019-08-01&resource=https://vault.azure.net`;
    assert.equal((await http(url)).status, 401);
    assert.equal((await http(url, { headers: { 'X-IDENTITY-HEADER': 'guess' } })).status, 401);
    const r = await http(url, { headers: { 'X-IDENTITY-HEADER': server.appServiceHeader } });
    assert.equal(r.status, 200, r.text);
    const j = r.json as Record<string, string>;
    assert.deepEqual(Object.keys(j).sort(), ['access_token', 'client_id', 'expires_on', 'resource', 'token_type']);
    assert.match(j.expires_on, /^\d{10}$/);
  });

  await t.test('admin API: the admin may, anyone else gets 403, no token 401 (ARM error shape)', async () => {
    const none = await http(`${server.url}/pipevault/admin/principals`);
    assert.equal(none.status, 401);
    assert.equal((none.json as { error: { code: string } }).error.code, 'InvalidAuthenticationToken');
    const spTok = await server.identity.issueToken({ principal, resource: 'https://management.azure.com/', host });
    const denied = await http(`${server.url}/pipevault/admin/principals`, {
      headers: { authorization: `Bearer ${spTok.accessToken}` },
    });
    assert.equal(denied.status, 403);
    assert.equal((denied.json as { error: { code: string } }).error.code, 'AuthorizationFailed');
    const admin = await server.identity.ensureAdmin();
    const adminTok = await server.identity.issueToken({
      principal: admin,
      resource: 'https://management.azure.com/',
      host,
    });
    const auth = { authorization: `Bearer ${adminTok.accessToken}` };
    const list = await http(`${server.url}/pipevault/admin/principals`, { headers: auth });
    assert.equal(list.status, 200);
    const value = (list.json as { value: Array<Record<string, string>> }).value;
    assert.ok(value.some((p) => p.appId === principal.appId));
    assert.ok(value.every((p) => !('password' in p)));
    const bad = await http(`${server.url}/pipevault/admin/principals`, {
      method: 'POST',
      headers: auth,
      body: { type: 'robot', displayName: 'x' },
    });
    assert.equal(bad.status, 400);
    assert.match((bad.json as { error: { message: string } }).error.message, /body.type/);
    const vaultTok = await server.identity.issueToken({ principal: admin, resource: 'https://vault.azure.net', host });
    const wrongAud = await http(`${server.url}/pipevault/admin/principals`, {
      headers: { authorization: `Bearer ${vaultTok.accessToken}` },
    });
    assert.equal(wrongAud.status, 401);
  });

  await t.test('ARM role assignments at subscription, vault and secret scope, beside the vault routes', async () => {
    const admin = await server.identity.ensureAdmin();
    const tok = await server.identity.issueToken({ principal: admin, resource: 'https://management.azure.com/', host });
    const auth = { authorization: `Bearer ${tok.accessToken}` };
    const sub = '/subscriptions/00000000-0000-0000-0000-000000000000';
    const vault = `${sub}/resourceGroups/pipevault/providers/Microsoft.KeyVault/vaults/default`;
    const secretScope = `${vault}/secrets/db-password`;
    const name = '5a4c3b2a-1111-4222-8333-944455556666';
    const ra = '/providers/Microsoft.Authorization/roleAssignments';
    const put = await http(`${server.url}${secretScope}${ra}/${name}?api-version=2022-04-01`, {
      method: 'PUT',
      headers: auth,
      body: {
        properties: {
          roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
          principalId: principal.objectId,
        },
      },
    });
    assert.equal(put.status, 201, put.text);
    const created = put.json as { id: string; name: string; properties: { scope: string; roleDefinitionName: string } };
    assert.equal(created.id, `${secretScope}${ra}/${name}`);
    assert.equal(created.properties.roleDefinitionName, 'Key Vault Secrets User');
    const again = await http(`${server.url}${secretScope}${ra}/${name}?api-version=2022-04-01`, {
      method: 'PUT',
      headers: auth,
      body: {
        properties: { roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6', principalId: principal.objectId },
      },
    });
    assert.equal(again.status, 200, 'the same PUT again is idempotent');
    const got = await http(`${server.url}${secretScope}${ra}/${name}?api-version=2022-04-01`, { headers: auth });
    assert.equal(got.status, 200);
    const list = await http(
      `${server.url}${sub}${ra}?api-version=2022-04-01&$filter=${encodeURIComponent(`principalId eq '${principal.objectId}'`)}`,
      { headers: auth },
    );
    assert.equal(list.status, 200);
    assert.deepEqual(
      (list.json as { value: Array<{ name: string }> }).value.map((a) => a.name),
      [name],
    );
    assert.equal((await server.identity.roles.assignmentsFor(principal.objectId))[0].scope, secretScope);
    const badRole = await http(`${server.url}${vault}${ra}/6a4c3b2a-1111-4222-8333-944455556666`, {
      method: 'PUT',
      headers: auth,
      body: { properties: { roleDefinitionId: 'Wizard', principalId: principal.objectId } },
    });
    assert.equal(badRole.status, 400);
    assert.equal((badRole.json as { error: { code: string } }).error.code, 'RoleDefinitionDoesNotExist');
    const noAuth = await http(`${server.url}${vault}${ra}?api-version=2022-04-01`);
    assert.equal(noAuth.status, 401);
    // the Key Vault management routes on the same prefix still answer
    const vaults = await http(
      `${server.url}${sub}/resourceGroups/pipevault/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01`,
      { headers: auth },
    );
    assert.equal(vaults.status, 200, vaults.text);
    const del = await http(`${server.url}${secretScope}${ra}/${name}?api-version=2022-04-01`, {
      method: 'DELETE',
      headers: auth,
    });
    assert.equal(del.status, 200);
    assert.equal(
      (await http(`${server.url}${secretScope}${ra}/${name}?api-version=2022-04-01`, { headers: auth })).status,
      404,
    );
  });

  await t.test('requests are routed to a vault by host name', async () => {
    const { vaultFromHost } = await import('../../src/server/vault-routing.js');
    assert.equal(vaultFromHost('payments.vault.azure.net'), 'payments');
    assert.equal(vaultFromHost('payments.localhost:8443'), 'payments');
    assert.equal(vaultFromHost('localhost:8443'), undefined);
    assert.equal(vaultFromHost('127.0.0.1:8443'), undefined);
  });
});
