import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { badInput, invalidJson, unreadablePath } from '../../common/catalogue.js';
import { withConnection } from '../client/connect.js';
import { addConnectionOptions, connectionOptions } from '../client/options.js';
import { outputFormat, print } from '../client/output.js';

/** What every `pipevault datafactory …` command shares: the factory's path, `az`-style JSON arguments, run queries. */

export const SUB = '00000000-0000-0000-0000-000000000000';
export const V = 'api-version=2018-06-01';

export type Opts = Record<string, unknown>;

export const factoryPath = (o: Opts) =>
  `/subscriptions/${SUB}/resourceGroups/${encodeURIComponent(String(o.resourceGroup))}/providers/Microsoft.DataFactory/factories/${encodeURIComponent(String(o.factoryName))}`;

/** A JSON argument as `az` takes it: inline JSON or `@file.json`. */
export function jsonArg(value: unknown, flag: string): unknown {
  const text = String(value);
  let source = text;
  let where = flag;
  if (text.startsWith('@')) {
    where = text.slice(1);
    try {
      source = readFileSync(where, 'utf8');
    } catch (e) {
      throw unreadablePath(where, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
    }
  }
  try {
    return JSON.parse(source.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw invalidJson(where, (e as Error).message);
  }
}

export function objectArg(value: unknown, flag: string): Record<string, unknown> {
  const v = jsonArg(value, flag);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badInput('expected a JSON object', flag);
  return v as Record<string, unknown>;
}

export function instant(v: unknown, flag: string): string {
  const t = Date.parse(String(v));
  if (!Number.isFinite(t)) throw badInput(`'${String(v)}' is not an ISO 8601 date-time`, flag);
  return new Date(t).toISOString();
}

export function common(cmd: Command): Command {
  return addConnectionOptions(
    cmd
      .option('--factory-name <name>', 'the factory', 'default')
      .option('-g, --resource-group <name>', 'resource group (any name; pipevault has one)', 'pipevault'),
  );
}

export function queryBody(o: Opts, defaultAfter: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    lastUpdatedAfter: instant(o.lastUpdatedAfter ?? defaultAfter, '--last-updated-after'),
    lastUpdatedBefore: instant(
      o.lastUpdatedBefore ?? new Date(Date.now() + 60_000).toISOString(),
      '--last-updated-before',
    ),
  };
  if (o.filters !== undefined) body.filters = jsonArg(o.filters, '--filters');
  if (o.orderBy !== undefined) body.orderBy = jsonArg(o.orderBy, '--order-by');
  if (o.continuationToken !== undefined) body.continuationToken = o.continuationToken;
  return body;
}

export function queryOptions(cmd: Command): Command {
  return cmd
    .option('--last-updated-after <time>', 'ISO 8601 (default: 24 hours ago for pipeline runs, all for activity runs)')
    .option('--last-updated-before <time>', 'ISO 8601 (default: now)')
    .option('--filters <json>', 'JSON array of {operand, operator, values} (or @file)')
    .option('--order-by <json>', 'JSON array of {orderBy, order} (or @file)')
    .option('--continuation-token <token>', 'the token of the previous page');
}

const DAY_MS = 86_400_000;

/**
 * The action of a `query-by-…` command: POSTs the query built from the flags to `path(o)` (under the factory),
 * prints the page (rows through `row` in table form) and, in table form, how to ask for the next page.
 * `since` is the default of --last-updated-after: 'day' (24 hours ago, as az does for runs) or 'all'.
 */
export function queryAction(opts: {
  path: (o: Opts) => string;
  row: (r: Record<string, unknown>) => unknown;
  since: 'day' | 'all';
}): (o: Opts) => Promise<void> {
  return async (o) => {
    const format = outputFormat(o);
    const after = opts.since === 'day' ? new Date(Date.now() - DAY_MS).toISOString() : '1970-01-01T00:00:00Z';
    const body = queryBody(o, after);
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request<{ value: Record<string, unknown>[]; continuationToken?: string }>(
        'POST',
        `${factoryPath(o)}/${opts.path(o)}?${V}`,
        body,
      );
      print(format === 'json' ? r : r.value.map(opts.row), format);
      if (format === 'table' && r.continuationToken)
        process.stderr.write(`more: --continuation-token ${r.continuationToken}\n`);
    });
  };
}
