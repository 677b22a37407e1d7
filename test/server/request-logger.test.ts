import assert from 'node:assert/strict';
import { request } from 'node:https';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/common/logger.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Request loggers are made lazily (a pino child only when a line is written): at info every request still logs
 * its lines with its request id, a level change on the server's logger applies to requests at once, and a
 * request that logs nothing at warn leaves no line. Real HTTPS on loopback.
 */

function get(server: RunningServer, path: string): Promise<{ status: number; requestId: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, ca: server.ca, servername: 'localhost' },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-ms-request-id'] ?? '') }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('request log lines carry the request id; the level follows the server logger', async () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const dir = tempDir('pipevault-reqlog-');
  const server = await startServer({ dataDir: dir, port: 0, logger });
  try {
    const a = await get(server, '/health');
    assert.equal(a.status, 200);
    await new Promise((r) => setImmediate(r));
    const mine = lines.filter((l) => l.reqId === a.requestId);
    assert.ok(
      mine.some((l) => l.msg === 'incoming request'),
      `no 'incoming request' line for ${a.requestId}: ${JSON.stringify(lines.slice(-4))}`,
    );
    assert.ok(mine.some((l) => l.msg === 'request completed'));

    logger.level = 'warn';
    const before = lines.length;
    const b = await get(server, '/health');
    assert.equal(b.status, 200);
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.filter((l) => l.reqId === b.requestId).length, 0);
    assert.equal(lines.length, before);

    logger.level = 'info';
    const c = await get(server, '/health');
    await new Promise((r) => setImmediate(r));
    assert.ok(lines.some((l) => l.reqId === c.requestId && l.msg === 'request completed'));
  } finally {
    await server.close();
  }
});
