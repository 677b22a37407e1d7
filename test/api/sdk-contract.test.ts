import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findRole } from '../../src/identity/roles.js';
import { tempDir } from '../helpers/tmp.js';
import { spawnServer, type SpawnedServer } from '../keyvault/helpers/server.js';

/**
 * The contract: the official @azure/arm-datafactory 12 client against `pipevault start` (a spawned process,
 * real HTTPS), unchanged but for the endpoint, authenticated with ClientSecretCredential from pipevault's
 * identity service (the SDK then asks for a token whose audience is the server's own URL). The driver runs
 * in its own process; each scenario it reports is one test here.
 */

const root = new URL('../../', import.meta.url).pathname;
const FACTORY_SCOPE =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault/providers/Microsoft.DataFactory/factories/sdk-factory';

describe('Data Factory contract with @azure/arm-datafactory', () => {
  let server: SpawnedServer;
  const results = new Map<string, { ok: boolean; error?: string }>();
  let output = '';

  before(async () => {
    server = await spawnServer({ dataDir: tempDir() });
    const sp = async (name: string) => {
      const r = await server.admin('POST', '/pipevault/admin/principals', {
        type: 'servicePrincipal',
        displayName: name,
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return r.json as { appId: string; objectId: string; password: string };
    };
    const contributor = await sp('adf-contributor');
    const reader = await sp('adf-reader');
    for (const [p, role, scope] of [
      [
        contributor,
        'Data Factory Contributor',
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault',
      ],
      [reader, 'Reader', FACTORY_SCOPE],
    ] as const) {
      const r = await server.admin('POST', '/pipevault/admin/roleAssignments', {
        properties: { roleDefinitionId: findRole(role)!.id, principalId: p.objectId, scope },
      });
      assert.ok(r.status === 200 || r.status === 201, `role assignment: ${r.status} ${JSON.stringify(r.json)}`);
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/api/sdk/driver.ts')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: server.caBundleFile,
        PVT_URL: server.url,
        PVT_TENANT: server.tenant,
        PVT_APP: contributor.appId,
        PVT_SECRET: contributor.password,
        PVT_READER_APP: reader.appId,
        PVT_READER_SECRET: reader.password,
      },
    });
    output = `${r.stdout}\n${r.stderr}`;
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('{')) {
        const o = JSON.parse(line) as { name: string; ok: boolean; error?: string };
        results.set(o.name, o);
      }
    }
  });
  after(async () => {
    await server?.stop();
  });

  const scenario = (name: string) =>
    test(name, () => {
      const r = results.get(name);
      assert.ok(r, `the driver did not report this scenario:\n${output.slice(0, 4000)}`);
      assert.ok(r.ok, r.error);
    });

  scenario('factories.createOrUpdate returns the factory with its managed identity');
  scenario('pipelines.createOrUpdate, get and listByFactory');
  scenario('createRun with parameters, poll the run, query its activity runs');
  scenario('pipelineRuns.cancel (isRecursive) ends a running run as Cancelled');
  scenario('rerun from failure: referencePipelineRunId + isRecovery + startFromFailure');
  scenario(
    'triggers: beginStartAndWait / beginStopAndWait set runtimeState; a started schedule fires; queryByFactory trigger runs',
  );
  scenario('factories.update replaces tags and keeps the managed identity');
  scenario('a Reader may look but not run: AuthorizationFailed 403');
  scenario('a missing pipeline is a RestError 404');
});
