import { invalidActivityProperty, keyVaultSecretUnavailable, unknownReference } from '../../common/catalogue.js';
import type { Clock } from '../../common/clock.js';
import type { EvaluationContext } from '../expressions/context.js';
import { compile } from '../expressions/index.js';
import type { Factory, LinkedService, ParameterSpec } from '../model/types.js';
import type { RunHttpClient } from './http-client.js';
import type { RunTokenProvider, TokenSubject } from './tokens.js';

/**
 * Linked services at run time: parameters applied (`@linkedService().X`), and secret values (`SecretBase`)
 * resolved: a `SecureString` is its value; an `AzureKeyVaultSecret` is read from the vault its `store` (an
 * `AzureKeyVault` linked service, itself possibly parameterized) names, over HTTPS through the run's client,
 * with the factory's identity or the Key Vault linked service's `credential`. Every value resolved is
 * registered for masking before anyone sees it.
 */

/** The Key Vault api-version used for references (any supported one answers the same for a GET). */
export const REFERENCE_API_VERSION = '7.4';
export const KEYVAULT_RESOURCE = 'https://vault.azure.net';

export interface ResolvedLinkedService {
  name: string;
  type: string;
  /** typeProperties with parameters applied and every SecretBase replaced by its text. */
  typeProperties: Record<string, unknown>;
  parameters: Record<string, unknown>;
}

export interface ResolverOptions {
  factory: Factory;
  http: RunHttpClient;
  tokens: RunTokenProvider;
  clock: Clock;
  /** Masking: called with every secret value before it is returned. */
  registerSecret?: (value: string) => void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isSecretBase(v: unknown): v is Record<string, unknown> {
  if (!isObject(v) || typeof v.type !== 'string') return false;
  const t = v.type.toLowerCase();
  return (t === 'securestring' && 'value' in v) || (t === 'azurekeyvaultsecret' && 'store' in v);
}

function evaluate(value: unknown, ctx: EvaluationContext): unknown {
  return (compile(value) as (c: EvaluationContext) => unknown)(ctx);
}

function findByName<T>(map: Map<string, T>, name: string): T | undefined {
  const exact = map.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of map) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export class LinkedServiceResolver {
  constructor(private readonly o: ResolverOptions) {}

  private register(v: string): string {
    this.o.registerSecret?.(v);
    return v;
  }

  /** A linked service definition by name, or a clear error listing the factory's. */
  definition(name: string): LinkedService {
    const ls = findByName(this.o.factory.linkedServices, name);
    if (!ls) throw unknownReference('linked service', name, [...this.o.factory.linkedServices.keys()]);
    return ls;
  }

  /** Parameters a linked service sees: declared defaults overlaid by the reference's values (evaluated in `ctx`). */
  parametersOf(
    ls: LinkedService,
    given: Record<string, unknown> | undefined,
    ctx: EvaluationContext,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const declared: Record<string, ParameterSpec> = ls.properties.parameters ?? {};
    for (const [k, spec] of Object.entries(declared)) if (spec && 'defaultValue' in spec) out[k] = spec.defaultValue;
    for (const [k, v] of Object.entries(given ?? {})) out[k] = evaluate(v, ctx);
    return out;
  }

  /**
   * Resolves a secret value (`SecureString` or `AzureKeyVaultSecret`), or a plain string / expression, in the
   * context it is written in (an activity's, or a linked service's with its parameters).
   */
  async secret(value: unknown, ctx: EvaluationContext, where: string, signal?: AbortSignal): Promise<string> {
    if (!isSecretBase(value)) {
      const v = evaluate(value, ctx);
      if (typeof v !== 'string')
        throw invalidActivityProperty(
          where,
          'secret',
          'must be a string, a SecureString or an AzureKeyVaultSecret reference',
        );
      return v;
    }
    if (String(value.type).toLowerCase() === 'securestring') {
      const v = evaluate(value.value, ctx);
      return this.register(typeof v === 'string' ? v : JSON.stringify(v));
    }
    const store = value.store as { referenceName?: unknown; parameters?: Record<string, unknown> } | undefined;
    const storeName = String(evaluate(store?.referenceName, ctx) ?? '');
    const secretName = String(evaluate(value.secretName, ctx) ?? '');
    const versionRaw = value.secretVersion === undefined ? '' : evaluate(value.secretVersion, ctx);
    const version = typeof versionRaw === 'string' ? versionRaw.trim() : '';
    if (!secretName) throw invalidActivityProperty(where, 'secretName', 'is empty');
    const kv = this.definition(storeName);
    if (kv.properties.type.toLowerCase() !== 'azurekeyvault') {
      throw invalidActivityProperty(
        where,
        'store',
        `names '${storeName}', a ${kv.properties.type} linked service, not AzureKeyVault`,
      );
    }
    const params = this.parametersOf(kv, store?.parameters, ctx);
    const tp = (kv.properties.typeProperties ?? {}) as Record<string, unknown>;
    const baseUrl = String(evaluate(tp.baseUrl, { ...ctx, linkedService: params }) ?? '').replace(/\/+$/, '');
    if (!baseUrl) throw keyVaultSecretUnavailable(secretName, storeName, 'the linked service has no baseUrl');
    const credential = isObject(tp.credential) ? String(tp.credential.referenceName ?? '') : '';
    const subject: TokenSubject = credential ? this.credentialSubject(credential) : { kind: 'factory' };
    const { token } = await this.o.tokens.tokenFor(subject, KEYVAULT_RESOURCE, signal);
    const url = `${baseUrl}/secrets/${encodeURIComponent(secretName)}${version ? `/${encodeURIComponent(version)}` : ''}?api-version=${REFERENCE_API_VERSION}`;
    let res;
    try {
      res = await this.o.http.request({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal,
      });
    } catch (e) {
      throw keyVaultSecretUnavailable(secretName, storeName, (e as Error).message);
    }
    const text = Buffer.from(res.body).toString('utf8');
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // a non-JSON answer is reported as it is
    }
    if (res.status !== 200 || typeof json.value !== 'string') {
      const err = isObject(json.error) ? String(json.error.message ?? json.error.code ?? '') : '';
      throw keyVaultSecretUnavailable(secretName, storeName, err || `HTTP ${res.status} ${text.slice(0, 500)}`);
    }
    return this.register(json.value);
  }

  /** Who a `credential` reference authenticates as: a user-assigned identity, or a service principal. */
  credentialSubject(name: string): TokenSubject {
    const cred = findByName(this.o.factory.credentials, name);
    if (!cred) throw unknownReference('credential', name, [...this.o.factory.credentials.keys()]);
    const tp = ((cred.properties as { typeProperties?: Record<string, unknown> }).typeProperties ?? {}) as Record<
      string,
      unknown
    >;
    const resourceId = String(tp.resourceId ?? '');
    const identity = resourceId.split('/').filter(Boolean).pop() || name;
    return { kind: 'userAssigned', name: identity };
  }

  /**
   * A linked service with its parameters applied and its secrets resolved (Azure Function keys, passwords):
   * everything an activity needs to call the system it describes.
   */
  async linkedService(
    ref: { referenceName?: unknown; parameters?: Record<string, unknown> },
    ctx: EvaluationContext,
    signal?: AbortSignal,
  ): Promise<ResolvedLinkedService> {
    const name = String(evaluate(ref.referenceName, ctx) ?? '');
    const ls = this.definition(name);
    const parameters = this.parametersOf(ls, ref.parameters, ctx);
    const lsCtx: EvaluationContext = { ...ctx, linkedService: parameters };
    const walk = async (v: unknown): Promise<unknown> => {
      if (isSecretBase(v)) return this.secret(v, lsCtx, name, signal);
      if (Array.isArray(v)) return Promise.all(v.map(walk));
      if (isObject(v)) {
        if (v.type === 'Expression' && 'value' in v) return evaluate(v, lsCtx);
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = await walk(x);
        return out;
      }
      return evaluate(v, lsCtx);
    };
    const typeProperties = (await walk(ls.properties.typeProperties ?? {})) as Record<string, unknown>;
    return { name: ls.name, type: ls.properties.type, typeProperties, parameters };
  }
}
