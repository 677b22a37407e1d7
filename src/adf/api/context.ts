import type { FastifyRequest } from 'fastify';
import type { IdentityService } from '../../identity/service.js';
import type { Caller } from './auth.js';
import type { AdfService } from './service.js';

/** What every route of the management API shares. */
export interface ApiContext {
  service: AdfService;
  identity: IdentityService;
  /** Authenticates the request (token, or the loopback monitor). */
  caller(req: FastifyRequest): Promise<Caller>;
}
