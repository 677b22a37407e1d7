import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/storage/database.js';
import { KeyVaultStore, type AuditRow } from '../../src/storage/keyvault-store.js';
import { migrations } from '../../src/storage/migrations/index.js';
import { forEachAdapter } from '../helpers/pg.js';

/**
 * 0101_audit_rowid: on SQLite the audit table loses AUTOINCREMENT (rebuilt); on PostgreSQL nothing changes. On
 * both, records written before the migration keep their fields and ids, and later records get higher ids, so
 * `queryAudit`'s order (time, then id) is unchanged.
 */

function row(i: number): AuditRow {
  return {
    timeMs: 1_700_000_000_000 + (i % 3), // several records per millisecond: the id breaks the tie
    vault: 'mig',
    operation: i % 2 ? 'SecretGet' : 'SecretSet',
    secretName: `s${i}`,
    version: null,
    principalOid: '00000000-0000-4000-8000-000000000001',
    principalApp: null,
    result: 'Success',
    status: 200,
    reason: null,
    clientIp: '127.0.0.1',
    apiVersion: '7.4',
    requestId: `r${i}`,
  };
}

forEachAdapter('0101_audit_rowid', (target) => {
  test('records written before the migration keep their ids and fields; new ones follow in order', async () => {
    const t = target();
    const upTo0100 = migrations.slice(
      0,
      migrations.findIndex((m) => m.id === '0101_audit_rowid'),
    );
    assert.ok(upTo0100.some((m) => m.id === '0100_keyvault'));
    const before = await openDatabase({ url: t.url, schema: t.schema, migrations: upTo0100 });
    let beforeRows: AuditRow[];
    try {
      await before.migrate();
      const store = new KeyVaultStore(before.db);
      await store.appendAuditBatch(Array.from({ length: 10 }, (_, i) => row(i)));
      beforeRows = await store.queryAudit({ vault: 'mig', limit: 100 });
      assert.equal(beforeRows.length, 10);
    } finally {
      await before.close();
    }

    const after = await openDatabase({ url: t.url, schema: t.schema });
    try {
      await after.migrate();
      const store = new KeyVaultStore(after);
      assert.deepEqual(await store.queryAudit({ vault: 'mig', limit: 100 }), beforeRows);
      await store.appendAuditBatch(Array.from({ length: 5 }, (_, i) => row(10 + i)));
      const all = await store.queryAudit({ vault: 'mig', limit: 100 });
      assert.equal(all.length, 15);
      const maxBefore = Math.max(...beforeRows.map((r) => r.id as number));
      const newIds = all.filter((r) => Number(r.requestId?.slice(1)) >= 10).map((r) => r.id as number);
      assert.equal(newIds.length, 5);
      assert.ok(
        newIds.every((id) => id > maxBefore),
        'records after the migration get higher ids',
      );
      // newest first: time descending, then id descending
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1], all[i]];
        assert.ok(a.timeMs > b.timeMs || (a.timeMs === b.timeMs && (a.id as number) > (b.id as number)));
      }
      if (t.kind === 'sqlite') {
        const ddl = await sql<{ sql: string }>`select sql from sqlite_master where name = 'kv_audit'`.execute(after.db);
        assert.doesNotMatch(ddl.rows[0].sql, /autoincrement/i);
        const idx = await sql<{
          name: string;
        }>`select name from sqlite_master where tbl_name = 'kv_audit' and type = 'index'`.execute(after.db);
        assert.deepEqual(
          idx.rows.map((r) => r.name),
          ['kv_audit_vault_time'],
        );
      }
    } finally {
      await after.close();
    }
  });
});
