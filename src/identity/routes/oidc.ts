import type { FastifyInstance } from 'fastify';
import type { IdentityService } from '../service.js';

/** OpenID configuration and JWKS, at the paths MSAL and JWT libraries look for them. */
export function registerOidcRoutes(app: FastifyInstance, identity: IdentityService): void {
  const config = (host: string, tenant: string) => {
    const base = `https://${host}/${tenant}`;
    return {
      issuer: identity.issuerFor(host),
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `https://${host}/${identity.tenantId}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      response_types_supported: ['token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'appid', 'azp', 'ver'],
      grant_types_supported: ['client_credentials'],
      tenant_region_scope: null,
      cloud_instance_name: 'pipevault',
    };
  };
  const tenantOk = (t: string) => t === identity.tenantId || t === 'organizations' || t === 'common';
  const notFound = {
    error: 'invalid_tenant',
    error_description: 'AADSTS90002: Tenant not found. Check the tenant ID.',
  };

  for (const path of ['/:tenant/v2.0/.well-known/openid-configuration', '/:tenant/.well-known/openid-configuration']) {
    app.get<{ Params: { tenant: string } }>(path, async (req, reply) => {
      if (!tenantOk(req.params.tenant)) return reply.code(400).send(notFound);
      return config(req.host, identity.tenantId);
    });
  }
  for (const path of ['/:tenant/discovery/v2.0/keys', '/:tenant/discovery/keys']) {
    app.get<{ Params: { tenant: string } }>(path, async (req, reply) => {
      if (!tenantOk(req.params.tenant)) return reply.code(400).send(notFound);
      return identity.jwks();
    });
  }
}
