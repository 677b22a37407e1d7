import type { ActivityNode } from '../model/index.js';
import { jsonPath } from '../model/json-path.js';
import type { Field } from './fields.js';
import { activityFields } from './fields.js';
import { isRecord } from './sources.js';
import type { PipelineFlow, SecretFlowAnalysis } from './analyze.js';
import { policyOf } from './policy.js';
import type { SecretFlowFinding, SecretSource, SinkKind } from './types.js';

/**
 * Where a secret would be shown. ADF's monitoring shows each activity run's input and output unless
 * `policy.secureInput` / `secureOutput` hide them; some places have no flag at all (AppendVariable, Fail,
 * userProperties, the caller's view of a pipelineReturnValue) and a URL escapes every flag.
 */

/** Activities without a policy: what they read is not shown as an input (ForEach shows only a count). */
const NO_INPUT_SHOWN = new Set(['IfCondition', 'Switch', 'ForEach', 'Until', 'Wait', 'Filter', 'Validation']);

interface Sink {
  kind: SinkKind;
  message: (src: string) => string;
  fix: string;
}

function label(f: Field): string {
  return f.segments
    .map((s) => (typeof s === 'number' ? `[${s}]` : s))
    .join('.')
    .replace(/\.\[/g, '[');
}

function sinkOf(analysis: SecretFlowAnalysis, n: ActivityNode, f: Field, isVaultRead: boolean): Sink | undefined {
  const a = n.activity;
  const tp = isRecord(a.typeProperties) ? a.typeProperties : {};
  const { secureInput, secureOutput } = policyOf(a);
  const [s0, s1, s2] = f.segments;
  const what = `${a.type} '${a.name}'`;
  const inputFix = `Set "policy": {"secureInput": true} on '${a.name}'.`;
  if (s0 === 'userProperties') {
    return {
      kind: 'user-property',
      message: (src) => `${what} shows ${src} in a user property; user properties are shown whatever the secure flags.`,
      fix: `Remove the secret from the userProperties of '${a.name}'.`,
    };
  }
  const inTp = s0 === 'typeProperties';
  switch (a.type) {
    case 'Fail':
      if (inTp && (s1 === 'message' || s1 === 'errorCode')) {
        return {
          kind: 'fail-message',
          message: (src) => `${what} puts ${src} into its ${s1}; errors are shown in monitoring and cannot be secured.`,
          fix: `Leave the value out of the Fail ${s1}: name the secret, never its value.`,
        };
      }
      return undefined;
    case 'AppendVariable':
      if (!inTp || s1 !== 'value') return undefined;
      return {
        kind: 'append-variable',
        message: (src) =>
          `${what} appends ${src} to variable '${String(tp.variableName)}'; AppendVariable has no secure flags, so the value is shown.`,
        fix: `Do not collect secrets in variables: read the secret where it is needed, from the activity that fetched it with secureOutput.`,
      };
    case 'SetVariable': {
      if (!inTp || s1 !== 'value') return undefined;
      if (tp.variableName === 'pipelineReturnValue') {
        const entry = Array.isArray(tp.value) && typeof s2 === 'number' ? tp.value[s2] : undefined;
        const key = isRecord(entry) ? String(entry.key) : '?';
        return {
          kind: 'return-value',
          message: (src) =>
            `${what} returns ${src} as pipelineReturnValue '${key}'; the caller's ExecutePipeline output shows return values and cannot be secured.`,
          fix: `Do not return secrets: read the secret in the calling pipeline (a Web activity with secureOutput) where it is needed.`,
        };
      }
      if (secureInput && secureOutput) return undefined;
      return {
        kind: 'set-variable',
        message: (src) =>
          `${what} copies ${src} into variable '${String(tp.variableName)}'; without secureInput and secureOutput its value is shown in monitoring.`,
        fix: `Use the secret directly where it is needed instead of copying it into a variable, or set "secureInput": true and "secureOutput": true in the policy of '${a.name}' (and secureInput on every activity that reads the variable).`,
      };
    }
    case 'WebActivity':
    case 'WebHook':
    case 'AzureFunctionActivity':
      // A vault read's URL is the secret's identifier (often a SecureString parameter by choice), not its value.
      if (
        inTp &&
        !isVaultRead &&
        ((a.type !== 'AzureFunctionActivity' && s1 === 'url') ||
          (a.type === 'AzureFunctionActivity' && s1 === 'functionName'))
      ) {
        return {
          kind: 'url',
          message: (src) =>
            `${what} puts ${src} into its URL; URLs end up in server, proxy and gateway logs, and no secure flag keeps them out.`,
          fix: `Send the secret in a header or the body instead of the URL${secureInput ? '' : `, and set "policy": {"secureInput": true} on '${a.name}'`}.`,
        };
      }
      break;
    case 'ExecutePipeline':
      if (inTp && s1 === 'parameters' && typeof s2 === 'string') {
        const child = analysis.childOf(a);
        const childType = child?.parameterType(s2);
        if (child && childType !== 'SecureString') {
          return {
            kind: 'child-parameter',
            message: (src) =>
              `${what} passes ${src} to parameter '${s2}' of pipeline '${child.name}', which is ${childType ? `of type ${childType}` : 'not declared'}, so the child run's parameters show it.`,
            fix: `Declare parameter '${s2}' of pipeline '${child.name}' as SecureString${secureInput ? '' : ` and set "policy": {"secureInput": true} on '${a.name}'`}.`,
          };
        }
      }
      break;
  }
  if (NO_INPUT_SHOWN.has(a.type) || secureInput) return undefined;
  return {
    kind: 'activity-input',
    message: (src) =>
      `${what} reads ${src} in ${label(f)} without secureInput, so its input shows the secret in monitoring.`,
    fix: inputFix,
  };
}

/** The findings of one pipeline, once taints have settled. */
export function sinkFindings(analysis: SecretFlowAnalysis, flow: PipelineFlow): SecretFlowFinding[] {
  const out: SecretFlowFinding[] = [];
  const sourcesOf = (ids: Iterable<string>): SecretSource[] =>
    [...ids].map((id) => analysis.sources.get(id)).filter((s): s is SecretSource => s !== undefined);
  for (const n of flow.nodes) {
    const a = n.activity;
    const readId = flow.vaultReads.get(a.name.toLowerCase());
    if (readId && !policyOf(a).secureOutput) {
      out.push({
        file: flow.file,
        pipeline: flow.name,
        activity: a.name,
        path: jsonPath(n.path, 'policy'),
        sink: 'secret-output',
        sources: sourcesOf([readId]),
        message: `WebActivity '${a.name}' reads a Key Vault secret without secureOutput, so its output — the secret — is shown in monitoring.`,
        fix: `Set "policy": {"secureOutput": true} on '${a.name}' (and secureInput on every activity that uses its output).`,
      });
    }
    for (const f of activityFields(a, n.path)) {
      const taint = analysis.fieldTaint(flow, n, f);
      if (!taint.size) continue;
      const sink = sinkOf(analysis, n, f, readId !== undefined);
      if (!sink) continue;
      const sources = sourcesOf(taint);
      out.push({
        file: flow.file,
        pipeline: flow.name,
        activity: a.name,
        path: f.path,
        sink: sink.kind,
        sources,
        message: sink.message(sources[0]?.description ?? 'a secret'),
        fix: sink.fix,
      });
    }
  }
  return out;
}
