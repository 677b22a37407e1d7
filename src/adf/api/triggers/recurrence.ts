import { DateTime } from 'luxon';
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';

/**
 * A ScheduleTrigger's `recurrence` (frequency, interval, startTime, endTime, timeZone, schedule) and the
 * instants it fires at. Periods count from startTime in the trigger's time zone: every `interval` minutes,
 * hours, days, weeks or months; within a period, `schedule` (minutes, hours, weekDays, monthDays,
 * monthlyOccurrences) picks the instants, else the period's start is the instant. A trigger never fires before startTime nor after endTime,
 * and — as in ADF — a schedule started late does not make up for instants already past.
 */

export type Frequency = 'Minute' | 'Hour' | 'Day' | 'Week' | 'Month';

export interface Recurrence {
  frequency: Frequency;
  interval: number;
  /** Epoch ms. */
  start: number;
  end?: number;
  /** IANA zone. */
  zone: string;
  schedule?: {
    minutes?: number[];
    hours?: number[];
    weekDays?: number[];
    monthDays?: number[];
    monthlyOccurrences?: MonthlyOccurrence[];
  };
}

/**
 * One `schedule.monthlyOccurrences` entry: `weekday` (1 = Monday … 7 = Sunday, as luxon counts) and which of
 * that weekday's days in the month — 1 … 5 from the start, -1 … -5 from the end (-1 = the last); none = all.
 */
export interface MonthlyOccurrence {
  weekday: number;
  occurrence?: number;
}

const FREQUENCIES: Frequency[] = ['Minute', 'Hour', 'Day', 'Week', 'Month'];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

const ZONES = new Map<string, string>();
for (const e of WINDOWS_TO_IANA_MAP) {
  const k = e.windowsName.toLowerCase();
  if (e.territory === '001' || !ZONES.has(k)) ZONES.set(k, e.iana[0]);
}

/**
 * A trigger's startTime and optional endTime, read by `instant` (each trigger type reads times its own way),
 * or the message saying what is wrong.
 */
function startAndEnd(
  r: Record<string, unknown>,
  where: string,
  instant: (s: unknown, field: string) => number | string,
): { start: number; end: number | undefined } | string {
  const start = instant(r.startTime, 'startTime');
  if (typeof start === 'string') return start;
  if (r.endTime === undefined || r.endTime === null || r.endTime === '') return { start, end: undefined };
  const end = instant(r.endTime, 'endTime');
  if (typeof end === 'string') return end;
  if (end <= start) return `${where}.endTime must be after startTime.`;
  return { start, end };
}

/** Why a recurrence is unusable, or the recurrence. `where` prefixes the property paths in messages. */
export function parseRecurrence(v: unknown, where: string): Recurrence | string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return `${where} must be an object.`;
  const r = v as Record<string, unknown>;
  const freq = FREQUENCIES.find((f) => f.toLowerCase() === String(r.frequency ?? '').toLowerCase());
  if (!freq) return `${where}.frequency must be one of ${FREQUENCIES.join(', ')} (got '${String(r.frequency)}').`;
  const interval = r.interval === undefined ? 1 : Number(r.interval);
  if (!Number.isInteger(interval) || interval < 1) return `${where}.interval must be a whole number of at least 1.`;
  const tz = typeof r.timeZone === 'string' && r.timeZone ? r.timeZone : 'UTC';
  const zone =
    ZONES.get(tz.toLowerCase()) ?? (tz.toUpperCase() === 'UTC' ? 'UTC' : DateTime.now().setZone(tz).isValid ? tz : '');
  if (!zone)
    return `${where}.timeZone '${tz}' is not a known time zone (a Windows id such as 'W. Europe Standard Time').`;
  const instant = (s: unknown, field: string): number | string => {
    if (typeof s !== 'string' || !s) return `${where}.${field} must be an ISO 8601 date-time.`;
    // without an offset the time is a wall-clock reading in the trigger's time zone
    const d = /([zZ]|[+-]\d\d:?\d\d)$/.test(s) ? DateTime.fromISO(s, { setZone: true }) : DateTime.fromISO(s, { zone });
    return d.isValid ? d.toMillis() : `${where}.${field} '${s}' is not an ISO 8601 date-time.`;
  };
  const span = startAndEnd(r, where, instant);
  if (typeof span === 'string') return span;
  const { start, end } = span;
  let schedule: Recurrence['schedule'];
  if (r.schedule !== undefined && r.schedule !== null) {
    if (typeof r.schedule !== 'object' || Array.isArray(r.schedule)) return `${where}.schedule must be an object.`;
    const s = r.schedule as Record<string, unknown>;
    const ints = (k: string, lo: number, hi: number): number[] | string | undefined => {
      if (s[k] === undefined || s[k] === null) return undefined;
      const a = s[k];
      if (!Array.isArray(a) || !a.every((x) => Number.isInteger(x) && x >= lo && x <= hi))
        return `${where}.schedule.${k} must be a list of whole numbers from ${lo} to ${hi}.`;
      return [...new Set(a as number[])].sort((x, y) => x - y);
    };
    const minutes = ints('minutes', 0, 59);
    const hours = ints('hours', 0, 23);
    const monthDays = ints('monthDays', -31, 31);
    for (const x of [minutes, hours, monthDays]) if (typeof x === 'string') return x;
    if (Array.isArray(monthDays) && monthDays.includes(0)) return `${where}.schedule.monthDays may not hold 0.`;
    let weekDays: number[] | undefined;
    if (s.weekDays !== undefined && s.weekDays !== null) {
      if (!Array.isArray(s.weekDays)) return `${where}.schedule.weekDays must be a list of day names.`;
      weekDays = [];
      for (const d of s.weekDays) {
        const i = WEEKDAYS.indexOf(String(d).toLowerCase());
        if (i < 0) return `${where}.schedule.weekDays: '${String(d)}' is not a day name (Monday … Sunday).`;
        weekDays.push(i + 1);
      }
    }
    const monthlyOccurrences = parseMonthlyOccurrences(s.monthlyOccurrences, `${where}.schedule.monthlyOccurrences`);
    if (typeof monthlyOccurrences === 'string') return monthlyOccurrences;
    if (monthlyOccurrences && freq !== 'Month')
      return `${where}.schedule.monthlyOccurrences needs ${where}.frequency Month (got '${freq}').`;
    schedule = {
      ...(minutes ? { minutes: minutes as number[] } : {}),
      ...(hours ? { hours: hours as number[] } : {}),
      ...(weekDays ? { weekDays } : {}),
      ...(monthDays ? { monthDays: monthDays as number[] } : {}),
      ...(monthlyOccurrences ? { monthlyOccurrences } : {}),
    };
  }
  return {
    frequency: freq,
    interval,
    start,
    ...(end !== undefined ? { end } : {}),
    zone,
    ...(schedule ? { schedule } : {}),
  };
}

/** `schedule.monthlyOccurrences` (at `where`): a list of `{day, occurrence?}`, or why it is unusable. */
function parseMonthlyOccurrences(v: unknown, where: string): MonthlyOccurrence[] | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return `${where} must be a list of {day, occurrence} objects.`;
  const out: MonthlyOccurrence[] = [];
  for (const [i, e] of v.entries()) {
    if (!e || typeof e !== 'object' || Array.isArray(e)) return `${where}[${i}] must be an object {day, occurrence}.`;
    const o = e as Record<string, unknown>;
    const weekday = WEEKDAYS.indexOf(String(o.day ?? '').toLowerCase()) + 1;
    if (!weekday)
      return o.day === undefined || o.day === null
        ? `${where}[${i}].day is required (a day name, Monday … Sunday).`
        : `${where}[${i}].day: '${String(o.day)}' is not a day name (Monday … Sunday).`;
    const n = o.occurrence;
    if (n === undefined || n === null) {
      out.push({ weekday });
      continue;
    }
    if (!Number.isInteger(n) || (n as number) === 0 || (n as number) < -5 || (n as number) > 5)
      return `${where}[${i}].occurrence must be a whole number from 1 to 5 or -1 to -5 (-1 = the last; got ${JSON.stringify(n)}).`;
    out.push({ weekday, occurrence: n as number });
  }
  return out;
}

/**
 * The days of the month starting at `first` (1 … 31) that `occurrences` pick, ascending: an occurrence the month
 * does not have (a 5th Wednesday in a month of four) picks nothing.
 */
export function occurrenceDays(first: DateTime, occurrences: MonthlyOccurrence[]): number[] {
  const days = new Set<number>();
  const length = first.daysInMonth ?? 31;
  for (const { weekday, occurrence } of occurrences) {
    const firstOne = 1 + ((weekday - first.weekday + 7) % 7);
    const all: number[] = [];
    for (let d = firstOne; d <= length; d += 7) all.push(d);
    if (occurrence === undefined) all.forEach((d) => days.add(d));
    else {
      const d = occurrence > 0 ? all[occurrence - 1] : all[all.length + occurrence];
      if (d !== undefined) days.add(d);
    }
  }
  return [...days].sort((a, b) => a - b);
}

const UNIT = { Minute: 'minutes', Hour: 'hours', Day: 'days', Week: 'weeks', Month: 'months' } as const;

/** The instants of one period (which starts at `p`), in order. */
function instantsOf(r: Recurrence, p: DateTime): DateTime[] {
  const s = r.schedule ?? {};
  const at = (d: DateTime, hours: number[] | undefined, minutes: number[] | undefined) => {
    const out: DateTime[] = [];
    for (const h of hours ?? [d.hour])
      for (const m of minutes ?? [d.minute])
        out.push(
          d.set({
            hour: h,
            minute: m,
            second: hours || minutes ? 0 : d.second,
            millisecond: hours || minutes ? 0 : d.millisecond,
          }),
        );
    return out;
  };
  switch (r.frequency) {
    case 'Minute':
      return [p];
    case 'Hour':
      return s.minutes ? s.minutes.map((m) => p.set({ minute: m, second: 0, millisecond: 0 })) : [p];
    case 'Day':
      return at(p, s.hours, s.minutes);
    case 'Week': {
      const days = s.weekDays
        ? Array.from({ length: 7 }, (_, i) => p.startOf('day').plus({ days: i })).filter((d) =>
            s.weekDays!.includes(d.weekday),
          )
        : [p];
      return days.flatMap((d) => at(d.set({ hour: p.hour, minute: p.minute, second: p.second }), s.hours, s.minutes));
    }
    case 'Month': {
      if (!s.monthDays && !s.monthlyOccurrences) return at(p, s.hours, s.minutes);
      const first = p.startOf('month');
      // monthDays and monthlyOccurrences together: the days either picks
      const days = new Set(
        (s.monthDays ?? [])
          .map((n) => (n > 0 ? n : (first.daysInMonth ?? 31) + n + 1))
          .filter((n) => n >= 1 && n <= (first.daysInMonth ?? 31)),
      );
      for (const d of occurrenceDays(first, s.monthlyOccurrences ?? [])) days.add(d);
      return [...days]
        .sort((a, b) => a - b)
        .map((n) => first.set({ day: n, hour: p.hour, minute: p.minute, second: p.second }))
        .flatMap((d) => at(d, s.hours, s.minutes));
    }
  }
}

/** The first instant strictly after `after` (epoch ms), or undefined when the recurrence has ended. */
export function nextOccurrence(r: Recurrence, after: number): number | undefined {
  const start = DateTime.fromMillis(r.start, { zone: r.zone });
  const from = Math.max(after, r.start - 1);
  const unit = UNIT[r.frequency];
  // the period holding `from`, counted in whole intervals from the start (a little early is harmless)
  const elapsed = DateTime.fromMillis(from, { zone: r.zone }).diff(start, unit).get(unit);
  let k = Math.max(0, Math.floor(elapsed / r.interval) - 1);
  for (let guard = 0; guard < 10_000; guard++, k++) {
    const p = start.plus({ [unit]: k * r.interval });
    if (r.end !== undefined && p.toMillis() > r.end) return undefined;
    for (const t of instantsOf(r, p)) {
      const ms = t.toMillis();
      if (ms > from && ms >= r.start && (r.end === undefined || ms <= r.end)) return ms;
    }
  }
  return undefined;
}

/**
 * A TumblingWindowTrigger's windows: fixed-size, contiguous intervals from startTime (UTC), each run once when
 * it has ended and `delay` has passed; at most `maxConcurrency` windows run at a time; a failed window's run is
 * retried `retryPolicy.count` times, `retryPolicy.intervalInSeconds` apart.
 */
export interface TumblingWindow {
  frequency: 'Minute' | 'Hour' | 'Month';
  interval: number;
  start: number;
  end?: number;
  delayMs: number;
  maxConcurrency: number;
  retry: { count: number; intervalMs: number };
}

/** `[d.]hh:mm:ss` as milliseconds, or undefined when it is not one. */
function timespan(v: string): number | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(v);
  if (!m) return undefined;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
}

export function parseTumblingWindow(v: unknown, where: string): TumblingWindow | string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return `${where} must be an object.`;
  const r = v as Record<string, unknown>;
  const frequency = (['Minute', 'Hour', 'Month'] as const).find(
    (f) => f.toLowerCase() === String(r.frequency ?? '').toLowerCase(),
  );
  if (!frequency) return `${where}.frequency must be one of Minute, Hour, Month (got '${String(r.frequency)}').`;
  const interval = Number(r.interval);
  if (!Number.isInteger(interval) || interval < 1) return `${where}.interval must be a whole number of at least 1.`;
  const instant = (s: unknown, field: string): number | string => {
    if (typeof s !== 'string' || !s) return `${where}.${field} must be an ISO 8601 date-time (UTC).`;
    const d = DateTime.fromISO(s, { zone: 'UTC' });
    return d.isValid ? d.toMillis() : `${where}.${field} '${s}' is not an ISO 8601 date-time.`;
  };
  const span = startAndEnd(r, where, instant);
  if (typeof span === 'string') return span;
  const { start, end } = span;
  let delayMs = 0;
  if (r.delay !== undefined && r.delay !== null) {
    const d = typeof r.delay === 'string' ? timespan(r.delay) : undefined;
    if (d === undefined) return `${where}.delay must be a timespan such as '00:10:00' (got '${String(r.delay)}').`;
    delayMs = d;
  }
  const maxConcurrency = Number(r.maxConcurrency);
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 50)
    return `${where}.maxConcurrency is required: a whole number from 1 to 50.`;
  const rp = (r.retryPolicy ?? {}) as Record<string, unknown>;
  const count = rp.count === undefined || rp.count === null ? 0 : Number(rp.count);
  if (!Number.isInteger(count) || count < 0) return `${where}.retryPolicy.count must be a whole number of at least 0.`;
  const seconds =
    rp.intervalInSeconds === undefined || rp.intervalInSeconds === null ? 30 : Number(rp.intervalInSeconds);
  if (!Number.isInteger(seconds) || seconds < 0)
    return `${where}.retryPolicy.intervalInSeconds must be a whole number of seconds.`;
  if (Array.isArray(r.dependsOn) && r.dependsOn.length)
    return `${where}.dependsOn (window dependencies) is not supported by pipevault yet.`;
  return {
    frequency,
    interval,
    start,
    ...(end !== undefined ? { end } : {}),
    delayMs,
    maxConcurrency,
    retry: { count, intervalMs: seconds * 1000 },
  };
}

/** Window `k` (0 = the first) as [start, end) in epoch ms. */
export function windowOf(w: TumblingWindow, k: number): { start: number; end: number } {
  const s = DateTime.fromMillis(w.start, { zone: 'UTC' });
  const unit = UNIT[w.frequency];
  return {
    start: s.plus({ [unit]: k * w.interval }).toMillis(),
    end: s.plus({ [unit]: (k + 1) * w.interval }).toMillis(),
  };
}
