import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  childLists,
  loadFactorySync,
  type Activity,
  type LoadedFactory,
  type Pipeline,
} from '../../src/adf/model/index.js';
import { isArmParametersFile } from '../../src/adf/model/load/arm.js';
import { readJsonFile } from '../../src/adf/model/json-file.js';
import type { MockMap } from '../../src/adf/engine/mocks.js';
import { corpusDir, corpusUnits } from '../model/corpus-walk.js';
import { makeEngine, openEnv, type TestEnv } from './helpers.js';

/**
 * The activity types pipevault runs without any outside system (control flow). Web, WebHook and Azure Function
 * are supported too, but they call real endpoints, which the corpus' pipelines name in production form; they
 * are mocked here like Copy or Lookup.
 */
const supported = new Set(
  [
    'SetVariable',
    'AppendVariable',
    'IfCondition',
    'Switch',
    'ForEach',
    'Until',
    'Wait',
    'Fail',
    'Filter',
    'ExecutePipeline',
  ].map((t) => t.toLowerCase()),
);
const dir = corpusDir();

function activitiesOf(list: Activity[], out: Activity[] = []): Activity[] {
  for (const a of list) {
    out.push(a);
    for (const c of childLists(a)) activitiesOf(c.activities, out);
  }
  return out;
}

/** A value of the declared type for a parameter that has no default (the corpus does not say what CI would pass). */
function sample(type: unknown): unknown {
  switch (String(type).toLowerCase()) {
    case 'int':
      // Often a polling interval in seconds: a small value would make a 7-day Until poll 600,000 times.
      return 60;
    case 'float':
      return 1.5;
    case 'bool':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return 'sample';
  }
}

function factories(root: string): LoadedFactory[] {
  const units = corpusUnits(root);
  const out = units.gitFolders.map((f) => loadFactorySync(f));
  for (const file of units.looseFiles) {
    if (units.gitFolders.some((g) => file.startsWith(g + '/'))) continue;
    if (isArmParametersFile(readJsonFile(file))) continue;
    out.push(loadFactorySync(file));
  }
  return out;
}

let env: TestEnv;
before(async () => (env = await openEnv()));
after(() => env?.close());

test(
  'corpus: every pipeline using only supported activities runs as is; the rest run with mocks generated from their activity names',
  { skip: dir ? false : 'ADF corpus not found (set PIPEVAULT_CORPUS_DIR)' },
  async () => {
    const outcome = { plain: 0, mocked: 0, succeeded: 0, failed: 0, cancelledByWatchdog: 0 };
    const internal: string[] = [];
    for (const factory of factories(dir!)) {
      // Mocks for every activity of an unsupported type, keyed Pipeline/Activity: the generated map a user would
      // start from. A pipeline whose activities are all supported gets none.
      const mocks: MockMap = {};
      const plain = new Set<string>();
      for (const p of factory.pipelines.values()) {
        const unsupported = activitiesOf(p.properties.activities ?? []).filter(
          (a) => !supported.has(a.type.toLowerCase()),
        );
        if (!unsupported.length) plain.add(p.name);
        for (const a of unsupported) mocks[`${p.name}/${a.name}`] = { status: 'Succeeded', output: {} };
      }
      const globals = Object.fromEntries(Object.entries(factory.globalParameters).map(([k, v]) => [k, v.value]));
      const engine = makeEngine(env, [...factory.pipelines.values()], {
        mocks,
        globalParameters: globals,
        factoryName: factory.name,
      });
      for (const p of factory.pipelines.values() as Iterable<Pipeline>) {
        const parameters: Record<string, unknown> = {};
        for (const [k, spec] of Object.entries(p.properties.parameters ?? {})) {
          if (spec?.defaultValue === undefined) parameters[k] = sample(spec?.type);
        }
        if (process.env.SHOWFAIL) console.log(`START ${p.name}`);
        const h = await engine.createRun({ pipelineName: p.name, parameters });
        // A polling loop over a mocked status never ends before its 7-day timeout: after 6 virtual hours the
        // watchdog cancels the run (Cancelled is then its honest outcome).
        // A loop whose body never sleeps (its Wait skipped after a mocked step) spins without virtual time
        // passing, so a real-time watchdog backs the virtual one.
        const watchdog = new AbortController();
        env.timers.sleep(6 * 3_600_000, watchdog.signal).then(
          () => engine.cancel(h.runId),
          () => undefined,
        );
        // unref: VirtualTimers treats pending ref’d timers as work in progress.
        const spinning = setTimeout(() => void engine.cancel(h.runId), 15_000).unref();
        const run = await h.done;
        watchdog.abort();
        clearTimeout(spinning);
        if (plain.has(p.name)) outcome.plain++;
        else outcome.mocked++;
        assert.ok(['Succeeded', 'Failed', 'Cancelled'].includes(run.status), `${p.name}: ${run.status}`);
        if (run.status === 'Succeeded') outcome.succeeded++;
        else if (run.status === 'Failed') outcome.failed++;
        else outcome.cancelledByWatchdog++;
        if (process.env.SHOWFAIL && run.status !== 'Succeeded')
          console.log(`FAIL ${plain.has(p.name) ? 'plain' : 'mocked'} ${p.name}: ${run.message.slice(0, 300)}`);
        for (const a of await env.store.listActivityRuns(run.runId)) {
          assert.notEqual(a.status, 'InProgress', `${p.name}/${a.activityName} left InProgress`);
          if (a.error?.errorCode === 'InternalError') internal.push(`${p.name}/${a.activityName}: ${a.error.message}`);
          if (a.error?.errorCode === 'UnsupportedActivityType')
            internal.push(`${p.name}/${a.activityName}: not mocked`);
        }
      }
      await engine.idle();
    }
    assert.deepEqual(internal, [], 'no activity hit an engine error or went unmocked');
    assert.ok(outcome.plain > 10 && outcome.mocked > 10, JSON.stringify(outcome));
    // Runs may fail for reasons the corpus carries (a mocked Lookup has no firstRow, a sample parameter is not
    // what the pipeline expects, a child pipeline that was not copied, a 23-day Wait past the 7-day timeout),
    // each with an ADF-style message; none may fail inside the engine (checked above).
    assert.ok(outcome.succeeded >= 60, JSON.stringify(outcome));
    console.log(`corpus runs: ${JSON.stringify(outcome)}`);
  },
);
