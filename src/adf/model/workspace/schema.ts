import { z } from 'zod';

/**
 * The workspace file `pipevault.json` (docs/workspace-file.md): strict, so a misspelt key is an error naming
 * its JSON path rather than a setting silently ignored. Error messages never quote values.
 */

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = z.string().regex(GUID, 'must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)');

/** Key Vault's secret permissions (access policy `permissions.secrets`), compared case-insensitively. */
export const SECRET_PERMISSIONS = [
  'get',
  'list',
  'set',
  'delete',
  'backup',
  'restore',
  'recover',
  'purge',
  'all',
] as const;
export type SecretPermission = (typeof SECRET_PERMISSIONS)[number];

const permission = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(SECRET_PERMISSIONS, { error: `must be one of ${SECRET_PERMISSIONS.join(', ')}` }));

const SOURCES = ['value', 'fromEnv', 'fromFile'] as const;

function exactlyOneSource(keys: readonly string[]) {
  return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const given = keys.filter((k) => v[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: given.length ? `give only one of ${given.join(', ')}` : `give one of ${keys.join(', ')}`,
      });
    }
  };
}

const versionEntry = z
  .strictObject({
    value: z.string().optional(),
    fromEnv: z.string().min(1).optional(),
    fromFile: z.string().min(1).optional(),
    version: z
      .string()
      .regex(/^[0-9a-f]{32}$/i, 'must be 32 hexadecimal characters')
      .optional(),
  })
  .superRefine(exactlyOneSource(SOURCES));

const secret = z
  .strictObject({
    value: z.string().optional(),
    fromEnv: z.string().min(1).optional(),
    fromFile: z.string().min(1).optional(),
    versions: z.array(versionEntry).min(1, 'must list at least one version').optional(),
    contentType: z.string().optional(),
    tags: z.record(z.string(), z.string()).optional(),
    enabled: z.boolean().optional(),
  })
  .superRefine(exactlyOneSource([...SOURCES, 'versions']));

const accessPolicy = z.strictObject({
  principal: z.string().min(1),
  secrets: z.array(permission),
});

const vault = z.strictObject({
  secrets: z
    .record(z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, 'secret names are 1-127 letters, digits and dashes'), secret)
    .optional(),
  accessPolicies: z.array(accessPolicy).optional(),
});

const mock = z.strictObject({
  status: z
    .string()
    .transform((s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase())
    .pipe(z.enum(['Succeeded', 'Failed'], { error: 'must be Succeeded or Failed' }))
    .optional(),
  output: z.unknown().optional(),
  error: z
    .strictObject({
      errorCode: z.string().optional(),
      message: z.string().optional(),
      failureType: z.enum(['UserError', 'SystemError']).optional(),
      target: z.string().optional(),
    })
    .optional(),
});

export const mocksSchema = z.record(
  z.string().regex(/^[^/]+(\/[^/]+)?$/, "mock keys are 'Activity' or 'Pipeline/Activity'"),
  mock,
);

const hostKey = z
  .string()
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host keys are a host name with an optional :port, without scheme or path');

const baseUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');

export const workspaceSchema = z.strictObject({
  $schema: z.string().optional(),
  factory: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/, 'factory names are letters, numbers and single dashes')
        .optional(),
      identity: z.strictObject({ principalId: guid.optional(), appId: guid.optional() }).optional(),
    })
    .optional(),
  vaults: z
    .record(
      z
        .string()
        .regex(
          /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/,
          'vault names are 3-24 letters, digits and dashes, starting with a letter',
        ),
      vault,
    )
    .optional(),
  principals: z
    .record(
      z.string(),
      z.strictObject({ appId: guid, objectId: guid.optional(), secretFromEnv: z.string().min(1).optional() }),
    )
    .optional(),
  identities: z
    .record(
      z.string(),
      z.strictObject({
        clientId: guid.optional(),
        principalId: guid.optional(),
        resourceId: z.string().min(1).optional(),
      }),
    )
    .optional(),
  hosts: z.record(hostKey, baseUrl).optional(),
  mocks: mocksSchema.optional(),
  allowEgress: z.boolean().optional(),
});

export type WorkspaceJson = z.infer<typeof workspaceSchema>;
export type MockJson = z.infer<typeof mock>;
