import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger as PinoLogger } from 'pino';
import { toPipevaultError } from '../common/errors.js';
import type { ServerDeps } from './deps.js';
import { registerServicePlugins } from './plugins.js';
import { decorateVaultName } from './vault-routing.js';

export interface BuildAppOptions {
  deps: ServerDeps;
  tls: { cert: string; key: string };
  /** The vault of this listener when it is a `--vault NAME=PORT` port. */
  fixedVault?: string;
  appServiceHeader: string;
}

/** One HTTPS fastify app (one per listening port). Plain HTTP on the port fails the TLS handshake. */
export async function buildApp(o: BuildAppOptions): Promise<FastifyInstance> {
  const app = fastify({
    https: { cert: o.tls.cert, key: o.tls.key },
    loggerInstance: o.deps.logger,
    // the server names each request itself (x-ms-request-id); a client's id is echoed, never trusted as ours
    requestIdHeader: false,
    genReqId: () => o.deps.ids.uuid(),
    // Key Vault ids and nextLinks are long; the default 100 is too short for some query strings
    routerOptions: { maxParamLength: 500 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    childLoggerFactory: (logger, bindings, opts) => requestLogger(logger, bindings, opts),
  }) as unknown as FastifyInstance; // the HTTPS server type only differs in the raw server; plugins use the common one
  const vaultNameOf = decorateVaultName(app, o.fixedVault);
  // One callback hook for what every request needs (it runs on every request of the listener; a promise per
  // request, or a second hook, shows in the secret GET's profile): the vault it addresses, and the ids every
  // answer carries — set as the request starts, not in an onSend hook, so no onSend hook runs at all; fastify
  // keeps headers set before an error or a not-found answer.
  app.addHook('onRequest', (req, reply, done) => {
    req.vaultName = vaultNameOf(req.headers.host);
    reply.header('x-ms-request-id', req.id);
    const clientId = req.headers['x-ms-client-request-id'];
    if (typeof clientId === 'string' && /^[\w.:-]{1,128}$/.test(clientId))
      reply.header('x-ms-client-request-id', clientId);
    done();
  });
  app.get('/health', async () => ({ status: 'ok' }));
  // anything that escapes a plugin's own error handling: a generic shape without internals
  app.setErrorHandler((e, req, reply) => {
    const status = (e as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: 'BadRequest', message: (e as Error).message } });
    }
    const err = toPipevaultError(e);
    if (err.status >= 500) req.log.error({ err: { message: (e as Error).message, code: err.code } }, 'request failed');
    return reply
      .code(err.status)
      .send(
        err.status >= 500
          ? { error: { code: 'InternalError', message: 'Internal error; see the server log.' } }
          : err.toArm(),
      );
  });
  await registerServicePlugins(app, o.deps, { appServiceHeader: o.appServiceHeader, fixedVault: o.fixedVault });
  return app;
}

/**
 * A request's logger (`req.log`), made into a pino child only when a line at an enabled level is written.
 * Fastify makes one per request, and pino serialises the child's bindings as it is made: most requests log
 * nothing at the server's level, and that work showed in the secret GET's profile.
 */
function requestLogger(parent: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions): FastifyBaseLogger {
  const p = parent as unknown as PinoLogger;
  if (typeof p.isLevelEnabled !== 'function' || opts.level !== undefined || opts.serializers !== undefined)
    return parent.child(bindings, opts);
  return new LazyChild(p, bindings, opts) as unknown as FastifyBaseLogger;
}

type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]];

class LazyChild {
  private made: PinoLogger | undefined;
  constructor(
    private readonly parent: PinoLogger,
    private readonly childBindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  private get real(): PinoLogger {
    return (this.made ??= this.parent.child(this.childBindings, this.opts));
  }
  private write(level: Level, args: LogArgs): void {
    if (this.made ? this.made.isLevelEnabled(level) : this.parent.isLevelEnabled(level))
      (this.real[level] as (...a: unknown[]) => void)(...args);
  }
  get level(): string {
    return this.made ? this.made.level : this.parent.level;
  }
  set level(l: string) {
    this.real.level = l;
  }
  isLevelEnabled(l: string): boolean {
    return this.made ? this.made.isLevelEnabled(l) : this.parent.isLevelEnabled(l);
  }
  bindings(): Bindings {
    return this.real.bindings();
  }
  child(b: Bindings, o?: ChildLoggerOptions): PinoLogger {
    return this.real.child(b, o);
  }
  fatal(...a: LogArgs): void {
    this.write('fatal', a);
  }
  error(...a: LogArgs): void {
    this.write('error', a);
  }
  warn(...a: LogArgs): void {
    this.write('warn', a);
  }
  info(...a: LogArgs): void {
    this.write('info', a);
  }
  debug(...a: LogArgs): void {
    this.write('debug', a);
  }
  trace(...a: LogArgs): void {
    this.write('trace', a);
  }
  silent(): void {}
}
