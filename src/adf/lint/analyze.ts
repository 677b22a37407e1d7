import {
  canonicalParameterType,
  walkActivities,
  type Activity,
  type ActivityNode,
  type Factory,
  type Pipeline,
} from '../model/index.js';
import { jsonPath } from '../model/json-path.js';
import type { References } from '../expressions/index.js';
import { activityFields, type Field } from './fields.js';
import { policyOf } from './policy.js';
import { sinkFindings } from './sinks.js';
import { approxScope, isRecord, isVaultSecretRead, keyVaultReferences } from './sources.js';
import type { SecretFlowReport, SecretSource } from './types.js';

/**
 * The secret-flow analysis: a taint analysis over a whole factory. Sources put secret ids on activity
 * outputs and parameters; the ids then follow the values through expressions — activity outputs, variables
 * (SetVariable, AppendVariable), ForEach items, Filter outputs, ExecutePipeline parameters into child
 * pipelines and pipelineReturnValue back to the caller — until nothing changes (taints only grow, so this
 * ends). Flow-insensitive on purpose: a variable that holds a secret anywhere in a pipeline is treated as
 * holding it everywhere, since monitoring shows every place it is read. Inactive activities do not run and are
 * left out. docs/secret-hygiene.md describes the rules.
 */

export type Taint = Set<string>;

/** Output keys that are ADF bookkeeping, never the secret (as masking's registerOutput skips them). */
const BOOKKEEPING = new Set(
  [
    'ADFWebActivityResponseHeaders',
    'effectiveIntegrationRuntime',
    'executionDuration',
    'durationInQueue',
    'billingReference',
  ].map((k) => k.toLowerCase()),
);

/** The taint state of one pipeline. Maps are keyed by lower-cased names (ADF resolves names case-insensitively). */
export class PipelineFlow {
  readonly file: string;
  readonly nodes: ActivityNode[];
  readonly byName = new Map<string, ActivityNode>();
  readonly params = new Map<string, Taint>();
  readonly variables = new Map<string, Taint>();
  /** ForEach node → what its items carry (what `item()` carries inside it). */
  readonly items = new Map<ActivityNode, Taint>();
  /** Filter, SetVariable: what their `output.value` carries. */
  readonly derivedOutputs = new Map<string, Taint>();
  /** pipelineReturnValue key → what it carries. */
  readonly returnKeys = new Map<string, Taint>();
  /** Activity → source id, for Key Vault secret reads (`output.value`) and secureOutput activities (all of it). */
  readonly vaultReads = new Map<string, string>();
  readonly secureOutputs = new Map<string, string>();

  constructor(
    readonly factory: Factory,
    readonly pipeline: Pipeline,
  ) {
    const src = factory.sources.get(`pipeline/${pipeline.name}`);
    this.file = src?.file ?? '';
    const activities = Array.isArray(pipeline.properties.activities) ? pipeline.properties.activities : [];
    this.nodes = walkActivities(activities, jsonPath(src?.path ?? '$', 'properties', 'activities')).filter(
      (n) => n.activity.state !== 'Inactive' && !(n.parent && isInactive(n.parent)),
    );
    for (const n of this.nodes) {
      const k = n.activity.name?.toLowerCase();
      if (typeof k === 'string' && !this.byName.has(k)) this.byName.set(k, n);
    }
  }

  get name(): string {
    return this.pipeline.name;
  }

  parameterType(name: string): string | undefined {
    const specs = this.pipeline.properties.parameters ?? {};
    const k = Object.keys(specs).find((x) => x.toLowerCase() === name.toLowerCase());
    return k === undefined ? undefined : (canonicalParameterType(specs[k]?.type) ?? String(specs[k]?.type));
  }
}

function isInactive(n: ActivityNode): boolean {
  for (let p: ActivityNode | undefined = n; p; p = p.parent) if (p.activity.state === 'Inactive') return true;
  return false;
}

export class SecretFlowAnalysis {
  readonly flows = new Map<string, PipelineFlow>();
  readonly sources = new Map<string, SecretSource>();
  private changed = false;

  constructor(readonly factory: Factory) {
    for (const p of factory.pipelines.values()) {
      if (isRecord(p) && isRecord(p.properties)) this.flows.set(p.name.toLowerCase(), new PipelineFlow(factory, p));
    }
  }

  run(): SecretFlowReport {
    this.findSources();
    do {
      this.changed = false;
      for (const flow of this.flows.values()) this.propagate(flow);
    } while (this.changed);
    const findings = [...this.flows.values()].flatMap((f) => sinkFindings(this, f));
    return { findings, sources: [...this.sources.values()], pipelines: this.flows.size };
  }

  childOf(a: Activity): PipelineFlow | undefined {
    const tp = a.typeProperties;
    const ref = isRecord(tp) && isRecord(tp.pipeline) ? tp.pipeline.referenceName : undefined;
    return typeof ref === 'string' ? this.flows.get(ref.toLowerCase()) : undefined;
  }

  private addSource(s: SecretSource): string {
    this.sources.set(s.id, s);
    return s.id;
  }

  private findSources(): void {
    for (const flow of this.flows.values()) {
      const where = `pipeline '${flow.name}'`;
      const base = this.factory.sources.get(`pipeline/${flow.name}`)?.path ?? '$';
      for (const [pname, spec] of Object.entries(flow.pipeline.properties.parameters ?? {})) {
        if (canonicalParameterType(spec?.type) !== 'SecureString') continue;
        const id = this.addSource({
          id: `secure-parameter:${flow.name}/${pname}`,
          kind: 'secure-parameter',
          file: flow.file,
          path: jsonPath(base, 'properties', 'parameters', pname),
          pipeline: flow.name,
          parameter: pname,
          description: `SecureString parameter '${pname}' of ${where}`,
        });
        this.grow(flow.params, pname, new Set([id]));
      }
      const scope = approxScope(this.factory, flow.pipeline, flow.nodes);
      for (const n of flow.nodes) {
        const a = n.activity;
        const key = a.name.toLowerCase();
        const common = { file: flow.file, path: n.path, pipeline: flow.name, activity: a.name };
        if (isVaultSecretRead(n, scope)) {
          flow.vaultReads.set(
            key,
            this.addSource({
              id: `vault-read:${flow.name}/${a.name}`,
              kind: 'vault-read',
              ...common,
              description: `the secret read by '${a.name}' (${where})`,
            }),
          );
        } else if (policyOf(a).secureOutput) {
          flow.secureOutputs.set(
            key,
            this.addSource({
              id: `secure-output:${flow.name}/${a.name}`,
              kind: 'secure-output',
              ...common,
              description: `the secure output of '${a.name}' (${where})`,
            }),
          );
        }
        for (const r of keyVaultReferences(a.typeProperties, jsonPath(n.path, 'typeProperties'))) {
          this.addSource({
            id: `key-vault-reference:${flow.name}/${a.name}#${r.path}`,
            kind: 'key-vault-reference',
            ...common,
            path: r.path,
            description: `the Key Vault secret ${describeName(r.secretName)} referenced by '${a.name}' (${where})`,
          });
        }
      }
    }
    for (const [kind, map] of [
      ['linkedService', this.factory.linkedServices],
      ['credential', this.factory.credentials],
    ] as const) {
      for (const [name, res] of map) {
        const src = this.factory.sources.get(`${kind}/${name}`);
        for (const r of keyVaultReferences(res.properties, jsonPath(src?.path ?? '$', 'properties'))) {
          this.addSource({
            id: `key-vault-reference:${kind}/${name}#${r.path}`,
            kind: 'key-vault-reference',
            file: src?.file ?? '',
            path: r.path,
            linkedService: kind === 'linkedService' ? name : undefined,
            description: `the Key Vault secret ${describeName(r.secretName)} referenced by ${kind} '${name}'`,
          });
        }
      }
    }
  }

  private grow(map: Map<string, Taint>, name: string, t: Taint): void {
    if (!t.size) return;
    const k = name.toLowerCase();
    let cur = map.get(k);
    if (!cur) map.set(k, (cur = new Set()));
    for (const id of t) {
      if (!cur.has(id)) {
        cur.add(id);
        this.changed = true;
      }
    }
  }

  private propagate(flow: PipelineFlow): void {
    for (const n of flow.nodes) {
      const a = n.activity;
      const tp = isRecord(a.typeProperties) ? a.typeProperties : {};
      const fields = activityFields(a, n.path);
      const under = (...seg: string[]) =>
        union(fields.filter((f) => seg.every((s, i) => f.segments[i] === s)).map((f) => this.fieldTaint(flow, n, f)));
      switch (a.type) {
        case 'SetVariable': {
          const name = typeof tp.variableName === 'string' ? tp.variableName : undefined;
          if (!name) break;
          if (name === 'pipelineReturnValue' && Array.isArray(tp.value)) {
            tp.value.forEach((entry, i) => {
              if (isRecord(entry) && typeof entry.key === 'string') {
                const t = union(
                  fields
                    .filter(
                      (f) => f.segments[0] === 'typeProperties' && f.segments[1] === 'value' && f.segments[2] === i,
                    )
                    .map((f) => this.fieldTaint(flow, n, f)),
                );
                this.grow(flow.returnKeys, entry.key, t);
              }
            });
            break;
          }
          const t = under('typeProperties', 'value');
          this.grow(flow.variables, name, t);
          this.grow(flow.derivedOutputs, a.name, t);
          break;
        }
        case 'AppendVariable':
          if (typeof tp.variableName === 'string')
            this.grow(flow.variables, tp.variableName, under('typeProperties', 'value'));
          break;
        case 'ForEach': {
          const t = under('typeProperties', 'items');
          if (t.size) {
            const cur = flow.items.get(n) ?? new Set<string>();
            const before = cur.size;
            for (const id of t) cur.add(id);
            flow.items.set(n, cur);
            if (cur.size !== before) this.changed = true;
          }
          break;
        }
        case 'Filter':
          this.grow(flow.derivedOutputs, a.name, under('typeProperties', 'items'));
          break;
        case 'ExecutePipeline': {
          const child = this.childOf(a);
          if (!child || !isRecord(tp.parameters)) break;
          for (const p of Object.keys(tp.parameters))
            this.grow(child.params, p, under('typeProperties', 'parameters', p));
          break;
        }
      }
    }
  }

  /** The secrets a field of activity `n` carries. */
  fieldTaint(flow: PipelineFlow, n: ActivityNode, f: Field): Taint {
    return this.refsTaint(flow, n, f.refs);
  }

  refsTaint(flow: PipelineFlow, n: ActivityNode, refs: References): Taint {
    const out: Taint = new Set();
    const addAll = (t: Taint | undefined) => t?.forEach((id) => out.add(id));
    for (const p of refs.parameters) addAll(flow.params.get(p.toLowerCase()));
    for (const v of refs.variables) addAll(flow.variables.get(v.toLowerCase()));
    const withPaths = new Set<string>();
    for (const { activity, path } of refs.activityPaths) {
      withPaths.add(activity.toLowerCase());
      addAll(this.outputTaint(flow, activity, path));
    }
    for (const name of refs.activities)
      if (!withPaths.has(name.toLowerCase())) addAll(this.outputTaint(flow, name, []));
    if (refs.usesItem) {
      for (let p = n.parent; p; p = p.parent) {
        if (p.activity.type === 'ForEach') {
          addAll(flow.items.get(p));
          break;
        }
      }
    }
    return out;
  }

  /** What `activity(name)` followed by `path` carries. */
  outputTaint(flow: PipelineFlow, name: string, path: string[]): Taint {
    const out: Taint = new Set();
    const key = name.toLowerCase();
    const node = flow.byName.get(key);
    if (!node) return out;
    const p = path.map((s) => s.toLowerCase());
    if (p.length > 0 && p[0] !== 'output') return out; // status, error, …: never the secret
    const rest = p.slice(1);
    const whole = rest.length === 0;
    const vault = flow.vaultReads.get(key);
    if (vault && (whole || rest[0] === 'value')) out.add(vault);
    const secure = flow.secureOutputs.get(key);
    if (secure && (whole || !BOOKKEEPING.has(rest[0]))) out.add(secure);
    if (whole || rest[0] === 'value') flow.derivedOutputs.get(key)?.forEach((id) => out.add(id));
    if (node.activity.type === 'ExecutePipeline' && (whole || rest[0] === 'pipelinereturnvalue')) {
      const child = this.childOf(node.activity);
      if (child) {
        for (const [k, t] of child.returnKeys) {
          if (rest.length < 2 || rest[1] === k.toLowerCase()) t.forEach((id) => out.add(id));
        }
      }
    }
    return out;
  }
}

function union(ts: Taint[]): Taint {
  const out: Taint = new Set();
  for (const t of ts) for (const id of t) out.add(id);
  return out;
}

function describeName(secretName: unknown): string {
  if (typeof secretName === 'string') return `'${secretName}'`;
  if (isRecord(secretName) && typeof secretName.value === 'string') return `'${secretName.value}'`;
  return '(name computed)';
}

/** Runs the secret-flow analysis over a loaded factory. */
export function analyzeSecretFlows(factory: Factory): SecretFlowReport {
  return new SecretFlowAnalysis(factory).run();
}
