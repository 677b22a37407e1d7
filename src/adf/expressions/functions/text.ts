/** .NET-style (invariant, simple 1:1) casing, and the case-insensitive search that ADF's string functions use. */

// eslint-disable-next-line no-control-regex -- the ASCII range starts at NUL on purpose
const ASCII = /^[\x00-\x7f]*$/;

/** .NET ToUpperInvariant: each code point maps to at most one code point, so `ß` stays `ß` (JS would give `SS`). */
export function toUpperInvariant(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const u = ch.toUpperCase();
    out += u.length === ch.length || [...u].length === 1 ? u : ch;
  }
  return out;
}

/** .NET ToLowerInvariant: per code point (no final-sigma context), `İ` → `i`. */
export function toLowerInvariant(s: string): string {
  if (ASCII.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) {
    if (ch === '\u0130') {
      out += 'i';
      continue;
    }
    const l = ch.toLowerCase();
    out += [...l].length === 1 ? l : ch;
  }
  return out;
}

/** A length-preserving fold for OrdinalIgnoreCase searches (indexes stay valid in the original). */
export function foldCase(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const u = ch.toUpperCase();
    out += u.length === 1 ? u : ch;
  }
  return out;
}

const WS = '[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM = new RegExp(`^${WS}+|${WS}+$`, 'g');

/** .NET String.Trim(): Unicode white space (char.IsWhiteSpace), which, unlike JS, does not include U+FEFF. */
export function trimDotNet(s: string): string {
  return s.replace(TRIM, '');
}
