import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextOccurrence, parseRecurrence, type Recurrence } from '../../src/adf/api/triggers/recurrence.js';
import { API, factoryPath, startApi, window } from './helpers.js';

/**
 * A ScheduleTrigger's `schedule.monthlyOccurrences` (ADF: frequency Month; `{day, occurrence}` = the
 * occurrence-th such weekday of the month, -1 the last, none = every one; several entries and monthDays add up),
 * at `hours`/`minutes` in the trigger's time zone. Calendar of 2026: Jan 1 is a Thursday.
 */

const rec = (v: Record<string, unknown>): Recurrence => {
  const r = parseRecurrence(v, 'typeProperties.recurrence');
  if (typeof r === 'string') throw new Error(r);
  return r;
};
const next = (r: Recurrence, after: string) => {
  const t = nextOccurrence(r, Date.parse(after));
  return t === undefined ? undefined : new Date(t).toISOString();
};
/** The first `n` instants from `after` on. */
const series = (r: Recurrence, after: string, n: number) => {
  const out: string[] = [];
  let t = after;
  for (let i = 0; i < n; i++) {
    const x = next(r, t);
    if (x === undefined) break;
    out.push(x);
    t = x;
  }
  return out;
};
const monthly = (schedule: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  rec({ frequency: 'Month', interval: 1, startTime: '2026-01-01T00:00:00Z', timeZone: 'UTC', schedule, ...extra });

describe('ScheduleTrigger schedule.monthlyOccurrences', () => {
  test('the first Monday at 09:00', () => {
    const r = monthly({ hours: [9], minutes: [0], monthlyOccurrences: [{ day: 'Monday', occurrence: 1 }] });
    assert.deepEqual(series(r, '2025-12-01T00:00:00Z', 3), [
      '2026-01-05T09:00:00.000Z',
      '2026-02-02T09:00:00.000Z',
      '2026-03-02T09:00:00.000Z',
    ]);
    assert.equal(next(r, '2026-01-05T09:00:00Z'), '2026-02-02T09:00:00.000Z', 'not again the same month');
  });

  test('the last Friday at 17:30; day names in any case', () => {
    const r = monthly({ hours: [17], minutes: [30], monthlyOccurrences: [{ day: 'FRIDAY', occurrence: -1 }] });
    assert.deepEqual(series(r, '2026-01-01T00:00:00Z', 3), [
      '2026-01-30T17:30:00.000Z',
      '2026-02-27T17:30:00.000Z',
      '2026-03-27T17:30:00.000Z',
    ]);
  });

  test('occurrence omitted: every Sunday of the month', () => {
    const r = monthly({ hours: [8], minutes: [0], monthlyOccurrences: [{ day: 'Sunday' }] });
    assert.deepEqual(series(r, '2026-01-01T00:00:00Z', 5), [
      '2026-01-04T08:00:00.000Z',
      '2026-01-11T08:00:00.000Z',
      '2026-01-18T08:00:00.000Z',
      '2026-01-25T08:00:00.000Z',
      '2026-02-01T08:00:00.000Z',
    ]);
  });

  test('the 5th Wednesday: months without one are skipped; -5 counts from the end', () => {
    const fifth = monthly({ hours: [6], minutes: [0], monthlyOccurrences: [{ day: 'Wednesday', occurrence: 5 }] });
    // Wednesdays: Jan 7-28, Feb 4-25, Mar 4-25 (four each), Apr 1-29 (five), May, Jun (four), Jul 1-29 (five)
    assert.deepEqual(series(fifth, '2026-01-01T00:00:00Z', 2), [
      '2026-04-29T06:00:00.000Z',
      '2026-07-29T06:00:00.000Z',
    ]);
    const fifthLast = monthly({ hours: [6], minutes: [0], monthlyOccurrences: [{ day: 'Wednesday', occurrence: -5 }] });
    assert.deepEqual(series(fifthLast, '2026-01-01T00:00:00Z', 2), [
      '2026-04-01T06:00:00.000Z',
      '2026-07-01T06:00:00.000Z',
    ]);
  });

  test('several entries, and monthDays beside them: the union, each day once, in order', () => {
    const r = monthly({
      hours: [5],
      minutes: [15],
      monthlyOccurrences: [
        { day: 'friday', occurrence: 1 },
        { day: 'friday', occurrence: -1 },
        { day: 'friday', occurrence: 1 },
      ],
    });
    assert.deepEqual(series(r, '2026-01-01T00:00:00Z', 4), [
      '2026-01-02T05:15:00.000Z',
      '2026-01-30T05:15:00.000Z',
      '2026-02-06T05:15:00.000Z',
      '2026-02-27T05:15:00.000Z',
    ]);
    const withDays = monthly({
      hours: [5],
      minutes: [15],
      monthDays: [15, 2],
      monthlyOccurrences: [{ day: 'Friday', occurrence: 1 }],
    });
    assert.deepEqual(series(withDays, '2026-01-01T00:00:00Z', 4), [
      '2026-01-02T05:15:00.000Z',
      '2026-01-15T05:15:00.000Z',
      '2026-02-02T05:15:00.000Z',
      '2026-02-06T05:15:00.000Z',
    ]);
  });

  test('without hours/minutes the time of day is startTime’s; several hours and minutes a day', () => {
    const r = rec({
      frequency: 'Month',
      startTime: '2026-01-01T13:45:00Z',
      schedule: { monthlyOccurrences: [{ day: 'Tuesday', occurrence: 2 }] },
    });
    assert.deepEqual(series(r, '2026-01-01T00:00:00Z', 2), ['2026-01-13T13:45:00.000Z', '2026-02-10T13:45:00.000Z']);
    const many = monthly({
      hours: [17, 5],
      minutes: [45, 15],
      monthlyOccurrences: [{ day: 'Wednesday', occurrence: 3 }],
    });
    assert.deepEqual(series(many, '2026-01-01T00:00:00Z', 5), [
      '2026-01-21T05:15:00.000Z',
      '2026-01-21T05:45:00.000Z',
      '2026-01-21T17:15:00.000Z',
      '2026-01-21T17:45:00.000Z',
      '2026-02-18T05:15:00.000Z',
    ]);
  });

  test('interval 2: every other month counted from startTime’s month; nothing before startTime', () => {
    const r = rec({
      frequency: 'Month',
      interval: 2,
      startTime: '2026-01-15T00:00:00Z',
      schedule: { hours: [9], minutes: [0], monthlyOccurrences: [{ day: 'Monday', occurrence: 1 }] },
    });
    // January's first Monday (the 5th) is before startTime; February is not in the recurrence
    assert.deepEqual(series(r, '2026-01-01T00:00:00Z', 3), [
      '2026-03-02T09:00:00.000Z',
      '2026-05-04T09:00:00.000Z',
      '2026-07-06T09:00:00.000Z',
    ]);
  });

  test('days and hours in the trigger’s time zone, across daylight-saving changes', () => {
    const eu = rec({
      frequency: 'Month',
      startTime: '2026-02-01T00:00:00',
      timeZone: 'W. Europe Standard Time',
      schedule: { hours: [9], minutes: [0], monthlyOccurrences: [{ day: 'Sunday', occurrence: -1 }] },
    });
    assert.equal(next(eu, '2026-02-01T00:00:00Z'), '2026-02-22T08:00:00.000Z', '09:00 CET');
    assert.equal(
      next(eu, '2026-02-22T08:00:00Z'),
      '2026-03-29T07:00:00.000Z',
      '09:00 CEST, the day summer time starts',
    );
    assert.equal(next(eu, '2026-09-30T00:00:00Z'), '2026-10-25T08:00:00.000Z', '09:00 CET, the day summer time ends');
    const pacific = rec({
      frequency: 'Month',
      startTime: '2026-01-01T00:00:00',
      timeZone: 'Pacific Standard Time',
      schedule: { hours: [23], minutes: [30], monthlyOccurrences: [{ day: 'Monday', occurrence: 1 }] },
    });
    // Monday 23:30 in Los Angeles is Tuesday in UTC: the weekday is the trigger's time zone's
    assert.equal(next(pacific, '2026-01-20T00:00:00Z'), '2026-02-03T07:30:00.000Z', 'Feb 2 23:30 PST');
    assert.equal(next(pacific, '2026-05-01T00:00:00Z'), '2026-05-05T06:30:00.000Z', 'May 4 23:30 PDT');
    const sunday = rec({
      frequency: 'Month',
      startTime: '2026-10-01T00:00:00',
      timeZone: 'Pacific Standard Time',
      schedule: { hours: [9], minutes: [0], monthlyOccurrences: [{ day: 'Sunday', occurrence: 1 }] },
    });
    assert.deepEqual(series(sunday, '2026-10-01T00:00:00Z', 2), [
      '2026-10-04T16:00:00.000Z',
      '2026-11-01T17:00:00.000Z', // the day US summer time ends
    ]);
  });

  test('endTime ends it', () => {
    const r = monthly(
      { hours: [17], minutes: [30], monthlyOccurrences: [{ day: 'Friday', occurrence: -1 }] },
      { endTime: '2026-03-27T17:00:00Z' },
    );
    assert.deepEqual(series(r, '2026-01-01T00:00:00Z', 5), ['2026-01-30T17:30:00.000Z', '2026-02-27T17:30:00.000Z']);
    assert.equal(next(r, '2026-02-27T17:30:00Z'), undefined);
  });

  test('unusable monthlyOccurrences say what and where', () => {
    const why = (schedule: unknown, frequency = 'Month') =>
      String(parseRecurrence({ frequency, startTime: '2026-01-01T00:00:00Z', schedule }, 'typeProperties.recurrence'));
    const at = 'typeProperties\\.recurrence\\.schedule\\.monthlyOccurrences';
    assert.match(why({ monthlyOccurrences: { day: 'Monday' } }), new RegExp(`${at} must be a list`));
    assert.match(why({ monthlyOccurrences: ['Monday'] }), new RegExp(`${at}\\[0\\] must be an object`));
    assert.match(
      why({ monthlyOccurrences: [{ day: 'Monday' }, { day: 'Funday', occurrence: 1 }] }),
      new RegExp(`${at}\\[1\\]\\.day: 'Funday' is not a day name`),
    );
    assert.match(why({ monthlyOccurrences: [{ occurrence: 1 }] }), new RegExp(`${at}\\[0\\]\\.day is required`));
    for (const occurrence of [0, 6, -6, 1.5, '1'])
      assert.match(
        why({ monthlyOccurrences: [{ day: 'Monday', occurrence }] }),
        new RegExp(`${at}\\[0\\]\\.occurrence must be a whole number from 1 to 5 or -1 to -5`),
        String(occurrence),
      );
    for (const frequency of ['Week', 'Day', 'Hour', 'Minute'])
      assert.match(
        why({ monthlyOccurrences: [{ day: 'Monday', occurrence: 1 }] }, frequency),
        new RegExp(`${at} needs typeProperties\\.recurrence\\.frequency Month \\(got '${frequency}'\\)`),
      );
    for (const occurrence of [1, 5, -1, -5, null, undefined])
      assert.equal(
        typeof parseRecurrence(
          {
            frequency: 'month',
            startTime: '2026-01-01T00:00:00Z',
            schedule: { monthlyOccurrences: [{ day: 'Monday', occurrence }] },
          },
          'r',
        ),
        'object',
      );
  });
});

describe('a started ScheduleTrigger with monthlyOccurrences', () => {
  test('fires on the chosen weekday at startTime’s time of day; an unusable entry is refused at start', async () => {
    const h = await startApi();
    const F = factoryPath('monthly-factory');
    await h.call('PUT', `${F}?${API}`, { body: { location: 'local' } });
    const pipeline = {
      properties: {
        parameters: { scheduled: { type: 'String' } },
        activities: [{ name: 'Nap', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
      },
    };
    assert.equal((await h.call('PUT', `${F}/pipelines/monthly?${API}`, { body: pipeline })).status, 200);
    const first = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    // every such weekday of the month (no occurrence): the weekday of the first instant, so it is today's
    const day = first.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
    const trigger = (monthlyOccurrences: unknown) => ({
      properties: {
        type: 'ScheduleTrigger',
        pipelines: [
          {
            pipelineReference: { referenceName: 'monthly', type: 'PipelineReference' },
            parameters: { scheduled: '@trigger().scheduledTime' },
          },
        ],
        typeProperties: {
          recurrence: {
            frequency: 'Month',
            interval: 1,
            startTime: first.toISOString(),
            timeZone: 'UTC',
            schedule: { monthlyOccurrences },
          },
        },
      },
    });
    const put = await h.call('PUT', `${F}/triggers/monthly?${API}`, { body: trigger([{ day }]) });
    assert.equal(put.status, 200, put.text);
    const start = await h.call('POST', `${F}/triggers/monthly/start?${API}`);
    assert.equal(start.status, 200, start.text);

    let runs: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; i < 200 && !runs.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const q = await h.call('POST', `${F}/queryPipelineRuns?${API}`, {
        body: { ...window(), filters: [{ operand: 'TriggerName', operator: 'Equals', values: ['monthly'] }] },
      });
      runs = q.json.value;
    }
    assert.equal(runs.length, 1, 'one run at the first instant');
    const run = await h.waitRun('monthly-factory', runs[0].runId);
    assert.equal(run.status, 'Succeeded', run.message);
    assert.equal(run.invokedBy.invokedByType, 'ScheduleTrigger');
    assert.equal(run.parameters.scheduled, first.toISOString());
    assert.equal((await h.call('POST', `${F}/triggers/monthly/stop?${API}`)).status, 200);

    const bad = await h.call('PUT', `${F}/triggers/bad?${API}`, { body: trigger([{ day, occurrence: 0 }]) });
    assert.equal(bad.status, 200, bad.text);
    const refused = await h.call('POST', `${F}/triggers/bad/start?${API}`);
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error.code, 'BadRequest');
    assert.match(
      refused.json.error.message,
      /typeProperties\.recurrence\.schedule\.monthlyOccurrences\[0\]\.occurrence must be a whole number/,
    );
    const state = await h.call('GET', `${F}/triggers/bad?${API}`);
    assert.equal(state.json.properties.runtimeState, 'Stopped');
    await h.server.close();
  });
});
