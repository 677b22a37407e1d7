import { randomUUID } from 'node:crypto';

/** Errors of the token endpoint, in Entra ID's shape (`error`, `error_description` with the AADSTS code, `error_codes`). */
export interface AadError {
  status: number;
  body: {
    error: string;
    error_description: string;
    error_codes: number[];
    timestamp: string;
    trace_id: string;
    correlation_id: string;
  };
}

export function aadError(o: { status: number; error: string; code: number; message: string; now: number }): AadError {
  const trace = randomUUID();
  return {
    status: o.status,
    body: {
      error: o.error,
      error_description: `AADSTS${o.code}: ${o.message} Trace ID: ${trace} Timestamp: ${new Date(o.now).toISOString()}`,
      error_codes: [o.code],
      timestamp: new Date(o.now)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z'),
      trace_id: trace,
      correlation_id: randomUUID(),
    },
  };
}
