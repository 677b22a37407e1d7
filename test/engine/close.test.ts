import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ActivityRunRecord } from '../../src/storage/runs-store.js';
import { openDatabase } from '../../src/storage/database.js';
import { RunsStore } from '../../src/storage/runs-store.js';
import { Engine } from '../../src/adf/engine/engine.js';
import { act, dep, expr, makeEngine, openEnv, pipeline, type TestEnv } from './helpers.js';

describe('Engine.close', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('ends running and queued runs as restart recovery would, records nothing after, refuses new runs', async () => {
    const seen: ActivityRunRecord[] = [];
    let waiting!: () => void;
    const inWait = new Promise<void>((r) => (waiting = r));
    const p = pipeline(
      'closing',
      [
        act('First', 'SetVariable', { variableName: 'v', value: expr("@concat('a', 'b')") }),
        act('Sleep', 'Wait', { waitTimeInSeconds: 3600 }, dep('First')),
        act('After', 'SetVariable', { variableName: 'v', value: 'never' }, dep('Sleep', 'Completed')),
      ],
      { concurrency: 1, variables: { v: { type: 'String' } } },
    );
    const engine = makeEngine(env, [p], {
      onActivityRun: (a) => {
        seen.push(a);
        if (a.activityName === 'Sleep' && a.status === 'InProgress') waiting();
      },
    });
    const running = await engine.createRun({ pipelineName: 'closing' });
    const queued = await engine.createRun({ pipelineName: 'closing' });
    await inWait;
    const reported = seen.length;
    await engine.close();

    const [r1, r2] = await Promise.all([running.done, queued.done]);
    assert.equal(r1.status, 'Failed');
    assert.match(r1.message, /interrupted: the pipevault process executing it shut down/);
    assert.equal(r2.status, 'Failed', 'a queued run ends too');
    assert.equal(seen.length, reported, 'nothing is reported after close (no Cancelled record of the Wait)');

    const stored = (await env.store.getPipelineRun(running.runId))!;
    assert.equal(stored.status, 'Failed');
    assert.equal(stored.message, r1.message);
    assert.ok(stored.runEnd);
    const acts = await env.store.listActivityRuns(running.runId);
    assert.deepEqual(
      acts.map((a) => [a.activityName, a.status, a.error?.errorCode ?? null]),
      [
        ['First', 'Succeeded', null],
        ['Sleep', 'Failed', 'RunInterrupted'],
      ],
    );
    assert.equal((await env.store.getPipelineRun(queued.runId))!.status, 'Failed');
    assert.equal(
      (await env.store.listPipelineRuns({ statuses: ['Queued', 'InProgress', 'Canceling'] })).length,
      0,
      'nothing left for the next start to recover',
    );
    assert.equal(await makeEngine(env, [p]).recover(), 0);

    await assert.rejects(engine.createRun({ pipelineName: 'closing' }), /shutting down/);
    await engine.close(); // idempotent
    await engine.idle();
  });

  test('a closed engine with a run in an hour-long Wait lets its process exit (no timer left behind)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipevault-close-'));
    try {
      const file = join(dir, 'runs.db');
      const runner = new URL('./fixtures/close-runner.ts', import.meta.url).pathname;
      const child = spawn(process.execPath, ['--import', 'tsx', runner, file], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // Generous: the bound only tells "exited" from "kept alive by the hour-long Wait" on a loaded machine.
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 60_000);
        child.once('exit', (c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
      assert.equal(code, 0, `the runner must exit by itself after close; it printed: ${out}`);
      const line = out.split('\n').find((l) => l.startsWith('CLOSED '));
      assert.ok(line, out);
      const { first, queued } = JSON.parse(line.slice('CLOSED '.length)) as Record<string, [string, string]>;
      assert.equal(first[1], 'Failed');
      assert.equal(queued[1], 'Failed');

      const database = await openDatabase({ url: `sqlite:${file}` });
      try {
        const store = new RunsStore({ database });
        const sleep = (await store.listActivityRuns(first[0])).find((a) => a.activityName === 'Sleep')!;
        assert.equal(sleep.status, 'Failed');
        assert.equal(sleep.error?.errorCode, 'RunInterrupted');
        assert.equal(await new Engine({ store, pipelines: new Map() }).recover(), 0);
        await store.close();
      } finally {
        await database.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
