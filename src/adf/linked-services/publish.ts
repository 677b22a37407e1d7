import { z } from 'zod';
import type { LoadedFactory } from '../model/types.js';
import type { Workspace } from '../model/workspace/load.js';
import { mocksSchema, workspaceSchema, type SecretPermission } from '../model/workspace/schema.js';
import { SecretText } from '../model/workspace/secret-text.js';

/**
 * Publishing a factory folder into a running server (`pipevault run DIR --data-dir D | --endpoint URL`): the
 * admin route's path and body, shared by the CLI that sends it and the server that applies it.
 */

const RESOURCE_KINDS = ['linkedservices', 'credentials', 'datasets', 'pipelines', 'triggers'] as const;

export interface PublishedResource {
  kind: (typeof RESOURCE_KINDS)[number];
  name: string;
  properties: Record<string, unknown>;
}

const KINDS: Array<[PublishedResource['kind'], keyof LoadedFactory]> = [
  ['linkedservices', 'linkedServices'],
  ['credentials', 'credentials'],
  ['datasets', 'datasets'],
  ['pipelines', 'pipelines'],
  ['triggers', 'triggers'],
];

/** The resources of a loaded factory, as the factory API stores them. */
export function factoryResources(factory: LoadedFactory): PublishedResource[] {
  const items: PublishedResource[] = [];
  for (const [kind, key] of KINDS) {
    for (const r of (factory[key] as Map<string, { name: string; properties: Record<string, unknown> }>).values()) {
      items.push({ kind, name: r.name, properties: r.properties });
    }
  }
  return items;
}

/** Where `pipevault run --data-dir/--endpoint` publishes a factory folder (admin only). */
export const PUBLISH_PATH = '/pipevault/admin/factories/publish';

/**
 * The publish body: a factory folder's resources and its workspace file with every secret already resolved by
 * the caller (env vars and files are the caller's, not the server's), so values travel once, over TLS, to the
 * admin API, as `keyvault secret set` sends them.
 */
export const publishBody = z.strictObject({
  factory: z.strictObject({
    name: z.string().min(1),
    identity: z.strictObject({ principalId: z.string().optional() }).optional(),
    globalParameters: z.record(z.string(), z.unknown()).default({}),
  }),
  resources: z
    .array(
      z.strictObject({
        kind: z.enum(RESOURCE_KINDS),
        name: z.string().min(1),
        properties: z.record(z.string(), z.unknown()),
      }),
    )
    .default([]),
  workspace: z
    .strictObject({
      factory: workspaceSchema.shape.factory,
      vaults: z.record(
        z.string(),
        z.strictObject({
          secrets: z.record(
            z.string(),
            z.strictObject({
              versions: z
                .array(
                  z.strictObject({
                    value: z.string(),
                    version: z
                      .string()
                      .regex(/^[0-9a-f]{32}$/i)
                      .optional(),
                  }),
                )
                .min(1),
              contentType: z.string().optional(),
              tags: z.record(z.string(), z.string()).optional(),
              enabled: z.boolean().optional(),
            }),
          ),
          accessPolicies: z.array(z.strictObject({ principal: z.string(), secrets: z.array(z.string()) })),
        }),
      ),
      principals: z.record(
        z.string(),
        z.strictObject({ appId: z.string(), objectId: z.string().optional(), secret: z.string().optional() }),
      ),
      identities: workspaceSchema.shape.identities.unwrap(),
      hosts: workspaceSchema.shape.hosts.unwrap(),
      mocks: mocksSchema,
      allowEgress: z.boolean(),
    })
    .optional(),
  mocks: mocksSchema.optional(),
  allowEgress: z.boolean().optional(),
});

export type PublishBody = z.input<typeof publishBody>;

/** A loaded workspace as the publish body carries it: secret values revealed (the caller sends them over TLS). */
export function workspaceToWire(ws: Workspace): NonNullable<PublishBody['workspace']> {
  return {
    factory: ws.factory,
    vaults: Object.fromEntries(
      Object.entries(ws.vaults).map(([name, v]) => [
        name,
        {
          secrets: Object.fromEntries(
            Object.entries(v.secrets).map(([sn, s]) => [
              sn,
              {
                versions: s.versions.map((ver) => ({
                  value: ver.value.reveal(),
                  ...(ver.version ? { version: ver.version } : {}),
                })),
                ...(s.contentType !== undefined ? { contentType: s.contentType } : {}),
                ...(s.tags ? { tags: s.tags } : {}),
                ...(s.enabled !== undefined ? { enabled: s.enabled } : {}),
              },
            ]),
          ),
          accessPolicies: v.accessPolicies,
        },
      ]),
    ),
    principals: Object.fromEntries(
      Object.entries(ws.principals).map(([name, p]) => [
        name,
        {
          appId: p.appId,
          ...(p.objectId ? { objectId: p.objectId } : {}),
          ...(p.secret ? { secret: p.secret.reveal() } : {}),
        },
      ]),
    ),
    identities: ws.identities,
    hosts: ws.hosts,
    mocks: ws.mocks,
    allowEgress: ws.allowEgress,
  };
}

export function wireToWorkspace(w: z.output<typeof publishBody>['workspace'] & object): Workspace {
  return {
    file: 'pipevault.json (published)',
    factory: w.factory ?? {},
    vaults: Object.fromEntries(
      Object.entries(w.vaults).map(([name, v]) => [
        name,
        {
          secrets: Object.fromEntries(
            Object.entries(v.secrets).map(([sn, s]) => [
              sn,
              {
                versions: s.versions.map((ver) => ({
                  value: new SecretText(ver.value),
                  ...(ver.version ? { version: ver.version.toLowerCase() } : {}),
                })),
                ...(s.contentType !== undefined ? { contentType: s.contentType } : {}),
                ...(s.tags ? { tags: s.tags } : {}),
                ...(s.enabled !== undefined ? { enabled: s.enabled } : {}),
              },
            ]),
          ),
          accessPolicies: v.accessPolicies.map((p) => ({
            principal: p.principal,
            secrets: p.secrets as SecretPermission[],
          })),
        },
      ]),
    ),
    principals: Object.fromEntries(
      Object.entries(w.principals).map(([name, p]) => [
        name,
        {
          appId: p.appId,
          ...(p.objectId ? { objectId: p.objectId } : {}),
          ...(p.secret !== undefined ? { secret: new SecretText(p.secret) } : {}),
        },
      ]),
    ),
    identities: w.identities,
    hosts: w.hosts,
    mocks: w.mocks,
    allowEgress: w.allowEgress,
  };
}
