import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { harness, standIn, writeFactory } from '../e2e/helpers.js';

/**
 * Every Web and Azure Function activity of the real-world corpus (pipelines in ADF git layout), run on its own
 * against local stand-ins: each production host its JSON names literally is mapped to a catch-all local API in
 * a test pipevault.json, each vault it names is defined (with the factory allowed to read it). An activity either
 * succeeds or fails for one of the reasons named below — never with an internal error, a missing service or an
 * unsupported type.
 */

const CORPUS = resolve(
  process.env.PIPEVAULT_CORPUS_DIR ?? join(import.meta.dirname, '../../../shared/corpus/adf-real'),
);

/** Failure codes a lone activity may end with, and why. */
const NAMED_REASONS: Record<string, string> = {
  InvalidTemplate: 'an expression reads what only the whole pipeline has (an upstream activity output, a variable)',
  BadRequest:
    'a property evaluates to something the activity cannot use without the rest of the pipeline (e.g. an empty URL)',
  OutboundHostNotAllowed:
    'the URL is built by an expression whose host is not written literally in the JSON, so the test cannot map it',
  ReferenceNotFound: 'a linked service or credential the activity names lives outside the pipeline file',
  '2108':
    'the stand-in or the local vault answered non-2xx (e.g. a secret the production vault holds is not defined here)',
  '3608': 'the Azure Function stand-in does not know the function',
  AzureKeyVaultSecretNotAccessible: 'a Key Vault reference names a secret the test vault does not hold',
  VaultNotFound: 'a vault name built by an expression is not one the test defines',
  AuthenticationFailed: 'a service principal or user-assigned identity of production is not declared locally',
};

function pipelineFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.json') && d.endsWith(`${'/'}pipeline`)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

interface Found {
  file: string;
  pipeline: Record<string, unknown>;
  activity: Record<string, unknown>;
}

function httpActivities(file: string): Found[] {
  let json: { properties?: { activities?: unknown[] } };
  try {
    json = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as typeof json;
  } catch {
    return [];
  }
  const out: Found[] = [];
  const walk = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const a of list as Array<Record<string, unknown>>) {
      const type = String(a.type ?? '');
      if (type === 'WebActivity' || type === 'AzureFunctionActivity')
        out.push({ file, pipeline: json as Record<string, unknown>, activity: a });
      const tp = (a.typeProperties ?? {}) as Record<string, unknown>;
      walk(tp.activities);
      walk(tp.ifTrueActivities);
      walk(tp.ifFalseActivities);
      walk(tp.defaultActivities);
      for (const c of (tp.cases as Array<{ activities?: unknown }> | undefined) ?? []) walk(c.activities);
    }
  };
  walk(json.properties?.activities);
  return out;
}

const present = existsSync(CORPUS);
if (!present && process.env.CI === 'true') throw new Error(`the corpus is missing at ${CORPUS} (PIPEVAULT_CORPUS_DIR)`);

test(
  'every Web and Azure Function activity of the corpus runs against stand-ins or fails for a named reason',
  { skip: present ? false : `no corpus at ${CORPUS}` },
  async (t) => {
    const found = pipelineFiles(CORPUS).flatMap(httpActivities);
    assert.ok(found.length >= 30, `found only ${found.length} activities`);
    const api = await standIn((req, res) => {
      res.writeHead(req.url?.startsWith('/api/') ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, value: [], status: 'Succeeded' }));
    });
    const text = JSON.stringify(found.map((f) => f.activity));
    const hosts = new Set([...text.matchAll(/https?:\/\/([A-Za-z0-9.-]+)/g)].map((m) => m[1]!.toLowerCase()));
    const vaults = [...hosts]
      .map((h) => /^([a-z0-9-]{3,24})\.vault\.azure\.net$/.exec(h)?.[1])
      .filter((v): v is string => !!v && /^[a-z]/.test(v));
    const files: Record<string, unknown> = {
      'pipevault.json': {
        factory: { name: 'corpus-web' },
        vaults: Object.fromEntries(
          vaults.map((v) => [v, { accessPolicies: [{ principal: 'factory', secrets: ['get', 'list'] }] }]),
        ),
        hosts: Object.fromEntries(
          [...hosts].filter((h) => !h.endsWith('.vault.azure.net') && h !== 'localhost').map((h) => [h, api.url]),
        ),
      },
    };
    found.forEach((f, i) => {
      const declared = ((f.pipeline.properties as Record<string, unknown>)?.parameters ?? {}) as Record<
        string,
        { type?: string; defaultValue?: unknown }
      >;
      const parameters = Object.fromEntries(
        Object.entries(declared).map(([k, v]) => [
          k,
          { type: v.type ?? 'String', defaultValue: v.defaultValue ?? placeholder(v.type) },
        ]),
      );
      const variables = (f.pipeline.properties as Record<string, unknown>)?.variables ?? {};
      files[`pipeline/p${i}.json`] = {
        name: `p${i}`,
        properties: {
          parameters,
          variables,
          activities: [
            {
              ...f.activity,
              dependsOn: [],
              policy: { ...(f.activity.policy as object), retry: 0, timeout: '0.00:00:30' },
            },
          ],
        },
      };
    });
    // the linked services and credentials of each pipeline's own factory folder, so references resolve
    for (const folder of new Set(found.map((f) => join(f.file, '..', '..')))) {
      for (const kind of ['linkedService', 'credential']) {
        const d = join(folder, kind);
        if (!existsSync(d)) continue;
        for (const n of readdirSync(d).filter((x) => x.endsWith('.json'))) {
          try {
            files[`${kind}/${n}`] = JSON.parse(readFileSync(join(d, n), 'utf8').replace(/^\uFEFF/, ''));
          } catch {
            // an unreadable resource stays out; activities needing it fail with ReferenceNotFound
          }
        }
      }
    }
    const h = await harness(writeFactory(files));
    const outcomes: Record<string, number> = {};
    const unexplained: string[] = [];
    for (let i = 0; i < found.length; i++) {
      const { activities } = await h.run(`p${i}`);
      const a = activities[0]!;
      const key = a.status === 'Succeeded' ? 'Succeeded' : String(a.error?.errorCode);
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      if (process.env.PV_DEBUG_CORPUS && a.status !== 'Succeeded')
        t.diagnostic(`${key}: ${String(a.error?.message).slice(0, 160)}`);
      if (a.status !== 'Succeeded' && !(key in NAMED_REASONS)) {
        unexplained.push(`${found[i]!.file.slice(CORPUS.length + 1)} / ${a.activityName}: ${key}: ${a.error?.message}`);
      }
    }
    t.diagnostic(`${found.length} activities: ${JSON.stringify(outcomes)}`);
    for (const [code, why] of Object.entries(NAMED_REASONS))
      if (outcomes[code]) t.diagnostic(`${code} (${outcomes[code]}): ${why}`);
    assert.deepEqual(unexplained, []);
    assert.ok((outcomes.Succeeded ?? 0) > 0, 'some corpus activities run against the stand-ins');
  },
);

function placeholder(type: string | undefined): unknown {
  switch (String(type ?? 'String').toLowerCase()) {
    case 'int':
    case 'float':
      return 1;
    case 'bool':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return 'x';
  }
}
