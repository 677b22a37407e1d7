import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock } from '../../src/common/clock.js';
import { randomIds } from '../../src/common/ids.js';
import { silentLogger } from '../../src/common/logger.js';
import { createIdentityService, type IdentityService } from '../../src/identity/service.js';
import type { PrincipalRecord } from '../../src/identity/types.js';
import { keyVaultPlugin } from '../../src/keyvault/api/plugin.js';
import { createBarrier } from '../../src/storage/barrier.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The wire layer through fastify's inject (no socket): challenge, api-versions, paths, error shapes, paging
 * links, bad input, authorization, ARM management and the audit query. The SDK contract over real HTTPS is in
 * sdk-contract.test.ts.
 */

const HOST = 'localhost:8443';
// inject speaks plain HTTP, so ids carry http here; over the real listener they carry https (sdk-contract.test.ts)
const BASE = `http://${HOST}`;
const MGMT =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault/providers/Microsoft.KeyVault/vaults';

describe('keyvault wire API', () => {
  let db: Database;
  let app: FastifyInstance;
  let identity: IdentityService;
  let admin: PrincipalRecord;
  let reader: { principal: PrincipalRecord; secret: string };
  let stranger: { principal: PrincipalRecord; secret: string };
  const tokens = new Map<string, string>();

  const token = async (p: PrincipalRecord, resource = 'https://vault.azure.net') => {
    const key = `${p.objectId}|${resource}`;
    if (!tokens.has(key))
      tokens.set(key, (await identity.issueToken({ principal: p, resource, host: HOST })).accessToken);
    return tokens.get(key) as string;
  };

  const call = async (
    method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE',
    url: string,
    opts: { as?: PrincipalRecord | null; body?: unknown; raw?: string; resource?: string; host?: string } = {},
  ) => {
    const headers: Record<string, string> = { host: opts.host ?? HOST };
    const who = opts.as === undefined ? admin : opts.as;
    if (who) headers.authorization = `Bearer ${await token(who, opts.resource)}`;
    let payload: string | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined || method === 'PUT') headers['content-type'] = 'application/json';
    const r = await app.inject({ method, url, headers, payload: payload ?? (method === 'PUT' ? '' : undefined) });
    return { status: r.statusCode, headers: r.headers, body: r.body ? JSON.parse(r.body) : undefined };
  };

  before(async () => {
    const dir = tempDir();
    db = await openDatabase({ url: `sqlite:${join(dir, 'pv.db')}` });
    await db.migrate();
    const barrier = createBarrier(randomBytes(32));
    identity = await createIdentityService({
      store: db,
      barrier,
      clock: systemClock,
      ids: randomIds,
      logger: silentLogger,
      serverNames: ['localhost', '127.0.0.1'],
    });
    admin = await identity.ensureAdmin();
    reader = await identity.createServicePrincipal({ displayName: 'reader' });
    stranger = await identity.createServicePrincipal({ displayName: 'stranger' });
    app = Fastify({ logger: false, routerOptions: { maxParamLength: 500 } });
    await app.register(
      keyVaultPlugin({ store: db, barrier, identity, logger: silentLogger, config: { loose: false, vaults: [] } }),
    );
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await db?.close();
  });

  test('no token: 401 challenge naming authority, tenant and resource, before the (empty) body is read', async () => {
    const r = await call('PUT', '/secrets/x?api-version=7.4', { as: null });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'Unauthorized');
    assert.match(r.body.error.message, /^AKV10000: Request is missing a Bearer or PoP token\./);
    const h = String(r.headers['www-authenticate']);
    assert.match(h, new RegExp(`^Bearer authorization="https://${HOST}/${identity.tenantId}"`));
    assert.match(h, /resource="https:\/\/vault\.azure\.net"/);
    const bad = await app.inject({
      method: 'GET',
      url: '/secrets/x?api-version=7.4',
      headers: { host: HOST, authorization: 'Bearer abc.def.ghi' },
    });
    assert.equal(bad.statusCode, 401);
    assert.ok(bad.headers['www-authenticate']);
    const mgmtAudience = await call('GET', '/secrets?api-version=7.4', { resource: 'https://management.azure.com/' });
    assert.equal(mgmtAudience.status, 401, 'a token for another audience is refused');
  });

  test('api-version: required, known versions only, percent-encoded key accepted', async () => {
    const missing = await call('GET', '/secrets');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'BadParameter');
    const unknown = await call('GET', '/secrets?api-version=1999-01-01');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /The specified version \(1999-01-01\) is not recognized/);
    for (const v of ['7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '2025-06-01', '2025-07-01']) {
      assert.equal((await call('GET', `/secrets?api%2Dversion=${v}`)).status, 200, v);
    }
  });

  test('set, get with and without trailing slash, by version; ids on the host the client used; unix seconds', async () => {
    const set = await call('PUT', '/secrets/wire-one?api-version=7.4', { body: { value: 'hello', attributes: {} } });
    assert.equal(set.status, 200);
    assert.equal(set.body.value, 'hello');
    assert.match(set.body.id, new RegExp(`^${BASE}/secrets/wire-one/[0-9a-f]{32}$`));
    assert.ok(Number.isInteger(set.body.attributes.created));
    assert.equal(set.body.attributes.recoverableDays, 90);
    assert.equal(set.body.attributes.recoveryLevel, 'Recoverable+Purgeable');
    const version = set.body.id.split('/').pop();
    for (const url of ['/secrets/wire-one', '/secrets/wire-one/', `/secrets/wire-one/${version}`]) {
      const r = await call('GET', `${url}?api-version=7.0`);
      assert.equal(r.status, 200, url);
      assert.equal(r.body.value, 'hello');
      assert.equal(r.body.attributes.recoverableDays, undefined, '7.0 has no recoverableDays');
    }
    const other = await call('GET', '/secrets/wire-one?api-version=7.4', { host: '127.0.0.1:9999' });
    assert.ok(other.body.id.startsWith('http://127.0.0.1:9999/secrets/wire-one/'));
    const nf = await call('GET', '/secrets/nope?api-version=7.4');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.error.code, 'SecretNotFound');
    const badVersion = await call('GET', '/secrets/wire-one/zzz?api-version=7.4');
    assert.equal(badVersion.status, 400);
  });

  test('bad input gets BadParameter and stores nothing', async () => {
    const cases: Array<{ url: string; raw?: string; body?: unknown }> = [
      { url: '/secrets/bad_name', body: { value: 'x' } },
      { url: `/secrets/${'a'.repeat(128)}`, body: { value: 'x' } },
      { url: '/secrets/bad-json', raw: '{"value": ' },
      { url: '/secrets/bad-type', body: { value: 42 } },
      { url: '/secrets/bad-attr', body: { value: 'x', attributes: { enabled: 'no' } } },
      { url: '/secrets/too-big', body: { value: 'x'.repeat(25 * 1024 + 1) } },
      { url: '/secrets/no-body', raw: '' },
      { url: '/secrets/array-body', raw: '[1,2]' },
    ];
    for (const c of cases) {
      const r = await call('PUT', `${c.url}?api-version=7.4`, { body: c.body, raw: c.raw });
      assert.equal(r.status, 400, c.url);
      assert.equal(r.body.error.code, 'BadParameter', c.url);
      assert.ok(typeof r.body.error.message === 'string' && r.body.error.message.length > 10);
    }
    const huge = await call('PUT', '/secrets/huge?api-version=7.4', {
      raw: JSON.stringify({ value: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'BadParameter');
    const list = await call('GET', '/secrets?api-version=7.4');
    const names = list.body.value.map((s: { id: string }) => s.id.split('/').pop());
    for (const n of ['bad-json', 'bad-type', 'bad-attr', 'too-big', 'no-body', 'array-body', 'huge'])
      assert.ok(!names.includes(n), n);
    const maxr = await call('GET', '/secrets?api-version=7.4&maxresults=26');
    assert.equal(maxr.status, 400);
  });

  test('list pages with absolute nextLinks that carry api-version and maxresults', async () => {
    for (let i = 0; i < 7; i++) await call('PUT', `/secrets/page-${i}?api-version=7.4`, { body: { value: `v${i}` } });
    let url: string | null = '/secrets?api-version=2025-07-01&maxresults=3';
    const seen: string[] = [];
    let pages = 0;
    while (url) {
      const r = await call('GET', url);
      assert.equal(r.status, 200);
      assert.ok(Array.isArray(r.body.value));
      assert.ok(r.body.value.length <= 3);
      for (const item of r.body.value) {
        assert.equal(item.value, undefined);
        assert.equal(item.id.split('/').length, 5, 'list items carry base ids');
        seen.push(item.id);
      }
      const next: string | null = r.body.nextLink;
      if (next) {
        assert.ok(next.startsWith(`${BASE}/secrets?`));
        const u = new URL(next);
        assert.equal(u.searchParams.get('maxresults'), '3');
        assert.equal(u.searchParams.get('api-version'), '2025-07-01');
        url = u.pathname + u.search;
      } else url = null;
      pages++;
    }
    assert.ok(pages >= 3);
    assert.equal(new Set(seen).size, seen.length);
  });

  test('access policies deny by default, naming principal and permission; a grant opens exactly that', async () => {
    await call('PUT', '/secrets/policy-target?api-version=7.4', { body: { value: 'guarded' } });
    const denied = await call('GET', '/secrets/policy-target?api-version=7.4', { as: reader.principal });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'Forbidden');
    assert.equal(denied.body.error.innererror.code, 'AccessDenied');
    assert.match(denied.body.error.message, new RegExp(`oid=${reader.principal.objectId}`));
    assert.match(denied.body.error.message, /secrets get permission/);
    const grant = await call('PUT', `${MGMT}/default/accessPolicies/add?api-version=2023-07-01`, {
      resource: 'https://management.azure.com/',
      body: {
        properties: {
          accessPolicies: [
            {
              tenantId: identity.tenantId,
              objectId: reader.principal.objectId,
              permissions: { secrets: ['get', 'list'] },
            },
          ],
        },
      },
    });
    assert.equal(grant.status, 200);
    const ok = await call('GET', '/secrets/policy-target?api-version=7.4', { as: reader.principal });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.value, 'guarded');
    const set = await call('PUT', '/secrets/policy-target?api-version=7.4', {
      as: reader.principal,
      body: { value: 'nope' },
    });
    assert.equal(set.status, 403);
    assert.match(set.body.error.message, /secrets set permission/);
    assert.equal((await call('GET', '/secrets/policy-target?api-version=7.4', { as: stranger.principal })).status, 403);
    const nonAdminMgmt = await call('GET', `${MGMT}/default?api-version=2023-07-01`, {
      as: reader.principal,
      resource: 'https://management.azure.com/',
    });
    assert.equal(nonAdminMgmt.status, 403);
  });

  test('RBAC vault: role assignment at vault scope opens reads; denial is ForbiddenByRbac', async () => {
    const created = await call('PUT', `${MGMT}/rbac-vault?api-version=2023-07-01`, {
      resource: 'https://management.azure.com/',
      body: {
        location: 'local',
        properties: {
          enableRbacAuthorization: true,
          tenantId: identity.tenantId,
          sku: { family: 'A', name: 'standard' },
        },
      },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.properties.enableRbacAuthorization, true);
    const host = 'rbac-vault.localhost:8443';
    await call('PUT', '/secrets/r1?api-version=7.4', { host, body: { value: 'rbac' } });
    const denied = await call('GET', '/secrets/r1?api-version=7.4', { host, as: reader.principal });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.innererror.code, 'ForbiddenByRbac');
    await identity.roles.create({
      principalId: reader.principal.objectId,
      role: { id: '4633458b-17de-408a-b874-0445c86b69e6', name: 'Key Vault Secrets User' },
      scope: `${MGMT}/rbac-vault`,
    });
    const ok = await call('GET', '/secrets/r1?api-version=7.4', { host, as: reader.principal });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.value, 'rbac');
    assert.ok(ok.body.id.startsWith('http://rbac-vault.localhost:8443/secrets/r1/'));
    const del = await call('DELETE', '/secrets/r1?api-version=7.4', { host, as: reader.principal });
    assert.equal(del.body.error.innererror.code, 'ForbiddenByRbac');
  });

  test('ARM vault management: create, show, list, policies replace/remove, delete', async () => {
    const m = { resource: 'https://management.azure.com/' };
    const bad = await call('PUT', `${MGMT}/Bad--Name?api-version=2023-07-01`, { ...m, body: { properties: {} } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.error.message);
    const badRetention = await call('PUT', `${MGMT}/ret-vault?api-version=2023-07-01`, {
      ...m,
      body: { properties: { softDeleteRetentionInDays: 3 } },
    });
    assert.equal(badRetention.status, 400);
    const c = await call('PUT', `${MGMT}/ret-vault?api-version=2023-07-01`, {
      ...m,
      body: { properties: { softDeleteRetentionInDays: 7, enablePurgeProtection: true } },
    });
    assert.equal(c.status, 201);
    assert.equal(c.body.properties.softDeleteRetentionInDays, 7);
    assert.equal(c.body.properties.enablePurgeProtection, true);
    assert.equal(c.body.id, `${MGMT}/ret-vault`);
    const listed = await call('GET', `${MGMT}?api-version=2023-07-01`, m);
    assert.ok(listed.body.value.some((v: { name: string }) => v.name === 'ret-vault'));
    const oid = reader.principal.objectId;
    await call('PUT', `${MGMT}/ret-vault/accessPolicies/replace`, {
      ...m,
      body: { properties: { accessPolicies: [{ objectId: oid, permissions: { secrets: ['all'] } }] } },
    });
    let shown = await call('GET', `${MGMT}/ret-vault`, m);
    assert.equal(shown.body.properties.accessPolicies[0].permissions.secrets.length, 8);
    await call('PUT', `${MGMT}/ret-vault/accessPolicies/remove`, {
      ...m,
      body: { properties: { accessPolicies: [{ objectId: oid, permissions: { secrets: ['purge'] } }] } },
    });
    shown = await call('GET', `${MGMT}/ret-vault`, m);
    assert.ok(!shown.body.properties.accessPolicies[0].permissions.secrets.includes('purge'));
    const badPerm = await call('PUT', `${MGMT}/ret-vault/accessPolicies/add`, {
      ...m,
      body: { properties: { accessPolicies: [{ objectId: oid, permissions: { secrets: ['fly'] } }] } },
    });
    assert.equal(badPerm.status, 400);
    assert.equal((await call('DELETE', `${MGMT}/ret-vault`, m)).status, 200);
    assert.equal((await call('GET', `${MGMT}/ret-vault`, m)).status, 404);
    const gone = await call('GET', '/secrets?api-version=7.4', { host: 'ret-vault.localhost:8443' });
    assert.equal(gone.status, 404);
  });

  test('admin bridge: the management token reaches any vault through the real data plane', async () => {
    const m = { resource: 'https://management.azure.com/' };
    const set = await call('PUT', '/pipevault/admin/keyvault/vaults/rbac-vault/secrets/bridged?api-version=7.4', {
      ...m,
      body: { value: 'via-bridge' },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.ok(set.body.id.includes('rbac-vault.localhost'));
    const got = await call('GET', '/secrets/bridged?api-version=7.4', { host: 'rbac-vault.localhost:8443' });
    assert.equal(got.body.value, 'via-bridge');
    const nf = await call('GET', '/pipevault/admin/keyvault/vaults/rbac-vault/secrets/none?api-version=7.4', m);
    assert.equal(nf.status, 404);
    assert.equal(nf.body.error.code, 'SecretNotFound');
    const bad = await call('PUT', '/pipevault/admin/keyvault/vaults/rbac-vault/secrets/x?api-version=7.4', {
      ...m,
      body: { value: 1 },
    });
    assert.equal(bad.body.error.code, 'BadParameter');
    const denied = await call('GET', '/pipevault/admin/keyvault/vaults/default/secrets/bridged?api-version=7.4', {
      as: reader.principal,
      resource: 'https://management.azure.com/',
    });
    assert.equal(denied.status, 403, 'only the admin may use the bridge');
  });

  test('audit: allowed and denied operations are recorded with principal and address, never the value', async () => {
    const canary = `canary-${randomBytes(6).toString('hex')}`;
    await call('PUT', '/secrets/audited?api-version=7.4', { body: { value: canary } });
    await call('GET', '/secrets/audited?api-version=7.4', { as: stranger.principal });
    const r = await call('GET', '/pipevault/admin/keyvault/audit?vault=default&secret=audited', {
      resource: 'https://management.azure.com/',
    });
    assert.equal(r.status, 200);
    const [denied, set] = r.body.value;
    assert.equal(denied.operation, 'SecretGet');
    assert.equal(denied.result, 'Denied');
    assert.equal(denied.reason, 'AccessDenied');
    assert.equal(denied.principal.objectId, stranger.principal.objectId);
    assert.equal(set.operation, 'SecretSet');
    assert.equal(set.result, 'Success');
    assert.match(set.version, /^[0-9a-f]{32}$/);
    assert.ok(set.clientAddress);
    assert.ok(!JSON.stringify(r.body).includes(canary));
  });

  test("Key Vault's own headers on every data-plane answer: success, 401, 403, 404, 405, bad input", async () => {
    await call('PUT', '/secrets/headers?api-version=7.4', { body: { value: 'h' } });
    const answers = {
      ok: await call('GET', '/secrets/headers?api-version=7.4'),
      unauthenticated: await call('GET', '/secrets/headers?api-version=7.4', { as: null }),
      denied: await call('GET', '/secrets/headers?api-version=7.4', { as: stranger.principal }),
      notFound: await call('GET', '/secrets/nope-headers?api-version=7.4'),
      badVersion: await call('GET', '/secrets/headers?api-version=1999-01-01'),
      badBody: await call('PUT', '/secrets/headers?api-version=7.4', { raw: '{' }),
    };
    assert.deepEqual(Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, r.status])), {
      ok: 200,
      unauthenticated: 401,
      denied: 403,
      notFound: 404,
      badVersion: 400,
      badBody: 400,
    });
    for (const [k, r] of Object.entries(answers)) {
      assert.equal(r.headers['x-ms-keyvault-service-version'], '1.9.0.0', k);
      assert.equal(r.headers['cache-control'], 'no-cache', k);
    }
  });
});
