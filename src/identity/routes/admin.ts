import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { adminRequired, badInput, invalidAccessToken, principalNotFound, unknownRole } from '../../common/catalogue.js';
import { toPipevaultError } from '../../common/errors.js';
import { findRole, ROLE_DEFINITIONS, roleDefinitionResourceId, type RoleAssignment } from '../roles.js';
import type { IdentityService } from '../service.js';
import { registerArmRoleAssignments } from './role-assignments-arm.js';
import { MANAGEMENT_AUDIENCES, type Principal, type PrincipalRecord } from '../types.js';

/**
 * The principals admin API (`/pipevault/admin/principals`) and role assignments
 * (`/pipevault/admin/roleAssignments`, bodies shaped like ARM's Microsoft.Authorization/roleAssignments).
 * Only the admin principal may call them. Errors use ARM's `{"error": {code, message}}`.
 */
export const ADMIN_PREFIX = '/pipevault/admin';

/** Audiences the admin API accepts: the management ones and the server's own URL. */
export function managementAudiences(host: string): string[] {
  return [...MANAGEMENT_AUDIENCES, `https://${host}`, `https://${host}/`];
}

export async function authenticate(identity: IdentityService, req: FastifyRequest): Promise<Principal> {
  const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
  if (!m) throw invalidAccessToken('the request has no Bearer token');
  return identity.verifyAccessToken(m[1], { audiences: managementAudiences(req.host), host: req.host });
}

function principalView(p: PrincipalRecord) {
  return {
    objectId: p.objectId,
    appId: p.appId,
    tenant: p.tenantId,
    displayName: p.displayName,
    type:
      p.kind === 'managedIdentity'
        ? p.managedIdentityType === 'SystemAssigned'
          ? 'SystemAssigned'
          : 'UserAssigned'
        : p.kind,
    ...(p.factory ? { factory: p.factory } : {}),
    ...(p.resourceId ? { resourceId: p.resourceId } : {}),
  };
}

function assignmentView(a: RoleAssignment, principalType: string) {
  return {
    id: `${a.scope === '/' ? '' : a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.id}`,
    name: a.id,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: roleDefinitionResourceId(a.roleDefinitionId),
      roleDefinitionName: a.roleName,
      principalId: a.principalId,
      principalType,
      scope: a.scope,
      createdOn: new Date(a.createdAt).toISOString(),
    },
  };
}

export function registerAdminRoutes(
  app: FastifyInstance,
  deps: { identity: IdentityService; appServiceHeader: string },
): void {
  const { identity } = deps;

  app.register(async (admin) => {
    admin.addHook('onRequest', async (req) => {
      const who = await authenticate(identity, req);
      if (who.kind !== 'admin') throw adminRequired();
    });
    admin.setErrorHandler((e, _req, reply: FastifyReply) => {
      const err = toPipevaultError(e);
      if ((e as { validation?: unknown }).validation || (e as { statusCode?: number }).statusCode === 400) {
        const b = badInput((e as Error).message);
        return reply.code(400).send(b.toArm());
      }
      if (err.status === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(err.status).send(err.toArm());
    });

    admin.get(`${ADMIN_PREFIX}/identity`, async (req) => {
      const principals = await identity.listPrincipals();
      const base = `https://${req.host}`;
      return {
        tenant: identity.tenantId,
        authority: identity.authority(req.host),
        factories: principals
          .filter((p) => p.kind === 'managedIdentity' && p.factory)
          .map((p) => ({ factory: p.factory, appId: p.appId, objectId: p.objectId })),
        managedIdentityEndpoints: {
          AZURE_POD_IDENTITY_AUTHORITY_HOST: base,
          IDENTITY_ENDPOINT: `${base}/msi/token`,
          IDENTITY_HEADER: deps.appServiceHeader,
        },
      };
    });

    admin.get(`${ADMIN_PREFIX}/principals`, async () => ({
      value: (await identity.listPrincipals()).map(principalView),
    }));

    admin.post<{ Body: unknown }>(`${ADMIN_PREFIX}/principals`, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body !== 'object' || Array.isArray(body)) throw badInput('the body must be a JSON object');
      const type = body.type;
      const name = body.displayName ?? body.name;
      if (typeof name !== 'string') throw badInput('displayName (a string) is required', 'body.displayName');
      if (type === 'servicePrincipal') {
        const { principal, secret } = await identity.createServicePrincipal({ displayName: name });
        return reply.code(201).send({ ...principalView(principal), password: secret });
      }
      if (type === 'userAssignedIdentity') {
        const p = await identity.createUserAssignedIdentity({ name });
        return reply.code(201).send(principalView(p));
      }
      throw badInput("type must be 'servicePrincipal' or 'userAssignedIdentity'", 'body.type');
    });

    admin.get<{ Params: { id: string } }>(`${ADMIN_PREFIX}/principals/:id`, async (req) =>
      principalView(await identity.requirePrincipal(req.params.id)),
    );

    admin.post<{ Params: { id: string } }>(`${ADMIN_PREFIX}/principals/:id/secrets`, async (req) => {
      const p = await identity.requirePrincipal(req.params.id);
      if (p.kind !== 'servicePrincipal') throw badInput('only service principals have client secrets', req.params.id);
      const { secret } = await identity.principals.addSecret(p.objectId);
      return { ...principalView(p), password: secret };
    });

    admin.delete<{ Params: { id: string } }>(`${ADMIN_PREFIX}/principals/:id`, async (req, reply) => {
      const p = await identity.requirePrincipal(req.params.id);
      await identity.deletePrincipal(p.objectId);
      return reply.code(204).send();
    });

    admin.get(`${ADMIN_PREFIX}/roleDefinitions`, async () => ({
      value: ROLE_DEFINITIONS.map((r) => ({
        id: roleDefinitionResourceId(r.id),
        name: r.id,
        properties: { roleName: r.name },
      })),
    }));

    admin.get<{ Querystring: { assignee?: string; scope?: string; role?: string } }>(
      `${ADMIN_PREFIX}/roleAssignments`,
      async (req) => {
        let principalId: string | undefined;
        if (req.query.assignee) {
          const p = await identity.findPrincipal(req.query.assignee);
          if (!p) throw principalNotFound(req.query.assignee);
          principalId = p.objectId;
        }
        let roleId: string | undefined;
        if (req.query.role) {
          const role = findRole(req.query.role);
          if (!role)
            throw unknownRole(
              req.query.role,
              ROLE_DEFINITIONS.map((r) => r.name),
            );
          roleId = role.id;
        }
        const list = await identity.roles.list({ principalId, scope: req.query.scope, roleId });
        return { value: list.map((a) => assignmentView(a, 'ServicePrincipal')) };
      },
    );

    admin.post<{ Body: unknown }>(`${ADMIN_PREFIX}/roleAssignments`, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const props = (
        typeof body.properties === 'object' && body.properties !== null ? body.properties : body
      ) as Record<string, unknown>;
      const assignee = props.principalId ?? props.assignee;
      const roleRef = props.roleDefinitionId ?? props.roleDefinitionName ?? props.role;
      const scope = props.scope;
      if (typeof assignee !== 'string' || !assignee)
        throw badInput('principalId (object ID or app ID) is required', 'properties.principalId');
      if (typeof roleRef !== 'string' || !roleRef)
        throw badInput('roleDefinitionId or role name is required', 'properties.roleDefinitionId');
      if (typeof scope !== 'string' || !scope.startsWith('/'))
        throw badInput("scope must be a resource ID starting with '/'", 'properties.scope');
      const role = findRole(roleRef);
      if (!role)
        throw unknownRole(
          roleRef,
          ROLE_DEFINITIONS.map((r) => r.name),
        );
      const p = await identity.requirePrincipal(assignee);
      const a = await identity.roles.create({ principalId: p.objectId, role, scope });
      return reply.code(201).send(assignmentView(a, 'ServicePrincipal'));
    });

    admin.delete<{ Params: { id: string } }>(`${ADMIN_PREFIX}/roleAssignments/:id`, async (req, reply) => {
      const a = await identity.roles.get(req.params.id);
      if (!a) return reply.code(204).send();
      await identity.roles.delete(a.id);
      return reply.code(200).send(assignmentView(a, 'ServicePrincipal'));
    });

    registerArmRoleAssignments(admin, { identity, view: (a) => assignmentView(a, 'ServicePrincipal') });
  });
}
