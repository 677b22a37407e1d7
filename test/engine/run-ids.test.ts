import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, systemClock } from '../../src/common/clock.js';
import { timeOrderedIds } from '../../src/adf/engine/run-ids.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('run ids are RFC 9562 version 7 UUIDs, unique and ascending in the order they were made', () => {
  const ids = timeOrderedIds(systemClock);
  const made = Array.from({ length: 20_000 }, () => ids.uuid());
  for (const id of made) assert.match(id, V7);
  assert.equal(new Set(made).size, made.length);
  for (let i = 1; i < made.length; i++) assert.ok(made[i] > made[i - 1], `${made[i]} after ${made[i - 1]}`);
});

test('run ids carry the clock time, and stay unique and ascending on a fixed clock (pipevault run --now)', () => {
  const at = Date.parse('2026-05-04T10:00:00Z');
  const ids = timeOrderedIds(new ManualClock(at));
  const made = Array.from({ length: 10_000 }, () => ids.uuid());
  assert.equal(parseInt(made[0].slice(0, 8) + made[0].slice(9, 13), 16), at);
  assert.equal(new Set(made).size, made.length);
  for (let i = 1; i < made.length; i++) assert.ok(made[i] > made[i - 1]);
  // Past 4,096 ids in one millisecond the time part moves on rather than wrapping the counter.
  assert.equal(parseInt(made[4096].slice(0, 8) + made[4096].slice(9, 13), 16), at + 1);
});
