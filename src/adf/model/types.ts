/**
 * The ADF JSON model as ADF stores it (git folder layout and ARM export). Field names are ADF's own; unknown
 * fields are kept (index signatures), because "run unmodified" means never rejecting what ADF accepts.
 * Loading (./load*.ts) normalises the lenient spellings real factories use (lower-case parameter types,
 * `Boolean` variables, `isSequential` as a string) without discarding the original JSON.
 */

/** A value that may be a literal, an `@` template string, or `{"value": "@…", "type": "Expression"}`. */
export type ExpressionValue = unknown;

export type ParameterType = 'String' | 'Int' | 'Float' | 'Bool' | 'Array' | 'Object' | 'SecureString';
export type VariableType = 'String' | 'Bool' | 'Array' | 'Integer';

export interface ParameterSpec {
  type: ParameterType;
  defaultValue?: unknown;
  [extra: string]: unknown;
}

export interface VariableSpec {
  type: VariableType;
  defaultValue?: unknown;
  [extra: string]: unknown;
}

export type DependencyCondition = 'Succeeded' | 'Failed' | 'Skipped' | 'Completed';

export interface ActivityDependency {
  activity: string;
  dependencyConditions: DependencyCondition[];
  [extra: string]: unknown;
}

export interface ActivityPolicy {
  /** .NET TimeSpan `[d.]hh:mm:ss`, or an expression. Default 7 days. */
  timeout?: ExpressionValue;
  retry?: ExpressionValue;
  retryIntervalInSeconds?: number;
  secureInput?: boolean;
  secureOutput?: boolean;
  [extra: string]: unknown;
}

export interface Reference {
  referenceName: string;
  type: string;
  parameters?: Record<string, ExpressionValue>;
  [extra: string]: unknown;
}

export interface Activity {
  name: string;
  type: string;
  description?: string;
  state?: 'Active' | 'Inactive';
  onInactiveMarkAs?: 'Succeeded' | 'Failed' | 'Skipped';
  dependsOn?: ActivityDependency[];
  policy?: ActivityPolicy;
  userProperties?: { name: string; value: ExpressionValue }[];
  linkedServiceName?: Reference;
  typeProperties?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface PipelineProperties {
  description?: string;
  activities: Activity[];
  parameters?: Record<string, ParameterSpec>;
  variables?: Record<string, VariableSpec>;
  concurrency?: number;
  annotations?: unknown[];
  folder?: { name: string };
  policy?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** A resource as ADF stores it: `{name, properties, type?, etag?}`. */
export interface Resource<P> {
  name: string;
  properties: P;
  type?: string;
  etag?: string;
  [extra: string]: unknown;
}

export type Pipeline = Resource<PipelineProperties>;

export interface LinkedServiceProperties {
  type: string;
  typeProperties?: Record<string, unknown>;
  parameters?: Record<string, ParameterSpec>;
  connectVia?: Reference;
  annotations?: unknown[];
  [extra: string]: unknown;
}
export type LinkedService = Resource<LinkedServiceProperties>;

export interface DatasetProperties {
  type: string;
  linkedServiceName: Reference;
  parameters?: Record<string, ParameterSpec>;
  typeProperties?: Record<string, unknown>;
  [extra: string]: unknown;
}
export type Dataset = Resource<DatasetProperties>;

export interface TriggerProperties {
  type: string;
  runtimeState?: string;
  pipelines?: { pipelineReference: Reference; parameters?: Record<string, unknown> }[];
  pipeline?: { pipelineReference: Reference; parameters?: Record<string, unknown> };
  typeProperties?: Record<string, unknown>;
  [extra: string]: unknown;
}
export type Trigger = Resource<TriggerProperties>;

export type Credential = Resource<{ type: string; typeProperties?: Record<string, unknown>; [extra: string]: unknown }>;
export type IntegrationRuntime = Resource<{ type: string; [extra: string]: unknown }>;

export interface GlobalParameterSpec {
  type: ParameterType;
  value: unknown;
}

export interface FactoryIdentity {
  type?: string;
  principalId?: string;
  tenantId?: string;
  [extra: string]: unknown;
}

/** Where a resource came from, so validation can name the file and JSON path. */
export interface SourceLocation {
  file: string;
  /** JSON pointer-ish path inside the file, e.g. `$.properties.activities[2]`. */
  path: string;
}

/** A whole factory: what a git folder or an ARM export holds. Maps are keyed by resource name as written. */
export interface Factory {
  name: string;
  identity?: FactoryIdentity;
  globalParameters: Record<string, GlobalParameterSpec>;
  pipelines: Map<string, Pipeline>;
  linkedServices: Map<string, LinkedService>;
  datasets: Map<string, Dataset>;
  triggers: Map<string, Trigger>;
  credentials: Map<string, Credential>;
  integrationRuntimes: Map<string, IntegrationRuntime>;
  /** Resource kind + name → where it was read from. Key: `pipeline/NAME`, `linkedService/NAME`, … */
  sources: Map<string, SourceLocation>;
}

// ---- additions by the model loader (additive: the names above stay as they are) -------------------------

export type Dataflow = Resource<{ type?: string; typeProperties?: Record<string, unknown>; [extra: string]: unknown }>;
export type ManagedVirtualNetwork = Resource<Record<string, unknown>>;
export type ManagedPrivateEndpoint = Resource<Record<string, unknown>>;

/** What a factory was loaded from. */
export type FactoryOriginKind = 'git' | 'arm' | 'pipeline-file';

export interface FactoryOrigin {
  kind: FactoryOriginKind;
  /** The folder (git) or the file (ARM template, pipeline file) that was loaded, as given. */
  path: string;
  /** For ARM templates: the parameters file whose values were applied, if any. */
  templateParametersFile?: string;
}

/**
 * One finding of loading or validation. `rule` names the check (see docs/validation.md), `file` and `path`
 * say where (`path` is a JSON path such as `$.properties.activities[2].dependsOn[0].activity`), `reason` says
 * what is wrong in words a pipeline author can act on.
 */
export interface Problem {
  rule: string;
  file: string;
  path: string;
  reason: string;
  /** The resource the finding belongs to, as a `sources` key (`pipeline/NAME`), when there is one. */
  resource?: string;
  /** 1-based line and column of `path` in `file`, when located (`locateFindings`). */
  line?: number;
  column?: number;
}

/**
 * Optional parts of a loaded factory. `Factory` (above) is what every loader fills; a loader from this
 * folder returns a `LoadedFactory`, which is a `Factory` with these extras, so code that only needs a
 * `Factory` never has to know about them.
 */
export interface LoadedFactoryExtras {
  origin: FactoryOrigin;
  dataflows: Map<string, Dataflow>;
  managedVirtualNetworks: Map<string, ManagedVirtualNetwork>;
  managedPrivateEndpoints: Map<string, ManagedPrivateEndpoint>;
  /** Global configurations from the factory file (`properties.globalConfigurations`), kept as written. */
  globalConfigurations?: Record<string, unknown>;
  /** True when a factory file (git `factory/*.json`, or an ARM factory resource / global parameters) was read. */
  hasFactoryFile: boolean;
  /** The JSON of each resource exactly as read (BOM stripped, ARM expressions resolved), keyed like `sources`. */
  originals: Map<string, unknown>;
  /** Resources that could not be taken into the model (a required field missing or of the wrong type). */
  loadProblems: Problem[];
  /** Things the loader decided for the user (a template parameter without a value, an ignored file). */
  loadWarnings: Problem[];
}

export type LoadedFactory = Factory & LoadedFactoryExtras;
