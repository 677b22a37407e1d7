import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isGitFactoryFolder } from '../../src/adf/model/load/git.js';

/** The corpus of real ADF files (never copied into the repo): PIPEVAULT_CORPUS_DIR or ../shared/corpus/adf-real. */
export function corpusDir(): string | undefined {
  const dir = resolve(process.env.PIPEVAULT_CORPUS_DIR ?? join(import.meta.dirname, '../../../shared/corpus/adf-real'));
  if (existsSync(dir)) return dir;
  if (process.env.CI === 'true') throw new Error(`the ADF corpus is missing at ${dir} (set PIPEVAULT_CORPUS_DIR)`);
  return undefined;
}

export interface CorpusUnits {
  /** Folders in ADF's git layout. */
  gitFolders: string[];
  /** JSON files outside any git folder. */
  looseFiles: string[];
  /** Every JSON file under the corpus. */
  allFiles: string[];
}

/** Splits the corpus into what the loader takes: git folders, and the files that stand alone. */
export function corpusUnits(dir: string): CorpusUnits {
  const units: CorpusUnits = { gitFolders: [], looseFiles: [], allFiles: [] };
  const visit = (d: string, insideGit: boolean) => {
    const git = !insideGit && isGitFactoryFolder(d);
    if (git) units.gitFolders.push(d);
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) visit(p, insideGit || git);
      else if (name.toLowerCase().endsWith('.json')) {
        units.allFiles.push(p);
        if (!insideGit && !git) units.looseFiles.push(p);
      }
    }
  };
  visit(dir, false);
  return units;
}
