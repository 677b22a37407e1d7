import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../common/clock.js';
import type { IdentityService } from '../service.js';
import { aadError } from './aad-errors.js';

type Form = Record<string, string | undefined>;

/**
 * `POST /{tenant}/oauth2/v2.0/token` (client credentials, `scope={resource}/.default`) and the v1
 * `/{tenant}/oauth2/token` (`resource=`). Client secret in the body or as HTTP Basic.
 */
export function registerTokenEndpoint(app: FastifyInstance, deps: { identity: IdentityService; clock: Clock }): void {
  const { identity, clock } = deps;
  const handler = (version: 1 | 2) =>
    async function token(req: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) {
      const fail = (status: number, error: string, code: number, message: string) => {
        const e = aadError({ status, error, code, message, now: clock.now() });
        return reply.code(e.status).send(e.body);
      };
      reply.header('cache-control', 'no-store, no-cache');
      const form: Form = typeof req.body === 'object' && req.body !== null ? (req.body as Form) : {};
      const tenant = req.params.tenant;
      if (tenant !== identity.tenantId && tenant !== 'organizations') {
        return fail(
          400,
          'invalid_request',
          90002,
          `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`,
        );
      }
      let clientId = form.client_id;
      let secret = form.client_secret;
      const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
      if (basic) {
        const [id, ...rest] = Buffer.from(basic[1], 'base64').toString().split(':');
        clientId = clientId ?? decodeURIComponent(id);
        secret = secret ?? decodeURIComponent(rest.join(':'));
      }
      if (form.grant_type !== 'client_credentials') {
        if (!form.grant_type)
          return fail(
            400,
            'invalid_request',
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
          );
        return fail(
          400,
          'unsupported_grant_type',
          70003,
          `The app requested an unsupported grant type '${form.grant_type}'. pipevault supports client_credentials.`,
        );
      }
      if (!clientId)
        return fail(
          400,
          'invalid_request',
          900144,
          "The request body must contain the following parameter: 'client_id'.",
        );
      let resource: string;
      if (version === 2) {
        const scope = form.scope?.trim();
        if (!scope)
          return fail(
            400,
            'invalid_request',
            900144,
            "The request body must contain the following parameter: 'scope'.",
          );
        if (scope.includes(' ') || !scope.endsWith('/.default')) {
          return fail(
            400,
            'invalid_scope',
            1002012,
            `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
          );
        }
        resource = scope.slice(0, -'/.default'.length);
      } else {
        const r = form.resource?.trim();
        if (!r)
          return fail(
            400,
            'invalid_request',
            900144,
            "The request body must contain the following parameter: 'resource'.",
          );
        resource = r;
      }
      if (!resource) return fail(400, 'invalid_scope', 1002012, 'The scope names no resource.');
      const known = await identity.findPrincipal(clientId);
      if (!known || known.appId !== clientId.toLowerCase() || known.kind === 'managedIdentity') {
        return fail(
          400,
          'unauthorized_client',
          700016,
          `Application with identifier '${clientId}' was not found in the directory '${identity.tenantId}'.`,
        );
      }
      if (!secret) {
        return fail(
          401,
          'invalid_client',
          7000216,
          "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        );
      }
      const principal = await identity.authenticateClient(clientId, secret);
      if (!principal) {
        return fail(
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      }
      const t = await identity.issueToken({ principal, resource, host: req.host });
      return reply.code(200).send({
        token_type: 'Bearer',
        expires_in: t.expiresIn,
        ext_expires_in: t.expiresIn,
        ...(version === 1 ? { expires_on: String(t.expiresOn), not_before: String(t.notBefore), resource } : {}),
        access_token: t.accessToken,
      });
    };
  app.post('/:tenant/oauth2/v2.0/token', handler(2));
  app.post('/:tenant/oauth2/token', handler(1));
}
