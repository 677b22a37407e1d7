import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PipevaultError, toPipevaultError } from '../../src/common/errors.js';
import { badInput } from '../../src/common/catalogue.js';

test('an error renders in each wire shape', () => {
  const e = new PipevaultError({ code: 'Forbidden', innerCode: 'AccessDenied', message: 'no', status: 403 });
  assert.deepEqual(e.toKeyVault(), {
    error: { code: 'Forbidden', message: 'no', innererror: { code: 'AccessDenied' } },
  });
  assert.deepEqual(e.toArm(), { error: { code: 'Forbidden', message: 'no' } });
  assert.deepEqual(e.toActivity('Web1'), {
    errorCode: 'Forbidden',
    message: 'no',
    failureType: 'UserError',
    target: 'Web1',
  });
});

test('unexpected errors become internal errors without a stack in the message', () => {
  const e = toPipevaultError(new TypeError('boom'));
  assert.equal(e.code, 'InternalError');
  assert.equal(e.status, 500);
  assert.ok(!e.message.includes('\n    at '));
});

test('catalogue errors name where the problem is', () => {
  assert.equal(badInput('must be a number', '--port').message, '--port: must be a number');
});
