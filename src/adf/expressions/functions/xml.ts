import { DOMParser, XMLSerializer, type Document, type Element, type Node as XmlNode } from '@xmldom/xmldom';
import xpath from 'xpath';
import { fail } from '../errors.js';
import { isPlainObject, makeFloat, toText } from '../values.js';
import { setKey } from './collections.js';

export const XML_CONTENT_TYPE = 'application/xml;charset=utf-8';

export function isXmlEnvelope(v: unknown): v is Record<string, string> {
  return (
    isPlainObject(v) &&
    typeof v['$content'] === 'string' &&
    typeof v['$content-type'] === 'string' &&
    v['$content-type'].toLowerCase().startsWith('application/xml')
  );
}

export function xmlText(env: Record<string, string>): string {
  return Buffer.from(env['$content'], 'base64').toString('utf8');
}

function parseXml(text: string): Document {
  try {
    const doc = new DOMParser({
      onError: (level: string, msg: string) => {
        if (level !== 'warning') throw new Error(msg);
      },
    }).parseFromString(text, 'text/xml');
    if (!doc.documentElement) throw new Error('no root element');
    return doc;
  } catch (e) {
    // xmldom quotes fragments of the input; those could be data (even a secret), so they are cut out.
    const why =
      e instanceof Error
        ? e.message
            .replace(/"[^"]*"/g, '…')
            .replace(/\s+/g, ' ')
            .slice(0, 200)
        : 'parse error';
    fail(`The provided value is not valid XML: ${why}.`);
  }
}

/** `xml('<a/>')`: the XML envelope (spec §3.1), after checking the text is well-formed. */
export function xmlEnvelope(text: string): Record<string, string> {
  parseXml(text);
  return { '$content-type': XML_CONTENT_TYPE, $content: Buffer.from(text, 'utf8').toString('base64') };
}

const serializer = new XMLSerializer();

/**
 * `xpath(xml, path)` (spec §5.4): element node sets give an array of XML envelopes, text/CDATA and attribute
 * nodes give strings, `count()`/`sum()` give a float, `string()` a string, boolean expressions a boolean.
 */
export function xpathFn(source: unknown, path: string): unknown {
  let text: string;
  if (typeof source === 'string') text = source;
  else if (isXmlEnvelope(source)) text = xmlText(source);
  else fail("The template language function 'xpath' expects its first parameter to be XML (use xml(...)).");
  const doc = parseXml(text);
  let result: unknown;
  try {
    result = xpath.select(path, doc as unknown as globalThis.Node);
  } catch (e) {
    fail(
      `The template language function 'xpath' got an invalid XPath expression '${path}': ${e instanceof Error ? e.message : String(e)}.`,
    );
  }
  if (typeof result === 'number') return makeFloat(result);
  if (typeof result === 'string' || typeof result === 'boolean') return result;
  const nodes = (Array.isArray(result) ? result : [result]) as XmlNode[];
  return nodes.map((n) => {
    switch (n.nodeType) {
      case 2: // attribute
      case 3: // text
      case 4: // CDATA
        return n.nodeValue ?? '';
      default: {
        const xmlString = serializer.serializeToString(n);
        return { '$content-type': XML_CONTENT_TYPE, $content: Buffer.from(xmlString, 'utf8').toString('base64') };
      }
    }
  });
}

/** `json(xml(...))`: Json.NET's SerializeXmlNode shape (attributes `@a`, repeated elements as arrays, `#text`). */
export function xmlToJson(text: string): Record<string, unknown> {
  const doc = parseXml(text);
  const out: Record<string, unknown> = {};
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 7 && n.nodeName === 'xml') {
      const decl: Record<string, unknown> = {};
      const data = (n as unknown as { data: string }).data;
      for (const m of data.matchAll(/(\w+)\s*=\s*["']([^"']*)["']/g)) decl[`@${m[1]}`] = m[2];
      out['?xml'] = decl;
    } else if (n.nodeType === 1) {
      setKey(out, n.nodeName, elementToJson(n as Element));
    }
  }
  return out;
}

function elementToJson(el: Element): unknown {
  const obj: Record<string, unknown> = {};
  let hasContent = false;
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i)!;
    setKey(obj, `@${a.name}`, a.value);
    hasContent = true;
  }
  const texts: string[] = [];
  const cdata: string[] = [];
  let elementCount = 0;
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1) {
      elementCount++;
      const v = elementToJson(c as Element);
      const key = c.nodeName;
      if (Object.prototype.hasOwnProperty.call(obj, key)) {
        const prev = obj[key];
        // elementToJson never returns an array, so an array here is the one made for repeated siblings.
        if (Array.isArray(prev)) prev.push(v);
        else setKey(obj, key, [prev, v]);
      } else setKey(obj, key, v);
      hasContent = true;
    } else if (c.nodeType === 3) {
      if (c.nodeValue && c.nodeValue.trim()) texts.push(c.nodeValue);
    } else if (c.nodeType === 4) {
      cdata.push(c.nodeValue ?? '');
    }
  }
  if (!hasContent && elementCount === 0) {
    if (texts.length === 1 && cdata.length === 0) return texts[0];
    if (texts.length === 0 && cdata.length === 0) return null;
  }
  if (texts.length) obj['#text'] = texts.length === 1 ? texts[0] : texts;
  if (cdata.length) obj['#cdata-section'] = cdata.length === 1 ? cdata[0] : cdata;
  return obj;
}

function escapeXml(s: string, attr: boolean): string {
  let r = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (attr) r = r.replace(/"/g, '&quot;');
  return r;
}

const XML_NAME = /^[A-Za-z_][\w.:-]*$/;

/** `xml({...})`: a single-root JSON object to XML text, the inverse of xmlToJson. */
export function jsonToXml(obj: Record<string, unknown>): string {
  const roots = Object.keys(obj).filter((k) => k !== '?xml');
  if (roots.length !== 1) {
    fail(
      `The template language function 'xml' expects an object with exactly one root property; it has ${roots.length}.`,
    );
  }
  const parts: string[] = [];
  const decl = obj['?xml'];
  if (isPlainObject(decl)) {
    const attrs = Object.entries(decl)
      .filter(([k]) => k.startsWith('@'))
      .map(([k, v]) => ` ${k.slice(1)}="${escapeXml(toText(v), true)}"`)
      .join('');
    parts.push(`<?xml${attrs}?>`);
  }
  writeElement(roots[0], obj[roots[0]], parts, 0);
  return parts.join('');
}

function writeElement(name: string, v: unknown, out: string[], depth: number): void {
  if (!XML_NAME.test(name)) fail(`The template language function 'xml' cannot use '${name}' as an XML element name.`);
  if (depth > 200) fail("The template language function 'xml' got an object nested too deeply.");
  if (Array.isArray(v)) {
    for (const item of v) writeElement(name, item, out, depth + 1);
    return;
  }
  if (v === null || v === undefined) {
    out.push(`<${name} />`);
    return;
  }
  if (!isPlainObject(v)) {
    out.push(`<${name}>${escapeXml(toText(v), false)}</${name}>`);
    return;
  }
  let attrs = '';
  const children: string[] = [];
  for (const [k, child] of Object.entries(v)) {
    if (k.startsWith('@')) attrs += ` ${k.slice(1)}="${escapeXml(toText(child), true)}"`;
    else if (k === '#text') children.push(escapeXml(toText(child), false));
    else if (k === '#cdata-section') children.push(`<![CDATA[${toText(child)}]]>`);
    else writeElement(k, child, children, depth + 1);
  }
  out.push(children.length ? `<${name}${attrs}>${children.join('')}</${name}>` : `<${name}${attrs} />`);
}
