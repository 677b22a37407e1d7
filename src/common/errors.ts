/**
 * One error type for the whole product. Each error knows the wire shapes it can take, so a route or a CLI
 * command renders it without knowing where it came from. Create errors through the catalogue (`catalogue.ts`),
 * never with `new PipevaultError` scattered through the code: the catalogue is where messages and codes are
 * reviewed together.
 */

/** Where an error is shown. Each surface has its own JSON shape. */
export type ErrorSurface = 'keyvault' | 'arm' | 'activity' | 'cli';

export type FailureType = 'UserError' | 'SystemError';

export interface PipevaultErrorOptions {
  /** Machine-readable code, e.g. `SecretNotFound`, `BadRequest`, `2011`. */
  code: string;
  /** A sentence a user can act on: what is wrong and, where there is one, the fix. */
  message: string;
  /** HTTP status when served over a wire. */
  status?: number;
  /** Key Vault's `innererror.code` (e.g. `SecretDisabled`, `AccessDenied`). */
  innerCode?: string;
  /** For activity errors: UserError or SystemError. */
  failureType?: FailureType;
  /** For activity errors: the activity name. */
  target?: string;
  /** Process exit code for the CLI: 1 a check failed, 2 bad input. */
  exitCode?: 1 | 2;
  /** Extra headers to send with the error (e.g. `WWW-Authenticate`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class PipevaultError extends Error {
  readonly code: string;
  readonly status: number;
  readonly innerCode?: string;
  readonly failureType: FailureType;
  readonly target?: string;
  readonly exitCode: 1 | 2;
  readonly headers?: Record<string, string>;

  constructor(opts: PipevaultErrorOptions) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PipevaultError';
    this.code = opts.code;
    this.status = opts.status ?? 400;
    this.innerCode = opts.innerCode;
    this.failureType = opts.failureType ?? 'UserError';
    this.target = opts.target;
    this.exitCode = opts.exitCode ?? 2;
    this.headers = opts.headers;
  }

  /** Key Vault data plane: `{"error": {code, message, innererror?}}`. */
  toKeyVault(): { error: { code: string; message: string; innererror?: { code: string } } } {
    const error: { code: string; message: string; innererror?: { code: string } } = {
      code: this.code,
      message: this.message,
    };
    if (this.innerCode) error.innererror = { code: this.innerCode };
    return { error };
  }

  /** ARM management plane: `{"error": {code, message}}`. */
  toArm(): { error: { code: string; message: string; target?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.target ? { target: this.target } : {}) } };
  }

  /** ADF activity run error: `{errorCode, message, failureType, target}`. */
  toActivity(target?: string): { errorCode: string; message: string; failureType: FailureType; target: string } {
    return {
      errorCode: this.code,
      message: this.message,
      failureType: this.failureType,
      target: target ?? this.target ?? '',
    };
  }
}

export function isPipevaultError(e: unknown): e is PipevaultError {
  return e instanceof PipevaultError;
}

/**
 * Turns anything thrown into a PipevaultError without leaking internals: an unexpected error becomes a
 * generic internal error whose message does not carry a stack trace.
 */
export function toPipevaultError(e: unknown): PipevaultError {
  if (e instanceof PipevaultError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new PipevaultError({
    code: 'InternalError',
    message: `Internal error: ${message}`,
    status: 500,
    failureType: 'SystemError',
    exitCode: 1,
    cause: e,
  });
}
