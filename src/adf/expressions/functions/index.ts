import { collectionFunctions } from './collections.js';
import { conversionFunctions } from './conversion.js';
import { dateFunctions } from './dates.js';
import { logicalFunctions } from './logical.js';
import { mathFunctions } from './math.js';
import { referenceFunctions } from './reference.js';
import { stringFunctions } from './strings.js';
import type { FunctionDef } from './types.js';

export type { FunctionDef, Thunk } from './types.js';

/** The 84 documented functions (spec §5), by category. */
export const DOCUMENTED_FUNCTIONS: readonly FunctionDef[] = [
  ...stringFunctions,
  ...collectionFunctions,
  ...logicalFunctions,
  ...conversionFunctions,
  ...mathFunctions,
  ...dateFunctions,
];

/** Every callable name: the documented functions plus the reference functions (pipeline(), activity() …). */
export const ALL_FUNCTIONS: readonly FunctionDef[] = [...DOCUMENTED_FUNCTIONS, ...referenceFunctions];

const byName = new Map<string, FunctionDef>(ALL_FUNCTIONS.map((f) => [f.name, f]));
const byLowerName = new Map<string, FunctionDef>(ALL_FUNCTIONS.map((f) => [f.name.toLowerCase(), f]));

/** Function names are case-insensitive (`CONCAT`, `utcnow`); the documented spelling is found without folding. */
export function findFunction(name: string): FunctionDef | undefined {
  return byName.get(name) ?? byLowerName.get(name.toLowerCase());
}
