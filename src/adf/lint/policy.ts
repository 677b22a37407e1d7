import type { Activity } from '../model/index.js';

/** A policy flag as written: `true`, or the string "true" that some exports carry. */
export function flag(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

export function policyOf(a: Activity): { secureInput: boolean; secureOutput: boolean } {
  const p = typeof a.policy === 'object' && a.policy !== null ? a.policy : {};
  return { secureInput: flag(p.secureInput), secureOutput: flag(p.secureOutput) };
}
