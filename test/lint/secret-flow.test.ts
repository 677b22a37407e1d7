import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadFactorySync } from '../../src/adf/model/index.js';
import { analyzeSecretFlows, secretFlowFindings, type SecretFlowReport } from '../../src/adf/lint/index.js';
import {
  activity,
  executePipeline,
  expr,
  pipeline,
  readSecret,
  setVariable,
  web,
  writeFactory,
  type Json,
} from './fixtures.js';

function lint(pipelines: Json[], more: Parameters<typeof writeFactory>[1] = {}): SecretFlowReport {
  const f = writeFactory(pipelines, more);
  try {
    return analyzeSecretFlows(loadFactorySync(f.dir));
  } finally {
    f.cleanup();
  }
}

const sinks = (r: SecretFlowReport) => r.findings.map((f) => `${f.sink} ${f.pipeline}/${f.activity} ${f.path}`).sort();
const secretValue = "@activity('Get Secret').output.value";
const after = ['Get Secret'];

describe('secret-flow lint: each kind of flow is found', () => {
  it('a vault read without secureOutput (secret-output)', () => {
    const r = lint([pipeline('p', [readSecret('Get Secret', {})])]);
    assert.deepEqual(sinks(r), ['secret-output p/Get Secret $.properties.activities[0].policy']);
    const f = r.findings[0];
    assert.match(f.file, /pipeline\/p\.json$/);
    assert.equal(f.sources[0].kind, 'vault-read');
    assert.match(f.fix, /secureOutput/);
  });

  it('a consumer without secureInput (activity-input), in body, headers and a dataset parameter', () => {
    const r = lint([
      pipeline('p', [
        readSecret(),
        web('Call API', {
          url: 'https://api.contoso.com/x',
          method: 'POST',
          body: expr(`@concat('{"key":"', ${secretValue.slice(1)}, '"}')`),
          headers: { Authorization: expr(`@{concat('Bearer ', activity('Get Secret').output.value)}`) },
          dependsOn: after,
          resource: 'https://api.contoso.com',
        }),
        activity(
          'Lookup rows',
          'Lookup',
          { dataset: { referenceName: 'ds', type: 'DatasetReference', parameters: { pw: expr(secretValue) } } },
          { policy: { secureInput: false } },
        ),
      ]),
    ]);
    assert.deepEqual(sinks(r), [
      'activity-input p/Call API $.properties.activities[1].typeProperties.body',
      'activity-input p/Call API $.properties.activities[1].typeProperties.headers.Authorization',
      'activity-input p/Lookup rows $.properties.activities[2].typeProperties.dataset.parameters.pw',
    ]);
    assert.match(r.findings[0].message, /the secret read by 'Get Secret'/);
    assert.match(r.findings[0].fix, /"secureInput": true/);
  });

  it('SetVariable of a secret (set-variable) and the readers of that variable', () => {
    const r = lint([
      pipeline(
        'p',
        [
          readSecret(),
          setVariable('Keep key', 'key', expr(secretValue)),
          activity('Use key', 'Script', { scripts: [{ text: expr("@variables('key')") }] }),
        ],
        { variables: { key: { type: 'String' } } },
      ),
    ]);
    assert.deepEqual(sinks(r), [
      'activity-input p/Use key $.properties.activities[2].typeProperties.scripts[0].text',
      'set-variable p/Keep key $.properties.activities[1].typeProperties.value',
    ]);
  });

  it('AppendVariable of a secret (append-variable)', () => {
    const r = lint([
      pipeline(
        'p',
        [readSecret(), activity('Collect', 'AppendVariable', { variableName: 'all', value: expr(secretValue) })],
        {
          variables: { all: { type: 'Array' } },
        },
      ),
    ]);
    assert.deepEqual(sinks(r), ['append-variable p/Collect $.properties.activities[1].typeProperties.value']);
  });

  it('an ExecutePipeline parameter that is not SecureString in the child (child-parameter), followed into the child', () => {
    const r = lint([
      pipeline('parent', [readSecret(), executePipeline('Run child', 'child', { token: expr(secretValue) })]),
      pipeline(
        'child',
        [
          web('Use token', {
            url: 'https://api.contoso.com/x',
            method: 'POST',
            body: expr('@pipeline().parameters.token'),
          }),
        ],
        {
          parameters: { token: { type: 'string' } },
        },
      ),
    ]);
    assert.deepEqual(sinks(r), [
      'activity-input child/Use token $.properties.activities[0].typeProperties.body',
      'child-parameter parent/Run child $.properties.activities[1].typeProperties.parameters.token',
    ]);
    const child = r.findings.find((f) => f.sink === 'child-parameter')!;
    assert.match(
      child.fix,
      /Declare parameter 'token' of pipeline 'child' as SecureString and set "policy": \{"secureInput": true\}/,
    );
    const inChild = r.findings.find((f) => f.pipeline === 'child')!;
    assert.equal(inChild.sources[0].pipeline, 'parent');
  });

  it('a SecureString child parameter without secureInput on the ExecutePipeline (activity-input)', () => {
    const r = lint([
      pipeline('parent', [readSecret(), executePipeline('Run child', 'child', { token: expr(secretValue) })]),
      pipeline('child', [activity('Wait', 'Wait', { waitTimeInSeconds: 1 })], {
        parameters: { token: { type: 'securestring' } },
      }),
    ]);
    assert.deepEqual(sinks(r), [
      'activity-input parent/Run child $.properties.activities[1].typeProperties.parameters.token',
    ]);
  });

  it('a secret returned through pipelineReturnValue (return-value) and read back by the caller', () => {
    const r = lint([
      pipeline('parent', [
        executePipeline('Run child', 'child', {}, { secureInput: true }),
        web('Use it', {
          url: 'https://api.contoso.com/x',
          method: 'POST',
          body: expr("@activity('Run child').output.pipelineReturnValue.key"),
          dependsOn: ['Run child'],
        }),
        web('Harmless', {
          url: 'https://api.contoso.com/y',
          method: 'POST',
          body: expr("@activity('Run child').output.pipelineReturnValue.name"),
          dependsOn: ['Run child'],
        }),
      ]),
      pipeline('child', [
        readSecret(),
        activity(
          'Return',
          'SetVariable',
          {
            variableName: 'pipelineReturnValue',
            setSystemVariable: true,
            value: [
              { key: 'key', value: { type: 'Expression', content: secretValue } },
              { key: 'name', value: { type: 'String', content: 'api-key' } },
            ],
          },
          { policy: { secureInput: true, secureOutput: true } },
        ),
      ]),
    ]);
    assert.deepEqual(sinks(r), [
      'activity-input parent/Use it $.properties.activities[1].typeProperties.body',
      'return-value child/Return $.properties.activities[1].typeProperties.value[0].value.content',
    ]);
  });

  it('a Fail message or error code (fail-message)', () => {
    const r = lint([
      pipeline('p', [
        readSecret(),
        activity('Fail', 'Fail', { message: expr(`@concat('bad key ', ${secretValue.slice(1)})`), errorCode: '500' }),
      ]),
    ]);
    assert.deepEqual(sinks(r), ['fail-message p/Fail $.properties.activities[1].typeProperties.message']);
  });

  it('a URL or query string (url), even with secureInput', () => {
    const r = lint([
      pipeline('p', [
        readSecret(),
        web('Call', {
          url: expr(`@concat('https://api.contoso.com/x?code=', ${secretValue.slice(1)})`),
          policy: { secureInput: true },
          resource: 'https://api.contoso.com',
        }),
        activity(
          'Func',
          'AzureFunctionActivity',
          { functionName: expr(`@{activity('Get Secret').output.value}`), method: 'GET' },
          {
            policy: { secureInput: true },
          },
        ),
      ]),
    ]);
    assert.deepEqual(sinks(r), [
      'url p/Call $.properties.activities[1].typeProperties.url',
      'url p/Func $.properties.activities[2].typeProperties.functionName',
    ]);
    assert.doesNotMatch(r.findings[0].fix, /secureInput/);
  });

  it('userProperties (user-property)', () => {
    const r = lint([
      pipeline('p', [
        readSecret(),
        web('Call', {
          url: 'https://api.contoso.com/x',
          policy: { secureInput: true },
          userProperties: [{ name: 'k', value: expr(secretValue) }],
        }),
      ]),
    ]);
    assert.deepEqual(sinks(r), ['user-property p/Call $.properties.activities[1].userProperties[0].value']);
  });

  it('ForEach items and Filter outputs carry the secret to item() and output.value', () => {
    const r = lint([
      pipeline(
        'p',
        [
          activity('Keep', 'Filter', {
            items: expr("@split(pipeline().parameters.keys, ',')"),
            condition: expr('@not(empty(item()))'),
          }),
          activity('Each', 'ForEach', {
            items: expr("@activity('Keep').output.value"),
            activities: [
              activity('Inner If', 'IfCondition', {
                expression: expr('@equals(item(), 1)'),
                ifTrueActivities: [
                  web('Use item', { url: 'https://api.contoso.com/x', method: 'POST', body: expr('@item()') }),
                ],
              }),
            ],
          }),
        ],
        { parameters: { keys: { type: 'SecureString' } } },
      ),
    ]);
    assert.deepEqual(sinks(r), [
      'activity-input p/Use item $.properties.activities[1].typeProperties.activities[0].typeProperties.ifTrueActivities[0].typeProperties.body',
    ]);
    assert.equal(r.findings[0].sources[0].kind, 'secure-parameter');
  });

  it('an activity with secureOutput is a source for its consumers', () => {
    const r = lint([
      pipeline('p', [
        activity('Get creds', 'Lookup', { source: { type: 'AzureSqlSource' } }, { policy: { secureOutput: true } }),
        activity('Use', 'Script', { scripts: [{ text: expr("@activity('Get creds').output.firstRow.password") }] }),
        activity('Bookkeeping', 'Script', {
          scripts: [
            {
              text: expr("@{activity('Get creds').output.effectiveIntegrationRuntime} @{activity('Get creds').status}"),
            },
          ],
        }),
      ]),
    ]);
    assert.deepEqual(sinks(r), ['activity-input p/Use $.properties.activities[1].typeProperties.scripts[0].text']);
    assert.equal(r.findings[0].sources[0].kind, 'secure-output');
  });
});

describe('secret-flow lint: vault reads are recognised however the URL is built', () => {
  const cases: [string, Json, Json?][] = [
    ['a literal URL', readSecret('Get Secret', {})],
    [
      'a concat with the host from a global parameter',
      web('Get Secret', {
        url: expr(
          "@concat(pipeline().globalParameters.vaultUrl, '/secrets/', pipeline().parameters.name, '?api-version=7.0')",
        ),
        resource: 'https://vault.azure.cn',
      }),
    ],
    [
      'an interpolation on any host',
      web('Get Secret', {
        url: 'https://kv.example.test/secrets/@{pipeline().parameters.name}/0123abcd?api-version=7.4',
        resource: 'x',
      }),
    ],
    ['a URL built in a variable', web('Get Secret', { url: expr("@variables('url')") })],
    ['a parameter whose default is a secret URI', web('Get Secret', { url: expr('@pipeline().parameters.uri') })],
    ['a dynamic URL with a Key Vault token', web('Get Secret', { url: expr('@pipeline().parameters.other') })],
  ];
  for (const [label, act] of cases) {
    it(label, () => {
      const r = lint([
        pipeline(
          'p',
          [
            act,
            setVariable(
              'Build URL',
              'url',
              expr(
                "@concat('https://', pipeline().parameters.vault, '.vault.azure.net/secrets/', pipeline().parameters.name, '?api-version=7.0')",
              ),
            ),
          ],
          {
            parameters: {
              name: { type: 'string', defaultValue: 'api-key' },
              vault: { type: 'string' },
              uri: { type: 'string', defaultValue: 'https://v.vault.azure.net/secrets/x?api-version=7.0' },
              other: { type: 'string' },
            },
            variables: { url: { type: 'String' } },
          },
        ),
      ]);
      assert.deepEqual(sinks(r), ['secret-output p/Get Secret $.properties.activities[0].policy']);
    });
  }

  it('lists, versions, keys and non-vault calls are not secret reads', () => {
    const r = lint([
      pipeline('p', [
        web('List', {
          url: expr("@concat('https://', pipeline().parameters.vault, '.vault.azure.net/secrets?api-version=7.4')"),
        }),
        web('Versions', { url: 'https://v.vault.azure.net/secrets/x/versions?api-version=7.4' }),
        web('Key', { url: 'https://v.vault.azure.net/keys/k?api-version=7.4' }),
        web('Other', { url: expr('@pipeline().parameters.vault'), resource: 'https://management.azure.com/' }),
        web('Token for vault, other host', { url: 'https://api.contoso.com/?k=1' }),
        web('Post', { url: 'https://v.vault.azure.net/secrets/x?api-version=7.4', method: 'PUT', body: '{}' }),
      ]),
    ]);
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.sources, []);
  });
});

describe('secret-flow lint: correct pipelines are clean', () => {
  it('the documented recipe: read with secureOutput, use with secureInput', () => {
    const r = lint([
      pipeline('p', [
        readSecret(),
        web('Send', {
          url: 'https://api.contoso.com/check',
          method: 'POST',
          body: expr(`@json(concat('{"key":"', ${secretValue.slice(1)}, '"}'))`),
          policy: { secureInput: true },
          dependsOn: after,
        }),
        // Reading metadata of the read is not reading the secret.
        web('Log status', {
          url: 'https://api.contoso.com/log',
          method: 'POST',
          body: expr("@activity('Get Secret').output.ADFWebActivityResponseHeaders['Content-Type']"),
          dependsOn: after,
        }),
      ]),
    ]);
    assert.deepEqual(r.findings, []);
    assert.equal(r.sources.length, 1);
  });

  it('secrets passed on with every flag right: SetVariable with both flags, SecureString child parameters, control flow', () => {
    const r = lint([
      pipeline(
        'parent',
        [
          readSecret(),
          setVariable('Keep', 'key', expr(secretValue), { secureInput: true, secureOutput: true }),
          activity('If', 'IfCondition', {
            expression: expr("@equals(length(variables('key')), 32)"),
            ifTrueActivities: [
              executePipeline('Run child', 'child', { token: expr("@variables('key')") }, { secureInput: true }),
            ],
          }),
          activity('Each', 'ForEach', {
            items: expr("@split(variables('key'), ',')"),
            activities: [activity('Wait', 'Wait', { waitTimeInSeconds: 1 })],
          }),
          // Inactive activities do not run.
          {
            ...web('Old', { url: expr(`@concat('https://x/?k=', ${secretValue.slice(1)})`) }),
            state: 'Inactive',
            onInactiveMarkAs: 'Succeeded',
          },
        ],
        { variables: { key: { type: 'String' } } },
      ),
      pipeline(
        'child',
        [
          web('Use', {
            url: 'https://api.contoso.com',
            method: 'POST',
            body: expr('@pipeline().parameters.token'),
            policy: { secureInput: true },
          }),
        ],
        {
          parameters: { token: { type: 'SecureString' } },
        },
      ),
    ]);
    assert.deepEqual(r.findings, []);
  });

  it('Key Vault references in linked services are sources that never reach a pipeline expression', () => {
    const r = lint(
      [
        pipeline('p', [
          activity('Copy', 'Copy', { source: { type: 'AzureSqlSource' } }, { policy: { secureInput: false } }),
        ]),
      ],
      {
        linkedServices: [
          {
            name: 'sql',
            properties: {
              type: 'AzureSqlDatabase',
              typeProperties: {
                connectionString: 'Server=tcp:x',
                password: {
                  type: 'AzureKeyVaultSecret',
                  store: { referenceName: 'kv', type: 'LinkedServiceReference' },
                  secretName: 'sql-pw',
                },
              },
            },
          },
          {
            name: 'kv',
            properties: { type: 'AzureKeyVault', typeProperties: { baseUrl: 'https://v.vault.azure.net/' } },
          },
        ],
      },
    );
    assert.deepEqual(r.findings, []);
    assert.equal(r.sources.length, 1);
    assert.equal(r.sources[0].kind, 'key-vault-reference');
    assert.match(r.sources[0].description, /'sql-pw'.*linkedService 'sql'/);
  });
});

describe('secretFlowFindings (validate warnings)', () => {
  it('turns findings into warnings with file, JSON path and the fix', () => {
    const f = writeFactory([pipeline('p', [readSecret('Get Secret', {})])]);
    try {
      const warnings = secretFlowFindings(loadFactorySync(f.dir));
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0].rule, 'secret-flow');
      assert.equal(warnings[0].path, '$.properties.activities[0].policy');
      assert.equal(warnings[0].resource, 'pipeline/p');
      assert.match(warnings[0].reason, /Fix: Set "policy": \{"secureOutput": true\}/);
    } finally {
      f.cleanup();
    }
  });
});
