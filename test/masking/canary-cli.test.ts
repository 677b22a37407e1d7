import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { SECRET_MARKER } from '../../src/common/masking.js';
import { writeFactory } from '../e2e/helpers.js';
import {
  canaryFactory,
  leaks,
  LS_SECRET,
  OUTPUT_SECRET,
  PARAM_SECRET,
  standInApi,
  VAULT_SECRET,
} from './canary-factory.js';

/** `pipevault run --json` (embedded server, temporary data dir) on the canary factory: the CLI's own output. */

const root = new URL('../..', import.meta.url).pathname;
const api = await standInApi();
const dir = writeFactory(canaryFactory(api.url));

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist/cli/main.js'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('pipevault run --json and table output show no canary, and the run used the real values', async () => {
  const env = { CANARY_VAULT: VAULT_SECRET, CANARY_LS: LS_SECRET };
  for (const format of [['--json'], []]) {
    const r = await run(['run', dir, '--pipeline', 'Leaky', '--param', `pw=${PARAM_SECRET}`, ...format], env);
    assert.equal(r.code, 1, r.stderr); // the Fail activity fails the run on purpose
    assert.deepEqual(leaks(Buffer.from(r.stdout + r.stderr)), [], r.stdout + r.stderr);
    if (format.length) {
      const doc = JSON.parse(r.stdout) as {
        run: { status: string; message: string; parameters: Record<string, string> };
      };
      assert.equal(doc.run.status, 'Failed');
      assert.match(doc.run.message, /child returned \*{10}/);
      assert.equal(doc.run.parameters.pw, SECRET_MARKER);
    }
  }
  const call = api.requests.find((q) => q.url.startsWith('/echo'))!;
  assert.equal(call.headers['x-api-key'], VAULT_SECRET);
  assert.deepEqual(JSON.parse(call.body), { token: OUTPUT_SECRET, pw: PARAM_SECRET, v: VAULT_SECRET });
});
