import { DateTime } from 'luxon';
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { systemClock } from '../../../common/clock.js';
import type { EvaluationContext } from '../context.js';
import { fail } from '../errors.js';
import { isNumeric, makeInt, toDouble } from '../values.js';
import { int, str, wrongType } from './args.js';
import { formatDate } from './dateformat.js';
import {
  checkRange,
  civilFromWall,
  daysFromCivil,
  daysInMonth,
  fromEpochMs,
  MS_PER_DAY,
  parseDateCached,
  parseDateArg,
  ticksOf,
  wallFromCivil,
  type DateValue,
} from './datetime.js';
import { fn, type FunctionDef } from './types.js';

function fmtArg(name: string, args: unknown[], i: number): string | undefined {
  if (args.length <= i) return undefined;
  const v = args[i];
  if (v === null) return undefined;
  if (typeof v !== 'string') wrongType(name, i, 'a format string', v);
  return v;
}

const UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: MS_PER_DAY,
  week: 7 * MS_PER_DAY,
};

/** Adds a (possibly fractional) count of a fixed-length unit; fractions round to the millisecond, as .NET does. */
function addMs(d: DateValue, count: number, unitMs: number, name: string): DateValue {
  const delta = Number.isInteger(count) ? count * unitMs : Math.round(count * unitMs);
  return checkRange({ wall: d.wall + delta, sub: d.sub, kind: d.kind }, name);
}

/** .NET AddMonths: the day clamps to the last day of the target month (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(d: DateValue, months: number, name: string): DateValue {
  const c = civilFromWall(d.wall);
  const total = c.year * 12 + (c.month - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  if (year < 1 || year > 9999)
    fail(`The template language function '${name}' produced a date outside the range 0001-01-01 to 9999-12-31.`);
  const day = Math.min(c.day, daysInMonth(year, month));
  return { wall: wallFromCivil({ ...c, year, month, day }), sub: d.sub, kind: d.kind };
}

function addUnit(d: DateValue, n: number, unitText: string, name: string): DateValue {
  const unit = unitText.toLowerCase().replace(/s$/, '');
  if (unit === 'month') return addMonths(d, n, name);
  if (unit === 'year') return addMonths(d, n * 12, name);
  const ms = UNIT_MS[unit];
  if (!ms) {
    fail(
      `The template language function '${name}' got the time unit '${unitText}'; use Second, Minute, Hour, Day, Week, Month or Year.`,
    );
  }
  return addMs(d, n, ms, name);
}

/** The current UTC time: ctx.clock, else ctx.now, else the system clock. */
export function now(ctx: EvaluationContext): DateValue {
  if (ctx.clock) return fromEpochMs(ctx.clock.now());
  if (ctx.now !== undefined) {
    const d = typeof ctx.now === 'string' ? parseDateCached(ctx.now) : null;
    if (!d) fail(`The context's 'now' must be an ISO timestamp; got '${String(ctx.now)}'.`);
    return { ...d, kind: 'utc' };
  }
  return fromEpochMs(systemClock.now());
}

const WINDOWS_ZONES = new Map<string, string>();
for (const entry of WINDOWS_TO_IANA_MAP) {
  const key = entry.windowsName.toLowerCase();
  if (entry.territory === '001' || !WINDOWS_ZONES.has(key)) WINDOWS_ZONES.set(key, entry.iana[0]);
}

/** A Windows time-zone id (what ADF takes) to IANA, via windows-iana's CLDR table; IANA ids are accepted too. */
export function zoneOf(name: string, id: string): string {
  const iana = WINDOWS_ZONES.get(id.toLowerCase());
  if (iana) return iana;
  if (id.includes('/') && DateTime.now().setZone(id).isValid) return id;
  fail(
    `The template language function '${name}' got the unknown time zone '${id}'; use a Windows time zone id such as 'Pacific Standard Time' or 'W. Europe Standard Time'.`,
  );
}

/** The wall-clock reading in `zone` of a UTC instant. */
function utcToZone(d: DateValue, zone: string): DateValue {
  const t = DateTime.fromMillis(d.wall, { zone });
  return { wall: d.wall + t.offset * 60_000, sub: d.sub, kind: 'unspecified' };
}

/** The UTC instant of a wall-clock reading in `zone`. */
function zoneToUtc(d: DateValue, zone: string): DateValue {
  const c = civilFromWall(d.wall);
  const t = DateTime.fromObject(
    { year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second, millisecond: c.ms },
    { zone },
  );
  return { wall: t.toMillis(), sub: d.sub, kind: 'utc' };
}

function isUtcZone(zone: string): boolean {
  return /^(Etc\/)?(UTC|UCT|GMT|Zulu|Universal)$/i.test(zone);
}

const out = (d: DateValue, name: string, fmt: string | undefined) => formatDate(checkRange(d, name), fmt);

function countArg(name: string, args: unknown[], i: number): number {
  const v = args[i];
  if (!isNumeric(v)) wrongType(name, i, 'an integer', v);
  return toDouble(v);
}

/** addDays/addHours/addMinutes/addSeconds(ts, n, fmt?): a fixed-length unit, n may be fractional or negative. */
function addFixed(name: string, unitMs: number): FunctionDef {
  return fn(name, 2, 3, (a) =>
    out(addMs(parseDateArg(name, a[0]), countArg(name, a, 1), unitMs, name), name, fmtArg(name, a, 2)),
  );
}

/** The 20 date functions (spec §5.6). */
export const dateFunctions: FunctionDef[] = [
  addFixed('addDays', MS_PER_DAY),
  addFixed('addHours', 3_600_000),
  addFixed('addMinutes', 60_000),
  addFixed('addSeconds', 1000),
  fn('addToTime', 3, 4, (a) =>
    out(
      addUnit(parseDateArg('addToTime', a[0]), int('addToTime', a, 1), str('addToTime', a, 2), 'addToTime'),
      'addToTime',
      fmtArg('addToTime', a, 3),
    ),
  ),
  fn('subtractFromTime', 3, 4, (a) =>
    out(
      addUnit(
        parseDateArg('subtractFromTime', a[0]),
        -int('subtractFromTime', a, 1),
        str('subtractFromTime', a, 2),
        'subtractFromTime',
      ),
      'subtractFromTime',
      fmtArg('subtractFromTime', a, 3),
    ),
  ),
  fn('getFutureTime', 2, 3, (a, ctx) =>
    out(
      addUnit(now(ctx), int('getFutureTime', a, 0), str('getFutureTime', a, 1), 'getFutureTime'),
      'getFutureTime',
      fmtArg('getFutureTime', a, 2),
    ),
  ),
  fn('getPastTime', 2, 3, (a, ctx) =>
    out(
      addUnit(now(ctx), -int('getPastTime', a, 0), str('getPastTime', a, 1), 'getPastTime'),
      'getPastTime',
      fmtArg('getPastTime', a, 2),
    ),
  ),
  fn('utcNow', 0, 1, (a, ctx) => formatDate(now(ctx), fmtArg('utcNow', a, 0))),
  fn('startOfDay', 1, 2, (a) => {
    const d = parseDateArg('startOfDay', a[0]);
    return out(
      { wall: Math.floor(d.wall / MS_PER_DAY) * MS_PER_DAY, sub: 0, kind: d.kind },
      'startOfDay',
      fmtArg('startOfDay', a, 1),
    );
  }),
  fn('startOfHour', 1, 2, (a) => {
    const d = parseDateArg('startOfHour', a[0]);
    return out(
      { wall: Math.floor(d.wall / 3_600_000) * 3_600_000, sub: 0, kind: d.kind },
      'startOfHour',
      fmtArg('startOfHour', a, 1),
    );
  }),
  fn('startOfMonth', 1, 2, (a) => {
    const d = parseDateArg('startOfMonth', a[0]);
    const c = civilFromWall(d.wall);
    return out(
      { wall: daysFromCivil(c.year, c.month, 1) * MS_PER_DAY, sub: 0, kind: d.kind },
      'startOfMonth',
      fmtArg('startOfMonth', a, 1),
    );
  }),
  fn('dayOfMonth', 1, 1, (a) => civilFromWall(parseDateArg('dayOfMonth', a[0]).wall).day),
  fn('dayOfWeek', 1, 1, (a) => {
    const days = Math.floor(parseDateArg('dayOfWeek', a[0]).wall / MS_PER_DAY);
    return (((days + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; Sunday = 0
  }),
  fn('dayOfYear', 1, 1, (a) => {
    const d = parseDateArg('dayOfYear', a[0]);
    const c = civilFromWall(d.wall);
    return Math.floor(d.wall / MS_PER_DAY) - daysFromCivil(c.year, 1, 1) + 1;
  }),
  fn('formatDateTime', 1, 2, (a) => formatDate(parseDateArg('formatDateTime', a[0]), fmtArg('formatDateTime', a, 1))),
  fn('ticks', 1, 1, (a) => makeInt(ticksOf(parseDateArg('ticks', a[0])), 'ticks')),
  fn('convertFromUtc', 2, 3, (a) => {
    const zone = zoneOf('convertFromUtc', str('convertFromUtc', a, 1));
    const d = utcToZone(parseDateArg('convertFromUtc', a[0]), zone);
    return out(isUtcZone(zone) ? { ...d, kind: 'utc' } : d, 'convertFromUtc', fmtArg('convertFromUtc', a, 2));
  }),
  fn('convertToUtc', 2, 3, (a) => {
    const zone = zoneOf('convertToUtc', str('convertToUtc', a, 1));
    const src = parseDateArg('convertToUtc', a[0]);
    const d = src.kind === 'unspecified' ? zoneToUtc(src, zone) : { ...src, kind: 'utc' as const };
    return out(d, 'convertToUtc', fmtArg('convertToUtc', a, 2));
  }),
  fn('convertTimeZone', 3, 4, (a) => {
    const from = zoneOf('convertTimeZone', str('convertTimeZone', a, 1));
    const to = zoneOf('convertTimeZone', str('convertTimeZone', a, 2));
    const src = parseDateArg('convertTimeZone', a[0]);
    const utc = src.kind === 'unspecified' ? zoneToUtc(src, from) : src;
    const d = utcToZone(utc, to);
    return out(isUtcZone(to) ? { ...d, kind: 'utc' } : d, 'convertTimeZone', fmtArg('convertTimeZone', a, 3));
  }),
];
