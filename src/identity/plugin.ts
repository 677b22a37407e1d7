import type { FastifyInstance } from 'fastify';
import type { Clock } from '../common/clock.js';
import type { IdentityService } from './service.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerManagedIdentityRoutes } from './routes/managed-identity.js';
import { registerOidcRoutes } from './routes/oidc.js';
import { registerTokenEndpoint } from './routes/token-endpoint.js';

export interface IdentityPluginOptions {
  identity: IdentityService;
  clock: Clock;
  /** The value App Service–style clients must send as `X-IDENTITY-HEADER` (their `IDENTITY_HEADER`). */
  appServiceHeader: string;
}

/** Every identity endpoint: OIDC + JWKS, the token endpoint, managed-identity endpoints, the principals admin API. */
export async function identityPlugin(app: FastifyInstance, opts: IdentityPluginOptions): Promise<void> {
  // the token endpoint takes form bodies; this parser stays inside the identity plugin's scope
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  registerOidcRoutes(app, opts.identity);
  registerTokenEndpoint(app, { identity: opts.identity, clock: opts.clock });
  registerManagedIdentityRoutes(app, { identity: opts.identity, appServiceHeader: opts.appServiceHeader });
  registerAdminRoutes(app, { identity: opts.identity, appServiceHeader: opts.appServiceHeader });
}
