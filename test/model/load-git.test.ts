import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFactory, loadFactorySync, validate } from '../../src/adf/model/index.js';
import { isPipevaultError } from '../../src/common/errors.js';
import { pipeline, wait, writeTree } from './fixtures.js';

test('git folder: every resource folder loads, with file and JSON path recorded', async (t) => {
  const { dir, cleanup } = writeTree({
    'factory/my-factory.json': {
      name: 'my-factory',
      identity: { type: 'SystemAssigned', principalId: '11111111-2222-3333-4444-555555555555', tenantId: 't' },
      properties: {
        globalParameters: { env: { type: 'string', value: 'dev' }, n: { type: 'int', value: 3 } },
        globalConfigurations: { PipelineBillingEnabled: 'true' },
      },
    },
    'pipeline/P1.json': pipeline('P1', [wait('W1')]),
    'linkedService/LS1.json': {
      name: 'LS1',
      properties: { type: 'AzureKeyVault', typeProperties: { baseUrl: 'https://v.vault.azure.net' } },
    },
    'dataset/DS1.json': {
      name: 'DS1',
      properties: { type: 'Json', linkedServiceName: { referenceName: 'LS1', type: 'LinkedServiceReference' } },
    },
    'trigger/T1.json': { name: 'T1', properties: { type: 'ScheduleTrigger', runtimeState: 'Stopped', pipelines: [] } },
    'credential/C1.json': { name: 'C1', properties: { type: 'ManagedIdentity', typeProperties: { resourceId: '/x' } } },
    'integrationRuntime/IR-1.json': { name: 'IR-1', properties: { type: 'Managed' } },
    'dataflow/DF1.json': { name: 'DF1', properties: { type: 'MappingDataFlow' } },
    'managedVirtualNetwork/default.json': {
      name: 'default',
      type: 'Microsoft.DataFactory/factories/managedvirtualnetworks',
    },
    'managedVirtualNetwork/default/managedPrivateEndpoint/MPE1.json': {
      name: 'MPE1',
      properties: { privateLinkResourceId: '/x' },
    },
    'publish_config.json': { publishBranch: 'adf_publish' },
  });
  t.after(cleanup);
  const f = await loadFactory(dir);
  assert.equal(f.name, 'my-factory');
  assert.equal(f.origin.kind, 'git');
  assert.equal(f.identity?.principalId, '11111111-2222-3333-4444-555555555555');
  assert.deepEqual(f.globalParameters.env, { type: 'String', value: 'dev' });
  assert.equal(f.globalParameters.n!.type, 'Int');
  assert.deepEqual(f.globalConfigurations, { PipelineBillingEnabled: 'true' });
  assert.deepEqual(
    [
      f.pipelines.size,
      f.linkedServices.size,
      f.datasets.size,
      f.triggers.size,
      f.credentials.size,
      f.integrationRuntimes.size,
    ],
    [1, 1, 1, 1, 1, 1],
  );
  assert.equal(f.dataflows.size, 1);
  assert.equal(f.managedVirtualNetworks.size, 1);
  assert.equal(f.managedPrivateEndpoints.size, 1);
  assert.deepEqual(f.sources.get('pipeline/P1'), { file: join(dir, 'pipeline/P1.json'), path: '$' });
  assert.deepEqual(f.loadProblems, []);
  assert.deepEqual(f.loadWarnings, []);
  assert.deepEqual(validate(f).problems, []);
});

test('git folder: lenient spellings are normalised and unknown fields kept', (t) => {
  const raw = {
    name: 'Lenient',
    properties: {
      parameters: { a: { type: 'string' }, b: { type: 'securestring' }, c: { type: 'bool', defaultValue: true } },
      variables: { flag: { type: 'Boolean' }, n: { type: 'Integer' }, list: { type: 'array' } },
      activities: [
        {
          name: 'Loop',
          type: 'foreach',
          dependsOn: [],
          customField: { kept: 1 },
          typeProperties: {
            isSequential: 'true',
            batchCount: '10',
            items: '@createArray(1)',
            activities: [{ ...wait('Inner'), policy: { timeout: '0.0:10:00', secureOutput: 'True' } }],
          },
        },
        { ...wait('After'), dependsOn: [{ activity: 'Loop', dependencyConditions: ['succeeded', 'COMPLETED'] }] },
      ],
    },
  };
  // A UTF-8 BOM and tabs, as real exports carry.
  const { dir, cleanup } = writeTree({ 'pipeline/Lenient.json': `\uFEFF${JSON.stringify(raw, null, '\t')}` });
  t.after(cleanup);
  const f = loadFactorySync(dir);
  const p = f.pipelines.get('Lenient')!;
  assert.deepEqual(
    Object.values(p.properties.parameters!).map((s) => s.type),
    ['String', 'SecureString', 'Bool'],
  );
  assert.deepEqual(
    Object.values(p.properties.variables!).map((s) => s.type),
    ['Bool', 'Integer', 'Array'],
  );
  const loop = p.properties.activities[0]!;
  assert.equal(loop.type, 'ForEach');
  assert.deepEqual(loop.customField, { kept: 1 });
  assert.equal(loop.typeProperties!.isSequential, true);
  assert.equal(loop.typeProperties!.batchCount, 10);
  const inner = (loop.typeProperties!.activities as { policy: Record<string, unknown> }[])[0]!;
  assert.equal(inner.policy.secureOutput, true);
  assert.equal(inner.policy.timeout, '0.0:10:00');
  assert.deepEqual(p.properties.activities[1]!.dependsOn![0]!.dependencyConditions, ['Succeeded', 'Completed']);
  // The JSON as read is kept apart from the normalised model.
  const original = f.originals.get('pipeline/Lenient') as typeof raw;
  assert.equal(original.properties.activities[0]!.type, 'foreach');
  assert.deepEqual(validate(f).problems, []);
});

test('git folder: invalid JSON is bad input naming the file, line and column', (t) => {
  const { dir, cleanup } = writeTree({ 'pipeline/Broken.json': '{\n  "name": "Broken",\n  "properties": {,}\n}' });
  t.after(cleanup);
  assert.throws(
    () => loadFactorySync(dir),
    (e: unknown) =>
      isPipevaultError(e) && e.exitCode === 2 && e.message.includes(`${join(dir, 'pipeline/Broken.json')}:3:`),
  );
});

test('git folder: a resource missing a required field is a load problem with its JSON path', (t) => {
  const { dir, cleanup } = writeTree({
    'pipeline/NoType.json': pipeline('NoType', [{ name: 'A', dependsOn: [] }]),
    'linkedService/NoProps.json': { name: 'NoProps' },
  });
  t.after(cleanup);
  const f = loadFactorySync(dir);
  assert.equal(f.pipelines.size, 0);
  const paths = f.loadProblems.map((p) => `${p.rule} ${p.path}`).sort();
  assert.deepEqual(paths, ['schema $.properties', 'schema $.properties.activities[0].type']);
});

test('git folder: duplicate resource names (case-insensitive) and a file named unlike its resource', (t) => {
  const { dir, cleanup } = writeTree({
    'pipeline/Alpha.json': pipeline('Alpha', []),
    'pipeline/alpha2.json': pipeline('ALPHA', []),
  });
  t.after(cleanup);
  const f = loadFactorySync(dir);
  assert.deepEqual(
    f.loadProblems.map((p) => p.rule),
    ['duplicate-name'],
  );
  assert.ok(f.loadProblems[0]!.reason.includes('Alpha.json'));
  assert.deepEqual(
    f.loadWarnings.map((w) => w.rule),
    ['file-name-mismatch'],
  );
});

test('git folder: folders ADF does not define are skipped with a warning; no factory file means the factory "default"', (t) => {
  const { dir, cleanup } = writeTree({ 'pipeline/P.json': pipeline('P', []), 'notebook/N.json': { name: 'N' } });
  t.after(cleanup);
  const f = loadFactorySync(dir);
  assert.equal(f.name, 'default');
  assert.equal(f.hasFactoryFile, false);
  assert.deepEqual(
    f.loadWarnings.map((w) => w.rule),
    ['ignored-folder'],
  );
  assert.equal(loadFactorySync(dir, { factoryName: 'named' }).name, 'named');
});

test('a folder that is no factory, and a path that does not exist, are bad input', (t) => {
  const { dir, cleanup } = writeTree({ 'readme.txt': 'x' });
  t.after(cleanup);
  assert.throws(
    () => loadFactorySync(dir),
    (e: unknown) => isPipevaultError(e) && e.exitCode === 2 && /not an ADF factory folder/.test(e.message),
  );
  assert.throws(
    () => loadFactorySync(join(dir, 'nope')),
    (e: unknown) => isPipevaultError(e) && e.exitCode === 2 && /Cannot read/.test(e.message),
  );
});

test('lookup: pipelines and other resources are found by name case-insensitively, exact spelling first', async (t) => {
  const { findPipeline, findByName } = await import('../../src/adf/model/index.js');
  const { dir, cleanup } = writeTree({
    'pipeline/Load Sales.json': pipeline('Load Sales', []),
    'linkedService/KV.json': { name: 'KV', properties: { type: 'AzureKeyVault' } },
  });
  t.after(cleanup);
  const f = loadFactorySync(dir);
  assert.equal(findPipeline(f, 'load sales')?.name, 'Load Sales');
  assert.equal(findPipeline(f, 'Load Sales')?.name, 'Load Sales');
  assert.equal(findPipeline(f, 'nope'), undefined);
  assert.equal(findByName(f.linkedServices, 'kv')?.name, 'KV');
});
