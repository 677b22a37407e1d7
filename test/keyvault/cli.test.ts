import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir } from '../helpers/tmp.js';
import { spawnServer, type SpawnedServer } from './helpers/server.js';

/**
 * `pipevault keyvault …` as a user runs it: the compiled bin against a live `pipevault start` named by the data
 * dir's server.json, and once without a server (started in-process for the command).
 */

const root = new URL('../../', import.meta.url).pathname;

function pv(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist/cli/main.js'), ...args], { cwd: root, env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('pipevault keyvault CLI', () => {
  let server: SpawnedServer;
  let dir: string;
  let remove: () => void;
  const canary = `canary${randomBytes(8).toString('hex')}`;
  let d: string[];

  before(async () => {
    ({ dir, remove } = makeTempDir());
    server = await spawnServer({ dataDir: join(dir, 'data') });
    d = ['--data-dir', join(dir, 'data')];
  });
  after(async () => {
    await server?.stop();
    remove?.();
  });

  test('vaults: create with retention and purge protection, show, list; a second create is bad input', async () => {
    const c = await pv([
      'keyvault',
      'create',
      '--name',
      'cli-vault',
      '--retention-days',
      '7',
      '--enable-purge-protection',
      '-o',
      'json',
      ...d,
    ]);
    assert.equal(c.code, 0, c.stderr);
    const v = JSON.parse(c.stdout);
    assert.equal(v.properties.softDeleteRetentionInDays, 7);
    assert.equal(v.properties.enablePurgeProtection, true);
    const again = await pv(['keyvault', 'create', '--name', 'cli-vault', ...d]);
    assert.equal(again.code, 2);
    assert.equal(again.stderr.trim().split('\n').length, 1);
    const list = await pv(['keyvault', 'list', ...d]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /cli-vault/);
    assert.match(list.stdout, /default/);
    const show = await pv(['keyvault', 'show', '--name', 'cli-vault', '--json', ...d]);
    assert.equal(JSON.parse(show.stdout).name, 'cli-vault');
    const bad = await pv(['keyvault', 'create', '--name', 'x', ...d]);
    assert.equal(bad.code, 2);
  });

  test('secrets: set from a file never echoes the value; show prints it; versions, attributes, disabled', async () => {
    const file = join(dir, 'value.txt');
    writeFileSync(file, canary);
    const set = await pv([
      'keyvault',
      'secret',
      'set',
      '--vault-name',
      'cli-vault',
      '--name',
      'db-password',
      '--file',
      file,
      '--tags',
      'env=ci',
      '-o',
      'json',
      ...d,
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!set.stdout.includes(canary), 'set does not print the value');
    const v1 = JSON.parse(set.stdout).id.split('/').pop();
    const set2 = await pv([
      'keyvault',
      'secret',
      'set',
      '--vault-name',
      'cli-vault',
      '-n',
      'db-password',
      '--value',
      `${canary}-2`,
      ...d,
    ]);
    assert.equal(set2.code, 0, set2.stderr);
    const show = await pv([
      'keyvault',
      'secret',
      'show',
      '--vault-name',
      'cli-vault',
      '-n',
      'db-password',
      '--version',
      v1,
      '-o',
      'json',
      ...d,
    ]);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout);
    assert.equal(shown.value, canary);
    assert.deepEqual(shown.tags, { env: 'ci' });
    assert.match(shown.id, /^https:\/\//);
    const versions = await pv([
      'keyvault',
      'secret',
      'list-versions',
      '--vault-name',
      'cli-vault',
      '-n',
      'db-password',
      '-o',
      'json',
      ...d,
    ]);
    assert.equal(JSON.parse(versions.stdout).length, 2);
    const attrs = await pv([
      'keyvault',
      'secret',
      'set-attributes',
      '--vault-name',
      'cli-vault',
      '-n',
      'db-password',
      '--enabled',
      'false',
      ...d,
    ]);
    assert.equal(attrs.code, 0, attrs.stderr);
    const disabled = await pv([
      'keyvault',
      'secret',
      'show',
      '--id',
      `${server.url.replace('localhost', 'cli-vault.localhost')}/secrets/db-password`,
      ...d,
    ]);
    assert.equal(disabled.code, 1);
    assert.match(disabled.stderr, /disabled secret/);
    const list = await pv(['keyvault', 'secret', 'list', '--vault-name', 'cli-vault', ...d]);
    assert.match(list.stdout, /db-password/);
    assert.ok(!list.stdout.includes(canary));
    const badName = await pv([
      'keyvault',
      'secret',
      'set',
      '--vault-name',
      'cli-vault',
      '-n',
      'bad_name',
      '--value',
      'x',
      ...d,
    ]);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /invalid name: bad_name/);
    assert.equal(badName.stderr.trim().split('\n').length, 1);
  });

  test('delete, list-deleted, show-deleted, recover, purge (refused under purge protection), backup and restore', async () => {
    const vd = ['--vault-name', 'default'];
    await pv(['keyvault', 'secret', 'set', ...vd, '-n', 'cycle', '--value', `${canary}-c`, ...d]);
    assert.equal((await pv(['keyvault', 'secret', 'delete', ...vd, '-n', 'cycle', ...d])).code, 0);
    const listed = await pv(['keyvault', 'secret', 'list-deleted', ...vd, '-o', 'json', ...d]);
    assert.ok(JSON.parse(listed.stdout).some((s: { name: string }) => s.name === 'cycle'));
    const shown = await pv(['keyvault', 'secret', 'show-deleted', ...vd, '-n', 'cycle', '-o', 'json', ...d]);
    assert.ok(JSON.parse(shown.stdout).recoveryId.endsWith('/deletedsecrets/cycle'));
    assert.equal((await pv(['keyvault', 'secret', 'recover', ...vd, '-n', 'cycle', ...d])).code, 0);
    const backupFile = join(dir, 'cycle.bak');
    assert.equal(
      (await pv(['keyvault', 'secret', 'backup', ...vd, '-n', 'cycle', '--file', backupFile, ...d])).code,
      0,
    );
    assert.ok(existsSync(backupFile) && !readFileSync(backupFile).includes(Buffer.from(canary)));
    await pv(['keyvault', 'secret', 'delete', ...vd, '-n', 'cycle', ...d]);
    assert.equal((await pv(['keyvault', 'secret', 'purge', ...vd, '-n', 'cycle', ...d])).code, 0);
    const restored = await pv(['keyvault', 'secret', 'restore', ...vd, '--file', backupFile, ...d]);
    assert.equal(restored.code, 0, restored.stderr);
    const value = await pv(['keyvault', 'secret', 'show', ...vd, '-n', 'cycle', '-o', 'json', ...d]);
    assert.equal(JSON.parse(value.stdout).value, `${canary}-c`);

    await pv(['keyvault', 'secret', 'delete', '--vault-name', 'cli-vault', '-n', 'db-password', ...d]);
    const refused = await pv(['keyvault', 'secret', 'purge', '--vault-name', 'cli-vault', '-n', 'db-password', ...d]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /purge protection/);
  });

  test('set-policy by --spn and delete-policy; audit list shows who did what, never values', async () => {
    const sp = await server.admin('POST', '/pipevault/admin/principals', {
      type: 'servicePrincipal',
      displayName: 'cli-sp',
    });
    const policy = await pv([
      'keyvault',
      'set-policy',
      '--name',
      'default',
      '--spn',
      sp.json.appId,
      '--secret-permissions',
      'get',
      'list',
      '-o',
      'json',
      ...d,
    ]);
    assert.equal(policy.code, 0, policy.stderr);
    const entry = JSON.parse(policy.stdout).find((p: { objectId: string }) => p.objectId === sp.json.objectId);
    assert.deepEqual(entry.permissions.secrets, ['get', 'list']);
    const badPerm = await pv([
      'keyvault',
      'set-policy',
      '--name',
      'default',
      '--object-id',
      sp.json.objectId,
      '--secret-permissions',
      'fly',
      ...d,
    ]);
    assert.equal(badPerm.code, 2);
    const removed = await pv([
      'keyvault',
      'delete-policy',
      '--name',
      'default',
      '--object-id',
      sp.json.objectId,
      '-o',
      'json',
      ...d,
    ]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.ok(!JSON.parse(removed.stdout).some((p: { objectId: string }) => p.objectId === sp.json.objectId));

    const audit = await pv([
      'keyvault',
      'audit',
      'list',
      '--vault-name',
      'cli-vault',
      '-o',
      'json',
      '--top',
      '500',
      ...d,
    ]);
    assert.equal(audit.code, 0, audit.stderr);
    const records = JSON.parse(audit.stdout) as Array<{ operation: string; result: string; reason: string | null }>;
    assert.ok(records.some((r) => r.operation === 'SecretSet' && r.result === 'Success'));
    assert.ok(records.some((r) => r.operation === 'SecretGet' && r.reason === 'SecretDisabled'));
    assert.ok(records.some((r) => r.operation === 'SecretPurge' && r.reason === 'PurgeProtected'));
    assert.ok(!audit.stdout.includes(canary));
    const table = await pv([
      'keyvault',
      'audit',
      'list',
      '--vault-name',
      'cli-vault',
      '--operation',
      'SecretSet',
      ...d,
    ]);
    assert.match(table.stdout, /SecretSet/);
    assert.ok(!server.output().includes(canary), 'the server log holds no value');
  });

  test('without a live server the command starts one in-process for its duration', async () => {
    const fresh = join(dir, 'fresh');
    const set = await pv([
      'keyvault',
      'secret',
      'set',
      '--vault-name',
      'default',
      '-n',
      'solo',
      '--value',
      'v',
      '--data-dir',
      fresh,
    ]);
    assert.equal(set.code, 0, set.stderr);
    const show = await pv([
      'keyvault',
      'secret',
      'show',
      '--vault-name',
      'default',
      '-n',
      'solo',
      '-o',
      'json',
      '--data-dir',
      fresh,
    ]);
    assert.equal(JSON.parse(show.stdout).value, 'v', 'the data dir kept it');
    assert.ok(!existsSync(join(fresh, 'server.json')));
  });
});
