import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeSpan } from '../../src/adf/model/index.js';

test('timespans: .NET TimeSpan text as real factories write it', () => {
  const minute = 60_000;
  assert.equal(parseTimeSpan('7.00:00:00'), 7 * 24 * 60 * minute);
  assert.equal(parseTimeSpan('0.12:00:00'), 12 * 60 * minute);
  assert.equal(parseTimeSpan('0.00:10:00'), 10 * minute);
  assert.equal(parseTimeSpan('0.0:10:00'), 10 * minute);
  assert.equal(parseTimeSpan('00:30:00'), 30 * minute);
  assert.equal(parseTimeSpan('00:00:01.5'), 1500);
  assert.equal(parseTimeSpan('1.00:00:60'), 24 * 60 * minute + 60_000);
  for (const bad of ['', 'abc', '1 day', '24:00:00', '00:61:00', '@pipeline().parameters.t']) {
    assert.equal(parseTimeSpan(bad), undefined, bad);
  }
});
