import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API
import { createHash, createHmac, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * Test material for ClientCertificate authentication: a client CA and a client certificate made with
 * @peculiar/x509, packed as PKCS#12 (what ADF's `pfx` holds, base64) with node's crypto. PKCS#12 is small
 * enough to write in DER by hand here: one certificate bag, one PBES2-encrypted key bag (node's encrypted
 * PKCS#8 export) and an HMAC-SHA256 MAC keyed by RFC 7292's KDF, which OpenSSL (node's TLS) reads.
 */

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

function len(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
const tlv = (tag: number, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag, ...len(body.length)]), body]);
};
const seq = (...p: Buffer[]) => tlv(0x30, ...p);
const octets = (b: Buffer) => tlv(0x04, b);
const explicit0 = (...p: Buffer[]) => tlv(0xa0, ...p);
const int = (n: number) => {
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>>= 8) bytes.unshift(v & 0xff);
  if (!bytes.length || bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
};
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const p of rest) {
    const chunk = [p & 0x7f];
    for (let v = p >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  sha256: '2.16.840.1.101.3.4.2.1',
};

const dataContent = (content: Buffer) => seq(oid(OID.data), explicit0(octets(content)));

/** RFC 7292 B.2 with SHA-256, for one hash-length key (the MAC key, ID 3). */
function pkcs12MacKey(password: string, salt: Buffer, iterations: number): Buffer {
  const v = 64;
  const bmp = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) bmp.writeUInt16BE(password.charCodeAt(i), i * 2);
  const repeat = (b: Buffer) => {
    const n = v * Math.ceil(b.length / v);
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = b[i % b.length]!;
    return out;
  };
  let a = Buffer.concat([Buffer.alloc(v, 3), repeat(salt), repeat(bmp)]);
  for (let i = 0; i < iterations; i++) a = createHash('sha256').update(a).digest();
  return a;
}

function pfx(certDer: Buffer, encryptedKeyDer: Buffer, password: string): Buffer {
  const certBag = seq(oid(OID.certBag), explicit0(seq(oid(OID.x509Certificate), explicit0(octets(certDer)))));
  const keyBag = seq(oid(OID.shroudedKeyBag), explicit0(encryptedKeyDer));
  const authSafe = seq(dataContent(seq(certBag)), dataContent(seq(keyBag)));
  const salt = randomBytes(16);
  const iterations = 2048;
  const mac = createHmac('sha256', pkcs12MacKey(password, salt, iterations))
    .update(authSafe)
    .digest();
  const macData = seq(seq(seq(oid(OID.sha256), Buffer.from([0x05, 0x00])), octets(mac)), octets(salt), int(iterations));
  return seq(int(3), dataContent(authSafe), macData);
}

export interface ClientCertificateMaterial {
  /** PEM of the CA that issued the client certificate (what the server trusts for clients). */
  caPem: string;
  /** The PKCS#12 file, base64, as ADF's `pfx` holds it. */
  pfxBase64: string;
  commonName: string;
}

export async function clientCertificate(o: {
  commonName: string;
  password: string;
}): Promise<ClientCertificateMaterial> {
  const now = Date.now();
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=test client CA',
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 86400_000),
    signingAlgorithm: ALG,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex'),
    subject: `CN=${o.commonName}`,
    issuer: ca.subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 86400_000),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const encryptedKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    format: 'der',
    type: 'pkcs8',
    cipher: 'aes-256-cbc',
    passphrase: o.password,
  });
  return {
    caPem: ca.toString('pem'),
    pfxBase64: pfx(Buffer.from(cert.rawData), encryptedKey, o.password).toString('base64'),
    commonName: o.commonName,
  };
}
