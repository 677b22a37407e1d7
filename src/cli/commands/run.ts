import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { badInput, unknownPipeline } from '../../common/catalogue.js';
import { offsetClock, systemClock, type Clock } from '../../common/clock.js';
import { silentLogger } from '../../common/logger.js';
import { processSecrets } from '../../common/masking.js';
import { Engine } from '../../adf/engine/engine.js';
import { parseParameterText } from '../../adf/engine/parameters.js';
import { loadFactorySync, readJsonFile, type Pipeline } from '../../adf/model/index.js';
import type { LoadedFactory } from '../../adf/model/types.js';
import { parseJsonText } from '../../adf/model/json-file.js';
import { loadWorkspace, type Workspace } from '../../adf/model/workspace/load.js';
import { loadMocksFile } from '../../adf/model/workspace/mocks.js';
import { openDatabase } from '../../storage/database.js';
import { RunsStore, type ActivityRunRecord, type PipelineRunRecord } from '../../storage/runs-store.js';
import { factoryNeedsServer, openFactorySession, startEmbeddedServer } from '../../server/factory-session.js';
import { runOnServer } from '../client/remote-run.js';
import { LiveView } from '../live-view.js';

interface RunOptions {
  pipeline?: string;
  param: string[];
  parameters?: string;
  globalParameters?: string;
  templateParameters?: string;
  now?: string;
  trigger?: string;
  mocks?: string;
  allowEgress?: boolean;
  json?: boolean;
  output?: string;
  dataDir?: string;
  endpoint?: string;
  adminCredential?: string;
  ca?: string;
}

/** The `--json` document: a run, its activity runs (loops once per iteration) and its child runs, recursively. */
export interface RunDocument {
  run: PipelineRunRecord;
  activityRuns: ActivityRunRecord[];
  childRuns: RunDocument[];
}

const collect = (v: string, acc: string[]) => [...acc, v];

/** `@file.json` or inline JSON, as az takes `--parameters`. */
function jsonArgument(text: string, flag: string): unknown {
  if (text.startsWith('@')) return readJsonFile(text.slice(1));
  return parseJsonText(text, flag);
}

function jsonObject(text: string, flag: string): Record<string, unknown> {
  const v = jsonArgument(text, flag);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badInput('must be a JSON object', flag);
  return v as Record<string, unknown>;
}

export function register(program: Command): void {
  program
    .command('run')
    .description(
      'run one pipeline of a factory folder (ADF git layout or ARM export) or pipeline file, embedded or on a server',
    )
    .argument('<path>', 'an ADF git folder, an ARM template (or its folder), or one pipeline JSON file')
    .requiredOption('--pipeline <name>', 'the pipeline to run')
    .option(
      '--param <k=v>',
      'a pipeline parameter, typed by its declared type (JSON for arrays and objects); repeatable',
      collect,
      [],
    )
    .option('--parameters <json>', "all parameters at once: '@file.json' or inline JSON (az style)")
    .option('--global-parameters <json>', "global parameter values: '@file.json' or inline JSON {name: value}")
    .option('--template-parameters <file>', 'ARM parameters file applied to an ARM template export')
    .option('--now <iso>', 'fix the clock at this instant (utcNow(), TriggerTime) so runs are deterministic')
    .option(
      '--trigger <json>',
      "what trigger() returns: '@file.json' or inline JSON (name and type set TriggerName/TriggerType)",
    )
    .option(
      '--mocks <file>',
      'activity mocks {"Activity" | "Pipeline/Activity": {status, output, error}}; added to pipevault.json\'s mocks',
    )
    .option('--allow-egress', 'let activities call hosts that are neither local nor mapped in pipevault.json')
    .option(
      '--data-dir <dir>',
      "publish the folder into this data dir's server (the live one its server.json names, else one started for the command) and run there",
    )
    .option(
      '--endpoint <url>',
      'publish the folder into this remote pipevault server (https://host:port) and run there',
    )
    .addOption(
      new Option('--admin-credential <file>', 'admin credential file for --endpoint').env('PIPEVAULT_ADMIN_CREDENTIAL'),
    )
    .option('--ca <file>', 'CA certificate (PEM) to trust for --endpoint')
    .option('-o, --output <format>', 'json or table', 'table')
    .option('--json', 'print {run, activityRuns, childRuns} as JSON (same as -o json)')
    .addHelpText(
      'after',
      '\nRuns embedded on a temporary data dir; nothing is left behind. With --data-dir or --endpoint the folder is\n' +
        'published into that server (its pipevault.json applied as start --factory does) and run there.\n' +
        'Exit codes: 0 the run Succeeded, 1 it Failed or was Cancelled, 2 bad input (unknown pipeline, missing\n' +
        'parameter, invalid JSON, unreadable path). Details: docs/running-pipelines.md.',
    )
    .action(async (path: string, opts: RunOptions) => {
      process.exitCode = await runCommand(path, opts);
    });
}

async function runCommand(path: string, opts: RunOptions): Promise<number> {
  const format = opts.json ? 'json' : (opts.output ?? 'table');
  if (format !== 'json' && format !== 'table')
    throw badInput(`unknown output format '${format}'; use json or table`, '--output');
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw badInput('no such file or directory', path);
  }
  const workspace = isDir ? loadWorkspace(path) : undefined;
  const factory = loadFactorySync(path, {
    ...(opts.templateParameters ? { templateParameters: opts.templateParameters } : {}),
    ...(workspace?.factory.name ? { factoryName: workspace.factory.name } : {}),
  });
  const mocks = { ...(workspace?.mocks ?? {}), ...(opts.mocks ? loadMocksFile(opts.mocks) : {}) };

  let clock: Clock = systemClock;
  if (opts.now !== undefined) {
    if (Number.isNaN(Date.parse(opts.now))) throw badInput(`'${opts.now}' is not an ISO 8601 instant`, '--now');
    clock = offsetClock(opts.now);
  }
  const globals: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(factory.globalParameters)) globals[k] = spec.value;
  if (opts.globalParameters) {
    for (const [k, v] of Object.entries(jsonObject(opts.globalParameters, '--global-parameters'))) {
      const typed = v !== null && typeof v === 'object' && !Array.isArray(v) && 'value' in v && 'type' in v;
      globals[k] = typed ? (v as { value: unknown }).value : v;
    }
  }
  const trigger = opts.trigger ? jsonObject(opts.trigger, '--trigger') : undefined;

  const pipelines = factory.pipelines;
  const findPipeline = (name: string): Pipeline | undefined =>
    pipelines.get(name) ?? [...pipelines.values()].find((p) => p.name.toLowerCase() === name.toLowerCase());
  const pipeline = findPipeline(opts.pipeline ?? '');
  if (!pipeline) throw unknownPipeline(opts.pipeline ?? '', [...pipelines.keys()]);

  const parameters: Record<string, unknown> = opts.parameters ? jsonObject(opts.parameters, '--parameters') : {};
  for (const kv of opts.param) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw badInput(`'${kv}' is not NAME=VALUE`, '--param');
    const name = kv.slice(0, eq);
    parameters[name] = parseParameterText(pipeline, name, kv.slice(eq + 1));
  }

  if (opts.dataDir !== undefined || opts.endpoint !== undefined) {
    return remoteRun({ opts, format, factory, workspace, pipelineName: pipeline.name, parameters });
  }

  const dir = mkdtempSync(join(tmpdir(), 'pipevault-run-'));
  const database = await openDatabase({ url: `sqlite:${join(dir, 'pipevault.db')}` });
  const live = format === 'table' && process.stdout.isTTY ? new LiveView(process.stdout, clock) : undefined;
  // Vaults, identities and outbound HTTP need a pipevault server: one in-process on an ephemeral loopback port
  // (its own temporary data dir), with the workspace applied. Every secret a run obtains is masked in records.
  const secrets = processSecrets.child();
  const embedded = factoryNeedsServer(factory, workspace) ? await startEmbeddedServer() : undefined;
  const session = embedded
    ? await openFactorySession({
        server: embedded.server,
        factory,
        workspace,
        allowEgress: Boolean(opts.allowEgress),
        registerSecret: (v) => secrets.register(v),
      }).catch(async (e: unknown) => {
        await embedded.close();
        throw e;
      })
    : undefined;
  try {
    const store = await RunsStore.open({ database, clock });
    const engine = new Engine({
      store,
      pipelines,
      factoryName: factory.name,
      globalParameters: globals,
      clock,
      logger: silentLogger,
      mocks,
      services: session?.runtime.services ?? {
        factory,
        allowEgress: Boolean(opts.allowEgress || workspace?.allowEgress),
      },
      maskRecord: (v: unknown) => (secrets.size ? secrets.maskJson(v) : v),
      secrets,
      ...(live
        ? {
            onActivityRun: (r: ActivityRunRecord) => live.activity(r),
            onPipelineRun: (r: PipelineRunRecord) => live.pipeline(r),
          }
        : {}),
    });
    const handle = await engine.createRun({
      pipelineName: pipeline.name,
      parameters,
      ...(trigger
        ? {
            trigger: {
              object: trigger,
              ...(typeof trigger.name === 'string' ? { name: trigger.name } : {}),
              ...(typeof trigger.type === 'string' ? { type: trigger.type } : {}),
              ...(typeof trigger.startTime === 'string'
                ? { time: trigger.startTime }
                : typeof trigger.scheduledTime === 'string'
                  ? { time: trigger.scheduledTime }
                  : {}),
            },
          }
        : {}),
    });
    const onSignal = () => void engine.cancel(handle.runId, { recursive: true });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    live?.start();
    const run = await handle.done;
    // Children started without waitOnCompletion may still be running: let them end so their records are complete.
    await engine.idle();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    live?.stop();
    // The stored record is the masked one; the live record keeps real values for the engine's own use.
    const doc = await document(store, (await store.getPipelineRun(run.runId)) ?? run);
    if (format === 'json') process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    else if (!live) process.stdout.write(summary(doc));
    else process.stdout.write(finalLine(doc.run));
    await store.close();
    return run.status === 'Succeeded' ? 0 : 1;
  } finally {
    live?.stop();
    await session?.close();
    await embedded?.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `--data-dir` / `--endpoint`: publish and run on that server (src/cli/client/remote-run.ts). What only an
 * embedded engine can take (a fixed clock, a trigger, per-run global parameters) is refused: ADF's createRun
 * carries parameters only.
 */
async function remoteRun(o: {
  opts: RunOptions;
  format: string;
  factory: LoadedFactory;
  workspace: Workspace | undefined;
  pipelineName: string;
  parameters: Record<string, unknown>;
}): Promise<number> {
  const { opts } = o;
  for (const [flag, v] of [
    ['--now', opts.now],
    ['--trigger', opts.trigger],
    ['--global-parameters', opts.globalParameters],
  ] as const) {
    if (v !== undefined)
      throw badInput(
        'runs on a server take parameters only (ADF createRun); use it without --data-dir/--endpoint',
        flag,
      );
  }
  if (opts.dataDir !== undefined && opts.endpoint !== undefined)
    throw badInput('--data-dir and --endpoint exclude each other', '--endpoint');
  // What the CLI itself could print is masked with the workspace's values too, not only by the server.
  const secrets = processSecrets.child();
  for (const v of workspaceSecretValues(o.workspace)) secrets.register(v);
  const live = o.format === 'table' && process.stdout.isTTY ? new LiveView(process.stdout, systemClock) : undefined;
  let cancel: (() => Promise<void>) | undefined;
  const onSignal = () => void cancel?.().catch(() => undefined);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  live?.start();
  try {
    const doc = secrets.maskJson(
      await runOnServer({
        connection: {
          ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
          ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
          ...(opts.adminCredential !== undefined ? { adminCredential: opts.adminCredential } : {}),
          ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
        },
        factory: o.factory,
        workspace: o.workspace,
        ...(opts.mocks ? { mocks: loadMocksFile(opts.mocks) } : {}),
        allowEgress: Boolean(opts.allowEgress),
        pipelineName: o.pipelineName,
        parameters: o.parameters,
        onStarted: (c) => (cancel = c),
        ...(live
          ? {
              onActivityRun: (r: ActivityRunRecord) => live.activity(r),
              onPipelineRun: (r: PipelineRunRecord) => live.pipeline(r),
            }
          : {}),
      }),
    ) as RunDocument;
    live?.stop();
    if (o.format === 'json') process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    else if (!live) process.stdout.write(summary(doc));
    else process.stdout.write(finalLine(doc.run));
    return doc.run.status === 'Succeeded' ? 0 : 1;
  } finally {
    live?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function workspaceSecretValues(ws: Workspace | undefined): string[] {
  if (!ws) return [];
  const out: string[] = [];
  for (const v of Object.values(ws.vaults))
    for (const s of Object.values(v.secrets)) for (const ver of s.versions) out.push(ver.value.reveal());
  for (const p of Object.values(ws.principals)) if (p.secret) out.push(p.secret.reveal());
  return out;
}

async function document(store: RunsStore, run: PipelineRunRecord): Promise<RunDocument> {
  const activityRuns = await store.listActivityRuns(run.runId);
  const children = await store.listPipelineRuns({ parentRunId: run.runId });
  return {
    run,
    activityRuns: activityRuns.map(publicActivityRun),
    childRuns: await Promise.all(children.map((c) => document(store, c))),
  };
}

/** ADF's shape; pipevault's own bookkeeping (`seq`) stays internal. */
function publicActivityRun(r: ActivityRunRecord): ActivityRunRecord {
  const { seq: _seq, ...rest } = r;
  return rest as ActivityRunRecord;
}

function duration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function finalLine(run: PipelineRunRecord): string {
  const head = `Run ${run.runId} of ${run.pipelineName}: ${run.status} in ${duration(run.durationInMs)}`;
  return `${head}\n${run.message ? `${run.message}\n` : ''}`;
}

function summary(doc: RunDocument, indent = ''): string {
  let out = '';
  for (const a of doc.activityRuns) {
    const depth = a.parentActivityRunId ? '  ' : '';
    const iter = a.iteration !== null ? ` [${a.iteration}]` : '';
    const retry = a.retryAttempt ? ` (retry ${a.retryAttempt})` : '';
    out += `${indent}${depth}${a.activityName}${iter}  ${a.activityType}  ${a.status}${retry}  ${duration(a.durationInMs)}\n`;
    if (a.error?.message && a.status === 'Failed')
      out += `${indent}${depth}    ${a.error.errorCode}: ${a.error.message}\n`;
  }
  for (const c of doc.childRuns) {
    out += `${indent}child run ${c.run.runId} (${c.run.pipelineName}): ${c.run.status}\n`;
    out += summary(c, `${indent}  `);
  }
  return indent ? out : out + finalLine(doc.run);
}
