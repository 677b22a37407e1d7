import { PipevaultError } from '../../common/errors.js';

/**
 * The one error type of the expression language. Every failure (syntax, unknown function, wrong argument,
 * missing parameter) is an ExpressionError carrying the template text, a 0-based character position inside it
 * and a message a pipeline author can act on. Messages name types, property names and positions, never the data
 * values an expression was working on (a value may be a secret read from a vault); the template text itself is
 * quoted, as ADF does. The code is ADF's `InvalidTemplate`, the code ADF reports for template language failures,
 * so an activity that fails on an expression shows what ADF would show.
 */
export type ExpressionErrorKind = 'syntax' | 'evaluation';

export interface ExpressionErrorOptions {
  message: string;
  expression: string;
  position: number;
  kind: ExpressionErrorKind;
  /** Set when the cause was a bug of ours rather than the expression (fuzz tests assert this never happens). */
  internal?: boolean;
  cause?: unknown;
}

export class ExpressionError extends PipevaultError {
  readonly expression: string;
  readonly position: number;
  readonly kind: ExpressionErrorKind;
  readonly internal: boolean;

  constructor(opts: ExpressionErrorOptions) {
    super({ code: 'InvalidTemplate', message: opts.message, status: 400, exitCode: 2, cause: opts.cause });
    this.name = 'ExpressionError';
    this.expression = opts.expression;
    this.position = opts.position;
    this.kind = opts.kind;
    this.internal = opts.internal ?? false;
  }
}

export function isExpressionError(e: unknown): e is ExpressionError {
  return e instanceof ExpressionError;
}

/**
 * Thrown by function implementations, which do not know the expression text; the call site turns it into an
 * ExpressionError with the text and the position of the call. Cheap on purpose (no stack capture needed).
 */
export class FunctionFailure {
  constructor(readonly message: string) {}
}

export function fail(message: string): never {
  throw new FunctionFailure(message);
}

const MAX_SHOWN = 200;

/** The expression as quoted in messages, shortened so a huge template does not flood a log line. */
export function quoteExpression(text: string): string {
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  // Messages are one line (CLI stderr, logs): control characters are shown escaped.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return shown.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\n'
      ? '\\n'
      : c === '\r'
        ? '\\r'
        : c === '\t'
          ? '\\t'
          : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// ---- the messages (a small catalogue for this concern; wording follows ADF's template engine) ------------

export const syntaxError = (expression: string, position: number, what: string) =>
  new ExpressionError({
    kind: 'syntax',
    expression,
    position,
    message: `The expression '${quoteExpression(expression)}' is not valid: ${what} (at position ${position + 1}).`,
  });

export const evaluationError = (expression: string, position: number, what: string, cause?: unknown) =>
  new ExpressionError({
    kind: 'evaluation',
    expression,
    position,
    cause,
    message: `${what} (expression '${quoteExpression(expression)}', position ${position + 1})`,
  });

/** ADF's own wording for a missing property, which names the property and the available ones. */
export const missingPropertyError = (expression: string, position: number, property: string, available: string[]) =>
  new ExpressionError({
    kind: 'evaluation',
    expression,
    position,
    message:
      `The template language expression '${quoteExpression(expression)}' cannot be evaluated because property ` +
      `'${property}' doesn't exist, available properties are '${available.join(', ')}'. ` +
      `Use '?.${property}' to get null instead of an error.`,
  });

export const internalError = (expression: string, cause: unknown) =>
  new ExpressionError({
    kind: 'evaluation',
    expression,
    position: 0,
    internal: true,
    cause,
    message: `The template language expression '${quoteExpression(expression)}' could not be evaluated (internal error: ${
      cause instanceof Error ? cause.message : String(cause)
    }).`,
  });
