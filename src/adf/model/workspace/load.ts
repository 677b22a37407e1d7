import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { badInput, unreadablePath } from '../../../common/catalogue.js';
import { readJsonFile } from '../json-file.js';
import { jsonPath } from '../json-path.js';
import { issuesToProblems } from '../schemas.js';
import { GUID, workspaceSchema, type MockJson, type SecretPermission, type WorkspaceJson } from './schema.js';
import { SecretText } from './secret-text.js';
import type { Problem } from '../types.js';

export const WORKSPACE_FILE = 'pipevault.json';

export interface SecretVersion {
  value: SecretText;
  /** 32 hex characters when the workspace fixes it (so production's versioned secret URIs keep working). */
  version?: string;
}

export interface WorkspaceSecret {
  /** Oldest first; the last is the latest. */
  versions: SecretVersion[];
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
}

export interface AccessPolicy {
  /** `factory`, a GUID (an app ID or object ID), or the name of a declared principal or identity. */
  principal: string;
  secrets: SecretPermission[];
}

export interface Workspace {
  /** The pipevault.json that was read. */
  file: string;
  factory: { name?: string; identity?: { principalId?: string; appId?: string } };
  vaults: Record<string, { secrets: Record<string, WorkspaceSecret>; accessPolicies: AccessPolicy[] }>;
  principals: Record<string, { appId: string; objectId?: string; secret?: SecretText }>;
  identities: Record<string, { clientId?: string; principalId?: string; resourceId?: string }>;
  hosts: Record<string, string>;
  mocks: Record<string, MockJson>;
  allowEgress: boolean;
}

/**
 * Checks a workspace file's JSON without resolving anything: the strict schema, plus access policies naming a
 * principal that is `factory`, a GUID or a declared principal/identity. Used by `pipevault validate`, which
 * must not need the env vars and files a run needs.
 */
export function checkWorkspaceJson(json: unknown, file: string): { workspace?: WorkspaceJson; problems: Problem[] } {
  const parsed = workspaceSchema.safeParse(json);
  if (!parsed.success) {
    return { problems: issuesToProblems(parsed.error, { file, basePath: '$', rule: 'workspace-schema' }) };
  }
  const ws = parsed.data;
  const problems: Problem[] = [];
  const declared = new Set([...Object.keys(ws.principals ?? {}), ...Object.keys(ws.identities ?? {})]);
  for (const [vaultName, v] of Object.entries(ws.vaults ?? {})) {
    (v.accessPolicies ?? []).forEach((p, i) => {
      if (p.principal === 'factory' || GUID.test(p.principal) || declared.has(p.principal)) return;
      problems.push({
        rule: 'workspace-schema',
        file,
        path: jsonPath('$', 'vaults', vaultName, 'accessPolicies', i, 'principal'),
        reason: `'${p.principal}' is not a principal: use "factory", an app ID or object ID (a GUID), or a name declared under "principals" or "identities"`,
      });
    });
  }
  return { workspace: ws, problems };
}

export interface LoadWorkspaceOptions {
  /** Where `fromEnv` and `secretFromEnv` read; default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * Reads `pipevault.json` from a factory folder (or the file itself), checks it and resolves every secret value
 * (`value`, `fromEnv`, `fromFile` relative to the workspace file). Returns undefined when the folder has no
 * workspace file. Any error is bad input naming the file and JSON path, and never the value.
 */
export function loadWorkspace(dirOrFile: string, opts: LoadWorkspaceOptions = {}): Workspace | undefined {
  const file = isDirectory(dirOrFile) ? join(dirOrFile, WORKSPACE_FILE) : dirOrFile;
  if (!existsSync(file)) {
    if (isDirectory(dirOrFile)) return undefined;
    throw unreadablePath(file, 'no such file or directory');
  }
  const { workspace: ws, problems } = checkWorkspaceJson(readJsonFile(file), file);
  if (!ws || problems.length) throw workspaceError(problems);
  const env = opts.env ?? process.env;
  const base = dirname(resolve(file));

  const readSource = (src: { value?: string; fromEnv?: string; fromFile?: string }, path: string): SecretText => {
    if (src.value !== undefined) return new SecretText(src.value);
    if (src.fromEnv !== undefined) {
      const v = env[src.fromEnv];
      if (v === undefined)
        throw badInput(`the environment variable ${src.fromEnv} is not set`, `${file}: ${path}.fromEnv`);
      return new SecretText(v);
    }
    const p = resolve(base, src.fromFile!);
    try {
      return new SecretText(readFileSync(p, 'utf8').replace(/\r?\n$/, ''));
    } catch {
      throw badInput(`cannot read ${p}`, `${file}: ${path}.fromFile`);
    }
  };

  const vaults: Workspace['vaults'] = {};
  for (const [vaultName, v] of Object.entries(ws.vaults ?? {})) {
    const secrets: Record<string, WorkspaceSecret> = {};
    for (const [name, s] of Object.entries(v.secrets ?? {})) {
      const path = jsonPath('$', 'vaults', vaultName, 'secrets', name);
      const versions = s.versions
        ? s.versions.map((ver, i) => ({
            value: readSource(ver, jsonPath(path, 'versions', i)),
            ...(ver.version ? { version: ver.version.toLowerCase() } : {}),
          }))
        : [{ value: readSource(s, path) }];
      secrets[name] = {
        versions,
        ...(s.contentType !== undefined ? { contentType: s.contentType } : {}),
        ...(s.tags ? { tags: s.tags } : {}),
        ...(s.enabled !== undefined ? { enabled: s.enabled } : {}),
      };
    }
    vaults[vaultName] = {
      secrets,
      accessPolicies: (v.accessPolicies ?? []).map((p) => ({ principal: p.principal, secrets: p.secrets })),
    };
  }

  const principals: Workspace['principals'] = {};
  for (const [name, p] of Object.entries(ws.principals ?? {})) {
    let secret: SecretText | undefined;
    if (p.secretFromEnv !== undefined) {
      const v = env[p.secretFromEnv];
      if (v === undefined) {
        throw badInput(
          `the environment variable ${p.secretFromEnv} is not set`,
          `${file}: ${jsonPath('$', 'principals', name, 'secretFromEnv')}`,
        );
      }
      secret = new SecretText(v);
    }
    principals[name] = {
      appId: p.appId,
      ...(p.objectId ? { objectId: p.objectId } : {}),
      ...(secret ? { secret } : {}),
    };
  }

  return {
    file,
    factory: ws.factory ?? {},
    vaults,
    principals,
    identities: ws.identities ?? {},
    hosts: ws.hosts ?? {},
    mocks: ws.mocks ?? {},
    allowEgress: ws.allowEgress ?? false,
  };
}

/** One bad-input error for a list of workspace problems: the first in full, then how many more. */
function workspaceError(problems: Problem[]) {
  const [first, ...rest] = problems;
  const more = rest.length ? ` (and ${rest.length} more: run pipevault validate on the folder to list them)` : '';
  return badInput(`${first!.reason}${more}`, `${first!.file}: ${first!.path}`);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
