import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KEYVAULT_AUDIENCES } from '../../src/identity/types.js';
import { startTestServer } from '../helpers/server.js';

const fixture = fileURLToPath(new URL('./fixtures/sdk-token.ts', import.meta.url));

/** Runs the official SDK in a child process that trusts the server through NODE_EXTRA_CA_CERTS. */
function sdkToken(
  env: Record<string, string>,
): Promise<{ token?: string; expiresOnTimestamp?: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const clean = { ...process.env };
    for (const k of [
      'AZURE_CLIENT_ID',
      'AZURE_TENANT_ID',
      'AZURE_CLIENT_SECRET',
      'IDENTITY_ENDPOINT',
      'IDENTITY_HEADER',
      'MSI_ENDPOINT',
      'MSI_SECRET',
      'AZURE_POD_IDENTITY_AUTHORITY_HOST',
      'IMDS_ENDPOINT',
    ])
      delete clean[k];
    execFile(
      process.execPath,
      ['--import', 'tsx', fixture],
      { env: { ...clean, ...env }, timeout: 60_000 },
      (e, stdout, stderr) => {
        if (e && !stdout) return reject(new Error(`${e.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop() as string));
      },
    );
  });
}

test('@azure/identity obtains tokens from pipevault over HTTPS', async (t) => {
  const server = await startTestServer();
  const ca = server.caBundleFile as string;
  const factory = await server.identity.ensureFactoryIdentity('default');
  const nowSec = Math.floor(Date.now() / 1000);

  await t.test('ClientSecretCredential with authorityHost and disableInstanceDiscovery', async () => {
    const { principal, secret } = await server.identity.createServicePrincipal({ displayName: 'sdk-app' });
    const r = await sdkToken({
      NODE_EXTRA_CA_CERTS: ca,
      MODE: 'secret',
      AUTHORITY: server.url,
      TENANT: server.tenantId,
      CLIENT_ID: principal.appId,
      SECRET: secret,
    });
    assert.ok(r.token, r.error);
    const who = await server.identity.verifyAccessToken(r.token, { audiences: [...KEYVAULT_AUDIENCES] });
    assert.deepEqual(who, {
      tenantId: server.tenantId,
      objectId: principal.objectId,
      appId: principal.appId,
      kind: 'servicePrincipal',
    });
    assert.ok((r.expiresOnTimestamp as number) > (nowSec + 3000) * 1000);
  });

  await t.test('ClientSecretCredential with a wrong secret fails with the AAD error', async () => {
    const { principal } = await server.identity.createServicePrincipal({ displayName: 'sdk-app-2' });
    const r = await sdkToken({
      NODE_EXTRA_CA_CERTS: ca,
      MODE: 'secret',
      AUTHORITY: server.url,
      TENANT: server.tenantId,
      CLIENT_ID: principal.appId,
      SECRET: 'not-the-secret',
    });
    assert.equal(r.token, undefined);
    assert.match(r.error as string, /AADSTS7000215/);
  });

  await t.test(
    'ManagedIdentityCredential through the IMDS-style endpoint (AZURE_POD_IDENTITY_AUTHORITY_HOST)',
    async () => {
      const r = await sdkToken({ NODE_EXTRA_CA_CERTS: ca, AZURE_POD_IDENTITY_AUTHORITY_HOST: server.url });
      assert.ok(r.token, r.error);
      const who = await server.identity.verifyAccessToken(r.token, { audiences: [...KEYVAULT_AUDIENCES] });
      assert.equal(who.objectId, factory.objectId);
      assert.equal(who.kind, 'managedIdentity');
      assert.ok((r.expiresOnTimestamp as number) > (nowSec + 3000) * 1000, 'expires_on must be read as unix seconds');
    },
  );

  await t.test(
    'ManagedIdentityCredential through the App Service endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER)',
    async () => {
      const r = await sdkToken({
        NODE_EXTRA_CA_CERTS: ca,
        IDENTITY_ENDPOINT: `${server.url}/msi/token`,
        IDENTITY_HEADER: server.appServiceHeader,
      });
      assert.ok(r.token, r.error);
      const who = await server.identity.verifyAccessToken(r.token, { audiences: [...KEYVAULT_AUDIENCES] });
      assert.equal(who.objectId, factory.objectId);
      assert.ok((r.expiresOnTimestamp as number) > (nowSec + 3000) * 1000);
    },
  );

  await t.test('ManagedIdentityCredential for a user-assigned identity by client ID', async () => {
    const ua = await server.identity.createUserAssignedIdentity({ name: 'loader-identity' });
    const r = await sdkToken({
      NODE_EXTRA_CA_CERTS: ca,
      AZURE_POD_IDENTITY_AUTHORITY_HOST: server.url,
      MI_CLIENT_ID: ua.appId,
    });
    assert.ok(r.token, r.error);
    const who = await server.identity.verifyAccessToken(r.token, { audiences: [...KEYVAULT_AUDIENCES] });
    assert.equal(who.objectId, ua.objectId);
  });
});
