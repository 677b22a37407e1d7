import { fail } from '../errors.js';

/**
 * A .NET DateTime as ADF's date functions see it: wall-clock time with 100-ns precision and a kind.
 * `wall` is milliseconds since 1970-01-01 of the wall-clock reading (as if it were UTC), `sub` the extra
 * 100-ns ticks inside that millisecond (0–9999), so 7-digit fractions survive. `kind`:
 * - `utc`: the input had `Z` (prints `Z` for `K`/`o`);
 * - `unspecified`: no offset in the input (prints nothing for `K`);
 * - `local`: the input had a numeric offset; .NET converts it to the server's local time, which is UTC on
 *   ADF's servers, so the value is the UTC instant and `K` prints `+00:00`.
 */
export interface DateValue {
  wall: number;
  sub: number;
  kind: 'utc' | 'unspecified' | 'local';
}

export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; any year, no Date pitfalls). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

export function civilFromWall(wall: number): Civil {
  const days = Math.floor(wall / MS_PER_DAY);
  let rest = wall - days * MS_PER_DAY;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  return { year, month, day, hour, minute, second, ms: rest - second * 1000 };
}

export function wallFromCivil(c: Civil): number {
  return (
    daysFromCivil(c.year, c.month, c.day) * MS_PER_DAY + c.hour * 3_600_000 + c.minute * 60_000 + c.second * 1000 + c.ms
  );
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const MIN_WALL = daysFromCivil(1, 1, 1) * MS_PER_DAY;
const MAX_WALL = daysFromCivil(10000, 1, 1) * MS_PER_DAY - 1;

/** .NET's DateTime range is 0001-01-01 to 9999-12-31; leaving it is an error, as in ADF. */
export function checkRange(d: DateValue, fn: string): DateValue {
  if (!(d.wall >= MIN_WALL && d.wall <= MAX_WALL)) {
    fail(`The template language function '${fn}' produced a date outside the range 0001-01-01 to 9999-12-31.`);
  }
  return d;
}

/** 100-ns ticks since 0001-01-01T00:00:00 (.NET DateTime.Ticks). */
export function ticksOf(d: DateValue): bigint {
  return BigInt(d.wall - MIN_WALL) * 10_000n + BigInt(d.sub);
}

export function fromEpochMs(ms: number, sub = 0): DateValue {
  return { wall: ms, sub, kind: 'utc' };
}

// ---- parsing (like DateTime.Parse with RoundtripKind, invariant/en-US culture) ------------------------------

const ISO =
  /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?)?\s*([Zz]|[+-]\d{1,2}(?::?\d{2})?)?\s*$/;
const SLASH_MDY =
  /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?\s*([AaPp][Mm])?)?\s*([Zz]|[+-]\d{1,2}(?::?\d{2})?)?\s*$/;
const SLASH_YMD =
  /^\s*(\d{4})\/(\d{1,2})\/(\d{1,2})(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?\s*([AaPp][Mm])?)?\s*([Zz]|[+-]\d{1,2}(?::?\d{2})?)?\s*$/;
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const NAMED =
  /^\s*(?:[A-Za-z]+,?\s+)?(?:(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})|([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4}))(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?\s*([AaPp][Mm])?)?\s*(GMT|UTC|[Zz]|[+-]\d{1,2}(?::?\d{2})?)?\s*$/;

function monthFromName(name: string): number {
  const n = name.toLowerCase();
  if (n.length < 3) return 0;
  const i = MONTHS.findIndex((m) => m.startsWith(n) || (n === 'sept' && m === 'september'));
  return i + 1;
}

/** Parses a timestamp the way ADF's .NET runtime does for the formats pipelines use; null when it cannot. */
export function parseDate(text: string): DateValue | null {
  let y: number, mo: number, d: number;
  let h = 0,
    mi = 0,
    s = 0;
  let frac: string | undefined;
  let ampm: string | undefined;
  let zone: string | undefined;
  let m = ISO.exec(text);
  if (m) {
    [y, mo, d] = [+m[1], +m[2], +m[3]];
    if (m[4] !== undefined) [h, mi, s] = [+m[4], +m[5], m[6] !== undefined ? +m[6] : 0];
    frac = m[7];
    zone = m[8];
  } else if ((m = SLASH_MDY.exec(text))) {
    [mo, d, y] = [+m[1], +m[2], +m[3]];
    if (m[4] !== undefined) [h, mi, s] = [+m[4], +m[5], m[6] !== undefined ? +m[6] : 0];
    [frac, ampm, zone] = [m[7], m[8], m[9]];
  } else if ((m = SLASH_YMD.exec(text))) {
    [y, mo, d] = [+m[1], +m[2], +m[3]];
    if (m[4] !== undefined) [h, mi, s] = [+m[4], +m[5], m[6] !== undefined ? +m[6] : 0];
    [frac, ampm, zone] = [m[7], m[8], m[9]];
  } else if ((m = NAMED.exec(text))) {
    if (m[1] !== undefined) [d, mo, y] = [+m[1], monthFromName(m[2]), +m[3]];
    else [mo, d, y] = [monthFromName(m[4]), +m[5], +m[6]];
    if (m[7] !== undefined) [h, mi, s] = [+m[7], +m[8], m[9] !== undefined ? +m[9] : 0];
    [frac, ampm, zone] = [m[10], m[11], m[12]];
  } else return null;
  if (ampm) {
    if (h < 1 || h > 12) return null;
    const pm = ampm.toLowerCase() === 'pm';
    h = (h % 12) + (pm ? 12 : 0);
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const digits = (frac ?? '').slice(0, 7).padEnd(7, '0');
  const ms = +digits.slice(0, 3);
  const sub = +digits.slice(3);
  let wall = daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
  let kind: DateValue['kind'] = 'unspecified';
  if (zone) {
    const z = zone.toUpperCase();
    if (z === 'Z' || z === 'GMT' || z === 'UTC') kind = 'utc';
    else {
      const zm = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(z)!;
      const offset = (+zm[2] * 60 + (zm[3] ? +zm[3] : 0)) * (zm[1] === '-' ? -1 : 1);
      if (Math.abs(offset) > 14 * 60) return null;
      wall -= offset * 60_000;
      kind = 'local';
    }
  }
  return { wall, sub, kind };
}

/** Parsed timestamps by text: pipelines format the same few timestamps (TriggerTime, utcNow) again and again. */
const parsed = new Map<string, DateValue | null>();

export function parseDateCached(text: string): DateValue | null {
  let d = parsed.get(text);
  if (d === undefined) {
    d = parseDate(text);
    if (parsed.size >= 1024) parsed.clear();
    if (d) Object.freeze(d);
    parsed.set(text, d);
  }
  return d;
}

export function parseDateArg(fn: string, v: unknown, i = 0): DateValue {
  if (typeof v !== 'string') {
    fail(
      `The template language function '${fn}' expects its ${i === 0 ? 'first' : 'second'} parameter to be a timestamp string.`,
    );
  }
  const d = parseDateCached(v);
  if (!d) {
    fail(
      `The template language function '${fn}' expects its ${i === 0 ? 'first' : 'second'} parameter to be a timestamp ` +
        `in one of the supported formats (ISO 8601 like '2024-01-31T12:00:00Z' or 'MM/dd/yyyy HH:mm:ss').`,
    );
  }
  return d;
}
