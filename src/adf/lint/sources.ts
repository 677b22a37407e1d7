import type { ActivityNode, Factory, Pipeline } from '../model/index.js';
import { jsonPath } from '../model/json-path.js';
import { approximate, type ApproxScope } from './approx.js';

/**
 * Recognising where secrets enter: Key Vault secret reads by Web activities, and Key Vault references
 * anywhere in the factory. (SecureString parameters and secureOutput are read off the model directly.)
 */

/** `…/secrets/{name}` or `…/secrets/{name}/{version}`, then the query or the end. */
const SECRET_READ = /\/secrets\/[^/?#]+(?:\/[^/?#]+)?\/?(?:[?#]|$)/i;
/** Reads that return no value: the list of secrets, the list of a secret's versions. */
const NOT_A_VALUE = [/\/secrets\/?(?:[?#]|$)/i, /\/secrets\/[^/?#]+\/versions\/?(?:[?#]|$)/i];
/** Key Vault's token audiences in the public and sovereign clouds. */
const VAULT_RESOURCE = /vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)/i;
/** Key Vault object types other than secrets, whose GET returns no secret value. */
const OTHER_VAULT_OBJECTS = /\/(?:keys|certificates|deletedsecrets|storage)(?:\/|\?|$)/i;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What `approximate` needs to follow variables and parameters of one pipeline. */
export function approxScope(factory: Factory, pipeline: Pipeline, nodes: ActivityNode[]): ApproxScope {
  const props = pipeline.properties;
  const lookup = <T>(map: Record<string, T> | undefined, name: string): T | undefined => {
    if (!map) return undefined;
    if (name in map) return map[name];
    const k = Object.keys(map).find((x) => x.toLowerCase() === name.toLowerCase());
    return k === undefined ? undefined : map[k];
  };
  return {
    variableValues(name) {
      const out: unknown[] = [];
      const spec = lookup(props.variables, name);
      if (spec?.defaultValue !== undefined) out.push(spec.defaultValue);
      for (const n of nodes) {
        const tp = n.activity.typeProperties;
        if (n.activity.type === 'SetVariable' && isRecord(tp) && tp.variableName === name) out.push(tp.value);
      }
      return out;
    },
    parameterDefault: (name) => lookup(props.parameters, name)?.defaultValue,
    globalParameter: (name) => lookup(factory.globalParameters, name)?.value,
  };
}

/**
 * Whether a Web activity reads a secret's value from a vault: a GET whose URL, as far as it can be worked
 * out, is `…/secrets/{name}[/{version}]` on any host; or, when the URL cannot be worked out at all, a call
 * made with a token for Key Vault (`authentication.resource` is a vault audience) that is not a list or
 * another kind of vault object.
 */
export function isVaultSecretRead(node: ActivityNode, scope: ApproxScope): boolean {
  const a = node.activity;
  if (a.type !== 'WebActivity' || !isRecord(a.typeProperties)) return false;
  const tp = a.typeProperties;
  if (typeof tp.method === 'string' && !tp.method.startsWith('@') && tp.method.toUpperCase() !== 'GET') return false;
  const urls = approximate(tp.url, scope);
  const noValue = (u: string) => NOT_A_VALUE.some((r) => r.test(u)) || OTHER_VAULT_OBJECTS.test(u);
  if (urls.some((u) => SECRET_READ.test(u) && !noValue(u))) return true;
  if (urls.some(noValue)) return false;
  const auth = tp.authentication;
  if (!isRecord(auth)) return false;
  const resource = approximate(auth.resource, scope);
  return resource.some((r) => VAULT_RESOURCE.test(r)) && urls.every(unknownVaultUrl);
}

/** A URL whose host is unknown or a vault's, and whose path is unknown: `{}`, `https://{}.vault.azure.net/{}`. */
function unknownVaultUrl(u: string): boolean {
  const m = /^https?:\/\/([^/?#]*)(.*)$/i.exec(u);
  if (!m) return u.startsWith('{}') && !/\/[a-z]/i.test(u);
  return (m[1].includes('{}') || /vault/i.test(m[1])) && !/\/[a-z]/i.test(m[2]);
}

/** Every `{"type": "AzureKeyVaultSecret", …}` inside a JSON value, with its JSON path. */
export function keyVaultReferences(value: unknown, base: string): { path: string; secretName: unknown }[] {
  const out: { path: string; secretName: unknown }[] = [];
  const visit = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, jsonPath(path, i)));
    else if (isRecord(v)) {
      if (v.type === 'AzureKeyVaultSecret') out.push({ path, secretName: v.secretName });
      else for (const [k, x] of Object.entries(v)) visit(x, jsonPath(path, k));
    }
  };
  visit(value, base);
  return out;
}
