import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { lintPaths } from '../../src/cli/commands/lint.js';
import type { SecretFlowFinding } from '../../src/adf/lint/index.js';

const root = new URL('../..', import.meta.url).pathname;
const corpus = resolve(root, process.env.PIPEVAULT_CORPUS_DIR ?? '../shared/corpus/adf-real');
const present = existsSync(corpus);
if (!present && process.env.CI === 'true') throw new Error(`the corpus is missing at ${corpus} (CI=true)`);
const skip = present ? false : `corpus not found at ${corpus}; set PIPEVAULT_CORPUS_DIR`;

/** Resolves the JSON paths findings print (`$.resources[0].properties['a b'].x`) in a parsed file. */
function at(json: unknown, path: string): unknown {
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]/g;
  let v = json;
  for (const m of path.slice(1).matchAll(re)) {
    const key = m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3].replace(/\\(.)/g, '$1'));
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

function activityOf(f: SecretFlowFinding): { name: string; policy?: Record<string, unknown> } {
  const json = JSON.parse(readFileSync(f.file, 'utf8').replace(/^\uFEFF/, '')) as unknown;
  // The activity is the deepest `…activities[i]` (or `ifTrueActivities[i]` …) of the field's path.
  const upTo = /^(.*activities\[\d+\])/i.exec(f.path)![1];
  return at(json, upTo) as { name: string; policy?: Record<string, unknown> };
}

describe('secret-flow lint over the real-world corpus', { skip }, () => {
  const result = present ? lintPaths([corpus], { recursive: true }) : undefined;
  const findings = result?.findings ?? [];
  const has = (file: RegExp, activity: string, sink: string) =>
    findings.some((f) => file.test(f.file) && f.activity === activity && f.sink === sink);

  it('finds the flows real factories forget to secure', () => {
    assert.ok(findings.length >= 50, `${findings.length} findings`);
    assert.ok(has(/Get Key Vault Value\.json$/, 'Get Secret', 'secret-output'));
    assert.ok(has(/Presidio HTTP\.json$/, 'GetSASToken', 'secret-output'));
    assert.ok(has(/Presidio HTTP\.json$/, 'UploadBlob', 'url'));
    assert.ok(has(/Data Masking with Delphix - Legacy\.json$/, 'Trigger Masking Job', 'activity-input'));
    assert.ok(has(/Data Masking with Delphix - Legacy\.json$/, 'Trigger masking job in parallel', 'child-parameter'));
    assert.ok(has(/Throw Exception\.json$/, 'Raise Error', 'fail-message'));
    assert.ok(has(/04-Infant\.json$/, 'Capture Worker Core Details as an Array', 'set-variable'));
  });

  it('reports nothing that the flags already hide', () => {
    for (const f of findings) {
      const a = activityOf(f);
      assert.equal(a.name, f.activity, `${f.file} ${f.path}`);
      const secureIn = a.policy?.secureInput === true;
      const secureOut = a.policy?.secureOutput === true;
      if (f.sink === 'activity-input') assert.ok(!secureIn, `${f.activity} has secureInput`);
      if (f.sink === 'secret-output') assert.ok(!secureOut, `${f.activity} has secureOutput`);
      if (f.sink === 'set-variable') assert.ok(!(secureIn && secureOut), `${f.activity} has both flags`);
    }
  });

  it('is clean where the flags are right: the Delphix vault reads and procfwk’s Get SPN Details', () => {
    const sourcesInFindings = new Set(findings.flatMap((f) => f.sources.map((s) => s.id)));
    const correct = result!.sources.filter(
      (s) =>
        (s.kind === 'vault-read' && /Delphix/.test(s.file)) ||
        (s.kind === 'secure-output' && s.activity === 'Get SPN Details'),
    );
    assert.ok(correct.length >= 7, `${correct.length} correctly secured sources`);
    for (const s of correct) assert.ok(!sourcesInFindings.has(s.id), `${s.id} should reach no sink`);
    // The activities that consume those reads, with secureInput, are not reported either.
    assert.ok(!findings.some((f) => f.activity === 'Delphix Login'));
  });
});
