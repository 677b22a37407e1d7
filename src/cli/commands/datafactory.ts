import type { Command } from 'commander';
import { withConnection } from '../client/connect.js';
import { connectionOptions } from '../client/options.js';
import { outputFormat, print } from '../client/output.js';
import { common, factoryPath, objectArg, queryAction, queryOptions, V, type Opts } from './datafactory-args.js';
import { registerTriggerCommands } from './datafactory-trigger.js';

/**
 * `pipevault datafactory …` with `az datafactory`'s words, over the server's ARM-shaped API (api-version
 * 2018-06-01): pipeline create|show|list|create-run, pipeline-run show|cancel|query-by-factory,
 * activity-run query-by-pipeline-run; trigger … and trigger-run … (datafactory-trigger.ts). `--factory-name` defaults to `default`, `--resource-group` to `pipevault`.
 */

const runRow = (r: Record<string, unknown>) => ({
  runId: r.runId,
  pipelineName: r.pipelineName,
  status: r.status,
  runStart: r.runStart,
  durationInMs: r.durationInMs,
  runGroupId: r.runGroupId,
  isLatest: r.isLatest,
  message: r.message,
});

const activityRow = (a: Record<string, unknown>) => ({
  activityName: a.activityName,
  activityType: a.activityType,
  status: a.status,
  activityRunStart: a.activityRunStart,
  durationInMs: a.durationInMs,
  iteration: a.iteration,
  error: (a.error as { message?: string } | undefined)?.message ?? '',
});

export function register(program: Command): void {
  const df = program.command('datafactory').description("Data Factory resources and runs (az datafactory's words)");

  const pipeline = df.command('pipeline').description('pipelines of a factory');
  common(
    pipeline
      .command('create')
      .description('create or update a pipeline')
      .requiredOption('-n, --name <name>', 'pipeline name')
      .requiredOption('--pipeline <json>', 'the pipeline JSON: its properties, or {"properties": …} (inline or @file)'),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    const json = objectArg(o.pipeline, '--pipeline');
    const properties = typeof json.properties === 'object' && json.properties !== null ? json.properties : json;
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request('PUT', `${factoryPath(o)}/pipelines/${encodeURIComponent(String(o.name))}?${V}`, {
        properties,
      });
      print(r, format === 'table' ? 'json' : format);
    });
  });
  common(
    pipeline.command('show').description('show a pipeline').requiredOption('-n, --name <name>', 'pipeline name'),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request('GET', `${factoryPath(o)}/pipelines/${encodeURIComponent(String(o.name))}?${V}`);
      print(r, format === 'table' ? 'json' : format);
    });
  });
  common(pipeline.command('list').description('list the pipelines of a factory')).action(async (o: Opts) => {
    const format = outputFormat(o);
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request<{
        value: { name: string; properties: { activities?: unknown[]; parameters?: object } }[];
      }>('GET', `${factoryPath(o)}/pipelines?${V}`);
      print(
        format === 'json'
          ? r.value
          : r.value.map((p) => ({
              name: p.name,
              activities: p.properties.activities?.length ?? 0,
              parameters: Object.keys(p.properties.parameters ?? {}).join(', '),
            })),
        format,
      );
    });
  });
  common(
    pipeline
      .command('create-run')
      .description('start a run; with --reference-pipeline-run-id and --is-recovery, a rerun')
      .requiredOption('-n, --name <name>', 'pipeline name')
      .option('--parameters <json>', 'parameter values as a JSON object (inline or @file)')
      .option('--reference-pipeline-run-id <id>', 'the run whose parameters to use (and, with --is-recovery, to rerun)')
      .option('--is-recovery', "rerun in the reference run's group")
      .option('--start-activity-name <name>', 'rerun from this activity')
      .option('--start-from-failure', 'rerun from the failed activities'),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    const body = o.parameters === undefined ? {} : objectArg(o.parameters, '--parameters');
    const q = new URLSearchParams();
    if (o.referencePipelineRunId) q.set('referencePipelineRunId', String(o.referencePipelineRunId));
    if (o.isRecovery) q.set('isRecovery', 'true');
    if (o.startActivityName) q.set('startActivityName', String(o.startActivityName));
    if (o.startFromFailure) q.set('startFromFailure', 'true');
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request(
        'POST',
        `${factoryPath(o)}/pipelines/${encodeURIComponent(String(o.name))}/createRun?${V}${q.size ? `&${q}` : ''}`,
        body,
      );
      print(r, format);
    });
  });

  const run = df.command('pipeline-run').description('pipeline runs');
  common(run.command('show').description('show a pipeline run').requiredOption('--run-id <id>', 'the run ID')).action(
    async (o: Opts) => {
      const format = outputFormat(o);
      await withConnection(connectionOptions(o), async (c) => {
        const r = await c.request<Record<string, unknown>>(
          'GET',
          `${factoryPath(o)}/pipelineruns/${encodeURIComponent(String(o.runId))}?${V}`,
        );
        print(r, format);
      });
    },
  );
  common(
    run
      .command('cancel')
      .description('cancel a pipeline run')
      .requiredOption('--run-id <id>', 'the run ID')
      .option('--is-recursive', 'also cancel the child runs it started'),
  ).action(async (o: Opts) => {
    await withConnection(connectionOptions(o), async (c) => {
      await c.request(
        'POST',
        `${factoryPath(o)}/pipelineruns/${encodeURIComponent(String(o.runId))}/cancel?${V}${o.isRecursive ? '&isRecursive=true' : ''}`,
      );
    });
  });
  common(queryOptions(run.command('query-by-factory').description('query the pipeline runs of a factory'))).action(
    queryAction({ path: () => 'queryPipelineRuns', row: runRow, since: 'day' }),
  );

  const activity = df.command('activity-run').description('activity runs');
  common(
    queryOptions(
      activity
        .command('query-by-pipeline-run')
        .description('query the activity runs of a pipeline run')
        .requiredOption('--run-id <id>', 'the pipeline run ID'),
    ),
  ).action(
    queryAction({
      path: (o) => `pipelineruns/${encodeURIComponent(String(o.runId))}/queryActivityruns`,
      row: activityRow,
      since: 'all',
    }),
  );

  registerTriggerCommands(df);
}
