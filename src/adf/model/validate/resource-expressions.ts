import { isExpressionError, parse, references, type Template } from '../../expressions/index.js';
import { jsonPath } from '../json-path.js';
import { isRecord } from '../normalize.js';
import type { FactoryRule, Findings } from './context.js';
import type { LoadedFactory, Resource } from '../types.js';

/**
 * Templates in datasets and linked services: each parses, and `dataset().x` / `linkedService().x` read a
 * parameter the dataset or linked service declares (case-insensitively). Sources: docs
 * parameterize-linked-services.md and the REST spec (`Dataset.parameters`, `LinkedService.parameters`).
 */
export const resourceExpressions: FactoryRule = (factory, findings) => {
  check(factory, findings, 'dataset', factory.datasets, 'datasetParameters', 'dataset()');
  check(factory, findings, 'linkedService', factory.linkedServices, 'linkedServiceParameters', 'linkedService()');
};

function check(
  factory: LoadedFactory,
  findings: Findings,
  kind: string,
  map: Map<string, Resource<{ parameters?: Record<string, unknown> } & Record<string, unknown>>>,
  refKey: 'datasetParameters' | 'linkedServiceParameters',
  fn: string,
): void {
  for (const [name, res] of map) {
    const key = `${kind}/${name}`;
    const src = factory.sources.get(key) ?? { file: factory.origin.path, path: '$' };
    const declared = new Set(Object.keys(res.properties.parameters ?? {}).map((p) => p.toLowerCase()));
    const push = (rule: string, path: string, reason: string) =>
      findings.problems.push({ rule, file: src.file, path, reason, resource: key });
    const walk = (v: unknown, path: string, top = false) => {
      if (typeof v === 'string') {
        if (!(v.startsWith('@') || v.includes('@{'))) return;
        let t: Template;
        try {
          t = parse(v);
        } catch (e) {
          if (!isExpressionError(e)) throw e;
          push('expression-syntax', path, e.message);
          return;
        }
        if (t.kind === 'literal') return;
        for (const p of references(t)[refKey]) {
          if (!declared.has(p.toLowerCase()))
            push('unknown-parameter', path, `${fn}.${p} reads a parameter ${kind} '${name}' does not declare`);
        }
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, jsonPath(path, i)));
      // The declarations themselves (`properties.parameters`) hold default values, not templates.
      else if (isRecord(v))
        for (const [k, x] of Object.entries(v)) if (!(top && k === 'parameters')) walk(x, jsonPath(path, k));
    };
    walk(res.properties, jsonPath(src.path, 'properties'), true);
  }
}
