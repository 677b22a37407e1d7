import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { webOutput } from '../../src/adf/linked-services/web-request.js';

const res = (body: Uint8Array) => ({ status: 200, headers: { 'Content-Type': 'x' }, body, via: 'mapped' as const });

describe("webOutput: ADF's Web activity output, set on the parsed body", () => {
  test('a JSON object body gives its fields first, then the headers and bookkeeping (which win a name clash)', () => {
    const out = webOutput(res(Buffer.from('{"value":"v","executionDuration":"mine","n":1}')), 2500);
    assert.deepEqual(Object.keys(out), [
      'value',
      'executionDuration',
      'n',
      'ADFWebActivityResponseHeaders',
      'effectiveIntegrationRuntime',
      'durationInQueue',
      'billingReference',
    ]);
    assert.equal(out.executionDuration, 3);
    assert.deepEqual(out.ADFWebActivityResponseHeaders, { 'Content-Type': 'x' });
    assert.equal(out.value, 'v');
  });

  test('other bodies are text in Response, from a Buffer or any Uint8Array view', () => {
    assert.equal(webOutput(res(Buffer.from('[1,2]')), 0).Response, '[1,2]');
    assert.equal(webOutput(res(Buffer.from('not json')), 0).Response, 'not json');
    assert.equal(webOutput(res(new Uint8Array(0)), 0).Response, '');
    const backing = new TextEncoder().encode('xx{"a":1}yy');
    const view = new Uint8Array(backing.buffer, 2, backing.length - 4);
    assert.deepEqual(webOutput(res(view), 0).a, 1);
  });
});
