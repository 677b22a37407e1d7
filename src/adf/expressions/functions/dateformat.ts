import { fail } from '../errors.js';
import { civilFromWall, daysFromCivil, type DateValue } from './datetime.js';

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** .NET standard format letters (en-US culture) expanded to custom patterns. */
const STANDARD: Record<string, string> = {
  d: 'M/d/yyyy',
  D: 'dddd, MMMM d, yyyy',
  f: 'dddd, MMMM d, yyyy h:mm tt',
  F: 'dddd, MMMM d, yyyy h:mm:ss tt',
  g: 'M/d/yyyy h:mm tt',
  G: 'M/d/yyyy h:mm:ss tt',
  m: 'MMMM d',
  M: 'MMMM d',
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: 'h:mm tt',
  T: 'h:mm:ss tt',
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  U: 'dddd, MMMM d, yyyy h:mm:ss tt',
  y: 'MMMM yyyy',
  Y: 'MMMM yyyy',
};

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** The round-trip format `o`, the default of every date function: the hot path, so no pattern walk. */
export function formatRoundTrip(d: DateValue): string {
  const c = civilFromWall(d.wall);
  const frac = pad(c.ms * 10000 + d.sub, 7);
  const k = d.kind === 'utc' ? 'Z' : d.kind === 'local' ? '+00:00' : '';
  return `${pad(c.year, 4)}-${pad(c.month, 2)}-${pad(c.day, 2)}T${pad(c.hour, 2)}:${pad(c.minute, 2)}:${pad(c.second, 2)}.${frac}${k}`;
}

/**
 * Formats like .NET `DateTime.ToString(format, en-US)`: a single letter is a standard format, anything longer a
 * custom pattern (`yyyy MM dd HH mm ss fffffff tt K z` …, quotes, `\x` and `%c` for literals).
 */
export function formatDate(d: DateValue, format: string | undefined): string {
  if (format === undefined || format === null || format === '' || format === 'o' || format === 'O')
    return formatRoundTrip(d);
  if (format.length === 1) {
    const pattern = STANDARD[format];
    if (!pattern)
      fail(`The date format '${format}' is not a valid .NET standard format (d D f F g G m o r s t T u U y).`);
    // r, R and u show UTC; for our kinds the wall time is already the UTC reading unless unspecified.
    return formatCustom(d, pattern);
  }
  return formatCustom(d, format);
}

function formatCustom(d: DateValue, f: string): string {
  const c = civilFromWall(d.wall);
  const frac = pad(c.ms * 10000 + d.sub, 7);
  let out = '';
  let i = 0;
  while (i < f.length) {
    const ch = f[i];
    let n = 1;
    while (f[i + n] === ch) n++;
    switch (ch) {
      case 'd':
        if (n === 1) out += c.day;
        else if (n === 2) out += pad(c.day, 2);
        else {
          const dow = (((daysFromCivil(c.year, c.month, c.day) + 4) % 7) + 7) % 7;
          out += n === 3 ? DAY_NAMES[dow].slice(0, 3) : DAY_NAMES[dow];
        }
        break;
      case 'f':
      case 'F': {
        if (n > 7) fail(`The date format '${f}' has more than 7 '${ch}' (fractions go down to 100 ns).`);
        let digits = frac.slice(0, n);
        if (ch === 'F') {
          digits = digits.replace(/0+$/, '');
          if (!digits && out.endsWith('.')) out = out.slice(0, -1);
        }
        out += digits;
        break;
      }
      case 'g':
        out += 'A.D.';
        break;
      case 'h': {
        const h12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
        out += n === 1 ? h12 : pad(h12, 2);
        break;
      }
      case 'H':
        out += n === 1 ? c.hour : pad(c.hour, 2);
        break;
      case 'K':
        out += d.kind === 'utc' ? 'Z' : d.kind === 'local' ? '+00:00' : '';
        n = 1;
        break;
      case 'm':
        out += n === 1 ? c.minute : pad(c.minute, 2);
        break;
      case 'M':
        if (n === 1) out += c.month;
        else if (n === 2) out += pad(c.month, 2);
        else out += n === 3 ? MONTH_NAMES[c.month - 1].slice(0, 3) : MONTH_NAMES[c.month - 1];
        break;
      case 's':
        out += n === 1 ? c.second : pad(c.second, 2);
        break;
      case 't':
        out += n === 1 ? (c.hour < 12 ? 'A' : 'P') : c.hour < 12 ? 'AM' : 'PM';
        break;
      case 'y':
        out += n === 1 ? c.year % 100 : n === 2 ? pad(c.year % 100, 2) : pad(c.year, n);
        break;
      case 'z':
        // .NET prints the server's local offset here; ADF's servers run on UTC.
        out += n === 1 ? '+0' : n === 2 ? '+00' : '+00:00';
        break;
      case "'":
      case '"': {
        const end = f.indexOf(ch, i + 1);
        if (end < 0) fail(`The date format '${f}' has an unclosed quote ${ch}.`);
        out += f.slice(i + 1, end);
        n = end - i + 1;
        break;
      }
      case '\\':
        if (i + 1 >= f.length) fail(`The date format '${f}' ends with a lone '\\'.`);
        out += f[i + 1];
        n = 2;
        break;
      case '%':
        n = 1; // `%d` means the custom `d`, not the standard format `d`
        break;
      default:
        out += ch.repeat(n);
    }
    i += n;
  }
  return out;
}
