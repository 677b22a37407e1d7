import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PipevaultError } from '../../src/common/errors.js';
import { SUPPORTED_API_VERSIONS, checkApiVersion } from '../../src/keyvault/api/api-versions.js';

const badParameter = (e: unknown) => e instanceof PipevaultError && e.status === 400 && e.code === 'BadParameter';

test('every supported api-version is accepted, strict or loose', () => {
  for (const v of SUPPORTED_API_VERSIONS) {
    assert.equal(checkApiVersion(v, false), v);
    assert.equal(checkApiVersion(v, true), v);
  }
});

test('an unknown api-version is rejected unless --loose; a missing one always', () => {
  assert.throws(() => checkApiVersion('2099-01-01', false), badParameter);
  assert.equal(checkApiVersion('2099-01-01', true), '2099-01-01');
  assert.throws(() => checkApiVersion('7.6-preview.2', false), badParameter);
  for (const missing of [undefined, '', []]) {
    assert.throws(() => checkApiVersion(missing, false), badParameter);
    assert.throws(() => checkApiVersion(missing, true), badParameter);
  }
  assert.equal(checkApiVersion(['7.4', '7.5'], false), '7.4', 'a repeated key takes the first');
});
