import type { Command } from 'commander';
import { withConnection } from '../client/connect.js';
import { connectionOptions } from '../client/options.js';
import { outputFormat, print } from '../client/output.js';
import { common, factoryPath, objectArg, queryAction, queryOptions, V, type Opts } from './datafactory-args.js';

/**
 * `pipevault datafactory trigger create|show|list|delete|start|stop|query-by-factory` and
 * `pipevault datafactory trigger-run query-by-factory|rerun|cancel`, with `az datafactory`'s words and flags.
 */

const triggerPath = (o: Opts, suffix = '') =>
  `${factoryPath(o)}/triggers/${encodeURIComponent(String(o.name))}${suffix}?${V}`;

type Trigger = { name: string; properties: { type?: string; runtimeState?: string; description?: string } };

const triggerRow = (t: Trigger) => ({
  name: t.name,
  type: t.properties.type,
  runtimeState: t.properties.runtimeState,
  description: t.properties.description ?? '',
});

const triggerRunRow = (r: Record<string, unknown>) => ({
  triggerRunId: r.triggerRunId,
  triggerName: r.triggerName,
  triggerType: r.triggerType,
  status: r.status,
  triggerRunTimestamp: r.triggerRunTimestamp,
  triggeredPipelines: r.triggeredPipelines,
  message: r.message,
});

function named(cmd: Command): Command {
  return common(cmd.requiredOption('-n, --name <name>', 'trigger name'));
}

export function registerTriggerCommands(df: Command): void {
  const trigger = df.command('trigger').description('triggers of a factory');
  named(
    trigger
      .command('create')
      .description('create or update a trigger (written Stopped, as ADF does; a started one must be stopped first)')
      .requiredOption(
        '--properties <json>',
        'the trigger JSON: its properties, or {"properties": …} (inline or @file)',
      ),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    const json = objectArg(o.properties, '--properties');
    const properties = typeof json.properties === 'object' && json.properties !== null ? json.properties : json;
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request('PUT', triggerPath(o), { properties });
      print(r, format === 'table' ? 'json' : format);
    });
  });
  named(trigger.command('show').description('show a trigger')).action(async (o: Opts) => {
    const format = outputFormat(o);
    await withConnection(connectionOptions(o), async (c) => {
      print(await c.request('GET', triggerPath(o)), format === 'table' ? 'json' : format);
    });
  });
  common(trigger.command('list').description('list the triggers of a factory')).action(async (o: Opts) => {
    const format = outputFormat(o);
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request<{ value: Trigger[] }>('GET', `${factoryPath(o)}/triggers?${V}`);
      print(format === 'json' ? r.value : r.value.map(triggerRow), format);
    });
  });
  named(
    trigger
      .command('delete')
      .description('delete a trigger (a started one must be stopped first)')
      .option('-y, --yes', 'accepted as az takes it; pipevault never prompts'),
  ).action(async (o: Opts) => {
    await withConnection(connectionOptions(o), async (c) => {
      await c.request('DELETE', triggerPath(o));
    });
  });
  for (const verb of ['start', 'stop'] as const) {
    named(
      trigger
        .command(verb)
        .description(verb === 'start' ? 'start a trigger: it fires on its schedule' : 'stop a trigger')
        .option('--no-wait', 'accepted as az takes it; the server answers once done'),
    ).action(async (o: Opts) => {
      await withConnection(connectionOptions(o), async (c) => {
        await c.request('POST', triggerPath(o, `/${verb}`));
      });
    });
  }
  common(
    trigger
      .command('query-by-factory')
      .description('query the triggers of a factory')
      .option('--parent-trigger-name <name>', 'only the triggers whose parentTrigger is this one'),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    const body = o.parentTriggerName === undefined ? {} : { parentTriggerName: String(o.parentTriggerName) };
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request<{ value: Trigger[] }>('POST', `${factoryPath(o)}/querytriggers?${V}`, body);
      print(format === 'json' ? r : r.value.map(triggerRow), format);
    });
  });

  const run = df.command('trigger-run').description('trigger runs');
  common(queryOptions(run.command('query-by-factory').description('query the trigger runs of a factory'))).action(
    queryAction({ path: () => 'queryTriggerRuns', row: triggerRunRow, since: 'day' }),
  );
  const runAction = (verb: 'rerun' | 'cancel', description: string) =>
    common(
      run
        .command(verb)
        .description(description)
        .requiredOption('--trigger-name <name>', 'the trigger')
        .requiredOption('--run-id <id>', 'the trigger run ID'),
    ).action(async (o: Opts) => {
      await withConnection(connectionOptions(o), async (c) => {
        await c.request(
          'POST',
          `${factoryPath(o)}/triggers/${encodeURIComponent(String(o.triggerName))}/triggerRuns/${encodeURIComponent(String(o.runId))}/${verb}?${V}`,
        );
      });
    });
  runAction('rerun', "run a TumblingWindowTrigger's ended window again");
  runAction('cancel', 'cancel an Inprogress trigger run (its pipeline runs are cancelled)');
}
