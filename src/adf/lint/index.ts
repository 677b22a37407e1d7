/**
 * The secret-flow lint (`pipevault lint`, and warnings in `pipevault validate`): which secrets of a factory
 * reach a place where ADF's monitoring, a log or a URL would show them. docs/secret-hygiene.md.
 * Imports only the model and the expression language (it sits between them and the engine).
 */
import type { Factory, Problem } from '../model/index.js';
import { analyzeSecretFlows } from './analyze.js';

export { analyzeSecretFlows } from './analyze.js';
export type { SecretFlowFinding, SecretFlowReport, SecretSource, SinkKind, SourceKind } from './types.js';

/** The findings as validation warnings (rule `secret-flow`), for `pipevault validate` to list apart. */
export function secretFlowFindings(factory: Factory): Problem[] {
  return analyzeSecretFlows(factory).findings.map((f) => ({
    rule: 'secret-flow',
    file: f.file,
    path: f.path,
    reason: `${f.message} Fix: ${f.fix}`,
    resource: `pipeline/${f.pipeline}`,
  }));
}
export { discoverFactories } from './discover.js';
