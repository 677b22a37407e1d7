import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The real-ADF corpus dir (PIPEVAULT_CORPUS_DIR, default ../shared/corpus/adf-real from the repo root). */
export function corpusDir(): string | undefined {
  const root = resolve(new URL('../..', import.meta.url).pathname);
  const dir = resolve(root, process.env.PIPEVAULT_CORPUS_DIR ?? '../shared/corpus/adf-real');
  if (existsSync(dir)) return dir;
  if (process.env.CI === 'true') throw new Error(`The corpus directory ${dir} is missing (CI=true requires it).`);
  return undefined;
}

export function corpusFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.json')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export interface CorpusExpression {
  file: string;
  path: string;
  text: string;
}

/** Every template in the corpus: strings starting with '@' or containing '@{', and Expression objects' values. */
export function corpusExpressions(dir: string): CorpusExpression[] {
  const out: CorpusExpression[] = [];
  for (const file of corpusFiles(dir)) {
    const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const walk = (v: unknown, path: string) => {
      if (typeof v === 'string') {
        if (v.startsWith('@') || v.includes('@{')) out.push({ file, path, text: v });
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (
          o.type === 'Expression' &&
          typeof o.value === 'string' &&
          !(o.value.startsWith('@') || o.value.includes('@{'))
        ) {
          out.push({ file, path: `${path}.value`, text: o.value });
        }
        for (const [k, x] of Object.entries(o)) walk(x, `${path}.${k}`);
      }
    };
    walk(json, '$');
  }
  return out;
}
