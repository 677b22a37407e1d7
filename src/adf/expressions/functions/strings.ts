import { randomUUID } from 'node:crypto';
import { fail } from '../errors.js';
import { toText } from '../values.js';
import { int, str } from './args.js';
import { foldCase, toLowerInvariant, toUpperInvariant, trimDotNet } from './text.js';
import { fn, type FunctionDef } from './types.js';

/** The 12 string functions (spec §5.1). */
export const stringFunctions: FunctionDef[] = [
  fn('concat', 1, Infinity, (args) => {
    let out = '';
    for (const a of args) out += typeof a === 'string' ? a : toText(a);
    return out;
  }),
  fn('endsWith', 2, 2, (a) => foldCase(str('endsWith', a, 0)).endsWith(foldCase(str('endsWith', a, 1)))),
  fn('startsWith', 2, 2, (a) => foldCase(str('startsWith', a, 0)).startsWith(foldCase(str('startsWith', a, 1)))),
  fn('guid', 0, 1, (a) => guid(a.length ? str('guid', a, 0) : 'D')),
  fn('indexOf', 2, 2, (a) => foldCase(str('indexOf', a, 0)).indexOf(foldCase(str('indexOf', a, 1)))),
  fn('lastIndexOf', 2, 2, (a) => {
    const text = str('lastIndexOf', a, 0);
    const search = str('lastIndexOf', a, 1);
    // Logic Apps documents lastIndexOf(t, '') as len(t) - 1 (.NET Framework behaviour).
    if (search === '') return Math.max(text.length - 1, 0);
    return foldCase(text).lastIndexOf(foldCase(search));
  }),
  fn('replace', 3, 3, (a) => {
    const text = str('replace', a, 0);
    const old = str('replace', a, 1);
    const by = str('replace', a, 2);
    if (old === '')
      fail(
        "The template language function 'replace' expects its second parameter (the text to replace) to be a non-empty string.",
      );
    return text.split(old).join(by);
  }),
  fn('split', 2, 2, (a) => {
    const text = str('split', a, 0);
    const delim = str('split', a, 1);
    return delim === '' ? [text] : text.split(delim);
  }),
  fn('substring', 2, 3, (a) => {
    const text = str('substring', a, 0);
    const start = int('substring', a, 1);
    const length = a.length > 2 ? int('substring', a, 2) : text.length - start;
    if (start < 0 || length < 0 || start + length > text.length) {
      fail(
        "The template language function 'substring' parameters are out of range: 'start index' and 'length' must be " +
          'non-negative integers and their sum must be no larger than the length of the string. ' +
          `(start index ${start}, length ${length}, string length ${text.length})`,
      );
    }
    return text.substr(start, length);
  }),
  fn('toLower', 1, 1, (a) => toLowerInvariant(str('toLower', a, 0))),
  fn('toUpper', 1, 1, (a) => toUpperInvariant(str('toUpper', a, 0))),
  fn('trim', 1, 1, (a) => trimDotNet(str('trim', a, 0))),
];

function guid(format: string): string {
  const d = randomUUID();
  switch (format) {
    case 'D':
    case 'd':
    case '':
      return d;
    case 'N':
    case 'n':
      return d.replace(/-/g, '');
    case 'B':
    case 'b':
      return `{${d}}`;
    case 'P':
    case 'p':
      return `(${d})`;
    case 'X':
    case 'x': {
      const h = d.replace(/-/g, '');
      const bytes = h
        .slice(16)
        .match(/../g)!
        .map((b) => `0x${b}`);
      return `{0x${h.slice(0, 8)},0x${h.slice(8, 12)},0x${h.slice(12, 16)},{${bytes.join(',')}}}`;
    }
    default:
      fail(`The template language function 'guid' got the format '${format}'; use one of 'N', 'D', 'B', 'P' or 'X'.`);
  }
}
