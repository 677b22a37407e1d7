import { createFactoryBuilder, type ResourceKind } from '../model/load/builder.js';
import { validate } from '../model/validate/index.js';
import type { LoadedFactory, Problem } from '../model/types.js';
import type { FactoryRecord, FactoryResourceKind, FactoryResourceRecord } from '../../storage/factory-store.js';

/**
 * Turns what the management API stores into the ADF model, so a PUT is validated exactly as
 * `pipevault validate` validates a folder, and runs execute the stored definitions. Each resource's "file" in
 * findings is its API path (`pipelines/NAME`).
 */

export const MODEL_KIND: Record<Exclude<FactoryResourceKind, 'globalParameters'>, ResourceKind> = {
  pipelines: 'pipeline',
  linkedservices: 'linkedService',
  datasets: 'dataset',
  triggers: 'trigger',
  credentials: 'credential',
};

/** ARM resource types by kind. */
export const ARM_TYPE: Record<FactoryResourceKind, string> = {
  pipelines: 'Microsoft.DataFactory/factories/pipelines',
  linkedservices: 'Microsoft.DataFactory/factories/linkedservices',
  datasets: 'Microsoft.DataFactory/factories/datasets',
  triggers: 'Microsoft.DataFactory/factories/triggers',
  credentials: 'Microsoft.DataFactory/factories/credentials',
  globalParameters: 'Microsoft.DataFactory/factories/globalParameters',
};

export interface CandidateResource {
  kind: FactoryResourceKind;
  name: string;
  properties: Record<string, unknown>;
}

/** The model key a resource has in `sources` and findings (`pipeline/NAME`). */
export function modelKey(kind: FactoryResourceKind, name: string): string {
  return kind === 'globalParameters' ? `globalParameter/${name}` : `${MODEL_KIND[kind]}/${name}`;
}

/**
 * Assembles a factory from stored resources; `candidates` replace stored ones of the same kind and name
 * (case-insensitively), `removed` are left out.
 */
export function assembleFactory(opts: {
  factory: Pick<FactoryRecord, 'name' | 'properties'>;
  resources: readonly FactoryResourceRecord[];
  candidates?: readonly CandidateResource[];
  removed?: { kind: FactoryResourceKind; name: string };
}): LoadedFactory {
  const b = createFactoryBuilder({ kind: 'git', path: `factories/${opts.factory.name}` }, opts.factory.name);
  const same = (a: { kind: string; name: string }, c: { kind: string; name: string }) =>
    a.kind === c.kind && a.name.toLowerCase() === c.name.toLowerCase();
  const candidates = opts.candidates ?? [];
  const all: CandidateResource[] = [
    ...opts.resources.filter((r) => !candidates.some((c) => same(r, c)) && !(opts.removed && same(r, opts.removed))),
    ...candidates,
  ];
  const globals = opts.factory.properties.globalParameters;
  if (globals && typeof globals === 'object') {
    b.addGlobalParameters(globals as Record<string, unknown>, { file: `factories/${opts.factory.name}`, path: '$' });
  }
  for (const r of all) {
    const where = { file: `${r.kind}/${r.name}`, path: '$' };
    if (r.kind === 'globalParameters') b.addGlobalParameters(r.properties, where);
    else b.addResource(MODEL_KIND[r.kind], { name: r.name, properties: structuredClone(r.properties) }, where);
  }
  b.factory.name = opts.factory.name;
  return b.factory;
}

/** Problems ADF would reject a publish of `candidates` for (findings about other resources are not theirs). */
export function candidateProblems(factory: LoadedFactory, candidates: readonly CandidateResource[]): Problem[] {
  const keys = new Set(candidates.map((c) => modelKey(c.kind, c.name).toLowerCase()));
  const files = new Set(candidates.map((c) => `${c.kind}/${c.name}`));
  const { problems } = validate(factory);
  return problems.filter((p) => (p.resource ? keys.has(p.resource.toLowerCase()) : files.has(p.file)));
}

export function describeProblems(problems: readonly Problem[]): string {
  const shown = problems.slice(0, 10).map((p) => `${p.file} ${p.path}: ${p.reason}`);
  const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : '';
  return `${shown.join('; ')}${more}`;
}
