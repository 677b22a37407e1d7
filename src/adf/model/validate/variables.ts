import { ancestorsOf } from '../activity-tree.js';
import { jsonPath } from '../json-path.js';
import { canonicalParameterType, canonicalVariableType, isRecord } from '../normalize.js';
import type { PipelineRule } from './context.js';

/**
 * Variable targets and declared types. SetVariable and AppendVariable name a declared variable (REST spec
 * `variableName`), except the pipeline return value (`setSystemVariable: true` with `pipelineReturnValue`);
 * AppendVariable's target must be an Array variable (REST spec AppendVariableActivity). Parameter types are
 * Object, String, Int, Float, Bool, Array, SecureString and variable types String, Bool, Array (REST spec),
 * in any case, with the UI's `Boolean` and `Integer` (spec §1.1).
 */
export const variableTargets: PipelineRule = (ctx) => {
  const declared = new Map(
    Object.entries(ctx.pipeline.properties.variables ?? {}).map(([k, v]) => [k.toLowerCase(), { name: k, spec: v }]),
  );
  for (const n of ctx.nodes) {
    const t = n.activity.type;
    if ((t !== 'SetVariable' && t !== 'AppendVariable') || n.activity.state === 'Inactive') continue;
    const tp = isRecord(n.activity.typeProperties) ? n.activity.typeProperties : {};
    const at = jsonPath(n.path, 'typeProperties', 'variableName');
    const name = tp.variableName;
    if (t === 'SetVariable' && tp.setSystemVariable === true) {
      if (name !== 'pipelineReturnValue')
        ctx.problem(
          'unknown-variable',
          at,
          `SetVariable '${n.activity.name}' sets the system variable '${String(name)}'; the only system variable is 'pipelineReturnValue'`,
        );
      continue;
    }
    if (typeof name !== 'string' || !name) {
      ctx.problem(
        'unknown-variable',
        at,
        `${t} '${n.activity.name}' names no variable (typeProperties.variableName is required)`,
      );
      continue;
    }
    const v = declared.get(name.toLowerCase());
    if (!v) {
      ctx.problem(
        'unknown-variable',
        at,
        `${t} '${n.activity.name}' sets variable '${name}', which the pipeline does not declare${hint(declared)}`,
      );
    } else if (t === 'AppendVariable' && canonicalVariableType(v.spec.type) !== 'Array') {
      ctx.problem(
        'append-to-non-array',
        at,
        `AppendVariable '${n.activity.name}' appends to '${v.name}', a ${String(v.spec.type)} variable; AppendVariable needs an Array variable`,
      );
    }
  }
};

export const declaredTypes: PipelineRule = (ctx) => {
  for (const [name, spec] of Object.entries(ctx.pipeline.properties.parameters ?? {})) {
    if (!canonicalParameterType(spec.type)) {
      ctx.problem(
        'unknown-type',
        jsonPath(ctx.base, 'properties', 'parameters', name, 'type'),
        `parameter '${name}' has type '${String(spec.type)}'; use String, Int, Float, Bool, Array, Object or SecureString`,
      );
    }
  }
  for (const [name, spec] of Object.entries(ctx.pipeline.properties.variables ?? {})) {
    if (!canonicalVariableType(spec.type)) {
      ctx.problem(
        'unknown-type',
        jsonPath(ctx.base, 'properties', 'variables', name, 'type'),
        `variable '${name}' has type '${String(spec.type)}'; use String, Boolean or Array`,
      );
    }
  }
};

/**
 * Variables are pipeline-wide, not per iteration (docs control-flow-for-each-activity.md), so a SetVariable
 * inside a parallel ForEach races with itself. ADF accepts it; this is a warning.
 */
export const setVariableInParallelLoop: PipelineRule = (ctx) => {
  for (const n of ctx.nodes) {
    if (n.activity.type !== 'SetVariable') continue;
    const loop = ancestorsOf(n).find((a) => a.activity.type === 'ForEach');
    if (!loop) continue;
    const tp = isRecord(loop.activity.typeProperties) ? loop.activity.typeProperties : {};
    if (tp.isSequential === true) continue;
    const tpn = isRecord(n.activity.typeProperties) ? n.activity.typeProperties : {};
    ctx.warning(
      'set-variable-in-parallel-foreach',
      jsonPath(n.path, 'typeProperties', 'variableName'),
      `SetVariable '${n.activity.name}' sets '${String(tpn.variableName)}' inside ForEach '${loop.activity.name}', which runs its iterations in parallel; variables are shared by all iterations, so the value left is whichever iteration wrote last. Set isSequential or use AppendVariable`,
    );
  }
};

function hint(declared: Map<string, { name: string }>): string {
  const names = [...declared.values()].map((v) => v.name);
  return names.length ? ` (declared: ${names.join(', ')})` : ' (it declares no variables)';
}
