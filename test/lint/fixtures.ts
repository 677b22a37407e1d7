import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Small pipelines for the lint tests, written as an ADF git folder in a temp dir. */

export type Json = Record<string, unknown>;

export const expr = (value: string) => ({ value, type: 'Expression' });

export function pipeline(name: string, activities: Json[], extra: Json = {}): Json {
  return { name, properties: { activities, ...extra } };
}

export function web(
  name: string,
  opts: {
    url: unknown;
    method?: string;
    body?: unknown;
    headers?: Json;
    policy?: Json;
    resource?: string;
    dependsOn?: string[];
    userProperties?: unknown[];
  },
): Json {
  return {
    name,
    type: 'WebActivity',
    dependsOn: (opts.dependsOn ?? []).map((a) => ({ activity: a, dependencyConditions: ['Succeeded'] })),
    policy: {
      timeout: '0.12:00:00',
      retry: 0,
      retryIntervalInSeconds: 30,
      secureOutput: false,
      secureInput: false,
      ...opts.policy,
    },
    userProperties: opts.userProperties ?? [],
    typeProperties: {
      url: opts.url,
      method: opts.method ?? 'GET',
      ...(opts.headers ? { headers: opts.headers } : {}),
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      authentication: { type: 'MSI', resource: opts.resource ?? 'https://vault.azure.net' },
    },
  };
}

/** The documented recipe: read a secret with secureOutput. */
export const readSecret = (name = 'Get Secret', policy: Json = { secureOutput: true }) =>
  web(name, { url: 'https://demo-vault.vault.azure.net/secrets/api-key?api-version=7.0', policy });

export function activity(name: string, type: string, typeProperties: Json, more: Json = {}): Json {
  return { name, type, dependsOn: [], userProperties: [], typeProperties, ...more };
}

export function setVariable(name: string, variableName: string, value: unknown, policy?: Json): Json {
  return activity(name, 'SetVariable', { variableName, value }, policy ? { policy } : {});
}

export function executePipeline(name: string, child: string, parameters: Json, policy?: Json): Json {
  return activity(
    name,
    'ExecutePipeline',
    { pipeline: { referenceName: child, type: 'PipelineReference' }, waitOnCompletion: true, parameters },
    policy ? { policy } : {},
  );
}

export interface FactoryDir {
  dir: string;
  cleanup(): void;
}

export function writeFactory(pipelines: Json[], more: { linkedServices?: Json[]; factory?: Json } = {}): FactoryDir {
  const dir = mkdtempSync(join(tmpdir(), 'pipevault-lint-'));
  mkdirSync(join(dir, 'pipeline'));
  for (const p of pipelines) writeFileSync(join(dir, 'pipeline', `${String(p.name)}.json`), JSON.stringify(p, null, 2));
  if (more.linkedServices) {
    mkdirSync(join(dir, 'linkedService'));
    for (const l of more.linkedServices)
      writeFileSync(join(dir, 'linkedService', `${String(l.name)}.json`), JSON.stringify(l));
  }
  if (more.factory) {
    mkdirSync(join(dir, 'factory'));
    writeFileSync(join(dir, 'factory', `${String(more.factory.name)}.json`), JSON.stringify(more.factory));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
