/**
 * The ADF pipeline expression language (docs/expressions.md): parse a template as it stands in pipeline JSON,
 * evaluate it against an EvaluationContext, walk whole JSON values, and list what an expression reads.
 */
export type { Node, Template, TemplatePart } from './ast.js';
export type { ActivityState, EvaluationContext } from './context.js';
export { ExpressionError, isExpressionError, type ExpressionErrorKind } from './errors.js';
export { parse } from './parser.js';
export { evaluate, evaluateExact, interpolate, compile, isExpression, isExpressionObject } from './evaluate.js';
export type { Evaluator } from './interpreter.js';
export { references, type References } from './references.js';
export { AdfFloat, stringifyJson, toText, typeName, deepEquals } from './values.js';
export { parseJsonLossless, JsonSyntaxError } from './json.js';
export { DOCUMENTED_FUNCTIONS, ALL_FUNCTIONS } from './functions/index.js';
