import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock.js';
import { baseCtx, ev, fails, table, val } from './helpers.js';

describe('date arithmetic (spec §5.6)', () => {
  it('addDays/addHours/addMinutes/addSeconds keep kind and 7-digit fractions', () => {
    table([
      ["@addDays('2018-03-15T13:00:00Z', 10)", '"2018-03-25T13:00:00.0000000Z"'],
      ["@addDays('2018-03-15T00:00:00Z', -5)", '"2018-03-10T00:00:00.0000000Z"'],
      ["@addHours('2018-03-15T00:00:00Z', 10)", '"2018-03-15T10:00:00.0000000Z"'],
      ["@addHours('2018-03-15T15:00:00Z', -5)", '"2018-03-15T10:00:00.0000000Z"'],
      ["@addMinutes('2018-03-15T00:10:00Z', 10)", '"2018-03-15T00:20:00.0000000Z"'],
      ["@addMinutes('2018-03-15T00:20:00Z', -5)", '"2018-03-15T00:15:00.0000000Z"'],
      ["@addSeconds('2018-03-15T00:00:00Z', 10)", '"2018-03-15T00:00:10.0000000Z"'],
      ["@addSeconds('2018-03-15T00:00:00Z', -5)", '"2018-03-14T23:59:55.0000000Z"'],
      ["@addSeconds('2023-11-24T12:11:54.753132Z', 1)", '"2023-11-24T12:11:55.7531320Z"'],
      ["@addSeconds('2023-11-24T12:11:54.1234567', 1)", '"2023-11-24T12:11:55.1234567"'],
      ["@addDays('2018-03-15T13:00:00Z', 1, 'yyyy-MM-dd')", '"2018-03-16"'],
      ["@addHours('2018-03-15T00:00:00Z', 1.5)", '"2018-03-15T01:30:00.0000000Z"'],
    ]);
  });

  it('addToTime/subtractFromTime take units and clamp months to the month end', () => {
    table([
      ["@addToTime('2018-01-02T00:00:00Z', 1, 'Day')", '"2018-01-03T00:00:00.0000000Z"'],
      ["@addToTime('2018-01-02T00:00:00Z', 1, 'Day', 'D')", '"Wednesday, January 3, 2018"'],
      ["@addToTime('2024-01-31T00:00:00Z', 1, 'Month')", '"2024-02-29T00:00:00.0000000Z"'],
      ["@addToTime('2023-01-31T10:00:00Z', 1, 'Month')", '"2023-02-28T10:00:00.0000000Z"'],
      ["@addToTime('2024-02-29T00:00:00Z', 1, 'Year')", '"2025-02-28T00:00:00.0000000Z"'],
      ["@addToTime('2024-01-31T00:00:00Z', 13, 'month')", '"2025-02-28T00:00:00.0000000Z"'],
      ["@addToTime('2024-01-01T00:00:00Z', 2, 'Week')", '"2024-01-15T00:00:00.0000000Z"'],
      ["@addToTime('2024-01-01T00:00:00Z', 90, 'Second')", '"2024-01-01T00:01:30.0000000Z"'],
      ["@addToTime('2024-01-01T00:00:00Z', 3, 'Hour')", '"2024-01-01T03:00:00.0000000Z"'],
      ["@addToTime('2024-01-01T00:00:00Z', 3, 'Minute')", '"2024-01-01T00:03:00.0000000Z"'],
      ["@subtractFromTime('2018-01-02T00:00:00Z', 1, 'Day')", '"2018-01-01T00:00:00.0000000Z"'],
      ["@subtractFromTime('2018-01-02T00:00:00Z', 1, 'Day', 'D')", '"Monday, January 1, 2018"'],
      ["@subtractFromTime('2024-03-31T00:00:00Z', 1, 'Month')", '"2024-02-29T00:00:00.0000000Z"'],
      ["@subtractFromTime('2024-01-15T00:00:00Z', 1, 'Year')", '"2023-01-15T00:00:00.0000000Z"'],
    ]);
    fails("@addToTime('2024-01-01T00:00:00Z', 1, 'Fortnight')", /unknown|time unit 'Fortnight'/);
    fails("@addToTime('9999-12-31T00:00:00Z', 1, 'Day')", /outside the range/);
    fails("@addToTime('not a date', 1, 'Day')", /expects its first parameter to be a timestamp/);
  });

  it('getFutureTime/getPastTime/utcNow read the injected clock', () => {
    const ctx = { ...baseCtx, now: '2018-03-01T00:00:00.0000000Z' };
    table(
      [
        ["@getFutureTime(5, 'Day')", '"2018-03-06T00:00:00.0000000Z"'],
        ["@getFutureTime(5, 'Day', 'D')", '"Tuesday, March 6, 2018"'],
        ["@getPastTime(5, 'Day')", '"2018-02-24T00:00:00.0000000Z"'],
        ["@getPastTime(-1, 'Month')", '"2018-04-01T00:00:00.0000000Z"'],
        ['@utcNow()', '"2018-03-01T00:00:00.0000000Z"'],
        ["@utcNow('D')", '"Thursday, March 1, 2018"'],
      ],
      ctx,
    );
    const clock = new ManualClock('2024-02-29T23:59:59.123Z');
    assert.equal(ev('@utcNow()', { clock }), '"2024-02-29T23:59:59.1230000Z"');
    clock.advance(1000);
    assert.equal(ev("@utcNow('yyyy-MM-dd')", { clock }), '"2024-03-01"');
    assert.equal(ev('@utcNow()', { now: '2024-05-01T10:00:00.1234567Z' }), '"2024-05-01T10:00:00.1234567Z"');
    fails('@utcNow()', /'now' must be an ISO timestamp/, { now: 'yesterday' });
  });

  it('startOfDay/Hour/Month truncate and keep the kind', () => {
    table([
      ["@startOfDay('2018-03-15T13:30:30Z')", '"2018-03-15T00:00:00.0000000Z"'],
      ["@startOfHour('2018-03-15T13:30:30Z')", '"2018-03-15T13:00:00.0000000Z"'],
      ["@startOfMonth('2018-03-15T13:30:30Z')", '"2018-03-01T00:00:00.0000000Z"'],
      ["@startOfDay('2018-03-15T13:30:30.1234567')", '"2018-03-15T00:00:00.0000000"'],
      ["@startOfMonth('2018-03-15T13:30:30Z', 'yyyy-MM-dd')", '"2018-03-01"'],
    ]);
  });

  it('dayOfMonth/dayOfWeek (Sunday = 0)/dayOfYear', () => {
    table([
      ["@dayOfMonth('2018-03-15T13:27:36Z')", '15'],
      ["@dayOfWeek('2018-03-15T13:27:36Z')", '4'],
      ["@dayOfWeek('2024-06-02T00:00:00Z')", '0'],
      ["@dayOfWeek('2024-06-08T00:00:00Z')", '6'],
      ["@dayOfYear('2018-03-15T13:27:36Z')", '74'],
      ["@dayOfYear('2024-12-31T00:00:00Z')", '366'],
    ]);
  });

  it('ticks counts 100 ns since 0001-01-01 as a 64-bit integer', () => {
    table([
      ["@ticks('2023-11-24T12:11:54.753132')", '638364247147531320'],
      ["@ticks('2018-03-15T13:00:00Z')", '636567156000000000'],
      ["@ticks('0001-01-01T00:00:00Z')", '0'],
      ["@ticks('2023-11-24T12:11:54.1234567Z')", '638364247141234567'],
    ]);
    assert.equal(typeof val("@ticks('2023-11-24T12:11:54.753132')"), 'bigint');
  });
});

describe('timestamps in and out (spec §5.6)', () => {
  it('parses ISO, date-only, US and named-month forms; unspecified kind prints no Z', () => {
    table([
      ["@formatDateTime('2023-11-24T12:11:49')", '"2023-11-24T12:11:49.0000000"'],
      ["@formatDateTime('2023-11-24T12:11:49Z')", '"2023-11-24T12:11:49.0000000Z"'],
      ["@formatDateTime('2023-11-24')", '"2023-11-24T00:00:00.0000000"'],
      ["@formatDateTime('2023-11-24 08:05')", '"2023-11-24T08:05:00.0000000"'],
      ["@formatDateTime('03/15/2018')", '"2018-03-15T00:00:00.0000000"'],
      ["@formatDateTime('03/15/2018 12:00:00', 'yyyy-MM-ddTHH:mm:ss')", '"2018-03-15T12:00:00"'],
      ["@formatDateTime('3/5/2018 1:02:03 PM')", '"2018-03-05T13:02:03.0000000"'],
      ["@formatDateTime('15 March 2018')", '"2018-03-15T00:00:00.0000000"'],
      ["@formatDateTime('Thu, 15 Mar 2018 13:00:00 GMT')", '"2018-03-15T13:00:00.0000000Z"'],
      ["@formatDateTime('2018-03-15T13:00:00.123456789Z')", '"2018-03-15T13:00:00.1234567Z"'],
      ["@formatDateTime('2018-03-15T13:00:00+02:00')", '"2018-03-15T11:00:00.0000000+00:00"'],
    ]);
    for (const bad of ['2018-02-30T00:00:00Z', '2018-13-01', 'tomorrow', '', '2018-03-15T25:00:00Z']) {
      fails(`@formatDateTime('${bad}')`, /expects its first parameter to be a timestamp/);
    }
    fails('@formatDateTime(12)', /timestamp string/);
  });

  it('formats with .NET standard formats (en-US)', () => {
    const ts = "'2018-01-01T09:05:03.1234567Z'";
    table([
      [`@formatDateTime(${ts}, 'o')`, '"2018-01-01T09:05:03.1234567Z"'],
      [`@formatDateTime(${ts}, 'd')`, '"1/1/2018"'],
      [`@formatDateTime(${ts}, 'D')`, '"Monday, January 1, 2018"'],
      [`@formatDateTime(${ts}, 'f')`, '"Monday, January 1, 2018 9:05 AM"'],
      [`@formatDateTime(${ts}, 'F')`, '"Monday, January 1, 2018 9:05:03 AM"'],
      [`@formatDateTime(${ts}, 'g')`, '"1/1/2018 9:05 AM"'],
      [`@formatDateTime(${ts}, 'G')`, '"1/1/2018 9:05:03 AM"'],
      [`@formatDateTime(${ts}, 'M')`, '"January 1"'],
      [`@formatDateTime(${ts}, 'r')`, '"Mon, 01 Jan 2018 09:05:03 GMT"'],
      [`@formatDateTime(${ts}, 's')`, '"2018-01-01T09:05:03"'],
      [`@formatDateTime(${ts}, 't')`, '"9:05 AM"'],
      [`@formatDateTime(${ts}, 'T')`, '"9:05:03 AM"'],
      [`@formatDateTime(${ts}, 'u')`, '"2018-01-01 09:05:03Z"'],
      [`@formatDateTime(${ts}, 'y')`, '"January 2018"'],
    ]);
    fails(`@formatDateTime(${ts}, 'q')`, /not a valid .NET standard format/);
  });

  it('formats with .NET custom patterns', () => {
    const ts = "'2018-07-04T15:05:03.1200000Z'";
    table([
      [`@formatDateTime(${ts}, 'yyyy-MM-dd HH:mm:ss')`, '"2018-07-04 15:05:03"'],
      [`@formatDateTime(${ts}, 'yyyy-dd-MM')`, '"2018-04-07"'],
      [`@formatDateTime(${ts}, 'yyyyMMddHHmmss')`, '"20180704150503"'],
      [`@formatDateTime(${ts}, 'yy M d H m s')`, '"18 7 4 15 5 3"'],
      [`@formatDateTime(${ts}, 'hh:mm tt')`, '"03:05 PM"'],
      [`@formatDateTime(${ts}, 'h t')`, '"3 P"'],
      [`@formatDateTime(${ts}, 'dddd ddd MMMM MMM')`, '"Wednesday Wed July Jul"'],
      [`@formatDateTime(${ts}, 'fff|ff|f|fffffff')`, '"120|12|1|1200000"'],
      [`@formatDateTime(${ts}, 'ss.FFF|ss.FFFFFFF')`, '"03.12|03.12"'],
      [`@formatDateTime('2018-07-04T15:05:03Z', 'ss.FFF')`, '"03"'],
      [`@formatDateTime(${ts}, 'K|zzz|zz|z')`, '"Z|+00:00|+00|+0"'],
      [`@formatDateTime('2018-07-04T15:05:03', 'HH:mm K')`, '"15:05 "'],
      [`@formatDateTime(${ts}, '''Year'' yyyy \\d')`, '"Year 2018 d"'],
      [`@formatDateTime(${ts}, '"at" HH')`, '"at 15"'],
      [`@formatDateTime(${ts}, '%d')`, '"4"'],
      [`@formatDateTime(${ts}, 'yyyy/MM/dd')`, '"2018/07/04"'],
      [`@formatDateTime(${ts}, 'yyyyMMddTHHmmssZ')`, '"20180704T150503Z"'],
      [`@formatDateTime(${ts}, 'gg yyyyy')`, '"A.D. 02018"'],
    ]);
    fails(`@formatDateTime(${ts}, 'ffffffff')`, /more than 7/);
    fails(`@formatDateTime(${ts}, '''abc')`, /unclosed quote/);
  });
});

describe('time zones (Windows ids, DST applied)', () => {
  it('convertFromUtc gives an unspecified-kind time (no Z)', () => {
    table([
      ["@convertFromUtc('2018-01-01T08:00:00.0000000Z', 'Pacific Standard Time')", '"2018-01-01T00:00:00.0000000"'],
      ["@convertFromUtc('2018-01-01T08:00:00.0000000Z', 'Pacific Standard Time', 'D')", '"Monday, January 1, 2018"'],
      ["@convertFromUtc('2018-07-01T08:00:00Z', 'Pacific Standard Time')", '"2018-07-01T01:00:00.0000000"'],
      ["@convertFromUtc('2018-07-01T08:00:00Z', 'W. Europe Standard Time')", '"2018-07-01T10:00:00.0000000"'],
      ["@convertFromUtc('2018-01-01T08:00:00Z', 'W. Europe Standard Time')", '"2018-01-01T09:00:00.0000000"'],
      ["@convertFromUtc('2018-01-01T08:00:00Z', 'India Standard Time')", '"2018-01-01T13:30:00.0000000"'],
      ["@convertFromUtc('2018-01-01T08:00:00Z', 'SA Western Standard Time')", '"2018-01-01T04:00:00.0000000"'],
      ["@convertFromUtc('2018-07-01T08:00:00Z', 'GMT Standard Time')", '"2018-07-01T09:00:00.0000000"'],
      ["@convertFromUtc('2018-07-01T08:00:00.1234567Z', 'UTC')", '"2018-07-01T08:00:00.1234567Z"'],
      ["@convertFromUtc('2018-01-01T08:00:00Z', 'pacific standard time')", '"2018-01-01T00:00:00.0000000"'],
    ]);
    fails("@convertFromUtc('2018-01-01T08:00:00Z', 'Mars Standard Time')", /unknown time zone 'Mars Standard Time'/);
  });

  it('convertToUtc and convertTimeZone', () => {
    table([
      ["@convertToUtc('01/01/2018 00:00:00', 'Pacific Standard Time')", '"2018-01-01T08:00:00.0000000Z"'],
      ["@convertToUtc('2018-07-01T01:00:00', 'Pacific Standard Time')", '"2018-07-01T08:00:00.0000000Z"'],
      ["@convertToUtc('2018-07-01T10:00:00.5', 'W. Europe Standard Time', 'HH:mm:ss.fff')", '"08:00:00.500"'],
      [
        "@convertTimeZone('2018-01-01T08:00:00.0000000Z', 'UTC', 'Pacific Standard Time')",
        '"2018-01-01T00:00:00.0000000"',
      ],
      [
        "@convertTimeZone('2018-01-01T00:00:00', 'Pacific Standard Time', 'W. Europe Standard Time')",
        '"2018-01-01T09:00:00.0000000"',
      ],
      ["@convertTimeZone('2018-01-01T00:00:00', 'Pacific Standard Time', 'UTC')", '"2018-01-01T08:00:00.0000000Z"'],
      ["@convertTimeZone('2018-01-01T08:00:00Z', 'UTC', 'Pacific Standard Time', 'D')", '"Monday, January 1, 2018"'],
    ]);
  });
});
