import { jsonPath } from '../json-path.js';
import { isRecord } from '../normalize.js';
import type { FactoryRule } from './context.js';
import type { LoadedFactory, Resource } from '../types.js';

/**
 * References between resources (`{"referenceName": …, "type": "PipelineReference"}` and its kin) must name a
 * resource of the factory: ADF refuses to publish a pipeline whose Execute Pipeline, dataset or linked service
 * reference points nowhere. Names compare case-insensitively. A reference whose name is an expression is
 * resolved at run time and not checked. A single pipeline file carries no other resources, so nothing is
 * checked there. `AutoResolveIntegrationRuntime` is built in.
 */
const TARGETS: Record<string, { kind: string; map: (f: LoadedFactory) => Map<string, unknown> }> = {
  PipelineReference: { kind: 'pipeline', map: (f) => f.pipelines },
  DatasetReference: { kind: 'dataset', map: (f) => f.datasets },
  LinkedServiceReference: { kind: 'linked service', map: (f) => f.linkedServices },
  IntegrationRuntimeReference: { kind: 'integration runtime', map: (f) => f.integrationRuntimes },
  CredentialReference: { kind: 'credential', map: (f) => f.credentials },
  DataFlowReference: { kind: 'data flow', map: (f) => f.dataflows },
};

const BUILT_IN = new Set(['autoresolveintegrationruntime']);

export const missingReferences: FactoryRule = (factory, findings) => {
  if (factory.origin.kind === 'pipeline-file') return;
  const lowerNames = new Map<string, Set<string>>();
  const namesOf = (type: string) => {
    let s = lowerNames.get(type);
    if (!s) lowerNames.set(type, (s = new Set([...TARGETS[type]!.map(factory).keys()].map((k) => k.toLowerCase()))));
    return s;
  };
  const groups: [string, Map<string, Resource<unknown>>][] = [
    ['pipeline', factory.pipelines],
    ['dataset', factory.datasets],
    ['linkedService', factory.linkedServices],
    ['trigger', factory.triggers],
    ['credential', factory.credentials],
    ['integrationRuntime', factory.integrationRuntimes],
    ['dataflow', factory.dataflows],
    ['managedPrivateEndpoint', factory.managedPrivateEndpoints],
  ];
  for (const [kind, map] of groups) {
    for (const [name, resource] of map) {
      const key = `${kind}/${name}`;
      const src = factory.sources.get(key) ?? { file: factory.origin.path, path: '$' };
      walk(resource.properties, jsonPath(src.path, 'properties'), (ref, path) => {
        const target = TARGETS[ref.type as string];
        if (!target || typeof ref.referenceName !== 'string' || ref.referenceName.startsWith('@')) return;
        const lower = ref.referenceName.toLowerCase();
        if (BUILT_IN.has(lower) || namesOf(ref.type as string).has(lower)) return;
        findings.problems.push({
          rule: 'missing-reference',
          file: src.file,
          path: jsonPath(path, 'referenceName'),
          reason: `${kind} '${name}' references ${target.kind} '${ref.referenceName}', which the factory does not contain`,
          resource: key,
        });
      });
    }
  }
};

function walk(v: unknown, path: string, visit: (ref: Record<string, unknown>, path: string) => void): void {
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, jsonPath(path, i), visit));
  else if (isRecord(v)) {
    if (v.state === 'Inactive' && typeof v.type === 'string' && typeof v.name === 'string') return;
    if ('referenceName' in v && typeof v.type === 'string') visit(v, path);
    for (const [k, x] of Object.entries(v)) walk(x, jsonPath(path, k), visit);
  }
}
