import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { armInvalidApiVersion, armInvalidBody, armMissingApiVersion } from '../../common/catalogue.js';
import { toPipevaultError } from '../../common/errors.js';
import type { IdentityService } from '../../identity/service.js';
import type { KeyVault } from '../../keyvault/api/plugin.js';
import { registerMonitorVaultRoutes } from './monitor-vaults.js';
import { authenticateCaller } from './auth.js';
import type { ApiContext } from './context.js';
import { registerEventRoutes } from './routes-events.js';
import { registerResourceRoutes } from './routes-resources.js';
import { registerRunRoutes } from './routes-runs.js';
import { registerTriggerRoutes } from './routes-triggers.js';
import type { AdfService } from './service.js';
import { API_VERSION } from './wire.js';

export interface AdfApiPluginOptions {
  service: AdfService;
  identity: IdentityService;
  /** Accept any api-version (`--loose`). */
  loose: boolean;
  /** The Key Vault domain, for the monitor's vault view (absent: no vault view). */
  keyVault?: KeyVault;
}

/**
 * The ADF management and monitoring API, ARM-shaped (`/subscriptions/{sub}/resourceGroups/{rg}/providers/
 * Microsoft.DataFactory/factories/…`, api-version 2018-06-01), plus the monitor's live feed. Errors are ARM's
 * `{"error": {code, message, target?}}`; nothing internal reaches a caller.
 */
export async function adfApiPlugin(app: FastifyInstance, opts: AdfApiPluginOptions): Promise<void> {
  // createRun without parameters may arrive as an empty JSON body; invalid JSON is an ARM BadRequest naming where
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (!text.trim()) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(armInvalidBody(`The request body is not valid JSON: ${(e as Error).message}.`), undefined);
    }
  });

  app.addHook('onRequest', async (req: FastifyRequest) => {
    // pipevault's own routes (the live feed, the monitor's vault view) are not versioned ARM routes
    if (req.url.startsWith('/pipevault/')) return;
    const v = (req.query as Record<string, unknown> | undefined)?.['api-version'];
    if (v === undefined || v === '') throw armMissingApiVersion();
    if (v !== API_VERSION && !opts.loose) throw armInvalidApiVersion(String(v), API_VERSION);
  });

  app.setErrorHandler((e, req, reply: FastifyReply) => {
    const fe = e as { statusCode?: number; code?: string; validation?: unknown };
    let err = toPipevaultError(e);
    if (err.code === 'InternalError' && fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      // fastify's own rejections (body too large, unsupported media type …)
      err = armInvalidBody((e as Error).message);
      return reply.code(fe.statusCode).send(err.toArm());
    }
    if (err.status >= 500) {
      req.log.error({ err: { message: (e as Error).message, code: err.code } }, 'management API request failed');
      return reply
        .code(err.status)
        .send({ error: { code: 'InternalServerError', message: 'Internal error; see the server log.' } });
    }
    // as ARM: the challenge names the authority to get a token from (the monitor's sign-in form uses it)
    if (err.status === 401) {
      reply.header(
        'www-authenticate',
        `Bearer authorization_uri="${opts.identity.authority(req.host)}", error="invalid_token"`,
      );
    }
    return reply.code(err.status).send(err.toArm());
  });

  const ctx: ApiContext = {
    service: opts.service,
    identity: opts.identity,
    caller: (req) => authenticateCaller(opts.identity, req),
  };
  registerResourceRoutes(app, ctx);
  registerRunRoutes(app, ctx);
  registerTriggerRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  if (opts.keyVault) registerMonitorVaultRoutes(app, ctx, opts.keyVault);
}
