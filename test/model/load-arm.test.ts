import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFactorySync, validate } from '../../src/adf/model/index.js';
import { isPipevaultError } from '../../src/common/errors.js';
import { pipeline, wait, writeTree } from './fixtures.js';

const template = {
  $schema: 'http://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  parameters: {
    factoryName: { type: 'string', defaultValue: 'arm-factory' },
    KV_properties_typeProperties_baseUrl: { type: 'string', defaultValue: 'https://dev.vault.azure.net/' },
    LinkedServiceName: { type: 'string' },
  },
  variables: { factoryId: "[concat('Microsoft.DataFactory/factories/', parameters('factoryName'))]" },
  resources: [
    {
      name: "[concat(parameters('factoryName'), '/PL_One')]",
      type: 'Microsoft.DataFactory/factories/pipelines',
      apiVersion: '2018-06-01',
      properties: {
        activities: [
          {
            ...wait('W'),
            type: 'SqlServerStoredProcedure',
            linkedServiceName: { referenceName: "[parameters('LinkedServiceName')]", type: 'LinkedServiceReference' },
            typeProperties: { storedProcedureName: '[[dbo].[DoIt]', note: "@concat('[a]')" },
          },
        ],
      },
      dependsOn: ["[concat(variables('factoryId'), '/linkedServices/KV')]"],
    },
    {
      name: "[concat(parameters('factoryName'), '/KV')]",
      type: 'Microsoft.DataFactory/factories/linkedServices',
      properties: {
        type: 'AzureKeyVault',
        typeProperties: { baseUrl: "[parameters('KV_properties_typeProperties_baseUrl')]" },
      },
    },
    {
      name: "[concat(parameters('workspaceName'), '/nb')]",
      type: 'Microsoft.Synapse/workspaces/notebooks',
      properties: {},
    },
  ],
};

test('ARM export: names from concat(parameters(factoryName), …), values from defaultValue, [[ escapes, factory name', (t) => {
  const { dir, cleanup } = writeTree({ 'arm/ARMTemplateForFactory.json': template });
  t.after(cleanup);
  const f = loadFactorySync(join(dir, 'arm'));
  assert.equal(f.origin.kind, 'arm');
  assert.equal(f.name, 'arm-factory');
  const p = f.pipelines.get('PL_One')!;
  const a = p.properties.activities[0]!;
  assert.equal(a.typeProperties!.storedProcedureName, '[dbo].[DoIt]');
  assert.equal(a.typeProperties!.note, "@concat('[a]')");
  assert.equal(f.linkedServices.get('KV')!.properties.typeProperties!.baseUrl, 'https://dev.vault.azure.net/');
  assert.deepEqual(f.sources.get('pipeline/PL_One'), {
    file: join(dir, 'arm/ARMTemplateForFactory.json'),
    path: '$.resources[0]',
  });
  // An unset parameter takes its own name and the loader says so; a Synapse notebook is not ADF's.
  assert.equal(a.linkedServiceName!.referenceName, 'LinkedServiceName');
  assert.deepEqual(f.loadWarnings.map((w) => w.rule).sort(), ['ignored-resource', 'template-parameter-unset']);
  const problems = validate(f).problems;
  assert.deepEqual(
    problems.map((p) => `${p.rule} ${p.path}`),
    ['missing-reference $.resources[0].properties.activities[0].linkedServiceName.referenceName'],
  );
});

test('ARM export: --template-parameters values win, and a sibling ARMTemplateParametersForFactory.json is used', (t) => {
  const params = {
    $schema: 'https://schema.management.azure.com/schemas/2015-01-01/deploymentParameters.json#',
    contentVersion: '1.0.0.0',
    parameters: {
      factoryName: { value: 'prod-factory' },
      KV_properties_typeProperties_baseUrl: { value: 'https://prod.vault.azure.net/' },
      LinkedServiceName: { value: 'KV' },
    },
  };
  const { dir, cleanup } = writeTree({
    'ARMTemplateForFactory.json': template,
    'ARMTemplateParametersForFactory.json': params,
    'other.json': { parameters: { factoryName: { value: 'other-factory' } } },
  });
  t.after(cleanup);
  const sibling = loadFactorySync(join(dir, 'ARMTemplateForFactory.json'));
  assert.equal(sibling.name, 'prod-factory');
  assert.equal(sibling.origin.templateParametersFile, join(dir, 'ARMTemplateParametersForFactory.json'));
  assert.equal(sibling.linkedServices.get('KV')!.properties.typeProperties!.baseUrl, 'https://prod.vault.azure.net/');
  assert.deepEqual(validate(sibling).problems, []);
  const explicit = loadFactorySync(dir, { templateParameters: join(dir, 'other.json') });
  assert.equal(explicit.name, 'other-factory');
  assert.equal(explicit.linkedServices.get('KV')!.properties.typeProperties!.baseUrl, 'https://dev.vault.azure.net/');
});

test('ARM export: an unsupported ARM function is a load problem naming the JSON path; the string is kept', (t) => {
  const bad = structuredClone(template) as typeof template;
  (bad.resources[1]!.properties as { typeProperties: { baseUrl: string } }).typeProperties.baseUrl =
    '[uniqueString(resourceGroup().id)]';
  const { dir, cleanup } = writeTree({ 't.json': bad });
  t.after(cleanup);
  const f = loadFactorySync(join(dir, 't.json'));
  assert.equal(f.loadProblems.length, 1);
  assert.equal(f.loadProblems[0]!.rule, 'arm-expression');
  assert.equal(f.loadProblems[0]!.path, '$.resources[1].properties.typeProperties.baseUrl');
  assert.match(f.loadProblems[0]!.reason, /uniqueString/);
});

test('ARM export: a factory resource gives identity and global parameters; an ARM parameters file alone is refused', (t) => {
  const withFactory = {
    ...template,
    resources: [
      {
        name: "[parameters('factoryName')]",
        type: 'Microsoft.DataFactory/factories',
        identity: { type: 'SystemAssigned', principalId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
        properties: { globalParameters: { env: { type: 'String', value: 'prod' } } },
      },
    ],
  };
  const { dir, cleanup } = writeTree({
    'f.json': withFactory,
    'p.json': { $schema: 'https://x/deploymentParameters.json#', parameters: {} },
  });
  t.after(cleanup);
  const f = loadFactorySync(join(dir, 'f.json'));
  assert.equal(f.name, 'arm-factory');
  assert.equal(f.identity?.principalId, 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
  assert.deepEqual(f.globalParameters.env, { type: 'String', value: 'prod' });
  assert.throws(
    () => loadFactorySync(join(dir, 'p.json')),
    (e: unknown) => isPipevaultError(e) && /--template-parameters/.test(e.message),
  );
});

test('pipeline file: one pipeline JSON loads as a factory of one pipeline; references are not checked', (t) => {
  const { dir, cleanup } = writeTree({
    'pipeline/Solo.json': pipeline('Solo', [
      {
        ...wait('W'),
        type: 'ExecutePipeline',
        typeProperties: { pipeline: { referenceName: 'Elsewhere', type: 'PipelineReference' } },
      },
    ]),
    'not-a-pipeline.json': { hello: 'world' },
  });
  t.after(cleanup);
  const f = loadFactorySync(join(dir, 'pipeline/Solo.json'));
  assert.equal(f.origin.kind, 'pipeline-file');
  assert.deepEqual([...f.pipelines.keys()], ['Solo']);
  assert.deepEqual(validate(f).problems, []);
  assert.throws(
    () => loadFactorySync(join(dir, 'not-a-pipeline.json')),
    (e: unknown) => isPipevaultError(e) && e.exitCode === 2 && /not a pipeline/.test(e.message),
  );
});
