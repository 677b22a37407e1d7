import { z } from 'zod';
import { jsonPath } from './json-path.js';
import type { Problem } from './types.js';

/**
 * Lenient shapes of ADF resources: only what the model relies on is required, every object is loose so
 * unknown fields are kept (ADF itself accepts `[property: string]: any` everywhere). Parameter and variable
 * type names are checked by validation, not here, because real factories spell them in several ways.
 */

const spec = z.looseObject({ type: z.string() });

const dependency = z.looseObject({
  activity: z.string(),
  dependencyConditions: z.array(z.string()),
});

export const activitySchema = z.looseObject({
  name: z.string().min(1),
  type: z.string().min(1),
  dependsOn: z.array(dependency).optional(),
  typeProperties: z.looseObject({}).optional(),
});

export const pipelineSchema = z.looseObject({
  name: z.string().min(1),
  properties: z.looseObject({
    activities: z.array(z.unknown()).optional(),
    parameters: z.record(z.string(), spec).optional(),
    variables: z.record(z.string(), spec).optional(),
  }),
});

const typedResource = z.looseObject({
  name: z.string().min(1),
  properties: z.looseObject({ type: z.string().min(1) }),
});

export const linkedServiceSchema = typedResource;
export const datasetSchema = typedResource;
export const triggerSchema = typedResource;
export const credentialSchema = typedResource;
export const integrationRuntimeSchema = typedResource;

/** Data flows, managed VNets and private endpoints: only a name is needed. */
export const namedResourceSchema = z.looseObject({ name: z.string().min(1) });

export const factoryFileSchema = z.looseObject({
  name: z.string().min(1).optional(),
  identity: z.looseObject({}).optional(),
  properties: z
    .looseObject({
      globalParameters: z.record(z.string(), z.looseObject({ type: z.string() })).optional(),
      globalConfigurations: z.looseObject({}).optional(),
    })
    .optional(),
});

/** zod issues as problems, each naming the JSON path below `basePath`. */
export function issuesToProblems(
  error: z.ZodError,
  where: { file: string; basePath: string; resource?: string; rule?: string },
): Problem[] {
  return error.issues.map((issue) => ({
    rule: where.rule ?? 'schema',
    file: where.file,
    path: jsonPath(where.basePath, ...(issue.path as (string | number)[])),
    reason: describeIssue(issue),
    ...(where.resource ? { resource: where.resource } : {}),
  }));
}

/** A message that never quotes the offending value (it could be a secret). */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `required, expected ${issue.expected}` : `expected ${issue.expected}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_key':
      return `invalid key: ${issue.issues.map((i) => describeIssue(i)).join('; ')}`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : `too small: ${issue.message}`;
    default:
      return issue.message;
  }
}
