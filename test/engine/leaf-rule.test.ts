import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { act, dep, expr, failing, openEnv, pipeline, runPipeline, succeed, type TestEnv } from './helpers.js';

/** The patterns of ADF's "pipeline failure and error handling" page (specs/adf-runtime.md §2.2). */
describe('final status by the leaf rule', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('a failing leaf fails the pipeline and the message names it', async () => {
    const r = await runPipeline(env, [pipeline('plain', [succeed('A'), failing('B', dep('A'))])]);
    assert.equal(r.run.status, 'Failed');
    assert.equal(r.run.message, 'Operation on target B failed: B failed on purpose');
  });

  test('try-catch: a failure handled by an Upon Failure step that succeeds yields Succeeded', async () => {
    const r = await runPipeline(env, [pipeline('try-catch', [failing('Try'), succeed('Catch', dep('Try', 'Failed'))])]);
    assert.equal(r.statusOf('Try'), 'Failed');
    assert.equal(r.run.status, 'Succeeded');
    assert.equal(r.run.message, '');
  });

  test('do-if-else: Upon Success and Upon Failure successors of a failure yield Failed', async () => {
    const r = await runPipeline(env, [
      pipeline('do-if-else', [
        failing('Do'),
        succeed('IfOk', dep('Do', 'Succeeded')),
        succeed('Else', dep('Do', 'Failed')),
      ]),
    ]);
    assert.equal(r.statusOf('Else'), 'Succeeded');
    assert.equal(r.run.status, 'Failed');
    assert.match(r.run.message, /^Operation on target Do failed/);
  });

  test('do-if-skip-else: a dummy Upon Skip step after the success branch yields Succeeded', async () => {
    const r = await runPipeline(env, [
      pipeline('do-if-skip-else', [
        failing('Do'),
        succeed('IfOk', dep('Do', 'Succeeded')),
        succeed('Skip', dep('IfOk', 'Skipped')),
        succeed('Else', dep('Do', 'Failed')),
      ]),
    ]);
    assert.equal(r.run.status, 'Succeeded');
  });

  test('try-catch-proceed: handler on failure plus the next step on completion yields Succeeded', async () => {
    const r = await runPipeline(env, [
      pipeline('try-catch-proceed', [
        failing('Try'),
        succeed('Catch', dep('Try', 'Failed')),
        succeed('Proceed', dep('Try', 'Completed')),
      ]),
    ]);
    assert.equal(r.statusOf('Proceed'), 'Succeeded');
    assert.equal(r.run.status, 'Succeeded');
  });

  test('Upon Completion plus Upon Success successors of a failure yield Failed', async () => {
    const r = await runPipeline(env, [
      pipeline('completion-success', [
        failing('A'),
        succeed('C', dep('A', 'Completed')),
        succeed('S', dep('A', 'Succeeded')),
      ]),
    ]);
    assert.equal(r.run.status, 'Failed');
  });

  test('generic error handling: one handler on [Failed, Skipped] of the last step catches a failure anywhere', async () => {
    const steps = (failAt: string) => [
      failAt === 'S1' ? failing('S1') : succeed('S1'),
      failAt === 'S2' ? failing('S2', dep('S1')) : succeed('S2', dep('S1')),
      succeed('S3', dep('S2')),
      succeed('Handler', dep('S3', 'Failed', 'Skipped')),
    ];
    for (const at of ['S1', 'S2']) {
      const r = await runPipeline(env, [pipeline(`generic-${at}`, steps(at))]);
      assert.equal(r.statusOf('Handler'), 'Succeeded', `handler runs when ${at} fails`);
      assert.equal(r.run.status, 'Succeeded');
    }
    const ok = await runPipeline(env, [pipeline('generic-none', steps('none'))]);
    assert.equal(ok.statusOf('Handler'), undefined);
    assert.equal(ok.run.status, 'Succeeded');
  });

  test('Skipped recovery: a skipped leaf is replaced by its parent, which decides the status', async () => {
    const ok = await runPipeline(env, [pipeline('skip-ok', [succeed('A'), succeed('OnFail', dep('A', 'Failed'))])]);
    assert.equal(ok.run.status, 'Succeeded');
    const bad = await runPipeline(env, [pipeline('skip-bad', [failing('A'), succeed('Next', dep('A'))])]);
    assert.equal(bad.run.status, 'Failed', 'the skipped leaf Next makes its failed parent A count');
  });

  test('the leaf rule applies inside a ForEach iteration: a handled inner failure leaves the ForEach Succeeded', async () => {
    const r = await runPipeline(env, [
      pipeline('foreach-try-catch', [
        act('Loop', 'ForEach', {
          items: expr('@createArray(1, 2)'),
          activities: [failing('Inner'), succeed('Handle', dep('Inner', 'Failed'))],
        }),
      ]),
    ]);
    assert.equal(r.statusOf('Loop'), 'Succeeded');
    assert.equal(r.run.status, 'Succeeded');
  });

  test('the leaf rule applies inside an If branch: do-if-else inside fails the If and the pipeline names it', async () => {
    const r = await runPipeline(env, [
      pipeline('if-do-if-else', [
        act('If', 'IfCondition', {
          expression: expr('@true'),
          ifTrueActivities: [failing('Do'), succeed('Ok', dep('Do')), succeed('Else', dep('Do', 'Failed'))],
        }),
      ]),
    ]);
    assert.equal(r.statusOf('If'), 'Failed');
    assert.equal(r.byName.get('If')!.error!.errorCode, 'ActionFailed');
    assert.match(r.byName.get('If')!.error!.message, /Inner activity name: Do, Error: Do failed on purpose/);
    assert.equal(r.run.status, 'Failed');
    assert.match(r.run.message, /^Operation on target If failed: Activity failed because an inner activity failed/);
  });

  test('nested containers: Switch inside ForEach fails the ForEach when a case fails unhandled', async () => {
    const r = await runPipeline(env, [
      pipeline('nested', [
        act('Loop', 'ForEach', {
          items: expr("@createArray('a', 'b')"),
          isSequential: 'true',
          activities: [
            act('Sw', 'Switch', {
              on: expr('@item()'),
              cases: [{ value: 'b', activities: [failing('FailB')] }],
              defaultActivities: [succeed('Default')],
            }),
          ],
        }),
      ]),
    ]);
    assert.equal(r.statusOf('Loop'), 'Failed');
    const switches = r.activityRuns.filter((a) => a.activityName === 'Sw');
    assert.deepEqual(
      switches.map((s) => s.status),
      ['Succeeded', 'Failed'],
    );
    assert.equal(r.run.status, 'Failed');
  });
});

describe('Inactive activities', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  const inactive = (name: string, markAs?: string) => ({
    ...failing(name),
    state: 'Inactive' as const,
    ...(markAs ? { onInactiveMarkAs: markAs as 'Failed' } : {}),
  });

  test('an Inactive activity is not executed, is recorded as Inactive and branches as Succeeded by default', async () => {
    const r = await runPipeline(env, [pipeline('inactive-default', [inactive('Off'), succeed('Next', dep('Off'))])]);
    const off = r.byName.get('Off')!;
    assert.equal(off.status, 'Inactive');
    assert.equal(off.output, null);
    assert.equal(off.error, null);
    assert.equal(r.statusOf('Next'), 'Succeeded');
    assert.equal(r.run.status, 'Succeeded');
  });

  test('onInactiveMarkAs Failed fires failure edges and fails the run as a leaf would', async () => {
    const r = await runPipeline(env, [
      pipeline('inactive-failed', [
        inactive('Off', 'Failed'),
        succeed('OnOk', dep('Off')),
        succeed('OnFail', dep('Off', 'Failed')),
      ]),
    ]);
    assert.equal(r.statusOf('OnOk'), undefined);
    assert.equal(r.statusOf('OnFail'), 'Succeeded');
    assert.equal(r.run.status, 'Failed');
  });

  test('onInactiveMarkAs Skipped fires only Skipped edges', async () => {
    const r = await runPipeline(env, [
      pipeline('inactive-skipped', [
        inactive('Off', 'Skipped'),
        succeed('OnOk', dep('Off')),
        succeed('OnSkip', dep('Off', 'Skipped')),
      ]),
    ]);
    assert.equal(r.statusOf('OnOk'), undefined);
    assert.equal(r.statusOf('OnSkip'), 'Succeeded');
    assert.equal(r.run.status, 'Succeeded');
  });

  test('downstream references to an Inactive activity output fail (it has no output)', async () => {
    const r = await runPipeline(env, [
      pipeline(
        'inactive-output',
        [
          { ...act('Off', 'SetVariable', { variableName: 'v', value: 'x' }), state: 'Inactive' },
          act('Use', 'SetVariable', { variableName: 'v', value: expr("@activity('Off').output.value") }, dep('Off')),
        ],
        { variables: { v: { type: 'String' } } },
      ),
    ]);
    assert.equal(r.statusOf('Use'), 'Failed');
    assert.equal(r.byName.get('Use')!.error!.errorCode, 'InvalidTemplate');
  });
});
