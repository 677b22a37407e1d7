import { pino, type Logger, type DestinationStream } from 'pino';
import { processSecrets, type Masker } from './masking.js';
import { maskingStreamWrite } from './masking-log.js';

export type { Logger };

/**
 * Paths that may carry secret material. pino removes them before a line is written; the masking registry
 * (src/common/masking.ts) catches values that reach a log through any other field.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'password',
  'clientSecret',
  'client_secret',
  'secret',
  'value',
  '*.password',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.value',
  '*.access_token',
  'access_token',
  'token',
  '*.token',
];

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
  /**
   * Masks every line with these secrets (src/common/masking.ts), whatever field they arrive in. Default: the
   * process's root registry, which every run registry made with `processSecrets.child()` feeds.
   */
  secrets?: Masker;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.PIPEVAULT_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: undefined,
      hooks: { streamWrite: maskingStreamWrite(opts.secrets ?? processSecrets) },
    },
    opts.destination,
  );
}

/** A logger that writes nothing, for commands whose stdout is data. */
export const silentLogger: Logger = pino({ level: 'silent' });
