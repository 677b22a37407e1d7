import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fails, table, val } from './helpers.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const bin = (s: string) => JSON.stringify({ '$content-type': 'application/octet-stream', $content: b64(s) });
const xmlEnv = (s: string) => JSON.stringify({ '$content-type': 'application/xml;charset=utf-8', $content: b64(s) });

describe('conversion functions (spec §5.4)', () => {
  it('array, createArray, coalesce', () => {
    table([
      ["@array('hello')", '["hello"]'],
      ['@array(null)', '[null]'],
      ["@createArray('h', 1, 2.0, null, createArray())", '["h",1,2.0,null,[]]'],
      ['@createArray()', '[]'],
      ['@coalesce(null, true, false)', 'true'],
      ["@coalesce(null, 'hello', 'world')", '"hello"'],
      ['@coalesce(null, null)', 'null'],
      ["@coalesce('', 'x')", '""'],
      ["@coalesce(createArray(), 'x')", '[]'],
      ["@coalesce(json('{}'), 'x')", '{}'],
    ]);
  });

  it('base64 and back, UTF-8', () => {
    table([
      ["@base64('hello')", '"aGVsbG8="'],
      ["@base64('ü')", '"w7w="'],
      ["@base64ToString('aGVsbG8=')", '"hello"'],
      ["@decodeBase64('w7w=')", '"ü"'],
      ["@base64ToString(base64('Straße ✓'))", '"Straße ✓"'],
    ]);
    fails("@base64ToString('not base64!')", /not valid base64/);
  });

  it('binary functions give the binary envelope', () => {
    table([
      ["@base64ToBinary('aGVsbG8=')", bin('hello')],
      ["@binary('hello')", bin('hello')],
      ["@dataUriToBinary('data:text/plain;charset=utf-8;base64,aGVsbG8=')", bin('hello')],
      ["@decodeDataUri('data:text/plain;charset=utf-8;base64,aGVsbG8=')", bin('hello')],
      ["@uriComponentToBinary('http%3A%2F%2Fcontoso.com')", bin('http://contoso.com')],
      ["@string(binary('hello'))", '"hello"'],
      ["@base64(binary('hello'))", '"aGVsbG8="'],
    ]);
  });

  it('bool converts 1/-1/0 and true/false text; other strings are an error', () => {
    table([
      ['@bool(1)', 'true'],
      ['@bool(-1)', 'true'],
      ['@bool(0)', 'false'],
      ["@bool('true')", 'true'],
      ["@bool('False')", 'false'],
      ['@bool(true)', 'true'],
    ]);
    fails("@bool('yes')", /'bool' cannot convert the given string to a boolean/);
  });

  it('data URIs', () => {
    table([
      ["@dataUri('hello')", '"data:text/plain;charset=utf-8;base64,aGVsbG8="'],
      ["@dataUriToString('data:text/plain;charset=utf-8;base64,aGVsbG8=')", '"hello"'],
      ["@dataUriToString('data:,a%20b')", '"a b"'],
    ]);
    fails("@dataUriToString('hello')", /expects a data URI/);
  });

  it('uriComponent escapes everything but RFC 3986 unreserved characters; decoding keeps +', () => {
    table([
      ["@uriComponent('https://contoso.com')", '"https%3A%2F%2Fcontoso.com"'],
      ["@encodeUriComponent('a b!*()~-_.''')", '"a%20b%21%2A%28%29~-_.%27"'],
      ["@uriComponent('ü')", '"%C3%BC"'],
      ["@uriComponentToString('https%3A%2F%2Fcontoso.com')", '"https://contoso.com"'],
      ["@decodeUriComponent('a+b%20c')", '"a+b c"'],
      ["@decodeUriComponent('100%')", '"100%"'],
      ["@uriComponentToString(replace(uriComponent('a\nb'), '%0A', ''))", '"ab"'],
    ]);
  });

  it('float and int parse text with the invariant culture', () => {
    table([
      ["@float('10.333')", '10.333'],
      ["@float('10')", '10.0'],
      ["@float('-1.5e3')", '-1500.0'],
      ["@float(' 2.5 ')", '2.5'],
      ['@float(3)', '3.0'],
      ["@int('10')", '10'],
      ["@int('-42')", '-42'],
      ["@int('9223372036854775807')", '9223372036854775807'],
      ['@int(4.0)', '4'],
      ['@int(7)', '7'],
    ]);
    fails("@float('abc')", /'float' cannot convert the given string to a number/);
    fails("@int('10.5')", /'int' cannot convert the given string to an integer/);
    fails("@int('abc')", /cannot convert/);
    fails("@int('9223372036854775808')", /outside the 64-bit integer range/);
    fails('@int(1.5)', /decimal number with a fraction/);
  });

  it('json parses JSON text keeping 64-bit integers and floats', () => {
    table([
      ['@json(\'{"a": [1, 2.0, "x", null, true]}\')', '{"a":[1,2.0,"x",null,true]}'],
      ["@json('12345678901234567')", '12345678901234567'],
      ['@json(\'"s"\')', '"s"'],
      ['@json(\'{"__proto__": 1}\')', '{"__proto__":1}'],
      ['@json(string(json(\'{"a":{"b":[1,2]}}\')))', '{"a":{"b":[1,2]}}'],
      ['@json(\'{"a":1}\').a', '1'],
    ]);
    fails("@json('{bad')", /not valid JSON/);
    assert.equal(Object.getPrototypeOf(val('@json(\'{"__proto__": {"polluted": 1}}\')')), Object.prototype);
  });

  it('string converts as interpolation does', () => {
    table([
      ['@string(10)', '"10"'],
      ['@string(10.5)', '"10.5"'],
      ['@string(mul(1.5, 2))', '"3"'],
      ['@string(true)', '"True"'],
      ['@string(null)', '""'],
      ["@string('x')", '"x"'],
      ['@string(json(\'{"name":"Sophie Owen"}\'))', '"{\\"name\\":\\"Sophie Owen\\"}"'],
      ['@string(div(1, 3.0))', '"0.3333333333333333"'],
      ["@string(float('1e20'))", '"1E+20"'],
      ["@string(float('0.00001'))", '"1E-05"'],
      ["@string(float('0.0001'))", '"0.0001"'],
      ["@string(float('123456789012345'))", '"123456789012345"'],
      ["@string(float('1234567890123456'))", '"1.234567890123456E+15"'],
    ]);
  });
});

describe('xml and xpath (spec §5.4)', () => {
  const doc =
    'xml(\'<?xml version="1.0"?><produce><item><name>Gala</name><type>apple</type><count>20</count></item><item><name>Honeycrisp</name><type>apple</type><count>10</count></item></produce>\')';

  it('xml makes the XML envelope and checks well-formedness', () => {
    table([["@xml('<name>Sophia</name>')", xmlEnv('<name>Sophia</name>')]]);
    fails("@xml('<a><b></a>')", /not valid XML/);
    table([
      ['@xml(json(\'{"person":{"@id":"1","name":"Sophia"}}\'))', xmlEnv('<person id="1"><name>Sophia</name></person>')],
    ]);
  });

  it('xpath returns envelopes for nodes, strings for text(), floats for numbers', () => {
    table([
      [`@xpath(${doc}, '/produce/item/name')`, `[${xmlEnv('<name>Gala</name>')},${xmlEnv('<name>Honeycrisp</name>')}]`],
      [`@xpath(${doc}, '/produce/item/name/text()')`, '["Gala","Honeycrisp"]'],
      [`@xpath(${doc}, 'sum(/produce/item/count)')`, '30.0'],
      [`@xpath(${doc}, 'count(/produce/item)')`, '2.0'],
      [`@xpath(${doc}, 'string(/produce/item[2]/name)')`, '"Honeycrisp"'],
      [`@xpath(${doc}, 'count(/produce/item) > 1')`, 'true'],
      [`@xpath(${doc}, '/produce/nothing')`, '[]'],
    ]);
  });

  it('xpath keeps the namespace on a selected node (DFTF functional test)', () => {
    const x = 'xml(\'<?xml version="1.0"?><file xmlns="https://contoso.com"><location>Paris</location></file>\')';
    table([
      [
        `@xpath(${x}, '/*[name()="file"]/*[name()="location"]')`,
        `[${xmlEnv('<location xmlns="https://contoso.com">Paris</location>')}]`,
      ],
      [`@xpath(${x}, 'string(/*[local-name()="file"]/*[local-name()="location"])')`, '"Paris"'],
    ]);
  });

  it('json(xml) converts Json.NET style', () => {
    table([
      [
        '@json(xml(\'<?xml version="1.0"?><root><person id="1"><name>Sophia Owen</name><occupation>Engineer</occupation></person></root>\'))',
        '{"?xml":{"@version":"1.0"},"root":{"person":{"@id":"1","name":"Sophia Owen","occupation":"Engineer"}}}',
      ],
      ["@json(xml('<r><i>1</i><i>2</i><e/></r>'))", '{"r":{"i":["1","2"],"e":null}}'],
      ['@json(xml(\'<r a="x">text</r>\'))', '{"r":{"@a":"x","#text":"text"}}'],
    ]);
  });

  it('bad xpath and non-XML input are errors', () => {
    fails(`@xpath(${doc}, '///')`, /invalid XPath/);
    fails("@xpath(1, '/a')", /expects its first parameter to be XML/);
    fails("@xpath('<a>', '/a')", /not valid XML/);
  });
});
