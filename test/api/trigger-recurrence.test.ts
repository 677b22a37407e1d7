import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextOccurrence, parseRecurrence, type Recurrence } from '../../src/adf/api/triggers/recurrence.js';

/** A ScheduleTrigger's recurrence: the instants it fires at, in its time zone, never before start nor after end. */

const rec = (v: Record<string, unknown>): Recurrence => {
  const r = parseRecurrence(v, 'recurrence');
  if (typeof r === 'string') throw new Error(r);
  return r;
};
const at = (iso: string) => Date.parse(iso);
const next = (r: Recurrence, after: string) => {
  const t = nextOccurrence(r, at(after));
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe('ScheduleTrigger recurrence', () => {
  test('Minute and Hour: every interval from startTime; the start itself is the first instant; no catching up', () => {
    const m = rec({ frequency: 'Minute', interval: 15, startTime: '2026-01-01T00:05:00Z' });
    assert.equal(next(m, '2025-12-31T00:00:00Z'), '2026-01-01T00:05:00.000Z');
    assert.equal(next(m, '2026-01-01T00:05:00Z'), '2026-01-01T00:20:00.000Z');
    assert.equal(next(m, '2026-03-04T10:21:00Z'), '2026-03-04T10:35:00.000Z');
    const h = rec({
      frequency: 'Hour',
      interval: 2,
      startTime: '2026-01-01T00:00:00Z',
      schedule: { minutes: [10, 40] },
    });
    assert.equal(next(h, '2026-01-01T00:00:00Z'), '2026-01-01T00:10:00.000Z');
    assert.equal(next(h, '2026-01-01T00:10:00Z'), '2026-01-01T00:40:00.000Z');
    assert.equal(next(h, '2026-01-01T00:40:00Z'), '2026-01-01T02:10:00.000Z', 'odd hours are skipped');
  });

  test('Day with hours and minutes, Week with weekDays, Month with monthDays (-1 = the last day)', () => {
    const d = rec({
      frequency: 'Day',
      interval: 1,
      startTime: '2020-06-01T23:20:00.000Z',
      schedule: { minutes: [45], hours: [1] },
    });
    assert.equal(next(d, '2026-05-10T12:00:00Z'), '2026-05-11T01:45:00.000Z');
    const w = rec({
      frequency: 'Week',
      interval: 1,
      startTime: '2026-01-05T00:00:00Z',
      schedule: { weekDays: ['Monday', 'Friday'], hours: [6], minutes: [0] },
    });
    // 2026-01-05 is a Monday
    assert.equal(next(w, '2026-01-05T07:00:00Z'), '2026-01-09T06:00:00.000Z');
    assert.equal(next(w, '2026-01-09T06:00:00Z'), '2026-01-12T06:00:00.000Z');
    const mo = rec({
      frequency: 'Month',
      interval: 1,
      startTime: '2026-01-01T00:00:00Z',
      schedule: { monthDays: [-1], hours: [23], minutes: [0] },
    });
    assert.equal(next(mo, '2026-02-02T00:00:00Z'), '2026-02-28T23:00:00.000Z');
  });

  test('a Windows time zone: wall-clock instants across a daylight-saving change; endTime ends it', () => {
    const r = rec({
      frequency: 'Day',
      interval: 1,
      startTime: '2026-03-27T08:00:00',
      timeZone: 'W. Europe Standard Time',
      endTime: '2026-03-30T08:00:00',
    });
    assert.equal(next(r, '2026-03-27T00:00:00Z'), '2026-03-27T07:00:00.000Z', '08:00 CET');
    assert.equal(next(r, '2026-03-28T12:00:00Z'), '2026-03-29T06:00:00.000Z', '08:00 CEST');
    assert.equal(next(r, '2026-03-30T06:00:00Z'), undefined, 'after endTime');
  });

  test('unusable recurrences say what and where', () => {
    const why = (v: Record<string, unknown>) => parseRecurrence(v, 'typeProperties.recurrence');
    assert.match(String(why({ frequency: 'Year', startTime: '2026-01-01T00:00:00Z' })), /frequency must be one of/);
    assert.match(String(why({ frequency: 'Day', interval: 0, startTime: '2026-01-01T00:00:00Z' })), /interval/);
    assert.match(String(why({ frequency: 'Day' })), /startTime must be an ISO 8601 date-time/);
    assert.match(
      String(why({ frequency: 'Day', startTime: '2026-01-01T00:00:00Z', timeZone: 'Mars Standard Time' })),
      /timeZone 'Mars Standard Time' is not a known time zone/,
    );
    assert.match(
      String(why({ frequency: 'Week', startTime: '2026-01-01T00:00:00Z', schedule: { weekDays: ['Funday'] } })),
      /'Funday' is not a day name/,
    );
    assert.match(
      String(why({ frequency: 'Day', startTime: '2026-01-02T00:00:00Z', endTime: '2026-01-01T00:00:00Z' })),
      /endTime must be after startTime/,
    );
  });
});
