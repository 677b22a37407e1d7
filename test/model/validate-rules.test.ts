import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFactorySync, validate, type Findings } from '../../src/adf/model/index.js';
import { forEach, ifCondition, pipeline, setVariable, wait, writeTree } from './fixtures.js';

/** Validates a factory folder built from `files`; returns `rule path` lines of problems and warnings. */
function check(files: Record<string, unknown>): { problems: string[]; warnings: string[]; raw: Findings } {
  const { dir, cleanup } = writeTree(files);
  try {
    const raw = validate(loadFactorySync(dir));
    const fmt = (l: Findings['problems']) => l.map((p) => `${p.rule} ${p.path}`);
    return { problems: fmt(raw.problems), warnings: fmt(raw.warnings), raw };
  } finally {
    cleanup();
  }
}

const one = (p: unknown) => check({ 'pipeline/P.json': p });

test('a clean pipeline has no problems', () => {
  const r = one(
    pipeline('P', [wait('A'), wait('B', ['A']), setVariable('S', 'v', "@{activity('B').output}", ['B'])], {
      variables: { v: { type: 'String' } },
    }),
  );
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.warnings, []);
});

test('invalid-name: characters, leading character and length of activity and resource names', () => {
  const r = check({
    'pipeline/P.json': pipeline('P', [wait('a.b'), wait('_ok'), wait('x'.repeat(56)), wait('-lead')]),
    'pipeline/Bad+Name.json': pipeline('Bad+Name', []),
    'linkedService/LS-dash.json': { name: 'LS-dash', properties: { type: 'AzureKeyVault' } },
    'factory/f.json': { name: 'f_1' },
  });
  assert.deepEqual(r.problems.filter((p) => p.startsWith('invalid-name')).sort(), [
    'invalid-name $.name',
    'invalid-name $.name',
    'invalid-name $.name',
    'invalid-name $.properties.activities[0].name',
    'invalid-name $.properties.activities[2].name',
    'invalid-name $.properties.activities[3].name',
  ]);
});

test('duplicate-name: activity names across containers, parameters and variables, case-insensitively', () => {
  const r = one(
    pipeline('P', [wait('Step'), forEach('Loop', [wait('STEP')])], {
      parameters: { items: { type: 'array' }, Items: { type: 'array' } },
      variables: { v: { type: 'String' }, V: { type: 'String' } },
    }),
  );
  assert.deepEqual(r.problems.sort(), [
    'duplicate-name $.properties.activities[1].typeProperties.activities[0].name',
    'duplicate-name $.properties.parameters.Items',
    'duplicate-name $.properties.variables.V',
  ]);
});

test('dependency-missing: dependsOn an activity the pipeline does not have', () => {
  assert.deepEqual(one(pipeline('P', [wait('A', ['Nope'])])).problems, [
    'dependency-missing $.properties.activities[0].dependsOn[0].activity',
  ]);
});

test('dependency-scope: an activity inside a container may depend only on its siblings', () => {
  const r = one(
    pipeline(
      'P',
      [wait('Outside'), forEach('Loop', [wait('Inside', ['Outside'])], {}, ['Outside']), wait('After', ['Inside'])],
      { parameters: { items: { type: 'array' } } },
    ),
  );
  assert.deepEqual(r.problems.sort(), [
    'dependency-scope $.properties.activities[1].typeProperties.activities[0].dependsOn[0].activity',
    'dependency-scope $.properties.activities[2].dependsOn[0].activity',
  ]);
});

test('dependency-cycle: a cycle is reported once, where it closes', () => {
  const r = one(pipeline('P', [wait('A', ['C']), wait('B', ['A']), wait('C', ['B']), wait('Self', ['Self'])]));
  assert.deepEqual(r.problems.filter((p) => p.startsWith('dependency-cycle')).length, 2);
  assert.ok(r.raw.problems.some((p) => p.reason.includes("'A' → 'C' → 'B' → 'A'")));
});

test('dependency-condition: conditions are Succeeded, Failed, Skipped, Completed (any case), at least one', () => {
  const r = one(
    pipeline('P', [
      wait('A'),
      { ...wait('B'), dependsOn: [{ activity: 'A', dependencyConditions: ['Done'] }] },
      { ...wait('C'), dependsOn: [{ activity: 'A', dependencyConditions: [] }] },
      { ...wait('D'), dependsOn: [{ activity: 'A', dependencyConditions: ['completed', 'Skipped'] }] },
    ]),
  );
  assert.deepEqual(r.problems, [
    'dependency-condition $.properties.activities[1].dependsOn[0].dependencyConditions[0]',
    'dependency-condition $.properties.activities[2].dependsOn[0].dependencyConditions',
  ]);
});

test('unknown-variable: SetVariable/AppendVariable targets and variables() references; pipelineReturnValue is allowed', () => {
  const r = one(
    pipeline(
      'P',
      [
        setVariable('S1', 'missing', 'x'),
        setVariable('S2', 'known', "@variables('alsoMissing')"),
        setVariable('S3', 'KNOWN', "@variables('Known')"),
        {
          name: 'R',
          type: 'SetVariable',
          typeProperties: { variableName: 'pipelineReturnValue', setSystemVariable: true, value: [] },
        },
      ],
      { variables: { known: { type: 'String' } } },
    ),
  );
  assert.deepEqual(r.problems, [
    'unknown-variable $.properties.activities[0].typeProperties.variableName',
    'unknown-variable $.properties.activities[1].typeProperties.value',
  ]);
});

test('append-to-non-array: AppendVariable needs an Array variable', () => {
  const r = one(
    pipeline(
      'P',
      [
        { name: 'Ap', type: 'AppendVariable', typeProperties: { variableName: 's', value: 'x' } },
        { name: 'Ok', type: 'AppendVariable', typeProperties: { variableName: 'list', value: 'x' } },
      ],
      {
        variables: { s: { type: 'String' }, list: { type: 'Array' } },
      },
    ),
  );
  assert.deepEqual(r.problems, ['append-to-non-array $.properties.activities[0].typeProperties.variableName']);
});

test('unknown-parameter and unknown-global-parameter: expressions read only what is declared (case-insensitively)', () => {
  const r = check({
    'factory/f.json': { name: 'fac', properties: { globalParameters: { env: { type: 'string', value: 'dev' } } } },
    'pipeline/P.json': pipeline(
      'P',
      [
        { ...wait('W'), typeProperties: { waitTimeInSeconds: '@pipeline().parameters.Secs' } },
        {
          ...wait('X'),
          typeProperties: {
            waitTimeInSeconds:
              '@{pipeline().parameters.nope}-@{pipeline().globalParameters.ENV}-@{pipeline().globalParameters.region}',
          },
        },
      ],
      { parameters: { secs: { type: 'int' } } },
    ),
  });
  assert.deepEqual(r.problems, [
    'unknown-parameter $.properties.activities[1].typeProperties.waitTimeInSeconds',
    'unknown-global-parameter $.properties.activities[1].typeProperties.waitTimeInSeconds',
  ]);
});

test("unknown-type: parameter and variable types outside ADF's lists", () => {
  const r = one(pipeline('P', [], { parameters: { p: { type: 'date' } }, variables: { v: { type: 'Object' } } }));
  assert.deepEqual(r.problems, [
    'unknown-type $.properties.parameters.p.type',
    'unknown-type $.properties.variables.v.type',
  ]);
});

test("expression-syntax: a template that does not parse, with the expression module's message", () => {
  const r = one(
    pipeline('P', [
      { ...wait('W'), typeProperties: { waitTimeInSeconds: { value: "@concat('a'", type: 'Expression' } } },
    ]),
  );
  assert.deepEqual(r.problems, ['expression-syntax $.properties.activities[0].typeProperties.waitTimeInSeconds.value']);
  assert.ok(r.raw.problems[0]!.reason.length > 10);
});

test('expression-length: at most 8,192 characters per expression', () => {
  const long = `@concat('${'x'.repeat(8200)}')`;
  const r = one(pipeline('P', [{ ...wait('W'), typeProperties: { waitTimeInSeconds: long } }]));
  assert.deepEqual(r.problems, ['expression-length $.properties.activities[0].typeProperties.waitTimeInSeconds']);
});

test('activity-reference: activity(X) only for activities upstream, upstream of a container, or inside those', () => {
  const r = one(
    pipeline(
      'P',
      [
        wait('First'),
        forEach(
          'Loop',
          [
            wait('Inner'),
            wait('UsesOuter', [], { typeProperties: { waitTimeInSeconds: "@activity('First').output.x" } }),
          ],
          {},
          ['First'],
        ),
        wait('AfterLoop', ['Loop'], { typeProperties: { waitTimeInSeconds: "@activity('Inner').output.x" } }),
        wait('Parallel', [], { typeProperties: { waitTimeInSeconds: "@activity('First').output.x" } }),
        wait('Ghost', [], { typeProperties: { waitTimeInSeconds: "@activity('Nobody').output.x" } }),
        {
          name: 'Poll',
          type: 'Until',
          typeProperties: {
            expression: { value: "@equals(activity('Check').output.done, true)", type: 'Expression' },
            activities: [wait('Check')],
          },
        },
      ],
      { parameters: { items: { type: 'array' } } },
    ),
  );
  assert.deepEqual(r.problems, [
    'activity-reference $.properties.activities[3].typeProperties.waitTimeInSeconds',
    'activity-reference $.properties.activities[4].typeProperties.waitTimeInSeconds',
  ]);
});

test("too-many-activities: more than 80 is a warning, more than 120 a problem (containers' inner activities count)", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => wait(`W${i}`));
  assert.deepEqual(one(pipeline('P', many(80))).warnings, []);
  assert.deepEqual(
    one(pipeline('P', [...many(80), forEach('L', [wait('In')])], { parameters: { items: { type: 'array' } } }))
      .warnings,
    ['too-many-activities $.properties.activities'],
  );
  const big = one(pipeline('P', many(121)));
  assert.deepEqual(big.problems, ['too-many-activities $.properties.activities']);
  assert.deepEqual(big.warnings, []);
});

test('too-many-parameters: at most 50 parameters per pipeline', () => {
  const params = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, { type: 'string' }]));
  assert.deepEqual(one(pipeline('P', [], { parameters: params })).problems, [
    'too-many-parameters $.properties.parameters',
  ]);
});

test('batch-count: ForEach batchCount is a whole number from 1 to 50 (expressions not judged)', () => {
  const r = one(
    pipeline(
      'P',
      [
        forEach('A', [], { batchCount: 51 }),
        forEach('B', [], { batchCount: 0 }),
        forEach('C', [], { batchCount: 50 }),
        forEach('D', [], { batchCount: '@pipeline().parameters.n' }),
      ],
      {
        parameters: { items: { type: 'array' }, n: { type: 'int' } },
      },
    ),
  );
  assert.deepEqual(r.problems, [
    'batch-count $.properties.activities[0].typeProperties.batchCount',
    'batch-count $.properties.activities[1].typeProperties.batchCount',
  ]);
});

test('nesting: no loop inside a loop, no If/Switch inside If/Switch, no Validation in a container; If inside ForEach is fine', () => {
  const validation = {
    name: 'Val',
    type: 'Validation',
    typeProperties: { dataset: { referenceName: 'D', type: 'DatasetReference' } },
  };
  const r = one(
    pipeline(
      'P',
      [
        forEach('Outer', [
          ifCondition('IfInLoop', [forEach('LoopInIf', [])]),
          { name: 'U', type: 'Until', typeProperties: { expression: '@true', activities: [] } },
        ]),
        ifCondition('If1', [ifCondition('If2', [])], [validation]),
        ifCondition('IfWithLoop', [forEach('LoopInIfOnly', [wait('ok')])]),
      ],
      { parameters: { items: { type: 'array' } } },
    ),
  );
  assert.deepEqual(
    r.problems.filter((p) => p.startsWith('nesting')),
    [
      'nesting $.properties.activities[0].typeProperties.activities[0].typeProperties.ifTrueActivities[0].type',
      'nesting $.properties.activities[0].typeProperties.activities[1].type',
      'nesting $.properties.activities[1].typeProperties.ifTrueActivities[0].type',
      'nesting $.properties.activities[1].typeProperties.ifFalseActivities[0].type',
    ],
  );
});

test('set-variable-in-parallel-foreach: a warning, not a problem; sequential loops are fine', () => {
  const r = one(
    pipeline(
      'P',
      [
        forEach('Par', [setVariable('S', 'v', '@item()')]),
        forEach('Seq', [setVariable('S2', 'v', '@item()')], { isSequential: 'true' }),
      ],
      {
        parameters: { items: { type: 'array' } },
        variables: { v: { type: 'String' } },
      },
    ),
  );
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.warnings, [
    'set-variable-in-parallel-foreach $.properties.activities[0].typeProperties.activities[0].typeProperties.variableName',
  ]);
});

test('missing-reference: Execute Pipeline, datasets, linked services, IRs (AutoResolve is built in), case-insensitively', () => {
  const r = check({
    'pipeline/P.json': pipeline('P', [
      {
        name: 'Run',
        type: 'ExecutePipeline',
        typeProperties: { pipeline: { referenceName: 'child', type: 'PipelineReference' }, waitOnCompletion: true },
      },
      {
        name: 'Run2',
        type: 'ExecutePipeline',
        typeProperties: { pipeline: { referenceName: 'Missing', type: 'PipelineReference' } },
      },
      {
        name: 'Look',
        type: 'Lookup',
        typeProperties: { dataset: { referenceName: 'NoDs', type: 'DatasetReference' } },
      },
      {
        name: 'Dyn',
        type: 'Lookup',
        typeProperties: { dataset: { referenceName: '@pipeline().parameters.ds', type: 'DatasetReference' } },
      },
    ]),
    'pipeline/Child.json': pipeline('Child', []),
    'linkedService/LS.json': {
      name: 'LS',
      properties: {
        type: 'AzureKeyVault',
        connectVia: { referenceName: 'AutoResolveIntegrationRuntime', type: 'IntegrationRuntimeReference' },
      },
    },
    'linkedService/LS2.json': {
      name: 'LS2',
      properties: {
        type: 'AzureSqlDatabase',
        connectVia: { referenceName: 'NoIR', type: 'IntegrationRuntimeReference' },
      },
    },
  });
  assert.deepEqual(r.problems.filter((p) => !p.startsWith('unknown-parameter')).sort(), [
    'missing-reference $.properties.activities[1].typeProperties.pipeline.referenceName',
    'missing-reference $.properties.activities[2].typeProperties.dataset.referenceName',
    'missing-reference $.properties.connectVia.referenceName',
  ]);
});

test('inactive activities: their settings are not checked, their names and dependencies are', () => {
  const r = one(
    pipeline('P', [
      { ...setVariable('S', 'nope', "@variables('none')"), state: 'Inactive', onInactiveMarkAs: 'Succeeded' },
      { ...wait('W', ['Missing']), state: 'inactive' },
    ]),
  );
  assert.deepEqual(r.problems, ['dependency-missing $.properties.activities[1].dependsOn[0].activity']);
});

test('invalid-timespan and invalid-retry: literal policy timeouts are .NET timespans, retry a whole number ≥ 0', () => {
  const r = one(
    pipeline(
      'P',
      [
        { ...wait('Ok'), policy: { timeout: '0.0:10:00', retry: 2, retryIntervalInSeconds: 5 } },
        {
          ...wait('Expr'),
          policy: {
            timeout: '@pipeline().parameters.t',
            retry: { value: '@pipeline().parameters.r', type: 'Expression' },
          },
        },
        { ...wait('Bad'), policy: { timeout: '10 minutes', retry: -1 } },
        { name: 'Loop', type: 'Until', typeProperties: { expression: '@true', timeout: '25:00:00', activities: [] } },
        {
          name: 'Web',
          type: 'WebActivity',
          typeProperties: { url: 'https://x', method: 'GET', httpRequestTimeout: '00:01:00' },
        },
      ],
      { parameters: { t: { type: 'string' }, r: { type: 'int' } } },
    ),
  );
  assert.deepEqual(r.problems, [
    'invalid-timespan $.properties.activities[2].policy.timeout',
    'invalid-retry $.properties.activities[2].policy.retry',
    'invalid-timespan $.properties.activities[3].typeProperties.timeout',
  ]);
});

test('dataset and linked service expressions: they parse and read only declared dataset()/linkedService() parameters', () => {
  const r = check({
    'linkedService/LS.json': {
      name: 'LS',
      properties: {
        type: 'AzureKeyVault',
        parameters: { url: { type: 'String' } },
        typeProperties: { baseUrl: '@{linkedService().URL}', other: '@{linkedService().nope}' },
      },
    },
    'dataset/DS.json': {
      name: 'DS',
      properties: {
        type: 'Json',
        parameters: { folder: { type: 'String', defaultValue: '@notAnExpression(' } },
        linkedServiceName: {
          referenceName: 'LS',
          type: 'LinkedServiceReference',
          parameters: { url: '@dataset().missing' },
        },
        typeProperties: {
          location: { folderPath: { value: '@dataset().folder', type: 'Expression' }, fileName: "@concat('a'" },
        },
      },
    },
  });
  assert.deepEqual(r.problems, [
    'unknown-parameter $.properties.linkedServiceName.parameters.url',
    'expression-syntax $.properties.typeProperties.location.fileName',
    'unknown-parameter $.properties.typeProperties.other',
  ]);
});

test('execute-pipeline-parameters: a warning for parameters the child does not declare, or requires and does not get', () => {
  const call = (name: string, parameters: Record<string, unknown>) => ({
    name,
    type: 'ExecutePipeline',
    typeProperties: {
      pipeline: { referenceName: 'CHILD', type: 'PipelineReference' },
      waitOnCompletion: true,
      parameters,
    },
  });
  const r = check({
    'pipeline/Parent.json': pipeline('Parent', [
      call('Good', { Needed: 'x' }),
      call('Extra', { needed: 'x', other: 1 }),
      call('Missing', {}),
    ]),
    'pipeline/Child.json': pipeline('Child', [], {
      parameters: { needed: { type: 'string' }, optional: { type: 'int', defaultValue: 1 } },
    }),
  });
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.warnings, [
    'execute-pipeline-parameters $.properties.activities[1].typeProperties.parameters.other',
    'execute-pipeline-parameters $.properties.activities[2].typeProperties.parameters',
  ]);
});

test('item-outside-foreach: a warning for item() where no ForEach gives it a value (a Filter condition is fine)', () => {
  const r = one(
    pipeline(
      'P',
      [
        wait('Top', [], { typeProperties: { waitTimeInSeconds: '@item()' } }),
        forEach('Loop', [
          ifCondition('Inner', [wait('Deep', [], { typeProperties: { waitTimeInSeconds: '@item().n' } })]),
        ]),
        {
          name: 'Keep',
          type: 'Filter',
          typeProperties: { items: '@pipeline().parameters.items', condition: '@greater(item(), 1)' },
        },
      ],
      { parameters: { items: { type: 'array' } } },
    ),
  );
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.warnings, ['item-outside-foreach $.properties.activities[0].typeProperties.waitTimeInSeconds']);
});
