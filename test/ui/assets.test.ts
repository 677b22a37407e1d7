import assert from 'node:assert/strict';
import { request } from 'node:https';
import { describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startTestServer } from '../helpers/server.js';

/**
 * The monitor's assets: precompressed at build time (brotli and gzip) and sent in the encoding the client
 * accepts, byte-identical once decoded; nothing compressed for a client that accepts none.
 */

function get(
  url: string,
  ca: string,
  encoding?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: encoding === undefined ? {} : { 'accept-encoding': encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('monitor assets', () => {
  test('br, then gzip, by Accept-Encoding; identical once decoded; identity otherwise', async () => {
    const server = await startTestServer();
    const index = await get(`${server.url}/`, server.ca, 'br, gzip');
    assert.equal(index.status, 200);
    const scripts = [...index.body.toString('utf8').matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map(
      (m) => m[1],
    );
    assert.ok(scripts.length >= 2, `assets in index.html: ${scripts.join(', ')} (is the monitor built?)`);
    for (const path of scripts) {
      const url = `${server.url}${path}`;
      const plain = await get(url, server.ca);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.headers.vary, 'accept-encoding');

      const br = await get(url, server.ca, 'gzip, deflate, br');
      assert.equal(br.headers['content-encoding'], 'br');
      assert.ok(br.body.length < plain.body.length / 2, `${path}: ${br.body.length} of ${plain.body.length} bytes`);
      assert.ok(brotliDecompressSync(br.body).equals(plain.body), `${path} decodes to the asset`);

      const gz = await get(url, server.ca, 'gzip');
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.ok(gunzipSync(gz.body).equals(plain.body));

      const refused = await get(url, server.ca, 'br;q=0, gzip;q=0');
      assert.equal(refused.headers['content-encoding'], undefined);
      assert.ok(refused.body.equals(plain.body));
    }
    const missing = await get(`${server.url}/assets/nope.js`, server.ca, 'br');
    assert.equal(missing.status, 404);
  });
});
