import { fail } from '../errors.js';
import { JsonSyntaxError, parseJsonLossless } from '../json.js';
import { AdfFloat, isInt, isNumeric, isPlainObject, makeFloat, makeInt, toDouble, toText } from '../values.js';
import { str, wrongType } from './args.js';
import { fn, type FunctionDef } from './types.js';
import { isXmlEnvelope, jsonToXml, xmlEnvelope, xmlText, xmlToJson, xpathFn } from './xml.js';

export const BINARY_CONTENT_TYPE = 'application/octet-stream';

export function binaryEnvelope(bytes: Buffer): Record<string, string> {
  return { '$content-type': BINARY_CONTENT_TYPE, $content: bytes.toString('base64') };
}

function isEnvelope(v: unknown): v is Record<string, string> {
  return isPlainObject(v) && typeof v['$content'] === 'string' && typeof v['$content-type'] === 'string';
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function fromBase64(name: string, text: string): Buffer {
  if (!BASE64.test(text)) fail(`The template language function '${name}' was given text that is not valid base64.`);
  return Buffer.from(text, 'base64');
}

/** The bytes behind a binary-ish argument: a binary/XML envelope, or a string's UTF-8 bytes. */
function bytesOf(name: string, v: unknown): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (isEnvelope(v)) return Buffer.from(v['$content'], 'base64');
  wrongType(name, 0, 'a string or binary content', v);
}

const DATA_URI = /^data:([^,]*?)(;base64)?,(.*)$/s;

function dataUriBytes(name: string, uri: string): Buffer {
  const m = DATA_URI.exec(uri);
  if (!m) fail(`The template language function '${name}' expects a data URI ('data:[<media type>][;base64],<data>').`);
  return m[2] ? fromBase64(name, m[3]) : Buffer.from(unescapeData(m[3]), 'utf8');
}

/** .NET Uri.EscapeDataString: everything but RFC 3986 unreserved characters, UTF-8, upper-case hex. */
export function escapeData(s: string): string {
  try {
    return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    fail('The text to encode contains an unpaired surrogate character, which is not valid UTF-16.');
  }
}

/** .NET Uri.UnescapeDataString: decodes valid %XX runs, leaves anything else (including '+') as it is. */
export function unescapeData(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

const FLOAT_TEXT = /^\s*[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const INT_TEXT = /^\s*[+-]?\d+\s*$/;

/** The 24 conversion functions (spec §5.4). */
export const conversionFunctions: FunctionDef[] = [
  fn('array', 1, 1, ([v]) => [v]),
  fn('base64', 1, 1, ([v]) => bytesOf('base64', v).toString('base64')),
  fn('base64ToBinary', 1, 1, (a) => binaryEnvelope(fromBase64('base64ToBinary', str('base64ToBinary', a, 0)))),
  fn('base64ToString', 1, 1, (a) => fromBase64('base64ToString', str('base64ToString', a, 0)).toString('utf8')),
  fn('decodeBase64', 1, 1, (a) => fromBase64('decodeBase64', str('decodeBase64', a, 0)).toString('utf8')),
  fn('binary', 1, 1, ([v]) => binaryEnvelope(bytesOf('binary', v))),
  fn('bool', 1, 1, ([v]) => {
    if (typeof v === 'boolean') return v;
    if (isNumeric(v)) return toDouble(v) !== 0;
    if (typeof v === 'string') {
      const t = v.trim().toLowerCase();
      if (t === 'true') return true;
      if (t === 'false') return false;
      fail(
        `The template language function 'bool' cannot convert the given string to a boolean; use 'true' or 'false'.`,
      );
    }
    wrongType('bool', 0, 'a boolean, a number or a string', v);
  }),
  fn('coalesce', 1, Infinity, (args) => {
    for (const a of args) if (a !== null && a !== undefined) return a;
    return null;
  }),
  fn('createArray', 0, Infinity, (args) => args.slice()),
  fn('dataUri', 1, 1, ([v]) => `data:text/plain;charset=utf-8;base64,${bytesOf('dataUri', v).toString('base64')}`),
  fn('dataUriToBinary', 1, 1, (a) => binaryEnvelope(dataUriBytes('dataUriToBinary', str('dataUriToBinary', a, 0)))),
  fn('decodeDataUri', 1, 1, (a) => binaryEnvelope(dataUriBytes('decodeDataUri', str('decodeDataUri', a, 0)))),
  fn('dataUriToString', 1, 1, (a) => dataUriBytes('dataUriToString', str('dataUriToString', a, 0)).toString('utf8')),
  fn('uriComponent', 1, 1, ([v]) => escapeData(typeof v === 'string' ? v : toText(v))),
  fn('encodeUriComponent', 1, 1, ([v]) => escapeData(typeof v === 'string' ? v : toText(v))),
  fn('uriComponentToString', 1, 1, (a) => unescapeData(str('uriComponentToString', a, 0))),
  fn('decodeUriComponent', 1, 1, (a) => unescapeData(str('decodeUriComponent', a, 0))),
  fn('uriComponentToBinary', 1, 1, (a) =>
    binaryEnvelope(Buffer.from(unescapeData(str('uriComponentToBinary', a, 0)), 'utf8')),
  ),
  fn('float', 1, 1, ([v]) => {
    if (isNumeric(v)) return makeFloat(toDouble(v));
    if (typeof v === 'string' && FLOAT_TEXT.test(v)) return makeFloat(Number(v.replace(/,/g, '').trim()));
    if (typeof v === 'string')
      fail(`The template language function 'float' cannot convert the given string to a number.`);
    wrongType('float', 0, 'a string or a number', v);
  }),
  fn('int', 1, 1, ([v]) => {
    if (isInt(v)) return v;
    if (v instanceof AdfFloat) return Number.isSafeInteger(v.value) ? v.value : makeInt(BigInt(v.value), 'int');
    if (typeof v === 'number') {
      fail(`The template language function 'int' cannot convert a decimal number with a fraction to an integer.`);
    }
    if (typeof v === 'string' && INT_TEXT.test(v)) {
      const big = BigInt(v.trim().replace(/^\+/, ''));
      if (big < -(2n ** 63n) || big > 2n ** 63n - 1n)
        fail(`The template language function 'int' got a number outside the 64-bit integer range.`);
      return makeInt(big, 'int');
    }
    if (typeof v === 'string')
      fail(`The template language function 'int' cannot convert the given string to an integer.`);
    wrongType('int', 0, 'a string or a number', v);
  }),
  fn('json', 1, 1, ([v]) => {
    if (typeof v === 'string') {
      try {
        return parseJsonLossless(v);
      } catch (e) {
        if (e instanceof JsonSyntaxError)
          fail(`The template language function 'json' was given text that is not valid JSON: ${e.message}.`);
        throw e;
      }
    }
    if (isXmlEnvelope(v)) return xmlToJson(xmlText(v));
    if (v === null || v === undefined) wrongType('json', 0, 'a string or XML', v);
    return v;
  }),
  fn('string', 1, 1, ([v]) => {
    if (isEnvelope(v)) return Buffer.from(v['$content'], 'base64').toString('utf8');
    return toText(v);
  }),
  fn('xml', 1, 1, ([v]) => {
    if (typeof v === 'string') return xmlEnvelope(v);
    if (isXmlEnvelope(v)) return v;
    if (isPlainObject(v)) return xmlEnvelope(jsonToXml(v));
    wrongType('xml', 0, 'a string or an object', v);
  }),
  fn('xpath', 2, 2, (a) => xpathFn(a[0], str('xpath', a, 1))),
];
