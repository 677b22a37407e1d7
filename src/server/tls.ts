import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API
import { createPrivateKey, webcrypto, randomBytes, X509Certificate as NodeX509 } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { badInput } from '../common/catalogue.js';
import type { Clock } from '../common/clock.js';

/**
 * TLS material for the HTTPS listener, generated once into `{dataDir}/tls/`: an ECDSA P-256 CA (`ca.pem`,
 * `ca-key.pem`), a server certificate signed by it (`cert.pem`, `key.pem`), and `ca-bundle.pem` = the system
 * CAs plus ours, for `NODE_EXTRA_CA_CERTS` (which names one file). The server certificate is re-issued by the
 * same CA when a name it must cover (`--host`) is missing, so clients that trust the CA keep working.
 */

export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string;
  caFile: string;
  caBundleFile: string;
  dir: string;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const BASE_NAMES = ['localhost', '127.0.0.1', '::1', '*.localhost', '*.vault.azure.net'];

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function writeSecretFile(path: string, text: string) {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']) as Promise<CryptoKey>;
}

function coversAll(certPem: string, names: string[]): boolean {
  const cert = new NodeX509(certPem);
  const dns = (cert.subjectAltName ?? '').split(', ').map((e) => e.toLowerCase());
  // IPs through checkIP: Node prints ::1 as 0:0:0:0:0:0:0:1 in subjectAltName
  return names.every((n) => (isIP(n) ? cert.checkIP(n) !== undefined : dns.includes(`dns:${n.toLowerCase()}`)));
}

export async function ensureTls(opts: { dataDir: string; hosts: string[]; clock: Clock }): Promise<TlsMaterial> {
  const dir = join(opts.dataDir, 'tls');
  mkdirSync(dir, { recursive: true });
  const f = (n: string) => join(dir, n);
  const names = [...new Set([...BASE_NAMES, ...opts.hosts.filter((h) => h && h !== '0.0.0.0' && h !== '::')])];
  const now = new Date(opts.clock.now());

  let caPem: string;
  let caKey: CryptoKey;
  if (existsSync(f('ca.pem')) && existsSync(f('ca-key.pem'))) {
    caPem = readFileSync(f('ca.pem'), 'utf8');
    caKey = await importKey(readFileSync(f('ca-key.pem'), 'utf8'));
  } else {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomBytes(8).toString('hex'),
      name: 'CN=pipevault local CA',
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + 10 * 365 * 86400_000),
      signingAlgorithm: ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    caPem = ca.toString('pem') + '\n';
    writeSecretFile(
      f('ca-key.pem'),
      pemKey((await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) as ArrayBuffer),
    );
    writeFileSync(f('ca.pem'), caPem);
    caKey = keys.privateKey;
  }

  let certPem = existsSync(f('cert.pem')) ? readFileSync(f('cert.pem'), 'utf8') : '';
  let keyPem = existsSync(f('key.pem')) ? readFileSync(f('key.pem'), 'utf8') : '';
  const stale = !certPem || !keyPem || !coversAll(certPem, names) || new Date(new NodeX509(certPem).validTo) < now;
  if (stale) {
    const caCert = new x509.X509Certificate(caPem);
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomBytes(8).toString('hex'),
      subject: 'CN=localhost',
      issuer: caCert.subject,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + 825 * 86400_000),
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          names.map((n) => ({ type: (isIP(n) ? 'ip' : 'dns') as 'ip' | 'dns', value: n })),
        ),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ],
    });
    certPem = cert.toString('pem') + '\n';
    keyPem = pemKey((await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) as ArrayBuffer);
    writeSecretFile(f('key.pem'), keyPem);
    writeFileSync(f('cert.pem'), certPem);
  }

  const bundle = [...rootCertificates, caPem.trim()].join('\n') + '\n';
  if (!existsSync(f('ca-bundle.pem')) || readFileSync(f('ca-bundle.pem'), 'utf8') !== bundle)
    writeFileSync(f('ca-bundle.pem'), bundle);
  return { cert: certPem, key: keyPem, ca: caPem, caFile: f('ca.pem'), caBundleFile: f('ca-bundle.pem'), dir };
}

/** User-supplied `--cert/--key` (and `--ca`), read and checked. */
export interface UserTls {
  cert: string;
  key: string;
  /** PEM of the CA clients must trust: `--ca`, else the chain's own root; else the certificate chain itself. */
  ca: string;
  /** The file holding that CA (absolute), or undefined when the chain does not include its root and no `--ca` was given. */
  caFile: string | undefined;
  /** `{dataDir}/tls/ca-bundle.pem`: system CAs plus that CA, written when caFile is known. */
  caBundleFile: string | undefined;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readCertificates(file: string, flag: string): { pem: string; cert: NodeX509 }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw badInput(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, flag);
  }
  const pems = text.match(PEM_CERT) ?? [];
  if (pems.length === 0) throw badInput(`${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`, flag);
  return pems.map((pem) => {
    try {
      return { pem: pem + '\n', cert: new NodeX509(pem) };
    } catch (e) {
      throw badInput(`${file} holds a certificate that cannot be parsed: ${(e as Error).message}`, flag);
    }
  });
}

const issued = (child: NodeX509, issuer: NodeX509) => child.checkIssued(issuer) && child.verify(issuer.publicKey);

/**
 * `--cert/--key`, and the CA clients must trust, which `server.json` records as `caFile` (the CLI pins it) and
 * `ca-bundle.pem` carries for NODE_EXTRA_CA_CERTS: `--ca FILE` when given (it must have issued the chain's top
 * certificate); else the chain's root when the `--cert` file ends with a self-signed certificate (a self-signed
 * certificate, or a chain with its root); else none — the issuer is one clients already trust (the system
 * store), and `caFile` stays null as before.
 */
export function readUserTls(opts: { certFile: string; keyFile: string; caFile?: string; dataDir: string }): UserTls {
  const chain = readCertificates(opts.certFile, '--cert');
  let key: string;
  try {
    key = readFileSync(opts.keyFile, 'utf8');
  } catch (e) {
    throw badInput(
      `cannot read ${opts.keyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      '--key',
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    throw badInput(`${opts.keyFile} holds no usable private key: ${(e as Error).message}`, '--key');
  }
  if (!chain[0].cert.checkPrivateKey(privateKey))
    throw badInput(`${opts.keyFile} is not the private key of the first certificate in ${opts.certFile}`, '--key');
  const cert = readFileSync(opts.certFile, 'utf8');
  const top = chain[chain.length - 1].cert;

  let ca: { pem: string; file: string } | undefined;
  if (opts.caFile) {
    const cas = readCertificates(opts.caFile, '--ca');
    if (!cas.some((c) => c.cert.fingerprint256 === top.fingerprint256 || issued(top, c.cert)))
      throw badInput(
        `${opts.caFile} did not issue the certificate in ${opts.certFile} (its issuer is "${top.issuer.replace(/\n/g, ', ')}")`,
        '--ca',
      );
    ca = { pem: cas.map((c) => c.pem).join(''), file: resolve(opts.caFile) };
  } else if (issued(top, top)) {
    ca = { pem: chain[chain.length - 1].pem, file: resolve(opts.certFile) };
  }
  if (!ca) return { cert, key, ca: cert, caFile: undefined, caBundleFile: undefined };
  const dir = join(opts.dataDir, 'tls');
  mkdirSync(dir, { recursive: true });
  const bundleFile = join(dir, 'ca-bundle.pem');
  const bundle = [...rootCertificates, ca.pem.trim()].join('\n') + '\n';
  if (!existsSync(bundleFile) || readFileSync(bundleFile, 'utf8') !== bundle) writeFileSync(bundleFile, bundle);
  return { cert, key, ca: ca.pem, caFile: ca.file, caBundleFile: bundleFile };
}
