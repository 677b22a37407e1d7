import { invalidActivityProperty } from '../../common/catalogue.js';
import type { ActivityContext, ActivityDefinition } from './types.js';

export const RETURN_VALUE = 'pipelineReturnValue';

/**
 * The pipeline return value's typed key/value list (`[{key, value: {type, content}}]`): String content is
 * literal, Expression content is a template, Object nests another list, Array holds typed items or plain values.
 */
function decodeTyped(ctx: ActivityContext, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return ctx.evaluate(v);
  const { type, content } = v as { type?: unknown; content?: unknown };
  switch (String(type ?? '').toLowerCase()) {
    case 'expression':
      return ctx.evaluate(content);
    case 'string':
      return content === undefined || content === null ? null : String(content);
    case 'int':
    case 'float':
      return typeof content === 'number' ? content : Number(content);
    case 'boolean':
    case 'bool':
      return content === true || String(content).toLowerCase() === 'true';
    case 'null':
      return null;
    case 'array':
      return Array.isArray(content) ? content.map((item) => decodeTyped(ctx, item)) : [];
    case 'object':
      return decodeEntries(ctx, content);
    default:
      return ctx.evaluate(v);
  }
}

function decodeEntries(ctx: ActivityContext, entries: unknown): Record<string, unknown> {
  if (!Array.isArray(entries)) {
    const v = ctx.evaluate(entries);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    throw invalidActivityProperty(
      ctx.activityName,
      'typeProperties.value',
      'must be a list of {key, value} for the pipeline return value',
    );
  }
  const out: Record<string, unknown> = {};
  for (const e of entries as { key?: unknown; value?: unknown }[]) {
    if (!e || typeof e.key !== 'string') continue;
    out[e.key] = decodeTyped(ctx, e.value);
  }
  return out;
}

export const setVariable: ActivityDefinition = {
  type: 'SetVariable',
  // The return value's String entries are literal, so `value` is evaluated here rather than up front.
  deferred: ['value'],
  validate(a) {
    return typeof a.typeProperties?.variableName === 'string' ? [] : ['typeProperties.variableName is required'];
  },
  execute(ctx) {
    const name = String(ctx.input.variableName ?? '');
    const raw = ctx.typeProperties.value;
    const system = ctx.input.setSystemVariable === true || String(ctx.input.setSystemVariable).toLowerCase() === 'true';
    if (system || name === RETURN_VALUE) {
      if (name !== RETURN_VALUE) {
        throw invalidActivityProperty(
          ctx.activityName,
          'typeProperties.variableName',
          `'${name}' is not a system variable (only ${RETURN_VALUE})`,
        );
      }
      const value = decodeEntries(ctx, raw);
      ctx.setReturnValue(value);
      return { input: { variableName: name, value, setSystemVariable: true }, output: { name, value } };
    }
    const value = ctx.evaluate(raw);
    ctx.variables.set(name, value);
    return { input: { variableName: name, value }, output: { name, value } };
  },
};
