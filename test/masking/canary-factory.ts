import { secretForms } from '../../src/common/masking.js';
import { pipeline, standIn } from '../e2e/helpers.js';

/**
 * The canary factory of the masking tests: canary secrets through every source (a vault read, a Key Vault
 * reference in a linked service, a SecureString parameter, an activity with secureOutput) into every sink
 * (activity inputs, outputs and errors, variables, user properties, a URL, a child run's parameters and return
 * value, a Fail message, the run's message), with every secure flag off.
 */

export const VAULT_SECRET = 'canary-vault-7Hq2#x/+=9';
export const LS_SECRET = 'canary-linkedsvc-Kp4!w8';
export const PARAM_SECRET = 'canary-param-Zt5&u1';
export const OUTPUT_SECRET = 'canary-output-Rb8%q3';
export const CANARIES = [VAULT_SECRET, LS_SECRET, PARAM_SECRET, OUTPUT_SECRET];

/** The stand-in API: echoes what it receives and hands out a token on /token. */
export function standInApi() {
  return standIn((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    // Echo what arrived (the response becomes the activity output) and hand out a token on /token.
    res.end(
      JSON.stringify(
        req.url === '/token'
          ? { token: OUTPUT_SECRET }
          : { echoed: req.body, auth: req.headers.authorization ?? null, key: req.headers['x-api-key'] ?? null },
      ),
    );
  });
}

const e = (value: string) => ({ value, type: 'Expression' });
const after = (...names: string[]) => names.map((activity) => ({ activity, dependencyConditions: ['Succeeded'] }));
const open = { secureInput: false, secureOutput: false };
const vault = "activity('Get Secret').output.value";

/** The factory folder's files: a pipeline 'Leaky' (and its child) with every secure flag off. */
export function canaryFactory(apiUrl: string): Record<string, unknown> {
  return {
    'pipeline/Leaky.json': pipeline(
      'Leaky',
      [
        {
          name: 'Get Secret',
          type: 'WebActivity',
          policy: open,
          typeProperties: {
            url: 'https://demo-kv.vault.azure.net/secrets/api-key?api-version=7.0',
            method: 'GET',
            authentication: { type: 'MSI', resource: 'https://vault.azure.net' },
          },
        },
        {
          name: 'Get Token',
          type: 'WebActivity',
          policy: { secureOutput: true },
          typeProperties: { url: 'https://api.contoso.com/token', method: 'GET' },
        },
        {
          name: 'Keep',
          type: 'SetVariable',
          dependsOn: after('Get Secret'),
          typeProperties: { variableName: 'kept', value: e(`@${vault}`) },
        },
        {
          name: 'Collect',
          type: 'AppendVariable',
          dependsOn: after('Get Secret'),
          typeProperties: { variableName: 'all', value: e(`@concat('param:', pipeline().parameters.pw)`) },
        },
        {
          name: 'Call API',
          type: 'WebActivity',
          dependsOn: after('Keep', 'Get Token'),
          policy: open,
          userProperties: [{ name: 'shown', value: e("@variables('kept')") }],
          typeProperties: {
            url: e(`@concat('https://api.contoso.com/echo?key=', uriComponent(${vault}))`),
            method: 'POST',
            headers: { 'x-api-key': e("@variables('kept')") },
            body: e(
              `@concat('{"token":"', activity('Get Token').output.token, '","pw":"', pipeline().parameters.pw, '","v":"', ${vault}, '"}')`,
            ),
            authentication: {
              type: 'Basic',
              username: 'svc-user',
              password: {
                type: 'AzureKeyVaultSecret',
                store: { referenceName: 'KeyVault', type: 'LinkedServiceReference' },
                secretName: 'ls-password',
              },
            },
          },
        },
        {
          name: 'Run Child',
          type: 'ExecutePipeline',
          dependsOn: after('Call API'),
          typeProperties: {
            pipeline: { referenceName: 'Child', type: 'PipelineReference' },
            waitOnCompletion: true,
            parameters: { plain: e(`@${vault}`), secure: e('@pipeline().parameters.pw') },
          },
        },
        {
          name: 'Fail Loudly',
          type: 'Fail',
          dependsOn: after('Run Child'),
          typeProperties: {
            message: e(`@concat('child returned ', activity('Run Child').output.pipelineReturnValue.echo)`),
            errorCode: '500',
          },
        },
      ],
      {
        parameters: { pw: { type: 'SecureString' } },
        variables: { kept: { type: 'String' }, all: { type: 'Array' } },
      },
    ),
    'pipeline/Child.json': pipeline(
      'Child',
      [
        {
          name: 'Return',
          type: 'SetVariable',
          typeProperties: {
            variableName: 'pipelineReturnValue',
            setSystemVariable: true,
            value: [
              {
                key: 'echo',
                value: {
                  type: 'Expression',
                  content: "@concat(pipeline().parameters.plain, '|', pipeline().parameters.secure)",
                },
              },
            ],
          },
        },
      ],
      { parameters: { plain: { type: 'String' }, secure: { type: 'String' } } },
    ),
    'linkedService/KeyVault.json': {
      name: 'KeyVault',
      properties: { type: 'AzureKeyVault', typeProperties: { baseUrl: 'https://demo-kv.vault.azure.net/' } },
    },
    'pipevault.json': {
      factory: { name: 'canary-factory' },
      vaults: {
        'demo-kv': {
          secrets: { 'api-key': { fromEnv: 'CANARY_VAULT' }, 'ls-password': { fromEnv: 'CANARY_LS' } },
          accessPolicies: [{ principal: 'factory', secrets: ['get', 'list'] }],
        },
      },
      hosts: { 'api.contoso.com': apiUrl },
    },
  };
}

/** The canary forms found in some bytes (text in any encoding the masker knows, and UTF-16). */
export function leaks(bytes: Buffer): string[] {
  const found: string[] = [];
  for (const c of CANARIES) {
    for (const form of secretForms(c)) {
      if (bytes.includes(Buffer.from(form, 'utf8')) || bytes.includes(Buffer.from(form, 'utf16le'))) found.push(form);
    }
  }
  return found;
}
