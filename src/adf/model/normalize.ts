import type { ParameterSpec, ParameterType, VariableSpec, VariableType } from './types.js';

/**
 * The lenient spellings real factories use, mapped to the spec's names. ADF's UI writes lower-case
 * parameter types and `Boolean` variables; older tools and docs write `"isSequential": "true"`. Values that
 * are not recognised are kept as written (validation reports them), never dropped.
 */

const PARAMETER_TYPES: Record<string, ParameterType> = {
  string: 'String',
  int: 'Int',
  integer: 'Int',
  float: 'Float',
  bool: 'Bool',
  boolean: 'Bool',
  array: 'Array',
  object: 'Object',
  securestring: 'SecureString',
};

const VARIABLE_TYPES: Record<string, VariableType> = {
  string: 'String',
  bool: 'Bool',
  boolean: 'Bool',
  array: 'Array',
  integer: 'Integer',
  int: 'Integer',
};

export function canonicalParameterType(t: unknown): ParameterType | undefined {
  return typeof t === 'string' ? PARAMETER_TYPES[t.toLowerCase()] : undefined;
}

export function canonicalVariableType(t: unknown): VariableType | undefined {
  return typeof t === 'string' ? VARIABLE_TYPES[t.toLowerCase()] : undefined;
}

/** Rewrites each spec's `type` to its canonical spelling in place; unknown types stay as written. */
export function normalizeParameterSpecs(specs: unknown): void {
  if (!isRecord(specs)) return;
  for (const spec of Object.values(specs)) {
    if (!isRecord(spec)) continue;
    const t = canonicalParameterType(spec.type);
    if (t) (spec as ParameterSpec).type = t;
  }
}

export function normalizeVariableSpecs(specs: unknown): void {
  if (!isRecord(specs)) return;
  for (const spec of Object.values(specs)) {
    if (!isRecord(spec)) continue;
    const t = canonicalVariableType(spec.type);
    if (t) (spec as VariableSpec).type = t;
  }
}

/** `true`, `"true"`, `"True"` → true; `false`/`"false"` → false; anything else (an expression) unchanged. */
export function lenientBoolean(v: unknown): unknown {
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return v;
}

/** `"20"` → 20 where ADF takes an integer; expressions and other values unchanged. */
export function lenientInteger(v: unknown): unknown {
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return v;
}

const CONDITIONS = ['Succeeded', 'Failed', 'Skipped', 'Completed'];
const STATES = ['Active', 'Inactive'];
const MARK_AS = ['Succeeded', 'Failed', 'Skipped'];

/** The activity types of the 2018-06-01 spec (and Fabric's TridentNotebook), for case-insensitive lookup. */
export const KNOWN_ACTIVITY_TYPES = [
  'Copy',
  'HDInsightHive',
  'HDInsightPig',
  'HDInsightMapReduce',
  'HDInsightStreaming',
  'HDInsightSpark',
  'ExecuteSSISPackage',
  'Custom',
  'SqlServerStoredProcedure',
  'ExecutePipeline',
  'Delete',
  'AzureDataExplorerCommand',
  'Lookup',
  'WebActivity',
  'GetMetadata',
  'IfCondition',
  'Switch',
  'ForEach',
  'AzureMLBatchExecution',
  'AzureMLUpdateResource',
  'AzureMLExecutePipeline',
  'DataLakeAnalyticsU-SQL',
  'Wait',
  'Fail',
  'Until',
  'Validation',
  'Filter',
  'DatabricksNotebook',
  'DatabricksSparkJar',
  'DatabricksSparkPython',
  'SetVariable',
  'AppendVariable',
  'AzureFunctionActivity',
  'WebHook',
  'ExecuteDataFlow',
  'ExecuteWranglingDataflow',
  'Script',
  'SynapseNotebook',
  'SparkJob',
  'TridentNotebook',
];

const byLower = (names: string[]) => new Map(names.map((n) => [n.toLowerCase(), n]));
const CONDITION_BY_LOWER = byLower(CONDITIONS);
const STATE_BY_LOWER = byLower(STATES);
const MARK_AS_BY_LOWER = byLower(MARK_AS);
const TYPE_BY_LOWER = byLower(KNOWN_ACTIVITY_TYPES);

const canon = (table: Map<string, string>, v: unknown) =>
  typeof v === 'string' ? (table.get(v.toLowerCase()) ?? v) : v;

/**
 * Normalises one activity object in place (not its children): type, state, onInactiveMarkAs and dependency
 * conditions in canonical case; ForEach `isSequential`/`batchCount` and policy booleans from strings.
 */
export function normalizeActivity(a: Record<string, unknown>): void {
  a.type = canon(TYPE_BY_LOWER, a.type);
  if ('state' in a) a.state = canon(STATE_BY_LOWER, a.state);
  if ('onInactiveMarkAs' in a) a.onInactiveMarkAs = canon(MARK_AS_BY_LOWER, a.onInactiveMarkAs);
  if (Array.isArray(a.dependsOn)) {
    for (const d of a.dependsOn) {
      if (isRecord(d) && Array.isArray(d.dependencyConditions)) {
        d.dependencyConditions = d.dependencyConditions.map((c) => canon(CONDITION_BY_LOWER, c));
      }
    }
  }
  if (isRecord(a.policy)) {
    for (const k of ['secureInput', 'secureOutput']) if (k in a.policy) a.policy[k] = lenientBoolean(a.policy[k]);
    for (const k of ['retry', 'retryIntervalInSeconds']) if (k in a.policy) a.policy[k] = lenientInteger(a.policy[k]);
  }
  const tp = a.typeProperties;
  if (isRecord(tp)) {
    if ('isSequential' in tp) tp.isSequential = lenientBoolean(tp.isSequential);
    if ('batchCount' in tp) tp.batchCount = lenientInteger(tp.batchCount);
    if ('waitOnCompletion' in tp) tp.waitOnCompletion = lenientBoolean(tp.waitOnCompletion);
    if ('setSystemVariable' in tp) tp.setSystemVariable = lenientBoolean(tp.setSystemVariable);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
