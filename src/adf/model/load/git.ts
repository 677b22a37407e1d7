import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readJsonFile } from '../json-file.js';
import { createFactoryBuilder, type ResourceKind } from './builder.js';
import type { LoadedFactory } from '../types.js';

/** Folder names ADF writes to the collaboration branch, matched case-insensitively. */
export const GIT_FOLDERS: Record<string, ResourceKind | 'factory'> = {
  factory: 'factory',
  pipeline: 'pipeline',
  dataset: 'dataset',
  linkedservice: 'linkedService',
  trigger: 'trigger',
  credential: 'credential',
  integrationruntime: 'integrationRuntime',
  dataflow: 'dataflow',
  managedvirtualnetwork: 'managedVirtualNetwork',
};

/** Files ADF or its tooling keep at the root of the folder that are not resources. */
const KNOWN_ROOT_FILES = new Set(['publish_config.json', 'arm-template-parameters-definition.json', 'pipevault.json']);

/** True when `dir` holds at least one of ADF's git folders. */
export function isGitFactoryFolder(dir: string): boolean {
  return listDir(dir).some((e) => e.isDir && GIT_FOLDERS[e.name.toLowerCase()] !== undefined);
}

/**
 * Loads an ADF git folder (`factory/`, `pipeline/`, `dataset/`, `linkedService/`, `trigger/`, `credential/`,
 * `integrationRuntime/`, `dataflow/`, `managedVirtualNetwork/{default.json, default/managedPrivateEndpoint/}`).
 * Folders ADF does not define (Synapse's `notebook/`, `sqlscript/` …) are skipped with a warning.
 */
export function loadGitFolder(dir: string, opts: { factoryName?: string } = {}): LoadedFactory {
  const b = createFactoryBuilder({ kind: 'git', path: dir }, 'default');
  const entries = listDir(dir);
  for (const e of entries) {
    const full = join(dir, e.name);
    if (!e.isDir) {
      if (!KNOWN_ROOT_FILES.has(e.name.toLowerCase()) && e.name.toLowerCase().endsWith('.json')) {
        b.warn({
          rule: 'ignored-file',
          file: full,
          path: '$',
          reason: "not inside one of ADF's resource folders; ignored",
        });
      }
      continue;
    }
    const kind = GIT_FOLDERS[e.name.toLowerCase()];
    if (kind === undefined) {
      if (!e.name.startsWith('.')) {
        b.warn({ rule: 'ignored-folder', file: full, path: '$', reason: 'not an ADF resource folder; ignored' });
      }
      continue;
    }
    if (kind === 'factory') {
      const files = jsonFiles(full);
      files.forEach((f, i) => {
        const json = readJsonFile(f);
        if (i === 0) b.setFactoryFile(json, { file: f, path: '$' });
        else b.warn({ rule: 'ignored-file', file: f, path: '$', reason: `a second factory file; ${files[0]} is used` });
      });
      continue;
    }
    if (kind === 'managedVirtualNetwork') {
      loadManagedVirtualNetworks(full, b);
      continue;
    }
    for (const f of jsonFiles(full)) addFile(b, kind, f);
    for (const sub of listDir(full).filter((x) => x.isDir)) {
      b.warn({
        rule: 'ignored-folder',
        file: join(full, sub.name),
        path: '$',
        reason: "sub-folders are not part of ADF's git layout; ignored",
      });
    }
  }
  if (opts.factoryName) b.factory.name = opts.factoryName;
  return b.factory;
}

function loadManagedVirtualNetworks(dir: string, b: ReturnType<typeof createFactoryBuilder>): void {
  for (const f of jsonFiles(dir)) addFile(b, 'managedVirtualNetwork', f);
  for (const vnet of listDir(dir).filter((x) => x.isDir)) {
    const mpeDir = listDir(join(dir, vnet.name)).find(
      (x) => x.isDir && x.name.toLowerCase() === 'managedprivateendpoint',
    );
    if (mpeDir) for (const f of jsonFiles(join(dir, vnet.name, mpeDir.name))) addFile(b, 'managedPrivateEndpoint', f);
  }
}

function addFile(b: ReturnType<typeof createFactoryBuilder>, kind: ResourceKind, file: string): void {
  const json = readJsonFile(file);
  b.addResource(kind, json, { file, path: '$' });
  const name = (json as { name?: unknown } | null)?.name;
  const expected = basename(file, '.json');
  if (typeof name === 'string' && name !== expected) {
    b.warn({
      rule: 'file-name-mismatch',
      file,
      path: '$.name',
      reason: `${kind} '${name}' is stored in ${basename(file)}; ADF names the file after the resource (${name}.json)`,
      resource: `${kind}/${name}`,
    });
  }
}

interface Entry {
  name: string;
  isDir: boolean;
}

function listDir(dir: string): Entry[] {
  return readdirSync(dir, { withFileTypes: true })
    .map((d) => ({
      name: d.name,
      isDir: d.isDirectory() || (d.isSymbolicLink() && statSync(join(dir, d.name)).isDirectory()),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function jsonFiles(dir: string): string[] {
  return listDir(dir)
    .filter((e) => !e.isDir && e.name.toLowerCase().endsWith('.json'))
    .map((e) => join(dir, e.name));
}
