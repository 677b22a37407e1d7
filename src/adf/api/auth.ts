import type { FastifyRequest } from 'fastify';
import { armAuthorizationFailed, invalidAccessToken } from '../../common/catalogue.js';
import { scopeCovers } from '../../identity/roles.js';
import type { IdentityService } from '../../identity/service.js';
import { factoryResourceId, MANAGEMENT_AUDIENCES, type Principal } from '../../identity/types.js';

/**
 * Who may do what on the management API. A caller presents a pipevault token whose audience is the server's
 * own URL, `https://management.azure.com/` or `https://management.core.windows.net/`. The admin principal may
 * do everything; any other principal needs a role assignment whose scope covers the factory: Data Factory
 * Contributor (or Contributor / Owner) to change and run, Reader (or any of those) to look.
 *
 * The monitor served on a loopback address needs no sign-in (DESIGN.md "HTTP"): a request from a loopback
 * client, to a loopback listener, without a token and carrying `X-Pipevault-UI: 1` acts as the local admin.
 * The custom header keeps cross-site pages out: a browser sends it only from the monitor's own origin.
 */

export type Access = 'read' | 'write';

const WRITE_ROLES = new Set(['data factory contributor', 'contributor', 'owner']);
const READ_ROLES = new Set([...WRITE_ROLES, 'reader']);

export const UI_HEADER = 'x-pipevault-ui';

/** The audiences accepted for a request to `host`. */
export function managementAudiences(host: string): string[] {
  return [...MANAGEMENT_AUDIENCES, `https://${host}`, `https://${host}/`];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(address: string | undefined): boolean {
  return !!address && LOOPBACK.test(address);
}

export interface Caller {
  principal: Principal;
  /** True for the loopback monitor acting as the local admin. */
  localUi: boolean;
}

export async function authenticateCaller(identity: IdentityService, req: FastifyRequest): Promise<Caller> {
  const auth = String(req.headers.authorization ?? '');
  if (
    !auth &&
    req.headers[UI_HEADER] === '1' &&
    isLoopback(req.socket.remoteAddress) &&
    isLoopback(req.socket.localAddress)
  ) {
    const admin = await identity.ensureAdmin();
    return { principal: admin, localUi: true };
  }
  const m = /^Bearer\s+(\S+)$/i.exec(auth);
  if (!m) throw invalidAccessToken('the request has no Bearer token (Authorization: Bearer …)');
  const principal = await identity.verifyAccessToken(m[1], {
    audiences: managementAudiences(req.host),
    host: req.host,
  });
  return { principal, localUi: false };
}

/** Whether the caller may `access` the factory; used to filter lists without failing. */
export async function mayAccess(
  identity: IdentityService,
  who: Principal,
  factory: string,
  access: Access,
): Promise<boolean> {
  if (who.kind === 'admin') return true;
  const scope = factoryResourceId(factory);
  const roles = access === 'write' ? WRITE_ROLES : READ_ROLES;
  const assignments = await identity.roles.assignmentsFor(who.objectId);
  return assignments.some((a) => roles.has(a.roleName.toLowerCase()) && scopeCovers(a.scope, scope));
}

export async function requireAccess(
  identity: IdentityService,
  who: Principal,
  factory: string,
  access: Access,
  action: string,
): Promise<void> {
  if (await mayAccess(identity, who, factory, access)) return;
  throw armAuthorizationFailed(who.objectId, `Microsoft.DataFactory/factories/${action}`, factoryResourceId(factory));
}
