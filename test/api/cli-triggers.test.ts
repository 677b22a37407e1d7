import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { spawnServer, type SpawnedServer } from '../keyvault/helpers/server.js';

/** `pipevault datafactory trigger …` and `trigger-run …` (az datafactory's words) against a live server. */

type TriggerRun = { triggerRunId: string; status: string; triggeredPipelines: Record<string, string> };

describe('pipevault datafactory trigger / trigger-run', () => {
  let server: SpawnedServer;
  let dataDir: string;
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir]);
  const runsOf = async (trigger: string): Promise<TriggerRun[]> => {
    const q = await cli(
      'datafactory',
      'trigger-run',
      'query-by-factory',
      '--filters',
      JSON.stringify([{ operand: 'TriggerName', operator: 'Equals', values: [trigger] }]),
      '--json',
    );
    assert.equal(q.code, 0, q.stderr);
    return (JSON.parse(q.stdout) as { value: TriggerRun[] }).value;
  };
  const until = async (trigger: string, ok: (r: TriggerRun[]) => boolean) => {
    let runs: TriggerRun[] = [];
    for (let i = 0; i < 100; i++) {
      runs = await runsOf(trigger);
      if (ok(runs)) return runs;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`trigger runs of ${trigger}: ${JSON.stringify(runs)}`);
  };

  before(async () => {
    dataDir = tempDir();
    server = await spawnServer({ dataDir });
  });
  after(async () => {
    await server?.stop();
  });

  test('trigger create (@file) / list / show / query-by-factory / start; trigger-run query-by-factory, rerun; stop, delete', async () => {
    const pipeline = await cli(
      'datafactory',
      'pipeline',
      'create',
      '-n',
      'windowed',
      '--pipeline',
      JSON.stringify({
        parameters: { ws: { type: 'String' } },
        activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
      }),
    );
    assert.equal(pipeline.code, 0, pipeline.stderr);
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000;
    const file = join(tempDir(), 'tw.json');
    writeFileSync(
      file,
      JSON.stringify({
        properties: {
          type: 'TumblingWindowTrigger',
          description: 'two past windows',
          runtimeState: 'Started',
          pipeline: {
            pipelineReference: { referenceName: 'windowed', type: 'PipelineReference' },
            parameters: { ws: '@trigger().outputs.windowStartTime' },
          },
          typeProperties: {
            frequency: 'Minute',
            interval: 1,
            startTime: new Date(start).toISOString(),
            endTime: new Date(start + 2 * 60_000).toISOString(),
            maxConcurrency: 2,
          },
        },
      }),
    );
    const created = await cli('datafactory', 'trigger', 'create', '--name', 'tw', '--properties', `@${file}`);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).properties.runtimeState, 'Stopped', 'written Stopped, as ADF does');

    const list = await cli('datafactory', 'trigger', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /tw\s+TumblingWindowTrigger\s+Stopped\s+two past windows/);
    const show = await cli('datafactory', 'trigger', 'show', '-n', 'tw', '-o', 'json');
    assert.equal(show.code, 0, show.stderr);
    assert.equal(JSON.parse(show.stdout).properties.typeProperties.maxConcurrency, 2);
    const byFactory = await cli('datafactory', 'trigger', 'query-by-factory', '--json');
    assert.equal(byFactory.code, 0, byFactory.stderr);
    assert.deepEqual(
      JSON.parse(byFactory.stdout).value.map((t: { name: string }) => t.name),
      ['tw'],
    );

    const started = await cli('datafactory', 'trigger', 'start', '-n', 'tw');
    assert.equal(started.code, 0, started.stderr);
    assert.match((await cli('datafactory', 'trigger', 'list')).stdout, /tw\s+TumblingWindowTrigger\s+Started/);
    const runs = await until('tw', (r) => r.length === 2 && r.every((x) => x.status === 'Succeeded'));

    const table = await cli('datafactory', 'trigger-run', 'query-by-factory');
    assert.equal(table.code, 0, table.stderr);
    for (const r of runs)
      assert.match(table.stdout, new RegExp(`${r.triggerRunId}\\s+tw\\s+TumblingWindowTrigger\\s+Succeeded`));

    const rerun = await cli(
      'datafactory',
      'trigger-run',
      'rerun',
      '--trigger-name',
      'tw',
      '--run-id',
      runs[0].triggerRunId,
    );
    assert.equal(rerun.code, 0, rerun.stderr);
    const after = await until('tw', (r) =>
      r.some(
        (x) =>
          x.triggerRunId === runs[0].triggerRunId &&
          x.triggeredPipelines.windowed !== runs[0].triggeredPipelines.windowed &&
          x.status === 'Succeeded',
      ),
    );
    assert.equal(after.length, 2, 'the same trigger run, rerun');

    const cancelEnded = await cli(
      'datafactory',
      'trigger-run',
      'cancel',
      '--trigger-name',
      'tw',
      '--run-id',
      runs[1].triggerRunId,
    );
    assert.equal(cancelEnded.code, 2);
    assert.match(cancelEnded.stderr, /only an Inprogress trigger run can be cancelled/);

    const deleteStarted = await cli('datafactory', 'trigger', 'delete', '-n', 'tw', '--yes');
    assert.equal(deleteStarted.code, 2);
    assert.match(deleteStarted.stderr, /Cannot update enabled Trigger/);
    assert.equal((await cli('datafactory', 'trigger', 'stop', '-n', 'tw')).code, 0);
    assert.match((await cli('datafactory', 'trigger', 'list')).stdout, /tw\s+TumblingWindowTrigger\s+Stopped/);
    const deleted = await cli('datafactory', 'trigger', 'delete', '-n', 'tw', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await cli('datafactory', 'trigger', 'show', '-n', 'tw');
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /tw/);
  });

  test('bad input: invalid --properties, a missing trigger, a bad time — exit 2, one line on stderr', async () => {
    const badJson = await cli('datafactory', 'trigger', 'create', '-n', 'x', '--properties', '{oops');
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /Invalid JSON in --properties/);
    assert.equal(badJson.stderr.trim().split('\n').length, 1);
    const notFound = await cli('datafactory', 'trigger', 'start', '-n', 'nope');
    assert.equal(notFound.code, 2);
    assert.match(notFound.stderr, /nope/);
    const badTime = await cli('datafactory', 'trigger-run', 'query-by-factory', '--last-updated-before', 'later');
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /--last-updated-before/);
    const noRunId = await cli('datafactory', 'trigger-run', 'rerun', '--trigger-name', 'x');
    assert.notEqual(noRunId.code, 0);
    assert.match(noRunId.stderr, /--run-id/);
  });
});
