import { azureFunctionFailed, invalidActivityProperty } from '../../common/catalogue.js';
import {
  adfBookkeeping,
  bodyText,
  normalizeHeaders,
  requestTimeout,
  runServices,
  setHeaderDefault,
} from '../linked-services/web-request.js';
import type { ActivityDefinition, ActivityResult } from './types.js';

/**
 * ADF's Azure Function activity: calls `{functionAppUrl}/api/{functionName}` of the `AzureFunction` linked
 * service it names, with the function key (a SecureString or a vault reference, resolved at run time) in
 * `x-functions-key`. The answer must be a JSON object; its fields are the output. A local stand-in for the
 * function app is declared in pipevault.json `hosts` (e.g. `"myapp.azurewebsites.net": "http://127.0.0.1:7071"`).
 */

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE']);
const NEEDS_BODY = new Set(['POST', 'PUT', 'PATCH']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const azureFunction: ActivityDefinition = {
  type: 'AzureFunctionActivity',
  validate(activity) {
    const problems: string[] = [];
    if (!activity.linkedServiceName?.referenceName)
      problems.push('linkedServiceName must name an AzureFunction linked service');
    if ((activity.typeProperties ?? {}).functionName === undefined)
      problems.push('typeProperties.functionName is required');
    return problems;
  },
  async execute(ctx): Promise<ActivityResult> {
    const s = runServices(ctx);
    const name = ctx.activityName;
    const ref = ctx.activity.linkedServiceName;
    if (!ref?.referenceName)
      throw invalidActivityProperty(name, 'linkedServiceName', 'must name an AzureFunction linked service');
    const ls = await s.resolver.linkedService(ref, ctx.expressionContext, ctx.signal);
    if (ls.type.toLowerCase() !== 'azurefunction') {
      throw invalidActivityProperty(
        name,
        'linkedServiceName',
        `names '${ls.name}', a ${ls.type} linked service, not AzureFunction`,
      );
    }
    const appUrl = String(ls.typeProperties.functionAppUrl ?? '').replace(/\/+$/, '');
    if (!appUrl) throw invalidActivityProperty(name, 'linkedServiceName', `'${ls.name}' has no functionAppUrl`);
    const fn = String(ctx.input.functionName ?? '').replace(/^\/+/, '');
    if (!fn) throw invalidActivityProperty(name, 'functionName', 'is required');
    const method = String(ctx.input.method ?? 'POST').toUpperCase();
    if (!METHODS.has(method)) throw invalidActivityProperty(name, 'method', `'${method}' is not an HTTP method`);
    const body = ctx.input.body;
    if (NEEDS_BODY.has(method) && (body === undefined || body === null)) {
      throw invalidActivityProperty(name, 'body', `is required for ${method} requests`);
    }
    const headers = normalizeHeaders(ctx.input.headers, name);
    const key = ls.typeProperties.functionKey;
    if (typeof key === 'string' && key) headers['x-functions-key'] = key;
    const payload = method === 'GET' || method === 'HEAD' ? undefined : bodyText(body);
    if (payload !== undefined) setHeaderDefault(headers, 'Content-Type', 'application/json');
    const url = `${appUrl}/api/${fn}`;
    const started = ctx.clock.now();
    const res = await s.http.request({
      method,
      url,
      headers,
      body: payload,
      timeoutMs: requestTimeout(ctx.input.httpRequestTimeout, name, 'httpRequestTimeout', 230_000, 230_000),
      signal: ctx.signal,
    });
    const text = Buffer.from(res.body).toString('utf8');
    if (res.status < 200 || res.status >= 300) throw azureFunctionFailed(fn, res.status, text.slice(0, 4000));
    let json: unknown;
    try {
      json = text.trim() ? JSON.parse(text) : {};
    } catch {
      json = undefined;
    }
    if (!isObject(json)) {
      throw azureFunctionFailed(
        fn,
        res.status,
        'Response Content is not a valid JObject; an Azure Function called by ADF must return a JSON object',
      );
    }
    return { output: { ...json, ...adfBookkeeping(ctx.clock.now() - started) } };
  },
};
