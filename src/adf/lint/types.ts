/**
 * The secret-flow lint's vocabulary. A source is where a secret enters a pipeline; a sink is a place that would
 * show it (ADF's monitoring shows activity inputs and outputs, variables, run parameters, error messages and
 * URLs unless secure flags hide them). A finding is one flow from a source into a sink.
 */

export type SourceKind =
  /** A Web activity GETting `…/secrets/{name}` (or calling Key Vault with its managed identity). */
  | 'vault-read'
  /** An activity with `policy.secureOutput`: its author declared the output secret. */
  | 'secure-output'
  /** A pipeline parameter of type SecureString. */
  | 'secure-parameter'
  /** An `AzureKeyVaultSecret` reference in a linked service or an activity (resolved inside the connector). */
  | 'key-vault-reference';

export interface SecretSource {
  /** Stable id: `kind:pipeline/activity-or-parameter` (linked services: `kind:linkedService/NAME#path`). */
  id: string;
  kind: SourceKind;
  file: string;
  /** JSON path of the activity, parameter or reference. */
  path: string;
  pipeline?: string;
  activity?: string;
  parameter?: string;
  linkedService?: string;
  /** For messages: `the secret read by 'Get Secret' (pipeline 'pl_x')`. */
  description: string;
}

export type SinkKind =
  /** An activity that can set secureInput reads the secret without it: its input is shown. */
  | 'activity-input'
  /** A SetVariable of the secret without both secure flags: the value is shown. */
  | 'set-variable'
  /** AppendVariable has no secure flags: the appended value is always shown. */
  | 'append-variable'
  /** A pipelineReturnValue holding the secret: it shows in the caller's ExecutePipeline output. */
  | 'return-value'
  /** An ExecutePipeline parameter whose child parameter is not SecureString: the child run shows it. */
  | 'child-parameter'
  /** A Fail activity's message or error code: errors are shown and cannot be secured. */
  | 'fail-message'
  /** A URL or query string: hidden by no flag from server logs, proxies and the called service. */
  | 'url'
  /** userProperties are shown in monitoring whatever the flags. */
  | 'user-property'
  /** A vault read without secureOutput: the secret itself is its output. */
  | 'secret-output';

export interface SecretFlowFinding {
  file: string;
  pipeline: string;
  activity: string;
  /** JSON path of the field that shows the secret (`$.properties.activities[1].typeProperties.url`). */
  path: string;
  sink: SinkKind;
  /** The sources whose value reaches this field (the first is the one named in the message). */
  sources: SecretSource[];
  /** What is wrong, in one sentence. */
  message: string;
  /** What to change. */
  fix: string;
}

export interface SecretFlowReport {
  findings: SecretFlowFinding[];
  /** Every source found, whether or not it reaches a sink. */
  sources: SecretSource[];
  pipelines: number;
}
