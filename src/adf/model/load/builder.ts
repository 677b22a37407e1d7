import type { z } from 'zod';
import { walkActivities } from '../activity-tree.js';
import { jsonPath } from '../json-path.js';
import {
  canonicalParameterType,
  isRecord,
  normalizeActivity,
  normalizeParameterSpecs,
  normalizeVariableSpecs,
} from '../normalize.js';
import {
  activitySchema,
  credentialSchema,
  datasetSchema,
  factoryFileSchema,
  integrationRuntimeSchema,
  issuesToProblems,
  linkedServiceSchema,
  namedResourceSchema,
  pipelineSchema,
  triggerSchema,
} from '../schemas.js';
import type { FactoryOrigin, GlobalParameterSpec, LoadedFactory, Problem, Resource } from '../types.js';

export type ResourceKind =
  | 'pipeline'
  | 'dataset'
  | 'linkedService'
  | 'trigger'
  | 'credential'
  | 'integrationRuntime'
  | 'dataflow'
  | 'managedVirtualNetwork'
  | 'managedPrivateEndpoint';

const SCHEMAS: Record<ResourceKind, z.ZodType> = {
  pipeline: pipelineSchema,
  dataset: datasetSchema,
  linkedService: linkedServiceSchema,
  trigger: triggerSchema,
  credential: credentialSchema,
  integrationRuntime: integrationRuntimeSchema,
  dataflow: namedResourceSchema,
  managedVirtualNetwork: namedResourceSchema,
  managedPrivateEndpoint: namedResourceSchema,
};

export interface Where {
  file: string;
  /** JSON path of the resource object inside the file: `$` for git files, `$.resources[3]` for ARM. */
  path: string;
}

/**
 * Collects resources from whichever layout is being read into one `LoadedFactory`: checks each against its
 * lenient schema, normalises lenient spellings (keeping the JSON as read in `originals`), and records where
 * each came from so every later message can name the file and JSON path.
 */
export function createFactoryBuilder(origin: FactoryOrigin, defaultName: string) {
  const factory: LoadedFactory = {
    name: defaultName,
    globalParameters: {},
    pipelines: new Map(),
    linkedServices: new Map(),
    datasets: new Map(),
    triggers: new Map(),
    credentials: new Map(),
    integrationRuntimes: new Map(),
    sources: new Map(),
    origin,
    dataflows: new Map(),
    managedVirtualNetworks: new Map(),
    managedPrivateEndpoints: new Map(),
    hasFactoryFile: false,
    originals: new Map(),
    loadProblems: [],
    loadWarnings: [],
  };
  // Lower-cased `kind/name` → the name as first written, for case-insensitive duplicate detection.
  const seen = new Map<string, string>();

  const mapFor = (kind: ResourceKind): Map<string, Resource<unknown>> =>
    ({
      pipeline: factory.pipelines,
      dataset: factory.datasets,
      linkedService: factory.linkedServices,
      trigger: factory.triggers,
      credential: factory.credentials,
      integrationRuntime: factory.integrationRuntimes,
      dataflow: factory.dataflows,
      managedVirtualNetwork: factory.managedVirtualNetworks,
      managedPrivateEndpoint: factory.managedPrivateEndpoints,
    })[kind] as Map<string, Resource<unknown>>;

  function addResource(kind: ResourceKind, json: unknown, where: Where): void {
    const parsed = SCHEMAS[kind].safeParse(json);
    const label = isRecord(json) && typeof json.name === 'string' ? `${kind}/${json.name}` : undefined;
    if (!parsed.success) {
      factory.loadProblems.push(
        ...issuesToProblems(parsed.error, { file: where.file, basePath: where.path, resource: label }),
      );
      return;
    }
    const resource = structuredClone(json) as Resource<Record<string, unknown>>;
    if (kind === 'pipeline' && !normalizePipeline(resource, where, label!)) return;
    const key = `${kind}/${resource.name}`;
    const lower = key.toLowerCase();
    const first = seen.get(lower);
    if (first !== undefined) {
      const firstWhere = factory.sources.get(first);
      factory.loadProblems.push({
        rule: 'duplicate-name',
        file: where.file,
        path: jsonPath(where.path, 'name'),
        reason: `${kind} name '${resource.name}' is already used by ${firstWhere?.file ?? first} (names are case-insensitive in ADF)`,
        resource: key,
      });
      return;
    }
    seen.set(lower, key);
    mapFor(kind).set(resource.name, resource);
    factory.sources.set(key, { file: where.file, path: where.path });
    factory.originals.set(key, json);
  }

  /** Normalises a pipeline in place; false (with problems recorded) when an activity is malformed. */
  function normalizePipeline(p: Resource<Record<string, unknown>>, where: Where, label: string): boolean {
    const props = p.properties;
    if (!Array.isArray(props.activities)) props.activities = [];
    normalizeParameterSpecs(props.parameters);
    normalizeVariableSpecs(props.variables);
    const base = jsonPath(where.path, 'properties', 'activities');
    let ok = true;
    (props.activities as unknown[]).forEach((a, i) => {
      if (!isRecord(a)) {
        factory.loadProblems.push({
          rule: 'schema',
          file: where.file,
          path: jsonPath(base, i),
          reason: 'expected object',
          resource: label,
        });
        ok = false;
      }
    });
    if (!ok) return false;
    for (const node of walkActivities(props.activities as never, base)) {
      const r = activitySchema.safeParse(node.activity);
      if (!r.success) {
        factory.loadProblems.push(
          ...issuesToProblems(r.error, { file: where.file, basePath: node.path, resource: label }),
        );
        ok = false;
        continue;
      }
      normalizeActivity(node.activity as unknown as Record<string, unknown>);
    }
    return ok;
  }

  function setFactoryFile(json: unknown, where: Where, opts: { nameFromFile?: boolean } = {}): void {
    const parsed = factoryFileSchema.safeParse(json);
    if (!parsed.success) {
      factory.loadProblems.push(...issuesToProblems(parsed.error, { file: where.file, basePath: where.path }));
      return;
    }
    const f = parsed.data;
    factory.hasFactoryFile = true;
    if (opts.nameFromFile !== false && f.name) factory.name = f.name;
    if (f.identity) factory.identity = structuredClone(f.identity) as LoadedFactory['identity'];
    if (f.properties?.globalParameters) addGlobalParameters(f.properties.globalParameters, where);
    if (f.properties?.globalConfigurations)
      factory.globalConfigurations = structuredClone(f.properties.globalConfigurations);
    factory.originals.set('factory', json);
    factory.sources.set('factory', { file: where.file, path: where.path });
  }

  function addGlobalParameters(params: Record<string, unknown>, where: Where): void {
    factory.hasFactoryFile = true;
    for (const [name, raw] of Object.entries(params)) {
      if (!isRecord(raw)) continue;
      const type = canonicalParameterType(raw.type) ?? (raw.type as GlobalParameterSpec['type']);
      factory.globalParameters[name] = { ...structuredClone(raw), type, value: structuredClone(raw.value) };
      factory.sources.set(`globalParameter/${name}`, {
        file: where.file,
        path: jsonPath(where.path, 'properties', 'globalParameters', name),
      });
    }
  }

  return {
    factory,
    addResource,
    setFactoryFile,
    addGlobalParameters,
    warn: (p: Problem) => factory.loadWarnings.push(p),
    problem: (p: Problem) => factory.loadProblems.push(p),
  };
}

export type FactoryBuilder = ReturnType<typeof createFactoryBuilder>;
