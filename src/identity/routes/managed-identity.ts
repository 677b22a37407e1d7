import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IdentityService } from '../service.js';

/**
 * Managed-identity token endpoints, for loopback clients only (as IMDS is only reachable from inside the VM):
 * - IMDS style: `GET /metadata/identity/oauth2/token[/]?api-version=…&resource=…` with `Metadata: true`
 *   (ManagedIdentityCredential with `AZURE_POD_IDENTITY_AUTHORITY_HOST`); every field a string, as IMDS sends.
 * - App Service style: `GET /msi/token?api-version=2019-08-01&resource=…` with `X-IDENTITY-HEADER`
 *   (ManagedIdentityCredential with `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`).
 * Without `client_id` / `object_id` / `mi_res_id` they serve the default factory's system-assigned identity.
 */
export const APP_SERVICE_PATH = '/msi/token';

type Query = Record<string, string | undefined>;

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, '');
  return a === '::1' || a.startsWith('127.');
}

function resourceOf(q: Query): string | undefined {
  const r = q.resource?.trim();
  if (r) return r;
  // some clients send a scope instead
  const s = q.scope?.trim();
  return s ? s.replace(/\/\.default$/, '') : undefined;
}

export function registerManagedIdentityRoutes(
  app: FastifyInstance,
  deps: { identity: IdentityService; appServiceHeader: string },
): void {
  const { identity } = deps;

  const selectorOf = (q: Query) => ({
    clientId: q.client_id,
    objectId: q.object_id ?? q.principal_id,
    resourceId: q.mi_res_id ?? q.msi_res_id,
  });

  const imds = async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    if (!isLoopback(req.socket.remoteAddress)) {
      return reply.code(403).send({
        error: 'access_denied',
        error_description: 'The managed identity endpoint answers loopback clients only.',
      });
    }
    if (String(req.headers.metadata ?? '').toLowerCase() !== 'true') {
      return reply
        .code(400)
        .send({ error: 'invalid_request', error_description: 'Required metadata header not specified' });
    }
    const resource = resourceOf(req.query);
    if (!resource) {
      return reply
        .code(400)
        .send({ error: 'invalid_request', error_description: "Required query variable 'resource' is missing" });
    }
    const p = await identity.resolveManagedIdentity(selectorOf(req.query));
    if (!p) {
      return reply.code(400).send({
        error: 'invalid_request',
        error_description: 'Identity not found. Create it with: pipevault identity create --name NAME',
      });
    }
    const t = await identity.issueToken({ principal: p, resource, host: req.host });
    reply.header('cache-control', 'no-store');
    return {
      access_token: t.accessToken,
      client_id: p.appId,
      expires_in: String(t.expiresIn),
      expires_on: String(t.expiresOn),
      ext_expires_in: String(t.expiresIn),
      not_before: String(t.notBefore),
      resource: t.resource,
      token_type: 'Bearer',
      refresh_token: '',
    };
  };
  app.get('/metadata/identity/oauth2/token', imds);
  app.get('/metadata/identity/oauth2/token/', imds);

  app.get(APP_SERVICE_PATH, async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
    if (!isLoopback(req.socket.remoteAddress)) {
      return reply
        .code(403)
        .send({ statusCode: 403, message: 'The managed identity endpoint answers loopback clients only.' });
    }
    const header = req.headers['x-identity-header'];
    if (header !== deps.appServiceHeader) {
      return reply.code(401).send({
        statusCode: 401,
        message: 'Missing or wrong X-IDENTITY-HEADER; use the IDENTITY_HEADER that `pipevault identity show` prints.',
      });
    }
    const resource = resourceOf(req.query);
    if (!resource)
      return reply.code(400).send({ statusCode: 400, message: "Required query variable 'resource' is missing" });
    const p = await identity.resolveManagedIdentity(selectorOf(req.query));
    if (!p) return reply.code(400).send({ statusCode: 400, message: 'Identity not found.' });
    const t = await identity.issueToken({ principal: p, resource, host: req.host });
    reply.header('cache-control', 'no-store');
    return {
      access_token: t.accessToken,
      expires_on: String(t.expiresOn),
      resource: t.resource,
      token_type: 'Bearer',
      client_id: p.appId,
    };
  });
}
