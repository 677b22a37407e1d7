import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findRole } from '../../src/identity/roles.js';
import { tempDir } from '../helpers/tmp.js';
import { spawnServer, type SpawnedServer } from '../keyvault/helpers/server.js';

/**
 * The official @azure/arm-datafactory client's TriggerRuns operations against `pipevault start`: a window's
 * trigger run cancelled, then rerun, read back with queryByFactory. The driver runs in its own process so
 * NODE_EXTRA_CA_CERTS applies.
 */

const root = new URL('../../', import.meta.url).pathname;

describe('TriggerRuns contract with @azure/arm-datafactory', () => {
  let server: SpawnedServer;
  let result: { ok?: boolean; error?: string } = {};
  let output = '';

  before(async () => {
    server = await spawnServer({ dataDir: tempDir() });
    const sp = await server.admin('POST', '/pipevault/admin/principals', {
      type: 'servicePrincipal',
      displayName: 'trigger-runs-sdk',
    });
    assert.equal(sp.status, 201, JSON.stringify(sp.json));
    const p = sp.json as { appId: string; objectId: string; password: string };
    const role = await server.admin('POST', '/pipevault/admin/roleAssignments', {
      properties: {
        roleDefinitionId: findRole('Data Factory Contributor')!.id,
        principalId: p.objectId,
        scope: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault',
      },
    });
    assert.ok(role.status === 200 || role.status === 201, JSON.stringify(role.json));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/api/sdk/trigger-runs-driver.ts')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: server.caBundleFile,
        PVT_URL: server.url,
        PVT_TENANT: server.tenant,
        PVT_APP: p.appId,
        PVT_SECRET: p.password,
      },
    });
    output = `${r.stdout}\n${r.stderr}`;
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (line) result = JSON.parse(line) as typeof result;
  });
  after(async () => {
    await server?.stop();
  });

  test('triggerRuns.cancel ends an Inprogress window Failed, triggerRuns.rerun runs it again, queryByFactory reads them', () => {
    assert.ok(result.ok !== undefined, `the driver reported nothing:\n${output.slice(0, 4000)}`);
    assert.ok(result.ok, result.error);
  });
});
