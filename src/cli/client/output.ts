import { badInput } from '../../common/catalogue.js';

export type OutputFormat = 'json' | 'table';

export function outputFormat(o: { output?: string; json?: boolean }): OutputFormat {
  if (o.json) return 'json';
  const f = (o.output ?? 'table').toLowerCase();
  if (f !== 'json' && f !== 'table') throw badInput(`'${o.output}' is not an output format (json, table)`, '-o');
  return f;
}

/** Prints data: JSON as is, or a table of the given columns (rows) / key-value lines (one object). */
export function print(data: unknown, format: OutputFormat, columns?: string[]): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(data, null, 2) + '\n');
    return;
  }
  if (Array.isArray(data)) {
    const cols = columns ?? [...new Set(data.flatMap((r) => Object.keys(r as object)))];
    const cell = (v: unknown) =>
      v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const rows = data.map((r) => cols.map((c) => cell((r as Record<string, unknown>)[c])));
    const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
      cells
        .map((v, i) => v.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    process.stdout.write([line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n');
    return;
  }
  if (data && typeof data === 'object') {
    const entries = Object.entries(data as Record<string, unknown>).filter(([k]) => !columns || columns.includes(k));
    const w = Math.max(...entries.map(([k]) => k.length));
    for (const [k, v] of entries) {
      process.stdout.write(`${k.padEnd(w)}  ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}\n`);
    }
    return;
  }
  process.stdout.write(String(data) + '\n');
}
