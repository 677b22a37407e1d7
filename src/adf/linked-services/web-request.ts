import { activityServiceMissing, invalidActivityProperty, webActivityHttpError } from '../../common/catalogue.js';
import type { ActivityContext } from '../activities/types.js';
import { parseTimeSpan } from '../model/timespan.js';
import {
  DEFAULT_TIMEOUT_MS,
  header,
  type RunHttpClient,
  type RunHttpRequest,
  type RunHttpResponse,
} from './http-client.js';
import type { LinkedServiceResolver } from './resolver.js';
import type { RunTokenProvider } from './tokens.js';
import type { WebhookCallbacks } from './webhook-callbacks.js';

/**
 * What Web, WebHook and Azure Function activities share: the run services they need, headers in both ADF
 * shapes, authentication (None, Basic, MSI, UserAssignedManagedIdentity, ServicePrincipal, ClientCertificate),
 * the request timeout, and the output shape ADF gives a response.
 */

export interface RunServices {
  http: RunHttpClient;
  tokens: RunTokenProvider;
  resolver: LinkedServiceResolver;
  webhooks?: WebhookCallbacks;
  registerSecret?: (v: string) => void;
}

/** The run services of an activity context, or a clear failure when the run was started without them. */
export function runServices(ctx: ActivityContext, needs: 'HTTP' | 'webhook callbacks' = 'HTTP'): RunServices {
  const s = ctx.services;
  const http = s.http as RunHttpClient | undefined;
  const tokens = s.tokens as RunTokenProvider | undefined;
  const resolver = s.linkedServices as LinkedServiceResolver | undefined;
  if (!http || !tokens || !resolver || typeof http.route !== 'function') {
    throw activityServiceMissing(ctx.activityName, 'outbound HTTP, tokens and linked services');
  }
  const webhooks = s.webhooks as WebhookCallbacks | undefined;
  if (needs === 'webhook callbacks' && !webhooks) throw activityServiceMissing(ctx.activityName, 'a callback endpoint');
  return { http, tokens, resolver, webhooks, registerSecret: s.registerSecret };
}

const str = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);

/** Headers as `{name: value}` or the newer `[{name, value}]`; values become strings. */
export function normalizeHeaders(value: unknown, activity: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null || value === '') return out;
  if (Array.isArray(value)) {
    value.forEach((h, i) => {
      const e = h as { name?: unknown; value?: unknown } | null;
      if (!e || typeof e.name !== 'string' || !e.name.trim()) {
        throw invalidActivityProperty(
          activity,
          `headers[${i}]`,
          'must be {"name": …, "value": …} with a non-empty name',
        );
      }
      out[e.name.trim()] = str(e.value);
    });
    return out;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = str(v);
    return out;
  }
  if (typeof value === 'string') {
    // Some exports keep headers as JSON text
    try {
      return normalizeHeaders(JSON.parse(value), activity);
    } catch {
      throw invalidActivityProperty(activity, 'headers', 'must be an object of header names to values');
    }
  }
  throw invalidActivityProperty(activity, 'headers', 'must be an object of header names to values');
}

export function setHeaderDefault(headers: Record<string, string>, name: string, value: string): void {
  if (header(headers, name) === undefined) headers[name] = value;
}

/** `httpRequestTimeout` (hh:mm:ss, at most 10 minutes; default 1 minute). */
export function requestTimeout(
  value: unknown,
  activity: string,
  property = 'httpRequestTimeout',
  max = 10 * 60_000,
  dflt = DEFAULT_TIMEOUT_MS,
): number {
  if (value === undefined || value === null || value === '') return dflt;
  const ms = parseTimeSpan(String(value));
  if (ms === undefined || ms <= 0)
    throw invalidActivityProperty(activity, property, `'${String(value)}' is not a timespan like 00:01:00`);
  if (ms > max)
    throw invalidActivityProperty(activity, property, `is at most ${max === 600_000 ? '00:10:00' : `${max / 1000} s`}`);
  return ms;
}

/** A request body as text: objects and arrays as JSON, strings as written. */
export function bodyText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface AuthResult {
  headers: Record<string, string>;
  clientCertificate?: RunHttpRequest['clientCertificate'];
}

/**
 * The request headers (or client certificate) an `authentication` block asks for. `auth` is raw JSON (the
 * activity defers it so secrets are resolved here and never sit in the recorded input). The token for MSI is
 * the factory's system-assigned identity; the pipeline's `tenant` is ignored: pipevault has one tenant.
 */
export async function authenticate(auth: unknown, ctx: ActivityContext, s: RunServices): Promise<AuthResult> {
  if (auth === undefined || auth === null) return { headers: {} };
  if (!isObject(auth))
    throw invalidActivityProperty(ctx.activityName, 'authentication', 'must be an object with a type');
  const a = auth;
  const type = String(ctx.evaluate(a.type) ?? '').trim();
  const lower = type.toLowerCase();
  const where = ctx.activityName;
  const resourceOf = () => {
    const r = ctx.evaluate(a.resource);
    if (typeof r !== 'string' || !r.trim())
      throw invalidActivityProperty(
        where,
        'authentication.resource',
        'is required (an audience URL or an application ID)',
      );
    return r.trim();
  };
  const secret = (v: unknown) => s.resolver.secret(v, ctx.expressionContext, where, ctx.signal);
  switch (lower) {
    case '':
    case 'none':
    case 'anonymous':
      return { headers: {} };
    case 'basic': {
      const user = str(ctx.evaluate(a.username));
      const password = await secret(a.password);
      const encoded = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
      return { headers: { Authorization: `Basic ${encoded}` } };
    }
    case 'msi':
    case 'systemassignedmanagedidentity': {
      const { token } = await s.tokens.tokenFor({ kind: 'factory' }, resourceOf(), ctx.signal);
      return { headers: { Authorization: `Bearer ${token}` } };
    }
    case 'userassignedmanagedidentity': {
      const cred = isObject(a.credential) ? String(ctx.evaluate(a.credential.referenceName) ?? '') : '';
      if (!cred)
        throw invalidActivityProperty(
          where,
          'authentication.credential',
          'must reference a credential ({"referenceName": …, "type": "CredentialReference"})',
        );
      const { token } = await s.tokens.tokenFor(s.resolver.credentialSubject(cred), resourceOf(), ctx.signal);
      return { headers: { Authorization: `Bearer ${token}` } };
    }
    case 'serviceprincipal': {
      const clientId = str(ctx.evaluate(a.servicePrincipalId ?? a.username)).trim();
      if (!clientId) throw invalidActivityProperty(where, 'authentication.servicePrincipalId', 'is required');
      const keyRef = a.servicePrincipalKey ?? a.password;
      if (keyRef === undefined) {
        throw invalidActivityProperty(
          where,
          'authentication',
          'a certificate (pfx) service principal is not supported; give servicePrincipalKey',
        );
      }
      const key = await secret(keyRef);
      const { token } = await s.tokens.tokenFor(
        { kind: 'servicePrincipal', clientId, secret: key },
        resourceOf(),
        ctx.signal,
      );
      return { headers: { Authorization: `Bearer ${token}` } };
    }
    case 'clientcertificate': {
      const pfx = await secret(a.pfx);
      const passphrase = a.password === undefined ? undefined : await secret(a.password);
      return {
        headers: {},
        clientCertificate: { pfx: Buffer.from(pfx, 'base64'), ...(passphrase ? { passphrase } : {}) },
      };
    }
    default:
      throw invalidActivityProperty(
        where,
        'authentication.type',
        `'${type}' is not one of None, Basic, MSI, UserAssignedManagedIdentity, ServicePrincipal, ClientCertificate`,
      );
  }
}

/** Fails with ADF's error code and the response body as message when the status is not 2xx. */
export function requireSuccess(res: RunHttpResponse, url: string): void {
  if (res.status >= 200 && res.status < 300) return;
  throw webActivityHttpError(url, res.status, Buffer.from(res.body).toString('utf8').slice(0, 8000));
}

/** Bookkeeping fields ADF adds to every external activity's output. */
export function adfBookkeeping(durationMs: number): Record<string, unknown> {
  return {
    effectiveIntegrationRuntime: 'AutoResolveIntegrationRuntime (pipevault)',
    executionDuration: Math.max(0, Math.round(durationMs / 1000)),
    durationInQueue: { integrationRuntimeQueue: 0 },
    billingReference: {
      activityType: 'ExternalActivity',
      billableDuration: [{ meterType: 'AzureIR', duration: Math.max(durationMs, 1) / 3_600_000, unit: 'Hours' }],
    },
  };
}

/**
 * A Web activity's output: the fields of a JSON object body, or the text of any other body in `Response`
 * (an empty body gives `Response: ""`), then `ADFWebActivityResponseHeaders` and the bookkeeping fields.
 */
export function webOutput(res: RunHttpResponse, durationMs: number): Record<string, unknown> {
  const text = utf8(res.body);
  let out: Record<string, unknown> | undefined;
  if (text.trim()) {
    try {
      const json: unknown = JSON.parse(text);
      // the parsed object is ours alone: the fields below are set on it, in the order (and with the overriding)
      // that `{...json, ADFWebActivityResponseHeaders, ...bookkeeping}` gives, without copying every field
      if (isObject(json)) out = json;
    } catch {
      // not JSON: stays in Response as text
    }
  }
  out ??= { Response: text };
  out.ADFWebActivityResponseHeaders = res.headers;
  const bookkeeping = adfBookkeeping(durationMs);
  for (const k in bookkeeping) out[k] = bookkeeping[k];
  return out;
}

/** A body as text, without copying it first when it is a Buffer already (the client's answers are). */
function utf8(body: Uint8Array): string {
  return Buffer.isBuffer(body)
    ? body.toString('utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}
