import { walkActivities, type ActivityNode } from '../activity-tree.js';
import { jsonPath } from '../json-path.js';
import type { LoadedFactory, Pipeline, Problem } from '../types.js';

/** Where findings go. Problems fail validation (exit 1); warnings are listed apart and never change it. */
export interface Findings {
  problems: Problem[];
  warnings: Problem[];
}

/** Everything a pipeline rule needs, computed once per pipeline. */
export interface PipelineContext {
  factory: LoadedFactory;
  pipeline: Pipeline;
  /** `pipeline/NAME`, the key of `factory.sources`. */
  key: string;
  file: string;
  /** JSON path of the pipeline resource in its file (`$`, or `$.resources[3]` in an ARM template). */
  base: string;
  /** Every activity, containers' children included, parents first. */
  nodes: ActivityNode[];
  /** Activities by lower-cased name (the first one, when a name is duplicated). */
  byName: Map<string, ActivityNode>;
  problem(rule: string, path: string, reason: string): void;
  warning(rule: string, path: string, reason: string): void;
}

export function pipelineContext(factory: LoadedFactory, pipeline: Pipeline, findings: Findings): PipelineContext {
  const key = `pipeline/${pipeline.name}`;
  const src = factory.sources.get(key) ?? { file: factory.origin.path, path: '$' };
  const nodes = walkActivities(pipeline.properties.activities, jsonPath(src.path, 'properties', 'activities'));
  const byName = new Map<string, ActivityNode>();
  for (const n of nodes) if (!byName.has(n.activity.name.toLowerCase())) byName.set(n.activity.name.toLowerCase(), n);
  const make = (list: Problem[]) => (rule: string, path: string, reason: string) =>
    list.push({ rule, file: src.file, path, reason, resource: key });
  return {
    factory,
    pipeline,
    key,
    file: src.file,
    base: src.path,
    nodes,
    byName,
    problem: make(findings.problems),
    warning: make(findings.warnings),
  };
}

export type PipelineRule = (ctx: PipelineContext) => void;
export type FactoryRule = (factory: LoadedFactory, findings: Findings) => void;
