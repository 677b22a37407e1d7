import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUPPORTED_API_VERSIONS } from '../../src/keyvault/api/api-versions.js';
import { secretBundle, secretBundleText } from '../../src/keyvault/api/wire.js';
import type { SecretBundle } from '../../src/keyvault/domain/model.js';

/** The secret GET sends secretBundleText; it must be byte for byte what JSON.stringify(secretBundle) gives. */

const base: SecretBundle = {
  name: 'db-password',
  version: '0123456789abcdef0123456789abcdef',
  attributes: {
    enabled: true,
    created: 1_700_000_000,
    updated: 1_700_000_100,
    recoveryLevel: 'Recoverable+Purgeable',
    recoverableDays: 90,
  },
};

const variants: [string, SecretBundle][] = [
  ['plain', { ...base, value: 's3cr3t' }],
  ['no value (properties)', base],
  [
    'every optional field, quotes and unicode',
    {
      ...base,
      value: 'line1\nline2 "quoted" \\ back \u0001 ünïcødé 🚀',
      contentType: 'text/plain; charset="utf-8"',
      tags: { env: 'prod', 'odd "key"': 'v\u2028' },
      attributes: { ...base.attributes, enabled: false, nbf: 1_699_000_000, exp: 1_800_000_000 },
    },
  ],
  ['empty value and tags', { ...base, value: '', tags: {} }],
  [
    'purgeable vault, no recoverable days',
    { ...base, value: 'x', attributes: { ...base.attributes, recoveryLevel: 'Purgeable', recoverableDays: 0 } },
  ],
];

for (const [what, b] of variants) {
  test(`secretBundleText equals JSON.stringify(secretBundle): ${what}`, () => {
    for (const apiVersion of [...SUPPORTED_API_VERSIONS, 'loose-unknown']) {
      for (const host of ['https://localhost:8443', 'https://my-vault.vault.azure.net', 'https://[::1]:1']) {
        const text = secretBundleText(host, b, apiVersion);
        assert.equal(text, JSON.stringify(secretBundle(host, b, apiVersion)), `${apiVersion} ${host}`);
        assert.deepEqual(JSON.parse(text), secretBundle(host, b, apiVersion));
      }
    }
  });
}
