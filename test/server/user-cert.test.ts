import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { PipevaultError } from '../../src/common/errors.js';
import { startServer } from '../../src/server/start.js';
import { runCli, spawnServer } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * `pipevault start --cert/--key [--ca]`: which CA server.json records (caFile, caBundleFile) so clients — the CLI
 * first — trust the server; bad combinations are bad input naming the flag. Certificates made here with
 * @peculiar/x509, as the server makes its own.
 */

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

interface Made {
  pem: string;
  keyPem: string;
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

async function keyPem(k: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

async function makeCa(name: string): Promise<Made> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { pem: cert.toString('pem') + '\n', keyPem: await keyPem(keys.privateKey), keys, cert };
}

/** A server certificate for localhost, signed by `issuer` (or by itself when none). */
async function makeLeaf(issuer?: Made): Promise<Made> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const common = {
    serialNumber: randomBytes(8).toString('hex'),
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  };
  const cert = issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: 'CN=localhost',
        issuer: issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: 'CN=localhost', keys });
  return { pem: cert.toString('pem') + '\n', keyPem: await keyPem(keys.privateKey), keys, cert };
}

function health(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/health`, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function rejectsBadInput(fn: () => Promise<unknown>, flag: string, message: RegExp): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof PipevaultError, String(e));
    assert.equal(e.exitCode, 2);
    assert.match(`${e.target ?? ''} ${e.message}`, new RegExp(flag));
    assert.match(e.message, message);
    return true;
  });
}

describe('start with --cert/--key', () => {
  const files = tempDir();
  const f = (n: string) => join(files, n);
  let ca: Made;

  before(async () => {
    ca = await makeCa('mkcert-like local CA');
    const leaf = await makeLeaf(ca);
    const self = await makeLeaf();
    const other = await makeCa('some other CA');
    writeFileSync(f('ca.pem'), ca.pem);
    writeFileSync(f('leaf.pem'), leaf.pem);
    writeFileSync(f('leaf-key.pem'), leaf.keyPem, { mode: 0o600 });
    writeFileSync(f('chain.pem'), leaf.pem + ca.pem);
    writeFileSync(f('self.pem'), self.pem);
    writeFileSync(f('self-key.pem'), self.keyPem, { mode: 0o600 });
    writeFileSync(f('other-ca.pem'), other.pem);
    writeFileSync(f('not-pem.txt'), 'hello');
  });

  test('--ca: server.json records it as caFile, the bundle carries it, clients trusting it connect', async () => {
    const dir = tempDir();
    const s = await startServer({
      dataDir: dir,
      port: 0,
      certFile: f('leaf.pem'),
      keyFile: f('leaf-key.pem'),
      caFile: f('ca.pem'),
      writeServerJson: true,
    });
    try {
      const info = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8'));
      assert.equal(info.caFile, f('ca.pem'));
      assert.equal(info.caBundleFile, join(dir, 'tls', 'ca-bundle.pem'));
      const bundle = readFileSync(info.caBundleFile, 'utf8');
      assert.ok(bundle.includes(ca.pem.trim()), 'the bundle holds the given CA');
      assert.ok(bundle.split('BEGIN CERTIFICATE').length > 50, 'the bundle holds the system CAs too');
      assert.equal(s.ca.trim(), ca.pem.trim());
      assert.equal(await health(s.url, readFileSync(info.caFile, 'utf8')), 200);
    } finally {
      await s.close();
    }
  });

  test('a chain that ends in its root, or a self-signed certificate: that root is the CA', async () => {
    for (const [cert, key, root] of [
      ['chain.pem', 'leaf-key.pem', ca.pem],
      ['self.pem', 'self-key.pem', readFileSync(f('self.pem'), 'utf8')],
    ]) {
      const dir = tempDir();
      const s = await startServer({ dataDir: dir, port: 0, certFile: f(cert), keyFile: f(key), writeServerJson: true });
      try {
        const info = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8'));
        assert.equal(info.caFile, f(cert), cert);
        assert.ok(existsSync(info.caBundleFile), cert);
        assert.equal(s.ca.trim(), root.trim(), cert);
        assert.equal(await health(s.url, readFileSync(info.caFile, 'utf8')), 200, cert);
      } finally {
        await s.close();
      }
    }
  });

  test('a certificate without its root and no --ca: no CA recorded (clients trust the issuer already)', async () => {
    const dir = tempDir();
    const s = await startServer({
      dataDir: dir,
      port: 0,
      certFile: f('leaf.pem'),
      keyFile: f('leaf-key.pem'),
      writeServerJson: true,
    });
    try {
      const info = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8'));
      assert.equal(info.caFile, null);
      assert.equal(info.caBundleFile, null);
      assert.ok(!existsSync(join(dir, 'tls', 'ca-bundle.pem')));
    } finally {
      await s.close();
    }
  });

  test('bad input names the flag: a CA that did not issue the certificate, a key of another one, no PEM', async () => {
    const dir = tempDir();
    const start = (o: { certFile?: string; keyFile?: string; caFile?: string }) =>
      startServer({ dataDir: dir, port: 0, writeServerJson: true, ...o });
    await rejectsBadInput(
      () => start({ certFile: f('leaf.pem'), keyFile: f('leaf-key.pem'), caFile: f('other-ca.pem') }),
      '--ca',
      /did not issue the certificate/,
    );
    await rejectsBadInput(
      () => start({ certFile: f('leaf.pem'), keyFile: f('self-key.pem') }),
      '--key',
      /not the private key of the first certificate/,
    );
    await rejectsBadInput(
      () => start({ certFile: f('not-pem.txt'), keyFile: f('leaf-key.pem') }),
      '--cert',
      /holds no PEM certificate/,
    );
    await rejectsBadInput(
      () => start({ certFile: f('leaf.pem'), keyFile: f('leaf-key.pem'), caFile: f('not-pem.txt') }),
      '--ca',
      /holds no PEM certificate/,
    );
    await rejectsBadInput(() => start({ caFile: f('ca.pem') }), '--ca', /--cert\/--key/);
    assert.ok(!existsSync(join(dir, 'server.json')), 'nothing written');
  });

  test('pipevault start --cert --key --ca: CLI commands reach the live server through server.json', async () => {
    const dir = tempDir();
    const server = await spawnServer([
      '--data-dir',
      dir,
      '--port',
      '0',
      '--cert',
      f('leaf.pem'),
      '--key',
      f('leaf-key.pem'),
      '--ca',
      f('ca.pem'),
    ]);
    try {
      assert.match(server.stdout(), new RegExp(`trust: NODE_EXTRA_CA_CERTS=${join(dir, 'tls', 'ca-bundle.pem')}`));
      const sp = await runCli(['identity', 'sp', 'create', '--name', 'user-cert-app', '--data-dir', dir, '-o', 'json']);
      assert.equal(sp.code, 0, sp.stderr);
      // the live server logged the command's request (a fallback in-process server would not show here)
      assert.match(server.stderr(), /\/pipevault\/admin\/principals/);
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0);
    }
  });
});
