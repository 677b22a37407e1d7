import { invalidActivityProperty } from '../../common/catalogue.js';
import { header } from '../linked-services/http-client.js';
import {
  authenticate,
  bodyText,
  normalizeHeaders,
  requestTimeout,
  requireSuccess,
  runServices,
  setHeaderDefault,
  webOutput,
} from '../linked-services/web-request.js';
import type { ActivityContext, ActivityDefinition, ActivityResult } from './types.js';

/**
 * ADF's Web activity (`"type": "WebActivity"`, specs/adf-runtime.md §3.1): one HTTP call through the run's
 * outbound client, authenticated as the pipeline says, with ADF's output shape. A GET of a vault secret is
 * the product's core scenario; the value it returns is registered for masking at once.
 */

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
const NEEDS_BODY = new Set(['POST', 'PUT', 'PATCH']);
/** How long to wait between polls of a 202's Location when the answer gives no Retry-After. */
const DEFAULT_POLL_MS = 1000;

function references(
  ctx: ActivityContext,
  key: 'datasets' | 'linkedServices',
): Array<{ name: string; properties: unknown }> {
  const list = ctx.input[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalidActivityProperty(ctx.activityName, key, 'must be a list of references');
  const { factory } = ctx.services;
  const map = (key === 'datasets' ? factory?.datasets : factory?.linkedServices) as
    Map<string, { name: string; properties: unknown }> | undefined;
  return list.map((r, i) => {
    const name = String((r as { referenceName?: unknown })?.referenceName ?? '');
    const def = map?.get(name);
    if (!def)
      throw invalidActivityProperty(
        ctx.activityName,
        `${key}[${i}]`,
        `names '${name}', which the factory does not define`,
      );
    return { name: def.name, properties: def.properties };
  });
}

export const web: ActivityDefinition = {
  type: 'WebActivity',
  // resolved here, so a password or key never sits in the recorded input
  deferred: ['authentication'],
  validate(activity) {
    const tp = activity.typeProperties ?? {};
    const problems: string[] = [];
    if (tp.url === undefined) problems.push('typeProperties.url is required');
    if (typeof tp.method === 'string' && !tp.method.startsWith('@') && !METHODS.has(tp.method.toUpperCase())) {
      problems.push(`typeProperties.method '${tp.method}' is not GET, POST, PUT, DELETE or PATCH`);
    }
    return problems;
  },
  async execute(ctx): Promise<ActivityResult> {
    const s = runServices(ctx);
    const name = ctx.activityName;
    const url = ctx.input.url;
    if (typeof url !== 'string' || !url.trim())
      throw invalidActivityProperty(name, 'url', 'must be a non-empty string');
    const method = String(ctx.input.method ?? 'GET').toUpperCase();
    if (!METHODS.has(method))
      throw invalidActivityProperty(name, 'method', `'${method}' is not GET, POST, PUT, DELETE or PATCH`);
    const headers = normalizeHeaders(ctx.input.headers, name);
    let body: unknown = ctx.input.body;
    if (NEEDS_BODY.has(method) && (body === undefined || body === null)) {
      throw invalidActivityProperty(name, 'body', `is required for ${method} requests`);
    }
    if (NEEDS_BODY.has(method)) {
      const datasets = references(ctx, 'datasets');
      const linkedServices = references(ctx, 'linkedServices');
      if (datasets.length || linkedServices.length) {
        const base = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : { body };
        body = {
          ...base,
          ...(datasets.length ? { datasets } : {}),
          ...(linkedServices.length ? { linkedServices } : {}),
        };
      }
    }
    const payload = method === 'GET' || method === 'HEAD' ? undefined : bodyText(body);
    if (payload !== undefined) setHeaderDefault(headers, 'Content-Type', 'application/json');
    const timeoutMs = requestTimeout(ctx.input.httpRequestTimeout, name);
    const insecure =
      ctx.input.disableCertValidation === true || String(ctx.input.disableCertValidation).toLowerCase() === 'true';
    const turnOffAsync = ctx.input.turnOffAsync === true || String(ctx.input.turnOffAsync).toLowerCase() === 'true';
    const auth = await authenticate(ctx.typeProperties.authentication, ctx, s);
    const send = (m: string, u: string, b: string | undefined) =>
      s.http.request({
        method: m,
        url: u,
        headers: { ...headers, ...auth.headers },
        body: b,
        timeoutMs,
        signal: ctx.signal,
        disableCertValidation: insecure,
        ...(auth.clientCertificate ? { clientCertificate: auth.clientCertificate } : {}),
      });

    const started = ctx.clock.now();
    let res = await send(method, url, payload);
    let current = url;
    // 202 + Location: keep asking the Location until the job answers otherwise (ADF: up to 7 days, bounded by
    // the activity's policy.timeout, which aborts ctx.signal)
    while (res.status === 202 && !turnOffAsync) {
      const location = header(res.headers, 'Location');
      if (!location) break;
      const retryAfter = Number(header(res.headers, 'Retry-After'));
      await ctx.sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : DEFAULT_POLL_MS);
      current = new URL(location, current).toString();
      res = await send('GET', current, undefined);
    }
    requireSuccess(res, current);
    const output = webOutput(res, ctx.clock.now() - started);
    if (res.via === 'vault' && typeof output.value === 'string') s.registerSecret?.(output.value);
    return { output };
  },
};
