import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badInput, unknownRole } from '../../common/catalogue.js';
import { PipevaultError } from '../../common/errors.js';
import { findRole, normalizeScope, ROLE_DEFINITIONS, scopeCovers, type RoleAssignment } from '../roles.js';
import type { IdentityService } from '../service.js';

/**
 * ARM-shaped role assignments: `{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]` at
 * subscription, resource group, resource (`…/providers/{ns}/{type}/{name}`) and child resource (a vault's
 * secret, `…/vaults/{v}/secrets/{s}`) scope. Registered inside the admin context (admin token required).
 */
const MARKER = '/providers/microsoft.authorization/roleassignments';
const SUFFIX = '/providers/Microsoft.Authorization/roleAssignments';
const SCOPES = [
  '/subscriptions/:sub',
  '/subscriptions/:sub/resourceGroups/:rg',
  '/subscriptions/:sub/resourceGroups/:rg/providers/:ns/:type/:res',
  '/subscriptions/:sub/resourceGroups/:rg/providers/:ns/:type/:res/:ctype/:cname',
];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function scopeOf(req: FastifyRequest): string {
  const path = decodeURIComponent(req.url.split('?')[0]);
  return normalizeScope(path.slice(0, path.toLowerCase().indexOf(MARKER)));
}

export function registerArmRoleAssignments(
  app: FastifyInstance,
  deps: { identity: IdentityService; view: (a: RoleAssignment) => unknown },
): void {
  const { identity, view } = deps;
  const notFound = (name: string) =>
    new PipevaultError({
      code: 'RoleAssignmentNotFound',
      message: `The role assignment '${name}' is not found.`,
      status: 404,
    });

  for (const scope of SCOPES) {
    app.get<{ Querystring: { $filter?: string } }>(`${scope}${SUFFIX}`, async (req) => {
      const at = scopeOf(req);
      let list = (await identity.roles.list()).filter((a) => scopeCovers(a.scope, at) || scopeCovers(at, a.scope));
      const m = /principalId\s+eq\s+'([^']+)'/i.exec(req.query.$filter ?? '');
      if (m) list = list.filter((a) => a.principalId === m[1].toLowerCase());
      return { value: list.map(view) };
    });

    app.get<{ Params: { name: string } }>(`${scope}${SUFFIX}/:name`, async (req) => {
      const a = await identity.roles.get(req.params.name);
      if (!a || a.scope.toLowerCase() !== scopeOf(req).toLowerCase()) throw notFound(req.params.name);
      return view(a);
    });

    app.put<{ Params: { name: string }; Body: unknown }>(
      `${scope}${SUFFIX}/:name`,
      async (req, reply: FastifyReply) => {
        const name = req.params.name;
        if (!GUID.test(name)) throw badInput(`the role assignment name '${name}' must be a GUID`, 'name');
        const body = req.body as { properties?: Record<string, unknown> } | undefined;
        const props = body?.properties;
        if (!props || typeof props !== 'object') throw badInput('properties is required', 'properties');
        const roleRef = props.roleDefinitionId;
        const principalId = props.principalId;
        if (typeof roleRef !== 'string' || !roleRef)
          throw badInput('a role definition ID is required', 'properties.roleDefinitionId');
        if (typeof principalId !== 'string' || !principalId)
          throw badInput('a principal ID is required', 'properties.principalId');
        const role = findRole(roleRef);
        if (!role)
          throw unknownRole(
            roleRef,
            ROLE_DEFINITIONS.map((r) => r.name),
          );
        const p = await identity.requirePrincipal(principalId);
        const at = scopeOf(req);
        const existing = await identity.roles.get(name);
        if (existing) {
          if (
            existing.principalId === p.objectId &&
            existing.roleDefinitionId === role.id &&
            existing.scope.toLowerCase() === at.toLowerCase()
          ) {
            return reply.code(200).send(view(existing));
          }
          throw new PipevaultError({
            code: 'RoleAssignmentUpdateNotPermitted',
            message: 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
            status: 400,
          });
        }
        const dup = (await identity.roles.list({ principalId: p.objectId, scope: at, roleId: role.id }))[0];
        if (dup)
          throw new PipevaultError({
            code: 'RoleAssignmentExists',
            message: `The role assignment already exists (${dup.id}).`,
            status: 409,
          });
        const a = await identity.roles.create({ principalId: p.objectId, role, scope: at, id: name });
        return reply.code(201).send(view(a));
      },
    );

    app.delete<{ Params: { name: string } }>(`${scope}${SUFFIX}/:name`, async (req, reply: FastifyReply) => {
      const a = await identity.roles.get(req.params.name);
      if (!a || a.scope.toLowerCase() !== scopeOf(req).toLowerCase()) return reply.code(204).send();
      await identity.roles.delete(a.id);
      return reply.code(200).send(view(a));
    });
  }
}
