import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { RunHttpClient } from '../../src/adf/linked-services/http-client.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { tempDir } from '../helpers/tmp.js';

/** A plain HTTP server answering `{name}:{path}` with the Host it was sent. */
async function echo(name: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    res.setHeader('x-host', req.headers.host ?? '');
    res.end(`${name}:${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('run HTTP client: routes remembered per vault URL, and only those', () => {
  let client: RunHttpClient;
  let asked: string[];
  let network: { hosts: Record<string, string>; allowEgress: boolean };
  let a: { server: Server; base: string };
  let b: { server: Server; base: string };

  let server: RunningServer;
  after(async () => {
    client.close();
    for (const s of [a.server, b.server]) await new Promise<void>((r) => s.close(() => r()));
    await server.close();
  });

  before(async () => {
    server = await startServer({ dataDir: tempDir(), port: 0, host: '127.0.0.1' });
    a = await echo('a');
    b = await echo('b');
    asked = [];
    network = { hosts: { 'api.example.com': a.base }, allowEgress: false };
    client = new RunHttpClient({
      server: { address: '127.0.0.1', port: server.port, ca: server.ca },
      vaultExists: (name) => (asked.push(name), name === 'kv1'),
      network: () => network,
    });
  });

  test('the same vault URL twice: both reach the local server as the vault, its existence asked once', async () => {
    const url = 'https://kv1.vault.azure.net/secrets/s?api-version=7.0';
    const first = await client.request({ method: 'GET', url });
    const second = await client.request({ method: 'get', url });
    assert.equal(first.via, 'vault');
    assert.equal(second.via, 'vault');
    assert.equal(second.status, first.status);
    assert.ok(first.status >= 200 && first.status < 500, `the vault server answered (${first.status})`);
    assert.deepEqual(asked, ['kv1']);
  });

  test('a vault the server does not have fails every time (a failure is not remembered as a route)', async () => {
    const url = 'https://nope.vault.azure.net/secrets/s?api-version=7.0';
    await assert.rejects(client.request({ method: 'GET', url }), /nope/);
    await assert.rejects(client.request({ method: 'GET', url }), /nope/);
    assert.equal(asked.filter((n) => n === 'nope').length, 2);
  });

  test('a mapped host follows the workspace as it is now (reloads apply at once)', async () => {
    const url = 'https://api.example.com/v1/items?x=1';
    const before = await client.request({ method: 'GET', url });
    assert.equal(Buffer.from(before.body).toString(), 'a:/v1/items?x=1');
    network = { hosts: { 'api.example.com': b.base }, allowEgress: false };
    const afterReload = await client.request({ method: 'GET', url });
    assert.equal(Buffer.from(afterReload.body).toString(), 'b:/v1/items?x=1');
    network = { hosts: {}, allowEgress: false };
    await assert.rejects(client.request({ method: 'GET', url }), /api\.example\.com/);
  });

  test('{name}.localhost connects to loopback and keeps its Host header', async () => {
    const port = (a.server.address() as AddressInfo).port;
    for (let i = 0; i < 2; i++) {
      const res = await client.request({ method: 'GET', url: `http://svc.localhost:${port}/p` });
      assert.equal(res.via, 'loopback');
      assert.equal(Buffer.from(res.body).toString(), 'a:/p');
      assert.equal(res.headers['x-host'], `svc.localhost:${port}`);
    }
  });
});
