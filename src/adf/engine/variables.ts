import { invalidActivityProperty } from '../../common/catalogue.js';
import type { VariableAccess } from '../activities/types.js';
import type { VariableSpec } from '../model/types.js';

/** Canonical variable type names; real JSON writes `Boolean` and `Integer` as well as the spec's `Bool`. */
function canonicalType(t: unknown): string {
  const s = String(t ?? 'String').toLowerCase();
  if (s === 'bool' || s === 'boolean') return 'Bool';
  if (s === 'array') return 'Array';
  if (s === 'integer' || s === 'int') return 'Integer';
  return 'String';
}

function typeNameOf(v: unknown): string {
  if (v === null || v === undefined) return 'Null';
  if (Array.isArray(v)) return 'Array';
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (typeof v === 'string') return 'String';
  return 'Object';
}

function fits(type: string, v: unknown): boolean {
  if (v === null || v === undefined) return true;
  switch (type) {
    case 'Bool':
      return typeof v === 'boolean';
    case 'Array':
      return Array.isArray(v);
    case 'Integer':
      return typeof v === 'number' && Number.isInteger(v);
    default:
      return typeof v === 'string';
  }
}

/**
 * A run's variables: pipeline-global (ADF does not scope them to ForEach iterations), typed as declared.
 * Appends are O(1): an array is copied before an append only when an expression may still hold it (it was read
 * since the last append), so earlier reads never see later appends.
 */
export class RunVariables implements VariableAccess {
  private readonly values: Record<string, unknown> = Object.create(null);
  private readonly types = new Map<string, string>();
  private readonly exposed = new Set<string>();
  /** What expressions see as `variables`: reads mark arrays as shared. */
  readonly view: Record<string, unknown>;

  constructor(declared: Record<string, VariableSpec> | undefined) {
    for (const [name, spec] of Object.entries(declared ?? {})) {
      this.types.set(name, canonicalType(spec?.type));
      this.values[name] = spec?.defaultValue === undefined ? null : spec.defaultValue;
    }
    const exposed = this.exposed;
    this.view = new Proxy(this.values, {
      get(target, key) {
        const v = target[key as string];
        if (Array.isArray(v)) exposed.add(key as string);
        return v;
      },
    });
  }

  private resolve(name: string): string | undefined {
    if (this.types.has(name)) return name;
    const lower = name.toLowerCase();
    for (const k of this.types.keys()) if (k.toLowerCase() === lower) return k;
    return undefined;
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  typeOf(name: string): string | undefined {
    const k = this.resolve(name);
    return k === undefined ? undefined : this.types.get(k);
  }

  get(name: string): unknown {
    const k = this.resolve(name);
    if (k === undefined) return undefined;
    return this.view[k];
  }

  /** Throws a user error naming the variable when it is undeclared or the value has the wrong type. */
  set(name: string, value: unknown, activity = ''): void {
    const k = this.resolve(name);
    if (k === undefined)
      throw invalidActivityProperty(activity, `variable '${name}'`, 'is not declared by the pipeline');
    const type = this.types.get(k) as string;
    if (!fits(type, value)) {
      throw invalidActivityProperty(
        activity,
        `variable '${k}'`,
        `of type '${type === 'Bool' ? 'Boolean' : type}' cannot be updated with a value of type '${typeNameOf(value)}'`,
      );
    }
    this.values[k] = value;
    this.exposed.delete(k);
  }

  append(name: string, value: unknown, activity = ''): void {
    const k = this.resolve(name);
    if (k === undefined)
      throw invalidActivityProperty(activity, `variable '${name}'`, 'is not declared by the pipeline');
    if (this.types.get(k) !== 'Array') {
      throw invalidActivityProperty(
        activity,
        `variable '${k}'`,
        `is of type '${this.types.get(k)}'; AppendVariable needs an Array variable`,
      );
    }
    const current = this.values[k];
    if (current === null || current === undefined) this.values[k] = [value];
    else if (this.exposed.has(k)) this.values[k] = [...(current as unknown[]), value];
    else (current as unknown[]).push(value);
    this.exposed.delete(k);
  }
}
