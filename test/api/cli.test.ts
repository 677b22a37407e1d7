import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { spawnServer, type SpawnedServer } from '../keyvault/helpers/server.js';

/** `pipevault datafactory …` (az datafactory's words) against a live server found through --data-dir. */

describe('pipevault datafactory', () => {
  let server: SpawnedServer;
  let dataDir: string;
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir]);

  before(async () => {
    dataDir = tempDir();
    server = await spawnServer({ dataDir });
  });
  after(async () => {
    await server?.stop();
  });

  test('pipeline create (from @file) / list / show, create-run, pipeline-run show, queries, cancel', async () => {
    const file = join(tempDir(), 'p.json');
    writeFileSync(
      file,
      JSON.stringify({
        properties: {
          parameters: { who: { type: 'String' } },
          variables: { v: { type: 'String' } },
          activities: [
            {
              name: 'Greet',
              type: 'SetVariable',
              typeProperties: { variableName: 'v', value: "@concat('hi ', pipeline().parameters.who)" },
            },
          ],
        },
      }),
    );
    const created = await cli(
      'datafactory',
      'pipeline',
      'create',
      '--factory-name',
      'default',
      '--name',
      'greet',
      '--pipeline',
      `@${file}`,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).name, 'greet');
    const list = await cli('datafactory', 'pipeline', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /greet\s+1\s+who/);
    const show = await cli('datafactory', 'pipeline', 'show', '-n', 'greet', '-o', 'json');
    assert.equal(JSON.parse(show.stdout).properties.activities[0].name, 'Greet');

    const run = await cli(
      'datafactory',
      'pipeline',
      'create-run',
      '-n',
      'greet',
      '--parameters',
      '{"who":"cli"}',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    let status = '';
    for (let i = 0; i < 100 && status !== 'Succeeded'; i++) {
      const s = await cli('datafactory', 'pipeline-run', 'show', '--run-id', runId, '--json');
      status = JSON.parse(s.stdout).status;
      if (status !== 'Succeeded') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 'Succeeded');
    const q = await cli(
      'datafactory',
      'pipeline-run',
      'query-by-factory',
      '--filters',
      '[{"operand":"PipelineName","operator":"Equals","values":["greet"]}]',
    );
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, new RegExp(runId));
    const acts = await cli('datafactory', 'activity-run', 'query-by-pipeline-run', '--run-id', runId, '--json');
    assert.equal(acts.code, 0, acts.stderr);
    assert.equal(JSON.parse(acts.stdout).value[0].output.value, 'hi cli');
    const cancel = await cli('datafactory', 'pipeline-run', 'cancel', '--run-id', runId, '--is-recursive');
    assert.equal(cancel.code, 0, cancel.stderr);
  });

  test('bad input: invalid JSON and unknown names exit 2 with one line on stderr', async () => {
    const badJson = await cli('datafactory', 'pipeline', 'create', '-n', 'x', '--pipeline', '{oops');
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /Invalid JSON in --pipeline/);
    assert.equal(badJson.stderr.trim().split('\n').length, 1);
    const unknown = await cli('datafactory', 'pipeline', 'create-run', '-n', 'nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /nope/);
    const missingRun = await cli(
      'datafactory',
      'pipeline-run',
      'show',
      '--run-id',
      '00000000-0000-4000-8000-000000000000',
    );
    assert.equal(missingRun.code, 2);
    const badTime = await cli('datafactory', 'pipeline-run', 'query-by-factory', '--last-updated-after', 'soon');
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /--last-updated-after/);
  });
});
