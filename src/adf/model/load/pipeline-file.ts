import { basename } from 'node:path';
import { isRecord } from '../normalize.js';
import { createFactoryBuilder } from './builder.js';
import type { LoadedFactory } from '../types.js';

export function isPipelineJson(json: unknown): boolean {
  return isRecord(json) && isRecord(json.properties) && Array.isArray(json.properties.activities);
}

/**
 * One pipeline file (`pipeline/NAME.json` as ADF's git integration writes it) as a factory of one pipeline.
 * Nothing else of the factory is known, so references to other resources are not checked.
 */
export function loadPipelineFile(file: string, json: unknown, opts: { factoryName?: string } = {}): LoadedFactory {
  const b = createFactoryBuilder({ kind: 'pipeline-file', path: file }, opts.factoryName ?? 'default');
  const withName = isRecord(json) && json.name === undefined ? { ...json, name: basename(file, '.json') } : json;
  b.addResource('pipeline', withName, { file, path: '$' });
  return b.factory;
}
