import { jsonPath } from '../json-path.js';
import { isRecord } from '../normalize.js';
import type { PipelineRule } from './context.js';

/**
 * Execute Pipeline calls against the child's declared parameters: a parameter the child does not declare,
 * or a child parameter without `defaultValue` that the call does not pass ("No value provided for Parameter
 * 'X'" at run time, spec §1.1). ADF's publish does not stop either, so both are warnings. Children given by
 * expression, or not in the factory, are not judged here.
 */
export const executePipelineParameters: PipelineRule = (ctx) => {
  for (const n of ctx.nodes) {
    const a = n.activity;
    if (a.type !== 'ExecutePipeline' || a.state === 'Inactive' || !isRecord(a.typeProperties)) continue;
    const ref = a.typeProperties.pipeline;
    if (!isRecord(ref) || typeof ref.referenceName !== 'string') continue;
    const target = ref.referenceName.toLowerCase();
    const child = [...ctx.factory.pipelines.values()].find((p) => p.name.toLowerCase() === target);
    if (!child) continue;
    const declared = new Map(
      Object.entries(child.properties.parameters ?? {}).map(([k, v]) => [k.toLowerCase(), { name: k, spec: v }]),
    );
    const passed = isRecord(a.typeProperties.parameters) ? a.typeProperties.parameters : {};
    const passedLower = new Set(Object.keys(passed).map((k) => k.toLowerCase()));
    for (const k of Object.keys(passed)) {
      if (!declared.has(k.toLowerCase())) {
        ctx.warning(
          'execute-pipeline-parameters',
          jsonPath(n.path, 'typeProperties', 'parameters', k),
          `Execute Pipeline '${a.name}' passes '${k}', which pipeline '${child.name}' does not declare`,
        );
      }
    }
    for (const [lower, { name, spec }] of declared) {
      if (!passedLower.has(lower) && !('defaultValue' in spec)) {
        ctx.warning(
          'execute-pipeline-parameters',
          jsonPath(n.path, 'typeProperties', 'parameters'),
          `Execute Pipeline '${a.name}' does not pass '${name}', which pipeline '${child.name}' requires (it has no default value)`,
        );
      }
    }
  }
};
