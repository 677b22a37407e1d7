import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../model/index.js';
import { isArmTemplate } from '../model/load/arm.js';
import { isGitFactoryFolder } from '../model/load/git.js';
import { isPipelineJson } from '../model/load/pipeline-file.js';

/**
 * Every factory under `root`, for `pipevault lint --recursive` (a repository holding several factories,
 * templates and loose pipeline files): ADF git folders and folders with `ARMTemplateForFactory.json` are taken
 * whole; elsewhere each JSON file that is an ARM template or a pipeline is taken on its own. Sorted, so output
 * is stable. Unreadable or non-JSON files are skipped: they are not factories.
 */
export function discoverFactories(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (isGitFactoryFolder(dir) || existsSync(join(dir, 'ARMTemplateForFactory.json'))) {
      out.push(dir);
      return;
    }
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.json')) {
        let json: unknown;
        try {
          json = readJsonFile(full);
        } catch {
          continue;
        }
        if (isArmTemplate(json) || isPipelineJson(json)) out.push(full);
      }
    }
  };
  walk(root);
  return out;
}
