import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/storage/database.js';
import { RunsStore } from '../../src/storage/runs-store.js';

const runner = new URL('./fixtures/crash-runner.ts', import.meta.url).pathname;

function start(mode: string, file: string) {
  return spawn(process.execPath, ['--import', 'tsx', runner, mode, file], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function waitForLine(child: ReturnType<typeof start>, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith(prefix));
      if (line) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`runner exited (${code}) before printing ${prefix}`)));
  });
}

describe('crash safety', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'pipevault-crash-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('SIGKILL mid-run, start again: no run left InProgress, no record corrupted', async () => {
    const file = join(dir, 'runs.db');
    const child = start('run', file);
    const line = await waitForLine(child, 'RUNNING ');
    const runId = line.split(' ')[1];
    // Kill while the ForEach is still writing records.
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const database = await openDatabase({ url: `sqlite:${file}` });
    try {
      const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(database.db);
      assert.equal(check.rows[0].integrity_check, 'ok');
      const store = new RunsStore({ database });
      const before = await store.getPipelineRun(runId);
      assert.equal(before?.status, 'InProgress', 'the killed run was left InProgress');
      const partial = await store.listActivityRuns(runId);
      assert.ok(partial.length > 2000, 'records written before the kill survived');
      assert.ok(
        partial.every((a) => a.activityName && a.activityRunId && a.status),
        'every surviving record is whole',
      );
      await store.close();
    } finally {
      await database.close();
    }

    const again = start('recover', file);
    assert.equal(await waitForLine(again, 'RECOVERED '), 'RECOVERED 1');
    await new Promise((r) => again.once('exit', r));

    const db2 = await openDatabase({ url: `sqlite:${file}` });
    try {
      const store = new RunsStore({ database: db2 });
      const run = (await store.getPipelineRun(runId))!;
      assert.equal(run.status, 'Failed');
      assert.match(run.message, /interrupted: the pipevault process executing it stopped \(crash or kill\)/);
      assert.equal((await store.listPipelineRuns({ statuses: ['InProgress', 'Queued', 'Canceling'] })).length, 0);
      assert.equal((await store.listActivityRuns(runId, { statuses: ['InProgress'] })).length, 0);
      const sleep = (await store.listActivityRuns(runId)).find((a) => a.activityName === 'Sleep')!;
      assert.equal(sleep.status, 'Failed');
      assert.equal(sleep.error?.errorCode, 'RunInterrupted');
      await store.close();
    } finally {
      await db2.close();
    }
  });
});
