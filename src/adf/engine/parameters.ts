import { invalidPipelineParameter, missingPipelineParameter } from '../../common/catalogue.js';
import { SECURE_MARKER } from '../../storage/runs-records.js';
import type { Pipeline } from '../model/types.js';

const lower = (t: unknown) => String(t ?? 'String').toLowerCase();

function coerce(pipeline: string, name: string, type: string, value: unknown): unknown {
  const bad = (reason: string) => invalidPipelineParameter(pipeline, name, type, reason);
  if (value === null) return null;
  switch (lower(type)) {
    case 'int': {
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
      throw bad(`'${preview(value)}' is not an integer`);
    }
    case 'float': {
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      throw bad(`'${preview(value)}' is not a number`);
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim()))
        return value.trim().toLowerCase() === 'true';
      throw bad(`'${preview(value)}' is not true or false`);
    }
    case 'array': {
      if (Array.isArray(value)) return value;
      if (typeof value === 'string') {
        const parsed = tryJson(value);
        if (Array.isArray(parsed)) return parsed;
      }
      throw bad(`'${preview(value)}' is not a JSON array`);
    }
    case 'object': {
      if (typeof value === 'object') return value;
      if (typeof value === 'string') {
        const parsed = tryJson(value);
        if (parsed !== undefined && typeof parsed === 'object') return parsed;
      }
      throw bad(`'${preview(value)}' is not a JSON object`);
    }
    default:
      // String and SecureString: a structured value arrives as its JSON text (what ADF does with an array passed
      // through ExecutePipeline to a String parameter).
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function preview(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * The values a run starts with: given values typed by the declared types (strings parsed as ADF's createRun
 * does), defaults applied, a parameter without a default and without a value is bad input. Undeclared values
 * are kept as given.
 */
export function resolveParameters(pipeline: Pipeline, given: Record<string, unknown>): Record<string, unknown> {
  const declared = pipeline.properties.parameters ?? {};
  const out: Record<string, unknown> = {};
  const givenKeys = new Map(Object.keys(given).map((k) => [k.toLowerCase(), k]));
  for (const [name, spec] of Object.entries(declared)) {
    const key = givenKeys.get(name.toLowerCase());
    if (key !== undefined) {
      out[name] = coerce(pipeline.name, name, spec?.type ?? 'String', given[key]);
      givenKeys.delete(name.toLowerCase());
    } else if (spec && spec.defaultValue !== undefined) {
      try {
        out[name] = coerce(pipeline.name, name, spec.type ?? 'String', spec.defaultValue);
      } catch {
        out[name] = spec.defaultValue;
      }
    } else {
      throw missingPipelineParameter(pipeline.name, name);
    }
  }
  for (const key of givenKeys.values()) out[key] = given[key];
  return out;
}

/** Names of parameters declared SecureString (masked in run records). */
export function secureParameterNames(pipeline: Pipeline): Set<string> {
  const names = new Set<string>();
  for (const [name, spec] of Object.entries(pipeline.properties.parameters ?? {})) {
    if (lower(spec?.type) === 'securestring') names.add(name);
  }
  return names;
}

/** ADF's PipelineRun.parameters: every value as a string; SecureString values masked. */
export function recordParameters(values: Record<string, unknown>, secure: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    out[k] = secure.has(k) ? SECURE_MARKER : typeof v === 'string' ? v : JSON.stringify(v ?? null);
  }
  return out;
}

/** Types a `--param k=v` string by the declared type (JSON for arrays and objects). */
export function parseParameterText(pipeline: Pipeline, name: string, text: string): unknown {
  const declared = pipeline.properties.parameters ?? {};
  const entry = Object.entries(declared).find(([k]) => k.toLowerCase() === name.toLowerCase());
  if (!entry) {
    const names = Object.keys(declared);
    throw invalidPipelineParameter(
      pipeline.name,
      name,
      'nothing',
      `the pipeline declares no such parameter${names.length ? ` (it declares: ${names.join(', ')})` : ''}`,
    );
  }
  return coerce(pipeline.name, entry[0], entry[1]?.type ?? 'String', text);
}
