/**
 * JSON paths as problems print them: `$.properties.activities[2]['my key']`. Keys that are plain
 * identifiers use dot notation, anything else (spaces, dashes) is bracketed and quoted.
 */
export function jsonPath(base: string, ...segments: (string | number)[]): string {
  let out = base;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += `.${s}`;
    else out += `['${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}
