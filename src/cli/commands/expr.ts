import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { badInput, invalidJson, unreadablePath } from '../../common/catalogue.js';
import { isPipevaultError } from '../../common/errors.js';
import {
  evaluateExact,
  JsonSyntaxError,
  parse,
  parseJsonLossless,
  stringifyJson,
  type EvaluationContext,
} from '../../adf/expressions/index.js';
import { AdfFloat } from '../../adf/expressions/values.js';
import { parseDate } from '../../adf/expressions/functions/datetime.js';

/** The context keys `pipevault expr` accepts (DESIGN.md "CLI"); anything else is bad input. */
const OBJECT_KEYS = ['parameters', 'variables', 'globalParameters', 'trigger', 'dataset', 'linkedService'] as const;
const STRING_KEYS = [
  'runId',
  'pipelineName',
  'factoryName',
  'triggerTime',
  'triggerName',
  'triggerType',
  'triggerId',
  'groupId',
  'triggeredByPipelineName',
  'triggeredByPipelineRunId',
  'now',
] as const;
const ALL_KEYS = new Set<string>([...OBJECT_KEYS, ...STRING_KEYS, 'activities', 'item']);
const ACTIVITY_KEYS = new Set(['output', 'status', 'error']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof AdfFloat);
}

/** Checks a context JSON value and turns it into an EvaluationContext; `where` names the source in messages. */
export function contextFromJson(raw: unknown, where: string): EvaluationContext {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw badInput('the context must be a JSON object', where);
  const ctx: EvaluationContext = {};
  for (const key of Object.keys(raw)) {
    if (!ALL_KEYS.has(key)) {
      throw badInput(`unknown context key '${key}'; the keys are ${[...ALL_KEYS].join(', ')}`, where);
    }
  }
  for (const key of OBJECT_KEYS) {
    const v = raw[key];
    if (v === undefined) continue;
    if (!isObject(v)) throw badInput(`context key '${key}' must be a JSON object`, where);
    ctx[key] = v;
  }
  for (const key of STRING_KEYS) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw badInput(`context key '${key}' must be a string`, where);
    ctx[key] = v;
  }
  if (ctx.now !== undefined && !parseDate(ctx.now)) {
    throw badInput(`context key 'now' must be an ISO timestamp such as 2024-01-31T12:00:00Z; got '${ctx.now}'`, where);
  }
  if (raw.activities !== undefined) {
    if (!isObject(raw.activities))
      throw badInput("context key 'activities' must map activity names to {output, status, error}", where);
    for (const [name, state] of Object.entries(raw.activities)) {
      if (!isObject(state))
        throw badInput(`activity '${name}' in the context must be an object {output, status, error}`, where);
      for (const k of Object.keys(state)) {
        if (!ACTIVITY_KEYS.has(k))
          throw badInput(
            `activity '${name}' in the context has the unknown key '${k}'; use output, status, error`,
            where,
          );
      }
      if (state.status !== undefined && typeof state.status !== 'string') {
        throw badInput(`activity '${name}' in the context: 'status' must be a string`, where);
      }
    }
    ctx.activities = raw.activities as EvaluationContext['activities'];
  }
  if ('item' in raw) {
    ctx.item = raw.item;
    ctx.hasItem = true;
  }
  return ctx;
}

function readContext(option: string): EvaluationContext {
  // An argument that starts with '{' is the JSON itself; anything else is a file path.
  let text: string;
  let where: string;
  if (option.trimStart().startsWith('{')) {
    text = option;
    where = '--context';
  } else {
    try {
      text = readFileSync(option, 'utf8');
    } catch (e) {
      throw unreadablePath(option, (e as NodeJS.ErrnoException).code ?? String(e));
    }
    where = option;
  }
  let raw: unknown;
  try {
    raw = parseJsonLossless(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw invalidJson(where, e.message);
    throw e;
  }
  return contextFromJson(raw, where);
}

/** One evaluation as a JSON value, in the exact representation (bigints with all digits, floats as `3.0`). */
export function evaluateToJson(expr: string, ctx: EvaluationContext): string {
  return stringifyJson(evaluateExact(parse(expr), ctx));
}

/** One batch line → one output line; never throws. */
export function batchLine(line: string, lineNo: number): string {
  try {
    let input: unknown;
    try {
      input = parseJsonLossless(line);
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw invalidJson(`line ${lineNo}`, e.message);
      throw e;
    }
    if (!isObject(input))
      throw badInput('each line must be a JSON object {"expr": …, "context": {…}}', `line ${lineNo}`);
    for (const k of Object.keys(input)) {
      if (k !== 'expr' && k !== 'context')
        throw badInput(`unknown key '${k}'; a line has "expr" and "context"`, `line ${lineNo}`);
    }
    if (typeof input.expr !== 'string') throw badInput('"expr" must be a string', `line ${lineNo}`);
    const ctx = contextFromJson(input.context, `line ${lineNo} context`);
    return `{"value":${evaluateToJson(input.expr, ctx)}}`;
  } catch (e) {
    const message = isPipevaultError(e) ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
    return JSON.stringify({ error: message });
  }
}

async function runBatch(): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let lineNo = 0;
  let pending: string[] = [];
  for await (const line of rl) {
    lineNo++;
    if (!line.trim()) continue;
    pending.push(batchLine(line, lineNo));
    if (pending.length >= 256) {
      process.stdout.write(pending.join('\n') + '\n');
      pending = [];
    }
  }
  if (pending.length) process.stdout.write(pending.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('expr')
    .description(
      'Evaluate an ADF expression (a template string as it stands in pipeline JSON) and print the JSON result',
    )
    .argument('[expr]', "the template, e.g. '@concat(pipeline().parameters.a, \"x\")', '@{…} text' or plain text")
    .option('--context <file>', 'JSON file (or inline JSON object) with parameters, variables, activities, item, …')
    .option('--batch', 'read JSON lines {"expr", "context"} on stdin; write one {"value"} or {"error"} line per input')
    .addHelpText(
      'after',
      `
Context keys: parameters, variables, activities (name -> {output, status, error}), item, globalParameters,
runId, pipelineName, factoryName, triggerTime, triggerName, triggerType, triggerId, groupId,
triggeredByPipelineName, triggeredByPipelineRunId, trigger, dataset, linkedService, now (ISO timestamp that
fixes utcNow()). Integers beyond 2^53 are read and printed with all their digits.

Examples:
  pipevault expr "@add(1, 2)"
  pipevault expr "@pipeline().parameters.env" --context ctx.json
  echo '{"expr": "@utcNow()", "context": {"now": "2024-01-01T00:00:00Z"}}' | pipevault expr --batch

Exit codes: 0 ok; 2 bad input (invalid expression, malformed or unknown context). --batch always exits 0 and
reports each bad line as {"error": "…"}.`,
    )
    .action(async (expr: string | undefined, opts: { context?: string; batch?: boolean }) => {
      if (opts.batch) {
        if (expr !== undefined) throw badInput('give either an expression or --batch, not both', 'pipevault expr');
        if (opts.context !== undefined) {
          throw badInput('--context does not apply to --batch; put "context" in each line', 'pipevault expr');
        }
        await runBatch();
        return;
      }
      if (expr === undefined)
        throw badInput("an expression is required, e.g. pipevault expr '@add(1, 2)'", 'pipevault expr');
      const ctx = opts.context !== undefined ? readContext(opts.context) : {};
      process.stdout.write(evaluateToJson(expr, ctx) + '\n');
    });
}
