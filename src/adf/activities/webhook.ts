import { invalidActivityProperty, webhookReportedFailure, webhookTimedOut } from '../../common/catalogue.js';
import {
  adfBookkeeping,
  authenticate,
  normalizeHeaders,
  requestTimeout,
  requireSuccess,
  runServices,
  setHeaderDefault,
} from '../linked-services/web-request.js';
import type { ActivityDefinition, ActivityResult } from './types.js';

/**
 * ADF's WebHook activity (specs/adf-runtime.md §3.2): POSTs its body plus `callBackUri` to the endpoint, then
 * waits (`timeout`, default 00:10:00) until something POSTs JSON to that URI. The callback body becomes the
 * output; with `reportStatusOnCallBack` a body `{Output, Error, StatusCode}` whose StatusCode is 400 or more
 * fails the activity with the given error.
 */

const ENDPOINT_TIMEOUT_MS = 60_000;
const DEFAULT_WAIT_MS = 10 * 60_000;
const MAX_WAIT_MS = 7 * 86_400_000;

const truthy = (v: unknown) => v === true || String(v).toLowerCase() === 'true';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const webhook: ActivityDefinition = {
  type: 'WebHook',
  deferred: ['authentication'],
  validate(activity) {
    const tp = activity.typeProperties ?? {};
    const problems: string[] = [];
    if (tp.url === undefined) problems.push('typeProperties.url is required');
    if (typeof tp.method === 'string' && tp.method.toUpperCase() !== 'POST')
      problems.push('typeProperties.method must be POST');
    return problems;
  },
  async execute(ctx): Promise<ActivityResult> {
    const s = runServices(ctx, 'webhook callbacks');
    const name = ctx.activityName;
    const url = ctx.input.url;
    if (typeof url !== 'string' || !url.trim())
      throw invalidActivityProperty(name, 'url', 'must be a non-empty string');
    const method = String(ctx.input.method ?? 'POST').toUpperCase();
    if (method !== 'POST') throw invalidActivityProperty(name, 'method', 'must be POST');
    const waitMs = requestTimeout(ctx.input.timeout, name, 'timeout', MAX_WAIT_MS, DEFAULT_WAIT_MS);
    const headers = normalizeHeaders(ctx.input.headers, name);
    setHeaderDefault(headers, 'Content-Type', 'application/json');
    let body: unknown = ctx.input.body ?? {};
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        throw invalidActivityProperty(name, 'body', 'must be JSON (the service adds callBackUri to it)');
      }
    }
    if (!isObject(body))
      throw invalidActivityProperty(name, 'body', 'must be a JSON object (the service adds callBackUri to it)');
    const auth = await authenticate(ctx.typeProperties.authentication, ctx, s);
    const callback = await s.webhooks!.create();
    const started = ctx.clock.now();
    try {
      const res = await s.http.request({
        method: 'POST',
        url,
        headers: { ...headers, ...auth.headers },
        body: JSON.stringify({ ...body, callBackUri: callback.uri }),
        timeoutMs: ENDPOINT_TIMEOUT_MS,
        signal: ctx.signal,
        disableCertValidation: truthy(ctx.input.disableCertValidation),
        ...(auth.clientCertificate ? { clientCertificate: auth.clientCertificate } : {}),
      });
      requireSuccess(res, url);
      const timeout = Symbol('timeout');
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        callback.payload,
        new Promise<symbol>((resolve) => {
          timer = setTimeout(() => resolve(timeout), waitMs);
          // cancellation: stop waiting at once (the engine reports the activity as cancelled)
          ctx.signal.addEventListener('abort', () => resolve(timeout), { once: true });
        }),
      ]).finally(() => clearTimeout(timer));
      if (waited === timeout) throw webhookTimedOut(name, String(ctx.input.timeout ?? '00:10:00'));
      const payload = (waited as { body: unknown }).body;
      if (truthy(ctx.input.reportStatusOnCallBack) && isObject(payload)) {
        const status = Number(payload.StatusCode ?? payload.statusCode ?? 200);
        const out = isObject(payload.Output) ? payload.Output : {};
        if (status >= 400) {
          const err = isObject(payload.Error) ? payload.Error : {};
          const e = webhookReportedFailure(
            String(err.ErrorCode ?? ''),
            String(err.Message ?? `The callback reported status ${status}.`),
          );
          return {
            status: 'Failed',
            output: { ...out, ...adfBookkeeping(ctx.clock.now() - started) },
            error: e.toActivity(name),
          };
        }
        return { output: { ...out, ...adfBookkeeping(ctx.clock.now() - started) } };
      }
      return {
        output: isObject(payload)
          ? { ...payload, ...adfBookkeeping(ctx.clock.now() - started) }
          : { Response: payload },
      };
    } finally {
      callback.cancel();
    }
  },
};
