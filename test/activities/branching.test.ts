import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { act, expr, openEnv, pipeline, runPipeline, succeed, type TestEnv } from '../engine/helpers.js';

describe('IfCondition and Switch', () => {
  let env: TestEnv;
  before(async () => (env = await openEnv()));
  after(() => env.close());

  test('IfCondition runs the branch its expression selects; a missing branch does nothing', async () => {
    const r = await runPipeline(
      env,
      [
        pipeline(
          'if',
          [
            act('If', 'IfCondition', {
              expression: expr("@equals(pipeline().parameters.p, 'yes')"),
              ifTrueActivities: [succeed('T')],
              ifFalseActivities: [succeed('F')],
            }),
            act('If2', 'IfCondition', { expression: expr('@false'), ifTrueActivities: [succeed('T2')] }),
          ],
          { parameters: { p: { type: 'string' } } },
        ),
      ],
      undefined,
      { p: 'yes' },
    );
    assert.equal(r.statusOf('T'), 'Succeeded');
    assert.equal(r.statusOf('F'), undefined);
    assert.equal(r.statusOf('If2'), 'Succeeded');
    assert.equal(r.byName.get('T')!.parentActivityRunId, r.byName.get('If')!.activityRunId);
  });

  test('IfCondition with a non-boolean expression fails naming the property', async () => {
    const r = await runPipeline(env, [pipeline('if-bad', [act('If', 'IfCondition', { expression: expr("@'yes'") })])]);
    assert.match(r.byName.get('If')!.error!.message, /expression must evaluate to a boolean, got "yes"/);
  });

  test('Switch runs the matching case, else the default (integers compare as strings)', async () => {
    const sw = (on: string) =>
      act('Sw', 'Switch', {
        on: expr(on),
        cases: [
          { value: 'a', activities: [succeed('CaseA')] },
          { value: '2', activities: [succeed('Case2')] },
        ],
        defaultActivities: [succeed('Default')],
      });
    assert.equal((await runPipeline(env, [pipeline('sw-a', [sw("@'a'")])])).statusOf('CaseA'), 'Succeeded');
    assert.equal((await runPipeline(env, [pipeline('sw-2', [sw('@add(1, 1)')])])).statusOf('Case2'), 'Succeeded');
    const d = await runPipeline(env, [pipeline('sw-d', [sw("@'A'")])]);
    assert.equal(d.statusOf('Default'), 'Succeeded', 'matching is case-sensitive');
  });
});
