import type { DestinationStream } from 'pino';
import type { Masker } from './masking.js';

/**
 * Log masking. pino's `redact` removes known paths (`password`, `authorization` …); a secret that reaches a log
 * through any other field — a URL with a key in its query string, an error message quoting a response body, a
 * value nested where no path expects it — is caught here, on the finished line, by the secret registry. Every
 * form the registry knows is masked, JSON-escaped ones included, since each line is JSON text. Values shorter
 * than MIN_SUBSTRING_LENGTH are masked only as whole values and so never inside a log line.
 */

/** pino's `hooks.streamWrite`: masks each serialised line before it reaches the destination. */
export function maskingStreamWrite(masker: Masker): (line: string) => string {
  return (line) => masker.maskString(line);
}

/** Wraps a destination stream so every line written to it is masked (for loggers built elsewhere). */
export function maskingDestination(masker: Masker, destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(masker.maskString(line)) };
}
