import type { Factory, Pipeline, Resource } from './types.js';

/**
 * Resource lookup by name as ADF does it: case-insensitively (naming-rules.md, "Names are case-insensitive"),
 * the exact spelling first. Returns undefined when there is none.
 */
export function findByName<R extends Resource<unknown>>(map: Map<string, R>, name: string): R | undefined {
  const exact = map.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of map) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function findPipeline(factory: Factory, name: string): Pipeline | undefined {
  return findByName(factory.pipelines, name);
}
