import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate, locateFindings } from '../../src/adf/model/index.js';
import { jsonPath } from '../../src/adf/model/json-path.js';
import { parsePath } from '../../src/adf/model/json-locate.js';

const text =
  '\uFEFF{\n  "name": "P",\n  "properties": {\n    "activities": [\n      {"name": "A"},\n      {"name": "B", "dependsOn": [{"activity": "X"}]}\n    ],\n    "my key": {"a\'b": 1}\n  }\n}';

test('locate: JSON paths map to line and column (keys for members, starts for elements), BOM ignored', () => {
  assert.deepEqual(locate(text, '$'), { line: 1, column: 1 });
  assert.deepEqual(locate(text, '$.name'), { line: 2, column: 3 });
  assert.deepEqual(locate(text, '$.properties.activities[1].dependsOn[0].activity'), { line: 6, column: 36 });
  assert.deepEqual(locate(text, "$.properties['my key']"), { line: 8, column: 5 });
  assert.deepEqual(locate(text, jsonPath('$', 'properties', 'my key', "a'b")), { line: 8, column: 16 });
  // Beyond the text: the deepest point reached.
  assert.deepEqual(locate(text, '$.properties.activities[7]'), { line: 4, column: 5 });
  assert.deepEqual(locate('not json', '$.x'), { line: 1, column: 1 });
});

test('jsonPath and parsePath round-trip, quoting what is not an identifier', () => {
  const segs = ['properties', 'activities', 2, 'my key', "it's", 'a\\b'];
  const p = jsonPath('$', ...segs);
  assert.equal(p, "$.properties.activities[2]['my key']['it\\'s']['a\\\\b']");
  assert.deepEqual(parsePath(p), segs);
});

test('locateFindings: adds positions where the file can be read, reading each file once', () => {
  let reads = 0;
  type Finding = { file: string; path: string; rule: string; reason: string; line?: number; column?: number };
  const out = locateFindings<Finding>(
    [
      { file: 'f', path: '$.name', rule: 'r', reason: 'x' },
      { file: 'f', path: '$.properties', rule: 'r', reason: 'y' },
      { file: 'gone', path: '$', rule: 'r', reason: 'z' },
    ],
    (f) => (reads++, f === 'f' ? text : undefined),
  );
  assert.equal(reads, 2);
  assert.deepEqual(
    out.map((f) => [f.line, f.column]),
    [
      [2, 3],
      [3, 3],
      [undefined, undefined],
    ],
  );
});
