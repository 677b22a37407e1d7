/**
 * The ADF model: the JSON as ADF stores it, loaders for the layouts it is stored in, and validation.
 *
 * Glossary — the words every other folder uses (same text in docs/glossary.md and ./glossary.md):
 * - factory: a Data Factory (or Synapse workspace) — its pipelines, linked services, datasets, triggers,
 *   credentials, integration runtimes and global parameters, plus its system-assigned managed identity.
 * - pipeline: a named graph of activities with parameters and variables (`pipeline/NAME.json`).
 * - activity: one step of a pipeline (`{name, type, dependsOn, policy, typeProperties}`); a container
 *   (ForEach, Until, IfCondition, Switch) holds further activities.
 * - pipeline run: one execution of a pipeline, identified by a run ID, with parameters, a status
 *   (Queued, InProgress, Succeeded, Failed, Canceling, Cancelled) and, for a child, who invoked it.
 * - activity run: one execution of an activity inside a pipeline run — once per ForEach iteration and per
 *   Until pass, and once per attempt.
 * - attempt: one try of an activity run; `policy.retry` allows more after a failure, each recorded with its
 *   `retryAttempt` number.
 * - trigger run: one firing of a trigger (schedule, tumbling window, event or manual) that started pipeline runs.
 * - linked service: a connection definition (`linkedService/NAME.json`) — where a system is and how to
 *   authenticate; its secrets may be references into a vault.
 * - dataset: a named shape of data in a linked service (`dataset/NAME.json`), used by Copy, Lookup, GetMetadata.
 * - vault: a Key Vault–compatible secret store, reached as `https://{vault}.vault.azure.net`.
 * - secret: a named value in a vault; it has versions, attributes (enabled, expiry, content type) and tags.
 * - version: one immutable value of a secret, named by 32 hex characters; the latest is what an unversioned
 *   secret URI returns.
 * - principal: who calls — a service principal (an app ID with a secret), a managed identity, or a user —
 *   identified in tokens by its object ID (and app ID).
 * - identity: a managed identity: the factory's system-assigned one (`principal: "factory"`) or a
 *   user-assigned one referenced through a credential.
 */
export * from './types.js';
export { loadFactory, loadFactorySync, type LoadFactoryOptions } from './load/factory.js';
export { validate, type Findings } from './validate/index.js';
export { walkActivities, childLists, ancestorsOf, type ActivityNode, type ChildList } from './activity-tree.js';
export { parseTimeSpan } from './timespan.js';
export { canonicalParameterType, canonicalVariableType } from './normalize.js';
export { readJsonFile, parseJsonText } from './json-file.js';
export {
  loadWorkspace,
  checkWorkspaceJson,
  WORKSPACE_FILE,
  type Workspace,
  type WorkspaceSecret,
  type SecretVersion,
  type AccessPolicy,
  type LoadWorkspaceOptions,
} from './workspace/load.js';
export { SecretText } from './workspace/secret-text.js';
export { loadMocksFile, findMock, type Mock } from './workspace/mocks.js';
export { SECRET_PERMISSIONS, type SecretPermission } from './workspace/schema.js';
export { findByName, findPipeline } from './lookup.js';
export { locate, locateFindings } from './json-locate.js';
