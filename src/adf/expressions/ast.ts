import type { FunctionDef } from './functions/types.js';
import type { AdfFloat } from './values.js';

/** Positions are 0-based character offsets into the whole template text (what the user wrote in JSON). */
export type Node = LiteralNode | CallNode | MemberNode | IndexNode;

export interface LiteralNode {
  type: 'literal';
  value: string | number | bigint | AdfFloat | boolean | null;
  pos: number;
}

export interface CallNode {
  type: 'call';
  /** Canonical (documented) spelling, e.g. `concat` for `CONCAT`. */
  name: string;
  args: Node[];
  pos: number;
  /** The function, resolved by the parser (saves a lookup per evaluation). */
  def?: FunctionDef;
}

export interface MemberNode {
  type: 'member';
  object: Node;
  /** As written; looked up case-insensitively. */
  name: string;
  nullSafe: boolean;
  pos: number;
}

export interface IndexNode {
  type: 'index';
  object: Node;
  index: Node;
  nullSafe: boolean;
  pos: number;
}

export type TemplatePart = string | { node: Node; start: number; end: number };

/**
 * A parsed template string, as it stands in pipeline JSON:
 * - `literal`: no expression (plain text, or an `@@` escape); `value` is the resulting text.
 * - `expression`: a whole-value `@expr`; the result keeps its type.
 * - `interpolation`: text with `@{…}` parts; the result is always a string.
 */
export type Template =
  | { readonly kind: 'literal'; readonly text: string; readonly value: string }
  | { readonly kind: 'expression'; readonly text: string; readonly node: Node }
  | { readonly kind: 'interpolation'; readonly text: string; readonly parts: readonly TemplatePart[] };
