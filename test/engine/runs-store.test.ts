import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Database } from '../../src/storage/database.js';
import { CompiledQuery, sql } from 'kysely';
import {
  RunsStore,
  SECURE_MARKER,
  UNFINISHED_PREDICATE,
  type ActivityRunRecord,
  type PipelineRunRecord,
} from '../../src/storage/runs-store.js';
import { forEachAdapter } from '../helpers/pg.js';

function pipelineRun(runId: string, over: Partial<PipelineRunRecord> = {}): PipelineRunRecord {
  return {
    runId,
    runGroupId: runId,
    isLatest: true,
    pipelineName: 'pl',
    parameters: { p: '1', arr: '["a"]' },
    runDimensions: {},
    invokedBy: { name: 'Manual', id: 'inv-1', invokedByType: 'Manual' },
    lastUpdated: '2026-01-01T00:00:00.000Z',
    runStart: '2026-01-01T00:00:00.000Z',
    runEnd: null,
    durationInMs: null,
    status: 'InProgress',
    message: '',
    annotations: ['a'],
    factoryName: 'f',
    parentRunId: null,
    queuedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

function activityRun(runId: string, id: string, seq: number, over: Partial<ActivityRunRecord> = {}): ActivityRunRecord {
  return {
    pipelineName: 'pl',
    pipelineRunId: runId,
    activityName: `A${seq}`,
    activityType: 'SetVariable',
    activityRunId: id,
    linkedServiceName: null,
    status: 'InProgress',
    activityRunStart: '2026-01-01T00:00:00.000Z',
    activityRunEnd: null,
    durationInMs: null,
    input: { variableName: 'v', value: seq },
    output: null,
    error: null,
    retryAttempt: null,
    userProperties: {},
    iterationHash: null,
    parentActivityRunId: null,
    iteration: null,
    secureInput: false,
    secureOutput: false,
    seq,
    ...over,
  };
}

forEachAdapter('runs store', (target) => {
  let database: Database;
  let store: RunsStore;
  before(async () => {
    database = await target().open();
    store = await RunsStore.open({ database });
  });
  after(async () => {
    await store.close();
    await database.close();
  });

  test('pipeline run round-trips in ADF shape and later saves replace earlier ones', async () => {
    store.savePipelineRun(pipelineRun('r1'));
    store.savePipelineRun(
      pipelineRun('r1', {
        status: 'Succeeded',
        runEnd: '2026-01-01T00:00:01.500Z',
        durationInMs: 1500,
        returnValue: { k: [1] },
      }),
    );
    const got = await store.getPipelineRun('r1');
    assert.equal(got?.status, 'Succeeded');
    assert.equal(got?.durationInMs, 1500);
    assert.equal(got?.runEnd, '2026-01-01T00:00:01.500Z');
    assert.deepEqual(got?.parameters, { p: '1', arr: '["a"]' });
    assert.deepEqual(got?.invokedBy, { name: 'Manual', id: 'inv-1', invokedByType: 'Manual' });
    assert.deepEqual(got?.returnValue, { k: [1] });
    assert.equal(got?.isLatest, true);
  });

  test('activity runs are listed in the order they started, with error, retry and iteration fields', async () => {
    store.savePipelineRun(pipelineRun('r2'));
    store.saveActivityRun(activityRun('r2', 'a2', 2));
    store.saveActivityRun(activityRun('r2', 'a1', 1));
    store.saveActivityRun(
      activityRun('r2', 'a2', 2, {
        status: 'Failed',
        error: { errorCode: 'X', message: 'boom', failureType: 'UserError', target: 'A2' },
        retryAttempt: 1,
        parentActivityRunId: 'fe',
        iteration: 3,
        secureOutput: true,
        output: SECURE_MARKER,
      }),
    );
    const runs = await store.listActivityRuns('r2');
    assert.deepEqual(
      runs.map((r) => r.activityRunId),
      ['a1', 'a2'],
    );
    assert.equal(runs[1].status, 'Failed');
    assert.deepEqual(runs[1].error, { errorCode: 'X', message: 'boom', failureType: 'UserError', target: 'A2' });
    assert.equal(runs[1].retryAttempt, 1);
    assert.equal(runs[1].iteration, 3);
    assert.equal(runs[1].iterationHash, 'fe/3');
    assert.equal(runs[1].output, SECURE_MARKER);
    assert.equal(runs[1].secureOutput, true);
    assert.deepEqual(runs[0].input, { variableName: 'v', value: 1 });
  });

  test('a saved record is a snapshot: later mutation of the object does not change it', async () => {
    const arr = [1];
    store.saveActivityRun(activityRun('r3', 'snap', 1, { output: { value: arr } }));
    arr.push(2);
    const [r] = await store.listActivityRuns('r3');
    assert.deepEqual(r.output, { value: [1] });
  });

  test('write-behind buffer writes thousands of records in few transactions and reports when to drain', async () => {
    const small = new RunsStore({ database, highWaterMark: 10 });
    for (let i = 0; i < 9; i++) small.saveActivityRun(activityRun('r4', `b${i}`, i));
    assert.equal(small.mustDrain, false);
    small.saveActivityRun(activityRun('r4', 'b9', 9));
    assert.equal(small.mustDrain, true);
    await small.flush();
    assert.equal(small.pending, 0);
    for (let i = 10; i < 2500; i++) small.saveActivityRun(activityRun('r4', `b${i}`, i));
    assert.equal(await small.countActivityRuns('r4'), 2500);
    await small.close();
  });

  test('pipeline runs filter by status, parent and pipeline', async () => {
    store.savePipelineRun(pipelineRun('q1', { status: 'Queued', pipelineName: 'other' }));
    store.savePipelineRun(pipelineRun('c1', { parentRunId: 'r1', pipelineName: 'child' }));
    assert.deepEqual(
      (await store.listPipelineRuns({ statuses: ['Queued'] })).map((r) => r.runId),
      ['q1'],
    );
    assert.deepEqual(
      (await store.listPipelineRuns({ parentRunId: 'r1' })).map((r) => r.runId),
      ['c1'],
    );
    assert.deepEqual(
      (await store.listPipelineRuns({ pipelineName: 'other' })).map((r) => r.runId),
      ['q1'],
    );
  });

  test('unfinished runs (what restart recovery ends) come from the partial index of such runs', async () => {
    store.savePipelineRun(pipelineRun('u-queued', { status: 'Queued', factoryName: 'uf' }));
    store.savePipelineRun(pipelineRun('u-running', { status: 'InProgress', factoryName: 'uf' }));
    store.savePipelineRun(pipelineRun('u-canceling', { status: 'Canceling', factoryName: 'uf' }));
    store.savePipelineRun(pipelineRun('u-done', { status: 'Succeeded', factoryName: 'uf' }));
    store.savePipelineRun(pipelineRun('u-other', { status: 'InProgress', factoryName: 'uf2' }));
    assert.deepEqual((await store.listUnfinishedPipelineRuns('uf')).map((r) => r.runId).sort(), [
      'u-canceling',
      'u-queued',
      'u-running',
    ]);
    assert.ok((await store.listUnfinishedPipelineRuns()).some((r) => r.runId === 'u-other'));
    // a run that ends leaves the index
    store.savePipelineRun(pipelineRun('u-running', { status: 'Succeeded', factoryName: 'uf' }));
    assert.deepEqual((await store.listUnfinishedPipelineRuns('uf')).map((r) => r.runId).sort(), [
      'u-canceling',
      'u-queued',
    ]);

    // Recovery without a factory (a server's start-up), and a run's children: which index serves them.
    const unfinished = database.db
      .selectFrom('adf_pipeline_runs')
      .selectAll()
      .where(sql.raw<boolean>(UNFINISHED_PREDICATE))
      .orderBy('queued_at')
      .orderBy('run_id')
      .compile();
    const children = database.db
      .selectFrom('adf_pipeline_runs')
      .selectAll()
      .where('parent_run_id', '=', 'r1')
      .compile();
    const explain = database.kind === 'sqlite' ? 'explain query plan ' : 'explain ';
    const plans = await database.transaction(async (trx) => {
      // PostgreSQL would scan a table this small anyway: make it show whether the index can serve the query
      if (database.kind === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
      const plan = async (q: typeof unfinished) =>
        JSON.stringify((await trx.executeQuery(CompiledQuery.raw(explain + q.sql, [...q.parameters]))).rows);
      return { unfinished: await plan(unfinished), children: await plan(children) };
    });
    assert.match(plans.unfinished, /adf_pipeline_runs_unfinished/);
    assert.match(plans.children, /adf_pipeline_runs_parent/);
  });

  test('a flush while another caller holds a transaction writes outside it: that rollback keeps the records', async () => {
    let begun!: () => void;
    let release!: () => void;
    const started = new Promise<void>((r) => (begun = r));
    const held = new Promise<void>((r) => (release = r));
    const outer = database.transaction(async (trx) => {
      await trx
        .insertInto('adf_run_secure_parameters')
        .values({ run_id: 'outer', sealed: Buffer.from('x'), created_at: 0 })
        .execute();
      begun();
      await held;
      throw new Error('roll back');
    });
    await started;
    store.savePipelineRun(pipelineRun('held-1'));
    store.saveActivityRun(activityRun('held-1', 'held-a', 1));
    const flushed = store.flush();
    release();
    await assert.rejects(outer, /roll back/);
    await flushed;
    assert.equal((await store.getPipelineRun('held-1'))?.status, 'InProgress');
    assert.deepEqual(
      (await store.listActivityRuns('held-1')).map((a) => a.activityRunId),
      ['held-a'],
    );
    const rolledBack = await database.db
      .selectFrom('adf_run_secure_parameters')
      .select('run_id')
      .where('run_id', '=', 'outer')
      .execute();
    assert.equal(rolledBack.length, 0);
  });

  test('a flush is one transaction: when a row cannot be written, none of that flush lands', async () => {
    const failing = new RunsStore({ database });
    failing.savePipelineRun(pipelineRun('atomic-1'));
    failing.saveActivityRun(activityRun('atomic-1', 'atomic-ok', 1));
    // activity_name is NOT NULL: the last row of the flush fails
    failing.saveActivityRun(activityRun('atomic-1', 'atomic-bad', 2, { activityName: null as unknown as string }));
    await assert.rejects(failing.flush());
    assert.equal(failing.pending, 3, 'the rows stay buffered');
    const landed = await database.db
      .selectFrom('adf_activity_runs')
      .select('activity_run_id')
      .where('pipeline_run_id', '=', 'atomic-1')
      .execute();
    assert.equal(landed.length, 0);
    assert.equal(
      (await database.db.selectFrom('adf_pipeline_runs').select('run_id').where('run_id', '=', 'atomic-1').execute())
        .length,
      0,
    );
    // the connection is usable afterwards (no transaction left open)
    store.saveActivityRun(activityRun('atomic-2', 'atomic-next', 1));
    assert.equal(await store.countActivityRuns('atomic-2'), 1);
  });
});

forEachAdapter('runs store on a closed database', (target) => {
  test('a flush that cannot write rejects instead of retrying forever, and keeps the records buffered', async () => {
    const database = await target().open();
    const store = await RunsStore.open({ database });
    await database.close();
    store.saveActivityRun(activityRun('closed-run', 'closed-act', 1));
    // Before the fix this never settled: each failed write put its rows back and the loop wrote again at once.
    await assert.rejects(store.flush());
    assert.equal(store.pending, 1);
  });
});
