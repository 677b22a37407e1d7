import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { networkInterfaces } from 'node:os';
import { startServer } from '../../src/server/start.js';
import { createAgent, httpsRequest } from '../../src/cli/client/https.js';
import { clientCredentials } from '../helpers/server.js';
import { KEYVAULT_AUDIENCES } from '../../src/identity/types.js';
import { forEachAdapter } from '../helpers/pg.js';
import { tempDir } from '../helpers/tmp.js';

forEachAdapter('server restart', (target) => {
  test('stop and start on the same store: tenant, principals, secrets, signing keys and roles are kept', async () => {
    const t = target();
    const dataDir = tempDir();
    const opts = { dataDir, port: 0, host: '127.0.0.1', store: t.url, storeSchema: t.schema };
    const first = await startServer(opts);
    let token: string;
    let sp: { appId: string; objectId: string };
    let secret: string;
    try {
      const created = await first.identity.createServicePrincipal({ displayName: 'survivor' });
      sp = created.principal;
      secret = created.secret;
      await first.identity.roles.create({
        principalId: sp.objectId,
        role: { id: '4633458b-17de-408a-b874-0445c86b69e6', name: 'Key Vault Secrets User' },
        scope: '/subscriptions/00000000-0000-0000-0000-000000000000',
      });
      const r = await clientCredentials({
        url: first.url,
        ca: first.ca,
        tenant: first.tenantId,
        appId: sp.appId,
        secret,
      });
      assert.equal(r.status, 200, r.text);
      token = (r.json as { access_token: string }).access_token;
    } finally {
      await first.close();
    }
    const second = await startServer(opts);
    try {
      assert.equal(second.tenantId, first.tenantId);
      // a token issued before the restart still verifies: same signing key, same tenant
      const who = await second.identity.verifyAccessToken(token, { audiences: [...KEYVAULT_AUDIENCES] });
      assert.equal(who.objectId, sp.objectId);
      const r = await clientCredentials({
        url: second.url,
        ca: second.ca,
        tenant: second.tenantId,
        appId: sp.appId,
        secret,
      });
      assert.equal(r.status, 200, r.text);
      assert.equal((await second.identity.roles.assignmentsFor(sp.objectId)).length, 1);
      const factory = await second.identity.ensureFactoryIdentity('default');
      assert.equal((await second.identity.listPrincipals()).filter((p) => p.factory === 'default').length, 1);
      assert.ok(factory.objectId);
    } finally {
      await second.close();
    }
  });
});

test('TLS material is generated once; a new --host gets a new server certificate from the same CA', async () => {
  const { ensureTls } = await import('../../src/server/tls.js');
  const { systemClock } = await import('../../src/common/clock.js');
  const { X509Certificate } = await import('node:crypto');
  const dataDir = tempDir();
  const a = await ensureTls({ dataDir, hosts: ['127.0.0.1'], clock: systemClock });
  const b = await ensureTls({ dataDir, hosts: ['127.0.0.1'], clock: systemClock });
  assert.equal(a.cert, b.cert);
  const cert = new X509Certificate(a.cert);
  for (const n of ['DNS:localhost', 'IP Address:127.0.0.1', 'DNS:*.localhost', 'DNS:*.vault.azure.net']) {
    assert.ok(cert.subjectAltName?.includes(n), n);
  }
  assert.ok(
    cert.subjectAltName?.includes('IP Address:0:0:0:0:0:0:0:1') || cert.subjectAltName?.includes('IP Address:::1'),
  );
  assert.ok(cert.verify(new X509Certificate(a.ca).publicKey), 'signed by our CA');
  assert.equal(new X509Certificate(a.ca).publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const c = await ensureTls({ dataDir, hosts: ['pipevault.internal'], clock: systemClock });
  assert.equal(c.ca, a.ca);
  assert.notEqual(c.cert, a.cert);
  assert.ok(new X509Certificate(c.cert).subjectAltName?.includes('DNS:pipevault.internal'));
});

const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

test(
  'managed-identity endpoints answer loopback clients only',
  { skip: external ? false : 'no non-loopback IPv4 address on this machine' },
  async () => {
    const server = await startServer({ dataDir: tempDir(), port: 0, host: '0.0.0.0' });
    try {
      const agent = createAgent(server.ca);
      const viaLan = await httpsRequest({
        url: `https://${external}:${server.port}/metadata/identity/oauth2/token?resource=https://vault.azure.net`,
        headers: { Metadata: 'true', host: `localhost:${server.port}` },
        agent: createAgentFor(server.ca),
      });
      assert.equal(viaLan.status, 403);
      const appService = await httpsRequest({
        url: `https://${external}:${server.port}/msi/token?resource=https://vault.azure.net`,
        headers: { 'X-IDENTITY-HEADER': server.appServiceHeader },
        agent: createAgentFor(server.ca),
      });
      assert.equal(appService.status, 403);
      const viaLoopback = await httpsRequest({
        url: `https://localhost:${server.port}/metadata/identity/oauth2/token?resource=https://vault.azure.net`,
        headers: { Metadata: 'true' },
        agent,
      });
      assert.equal(viaLoopback.status, 200);
      agent.destroy();
    } finally {
      await server.close();
    }
  },
);

/**
 * The certificate does not name the LAN address: this client checks the chain against our CA and presents SNI
 * localhost, but skips the name check (the point is where the connection comes from, not the name).
 */
function createAgentFor(ca: string) {
  return new Agent({ ca, servername: 'localhost', keepAlive: false, checkServerIdentity: () => undefined });
}
