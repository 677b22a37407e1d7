/**
 * .NET TimeSpan text as ADF stores timeouts: `[-][d.]h[h]:mm[:ss[.fffffff]]`. Real factories write
 * `7.00:00:00`, `0.12:00:00`, `00:30:00` and the off-pattern `0.0:10:00`, so hours take one or two digits.
 * Returns milliseconds, or undefined when the text is not a TimeSpan.
 */
export function parseTimeSpan(text: string): number | undefined {
  const m = /^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*$/.exec(text);
  if (!m) return undefined;
  const [, neg, d, h, min, s, frac] = m;
  const hours = Number(h);
  const minutes = Number(min);
  const seconds = s === undefined ? 0 : Number(s);
  // The REST spec's pattern admits 60 for minutes and seconds, so 60 is accepted here too.
  if (hours > 23 || minutes > 60 || seconds > 60) return undefined;
  const fraction = frac === undefined ? 0 : Number(`0.${frac}`);
  const ms = (((Number(d ?? 0) * 24 + hours) * 60 + minutes) * 60 + seconds + fraction) * 1000;
  return neg ? -ms : ms;
}
