import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { systemClock } from '../../src/common/clock.js';
import { AuditLog } from '../../src/keyvault/audit/audit.js';
import { createBarrier } from '../../src/storage/barrier.js';
import type { Database } from '../../src/storage/database.js';
import { KeyVaultStore, type AuditRow } from '../../src/storage/keyvault-store.js';
import { forEachAdapter } from '../helpers/pg.js';

/**
 * What the secret-GET hot path relies on, on both adapters: audit group commits of every size (one compiled
 * multi-row insert per size, larger batches chunked inside one transaction) store every record; the barrier's
 * data-key cache never opens a value the barrier would refuse.
 */

function row(i: number, vault: string): AuditRow {
  return {
    timeMs: 1_700_000_000_000 + i,
    vault,
    operation: 'SecretGet',
    secretName: `s${i}`,
    version: i % 2 ? 'a'.repeat(32) : null,
    principalOid: '00000000-0000-4000-8000-000000000001',
    principalApp: null,
    result: 'Success',
    status: 200,
    reason: null,
    clientIp: '127.0.0.1',
    apiVersion: '7.4',
    requestId: `req-${i}`,
  };
}

forEachAdapter('audit batches', (target) => {
  let database: Database;
  let store: KeyVaultStore;

  before(async () => {
    database = await target().open();
    await database.migrate();
    store = new KeyVaultStore(database.db);
  });
  after(async () => {
    await database?.close();
  });

  for (const size of [1, 2, 7, 64, 65, 150]) {
    test(`a batch of ${size} stores every record with every field`, async () => {
      const vault = `batch-${size}`;
      const rows = Array.from({ length: size }, (_, i) => row(i, vault));
      await store.appendAuditBatch(rows);
      await store.appendAuditBatch(rows.slice(0, 1)); // a second, smaller batch reuses nothing wrongly
      const stored = await store.queryAudit({ vault, limit: 1000 });
      assert.equal(stored.length, size + 1);
      const byRequest = new Map(stored.map((r) => [r.requestId, r]));
      for (const r of rows) {
        const s = byRequest.get(r.requestId);
        assert.ok(s, `record ${r.requestId} stored`);
        const { id: _id, ...fields } = s;
        if (r.requestId !== 'req-0') assert.deepEqual(fields, r);
      }
    });
  }

  test('concurrent records through the audit log land together and each caller waits for its own', async () => {
    const audit = new AuditLog({ store, clock: systemClock });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        audit.record({ vault: 'concurrent', operation: 'SecretGet', status: i % 5 ? 200 : 403, requestId: `c${i}` }),
      ),
    );
    const stored = await audit.query({ vault: 'concurrent', limit: 1000 });
    assert.equal(stored.length, 100);
    assert.equal(stored.filter((r) => r.result === 'Denied').length, 20);
  });
});

test('barrier data-key cache: a second read opens the same value; other AAD or altered bytes still fail', () => {
  const barrier = createBarrier(randomBytes(32));
  const blob = barrier.encrypt(Buffer.from('canary-value'), 'keyvault/v/n/1');
  assert.equal(barrier.decrypt(blob, 'keyvault/v/n/1').toString(), 'canary-value');
  assert.equal(barrier.decrypt(blob, 'keyvault/v/n/1').toString(), 'canary-value');
  // the cached data key is bound to the AAD it was unwrapped under
  assert.throws(() => barrier.decrypt(blob, 'keyvault/v/n/2'), { code: 'SealedValueUnreadable' });
  // the value is authenticated on every read, cached key or not
  const altered = Buffer.from(blob);
  altered[altered.length - 1] ^= 1;
  assert.throws(() => barrier.decrypt(altered, 'keyvault/v/n/1'), { code: 'SealedValueUnreadable' });
  const badTag = Buffer.from(blob);
  badTag[90] ^= 1;
  assert.throws(() => barrier.decrypt(badTag, 'keyvault/v/n/1'), { code: 'SealedValueUnreadable' });
  // a wrapped key changed after the first read is not served from the cache
  const badWrap = Buffer.from(blob);
  badWrap[30] ^= 1;
  assert.throws(() => barrier.decrypt(badWrap, 'keyvault/v/n/1'), { code: 'SealedValueUnreadable' });
  // many values: the bounded cache evicts and every value still opens
  const many = Array.from({ length: 5000 }, (_, i) => barrier.encrypt(Buffer.from(`v${i}`), `a/${i}`));
  many.forEach((b, i) => assert.equal(barrier.decrypt(b, `a/${i}`).toString(), `v${i}`));
  assert.equal(barrier.decrypt(many[0], 'a/0').toString(), 'v0');
});
