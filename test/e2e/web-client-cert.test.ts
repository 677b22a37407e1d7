import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { tempDir } from '../helpers/tmp.js';
import { harness, pipeline, writeFactory } from './helpers.js';
import { clientCertificate } from './pkcs12.js';

/**
 * ClientCertificate authentication on the Web activity, as ADF writes it (`{"type": "ClientCertificate", "pfx":
 * SecureString (base64 PKCS#12), "password": SecureString or AzureKeyVaultSecret}`), against a local HTTPS
 * stand-in that requires a client certificate issued by its own CA.
 */

const PASSWORD = 'canary-pfx-pass-51d0c7';
const material = await clientCertificate({ commonName: 'adf-orders-client', password: PASSWORD });

const params = { parameters: { base: { type: 'string' } } };

// The server dir first: the stand-in serves pipevault's own certificate, which the run's HTTP client trusts.
const dataDir = tempDir();
const dir = writeFactory({
  'linkedService/Keys.json': {
    name: 'Keys',
    properties: { type: 'AzureKeyVault', typeProperties: { baseUrl: 'https://cert-kv.vault.azure.net/' } },
  },
  'pipevault.json': {
    vaults: {
      'cert-kv': {
        secrets: { 'pfx-password': { fromEnv: 'E2E_PFX_PASSWORD' } },
        accessPolicies: [{ principal: 'factory', secrets: ['get'] }],
      },
    },
  },
  'pipeline/WithCert.json': pipeline(
    'WithCert',
    [
      {
        name: 'Call',
        type: 'WebActivity',
        typeProperties: {
          url: { value: '@{pipeline().parameters.base}/whoami', type: 'Expression' },
          method: 'GET',
          authentication: {
            type: 'ClientCertificate',
            pfx: { type: 'SecureString', value: material.pfxBase64 },
            password: {
              type: 'AzureKeyVaultSecret',
              store: { referenceName: 'Keys', type: 'LinkedServiceReference' },
              secretName: 'pfx-password',
            },
          },
        },
      },
    ],
    params,
  ),
  'pipeline/WithoutCert.json': pipeline(
    'WithoutCert',
    [
      {
        name: 'Call',
        type: 'WebActivity',
        typeProperties: { url: { value: '@{pipeline().parameters.base}/whoami', type: 'Expression' }, method: 'GET' },
      },
    ],
    params,
  ),
  'pipeline/WrongPassword.json': pipeline(
    'WrongPassword',
    [
      {
        name: 'Call',
        type: 'WebActivity',
        typeProperties: {
          url: { value: '@{pipeline().parameters.base}/whoami', type: 'Expression' },
          method: 'GET',
          authentication: {
            type: 'ClientCertificate',
            pfx: { type: 'SecureString', value: material.pfxBase64 },
            password: { type: 'SecureString', value: 'canary-not-the-password-93e1' },
          },
        },
      },
    ],
    params,
  ),
});

const h = await harness(dir, { dataDir, env: { E2E_PFX_PASSWORD: PASSWORD } });
const seen: string[] = [];
const standIn: Server = createServer(
  {
    cert: readFileSync(join(dataDir, 'tls', 'cert.pem')),
    key: readFileSync(join(dataDir, 'tls', 'key.pem')),
    ca: material.caPem,
    requestCert: true,
    rejectUnauthorized: true,
  },
  (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push(String(peer.subject?.CN));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ client: peer.subject?.CN, authorized: (req.socket as TLSSocket).authorized }));
  },
);
await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', () => r()));
after(() => new Promise<void>((r) => standIn.close(() => r())));

const base = `https://127.0.0.1:${(standIn.address() as AddressInfo).port}`;

test('the stand-in sees the client certificate from pfx, opened with the password read from the vault', async () => {
  const { run, activities } = await runWithBase('WithCert');
  assert.equal(run.status, 'Succeeded', JSON.stringify(activities.map((a) => a.error)));
  assert.equal((activities[0]!.output as { client: string }).client, 'adf-orders-client');
  assert.equal((activities[0]!.output as { authorized: boolean }).authorized, true);
  assert.equal(seen.at(-1), 'adf-orders-client');
  const text = JSON.stringify({ run, activities });
  assert.ok(!text.includes(PASSWORD), 'the password never shows');
  assert.ok(!text.includes(material.pfxBase64.slice(0, 40)), 'the pfx never shows');
});

test('without a client certificate the stand-in refuses the TLS handshake and the activity fails', async () => {
  const before = seen.length;
  const { run, activities } = await runWithBase('WithoutCert');
  assert.equal(run.status, 'Failed');
  assert.match(activities[0]!.error?.message ?? '', /127\.0\.0\.1/);
  assert.equal(seen.length, before, 'no request reached the handler');
});

test('a wrong password fails the activity naming pfx, never the value', async () => {
  const { run, activities } = await runWithBase('WrongPassword');
  assert.equal(run.status, 'Failed');
  const message = activities[0]!.error?.message ?? '';
  assert.match(message, /authentication\.pfx/);
  assert.match(message, /PKCS#12/);
  assert.ok(!JSON.stringify({ run, activities }).includes('canary-not-the-password-93e1'));
});

function runWithBase(name: string) {
  return h.run(name, { base });
}
