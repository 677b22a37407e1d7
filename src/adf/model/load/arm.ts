import { basename, dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { badInput } from '../../../common/catalogue.js';
import { readJsonFile } from '../json-file.js';
import { jsonPath } from '../json-path.js';
import { isRecord } from '../normalize.js';
import { ArmExpressionError, resolveArmString, type ArmScope } from './arm-expression.js';
import { createFactoryBuilder, type FactoryBuilder, type ResourceKind } from './builder.js';
import type { LoadedFactory } from '../types.js';

/** The last segment of an ARM resource type → our resource kind. Synapse workspaces use the same names. */
const KIND_BY_TYPE: Record<string, ResourceKind | 'factory' | 'globalParameters'> = {
  pipelines: 'pipeline',
  datasets: 'dataset',
  linkedservices: 'linkedService',
  triggers: 'trigger',
  credentials: 'credential',
  integrationruntimes: 'integrationRuntime',
  dataflows: 'dataflow',
  managedvirtualnetworks: 'managedVirtualNetwork',
  managedprivateendpoints: 'managedPrivateEndpoint',
  factories: 'factory',
  globalparameters: 'globalParameters',
};

/** Names of the template parameter that holds the factory (or Synapse workspace) name. */
const FACTORY_NAME_PARAMETERS = ['factoryname', 'workspacename'];

export function isArmTemplate(json: unknown): boolean {
  return isRecord(json) && Array.isArray(json.resources);
}

export function isArmParametersFile(json: unknown): boolean {
  return (
    isRecord(json) &&
    !Array.isArray(json.resources) &&
    isRecord(json.parameters) &&
    typeof json.$schema === 'string' &&
    /deploymentParameters/i.test(json.$schema)
  );
}

export interface ArmLoadOptions {
  /** An ARM parameters file (`{"parameters": {"x": {"value": …}}}`) whose values override the defaults. */
  templateParameters?: string;
  factoryName?: string;
}

/**
 * Loads an ARM template export (`ARMTemplateForFactory.json`, or a solution-gallery template). Template
 * parameters take their value from `templateParameters`, else from a sibling
 * `ARMTemplateParametersForFactory.json` next to an `ARMTemplateForFactory.json` (the pair ADF exports), else
 * from `defaultValue`. A parameter that has none of these and is used takes a stand-in value (its own
 * name for strings, the factory `default` for the factory name) and the loader says so in a warning.
 */
export function loadArmTemplate(file: string, json: unknown, opts: ArmLoadOptions = {}): LoadedFactory {
  const template = json as {
    parameters?: Record<string, unknown>;
    variables?: Record<string, unknown>;
    resources: unknown[];
  };
  const paramsFile = opts.templateParameters ?? siblingParametersFile(file);
  const b = createFactoryBuilder(
    { kind: 'arm', path: file, ...(paramsFile ? { templateParametersFile: paramsFile } : {}) },
    'default',
  );
  const supplied = paramsFile ? readParameterValues(paramsFile) : {};
  const scope = makeScope(template, supplied, file, b);

  template.resources.forEach((res, i) => {
    const where = { file, path: jsonPath('$', 'resources', i) };
    if (!isRecord(res)) return;
    const type = typeof res.type === 'string' ? res.type : '';
    const kind = KIND_BY_TYPE[type.split('/').pop()!.toLowerCase()];
    if (kind === undefined) {
      b.warn({
        rule: 'ignored-resource',
        file,
        path: where.path,
        reason: `resource type '${type}' is not part of the ADF model; ignored`,
      });
      return;
    }
    const resolved = resolveDeep(res, scope, where.path, b, file) as Record<string, unknown>;
    const fullName = typeof resolved.name === 'string' ? resolved.name : '';
    const name = fullName.split('/').pop() ?? '';
    if (kind === 'factory') {
      b.setFactoryFile({ ...resolved, name }, where, { nameFromFile: true });
      return;
    }
    if (kind === 'globalParameters') {
      if (isRecord(resolved.properties))
        b.addGlobalParameters(resolved.properties, { file, path: jsonPath(where.path, 'properties') });
      return;
    }
    b.addResource(kind, { ...resolved, name }, where);
  });

  if (!b.factory.hasFactoryFile || b.factory.name === 'default') {
    const fp = Object.keys(template.parameters ?? {}).find((k) => FACTORY_NAME_PARAMETERS.includes(k.toLowerCase()));
    if (fp) {
      const v = scope.parameter(fp);
      if (typeof v === 'string' && v) b.factory.name = v;
    }
  }
  if (opts.factoryName) b.factory.name = opts.factoryName;
  return b.factory;
}

function siblingParametersFile(file: string): string | undefined {
  if (basename(file) !== 'ARMTemplateForFactory.json') return undefined;
  const p = join(dirname(file), 'ARMTemplateParametersForFactory.json');
  return existsSync(p) ? p : undefined;
}

function readParameterValues(file: string): Record<string, unknown> {
  const json = readJsonFile(file);
  if (!isRecord(json) || !isRecord(json.parameters)) {
    throw badInput('expected an ARM parameters file: {"parameters": {"NAME": {"value": …}}}', file);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json.parameters)) {
    if (isRecord(v) && 'value' in v) out[k] = v.value;
    else if (isRecord(v) && 'reference' in v)
      continue; // Key Vault references are resolved at deployment, not here.
    else throw badInput(`parameter '${k}' must be {"value": …}`, file);
  }
  return out;
}

function makeScope(
  template: { parameters?: Record<string, unknown>; variables?: Record<string, unknown> },
  supplied: Record<string, unknown>,
  file: string,
  b: FactoryBuilder,
): ArmScope {
  const params = template.parameters ?? {};
  const vars = template.variables ?? {};
  const paramCache = new Map<string, unknown>();
  const varCache = new Map<string, unknown>();
  const inProgress = new Set<string>();
  const findKey = (obj: Record<string, unknown>, name: string) =>
    Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());

  const scope: ArmScope = {
    parameter(name) {
      const key = findKey(params, name) ?? findKey(supplied, name);
      if (key === undefined) throw new ArmExpressionError(`the template has no parameter '${name}'`);
      if (paramCache.has(key)) return paramCache.get(key);
      let value: unknown;
      const def = params[key];
      const suppliedKey = findKey(supplied, key);
      if (suppliedKey !== undefined) value = supplied[suppliedKey];
      else if (isRecord(def) && 'defaultValue' in def)
        value = guard(`parameters/${key}`, () => resolveValue(def.defaultValue, scope));
      else {
        value = standIn(key, isRecord(def) ? def.type : undefined);
        b.warn({
          rule: 'template-parameter-unset',
          file,
          path: jsonPath('$', 'parameters', key),
          reason: `template parameter '${key}' has no value (no defaultValue and none in a parameters file); using ${JSON.stringify(value)}. Pass --template-parameters FILE to set it`,
        });
      }
      paramCache.set(key, value);
      return value;
    },
    variable(name) {
      const key = findKey(vars, name);
      if (key === undefined) throw new ArmExpressionError(`the template has no variable '${name}'`);
      if (varCache.has(key)) return varCache.get(key);
      const value = guard(`variables/${key}`, () => resolveValue(vars[key], scope));
      varCache.set(key, value);
      return value;
    },
  };

  function guard<T>(id: string, f: () => T): T {
    if (inProgress.has(id)) throw new ArmExpressionError(`'${id}' refers to itself`);
    inProgress.add(id);
    try {
      return f();
    } finally {
      inProgress.delete(id);
    }
  }
  return scope;
}

function standIn(name: string, type: unknown): unknown {
  const t = typeof type === 'string' ? type.toLowerCase() : 'string';
  if (FACTORY_NAME_PARAMETERS.includes(name.toLowerCase())) return 'default';
  if (t === 'object' || t === 'secureobject') return {};
  if (t === 'array') return [];
  if (t === 'int') return 0;
  if (t === 'bool') return false;
  return name;
}

function resolveValue(v: unknown, scope: ArmScope): unknown {
  if (typeof v === 'string') return resolveArmString(v, scope);
  if (Array.isArray(v)) return v.map((x) => resolveValue(x, scope));
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveValue(x, scope)]));
  return v;
}

/** Resolves every ARM expression below a resource; one that fails is kept as written and reported. */
function resolveDeep(v: unknown, scope: ArmScope, path: string, b: FactoryBuilder, file: string): unknown {
  if (typeof v === 'string') {
    try {
      return resolveArmString(v, scope);
    } catch (e) {
      if (!(e instanceof ArmExpressionError)) throw e;
      b.problem({ rule: 'arm-expression', file, path, reason: e.message });
      return v;
    }
  }
  if (Array.isArray(v)) return v.map((x, i) => resolveDeep(x, scope, jsonPath(path, i), b, file));
  if (isRecord(v)) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, resolveDeep(x, scope, jsonPath(path, k), b, file)]),
    );
  }
  return v;
}
