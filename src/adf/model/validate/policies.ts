import { jsonPath } from '../json-path.js';
import { isRecord } from '../normalize.js';
import { parseTimeSpan } from '../timespan.js';
import type { PipelineRule } from './context.js';

/**
 * Literal timeouts are .NET TimeSpans (`[d.]hh:mm:ss`): `policy.timeout` (REST spec ActivityPolicy), Until and
 * WebHook `typeProperties.timeout`, Web `httpRequestTimeout`. `policy.retry` is a whole number ≥ 0 (REST
 * spec). Expressions are not judged. `retryIntervalInSeconds` below the spec's minimum of 30 occurs in
 * published corpus pipelines (5 s), so it is not checked.
 */
export const policies: PipelineRule = (ctx) => {
  for (const n of ctx.nodes) {
    const a = n.activity;
    if (a.state === 'Inactive') continue;
    const spans: [unknown, string][] = [];
    if (isRecord(a.policy)) spans.push([a.policy.timeout, jsonPath(n.path, 'policy', 'timeout')]);
    if (isRecord(a.typeProperties)) {
      if (a.type === 'Until' || a.type === 'WebHook')
        spans.push([a.typeProperties.timeout, jsonPath(n.path, 'typeProperties', 'timeout')]);
      if (a.type === 'WebActivity')
        spans.push([a.typeProperties.httpRequestTimeout, jsonPath(n.path, 'typeProperties', 'httpRequestTimeout')]);
    }
    for (const [v, path] of spans) {
      if (typeof v !== 'string' || v.startsWith('@')) continue;
      if (parseTimeSpan(v) === undefined) {
        ctx.problem(
          'invalid-timespan',
          path,
          `'${v}' is not a timespan; write [d.]hh:mm:ss, e.g. 0.12:00:00 for 12 hours`,
        );
      }
    }
    if (isRecord(a.policy) && 'retry' in a.policy) {
      const r = a.policy.retry;
      const literal = !(isRecord(r) || (typeof r === 'string' && r.startsWith('@')));
      if (literal && !(typeof r === 'number' && Number.isInteger(r) && r >= 0)) {
        ctx.problem(
          'invalid-retry',
          jsonPath(n.path, 'policy', 'retry'),
          `retry must be a whole number of retries (0 or more), not ${JSON.stringify(r)}`,
        );
      }
    }
  }
};
