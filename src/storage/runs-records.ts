/**
 * Pipeline runs and activity runs exactly as ADF's monitoring REST API returns them (2018-06-01,
 * specs/adf-runtime.md §5), plus a few pipevault fields an API may ignore (`factoryName`, `parentRunId`,
 * `parentActivityRunId`, `iteration`, `secureInput`, `secureOutput`). Instants are ISO strings here and integer
 * milliseconds in the tables.
 */

export type PipelineRunStatus = 'Queued' | 'InProgress' | 'Succeeded' | 'Failed' | 'Canceling' | 'Cancelled';

/** `Skipped` activities never ran and get no activity run; `Inactive` ones get a placeholder run. */
export type ActivityRunStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Cancelled' | 'Inactive';

/**
 * What a secured input or output is replaced with in every record (`policy.secureInput` / `secureOutput`).
 * The real value stays in the run's memory for downstream activities; the monitoring layer shows this marker.
 */
export const SECURE_MARKER = '**********';

export interface InvokedBy {
  name: string;
  id: string;
  invokedByType: string;
  pipelineName?: string;
  pipelineRunId?: string;
}

export interface ActivityRunError {
  errorCode: string;
  message: string;
  failureType: string;
  target: string;
  details?: unknown;
}

export interface PipelineRunRecord {
  runId: string;
  runGroupId: string;
  isLatest: boolean;
  pipelineName: string;
  /** Values serialized as strings, as ADF returns them; SecureString parameters masked. */
  parameters: Record<string, string>;
  runDimensions: Record<string, string>;
  invokedBy: InvokedBy;
  lastUpdated: string;
  runStart: string | null;
  runEnd: string | null;
  durationInMs: number | null;
  status: PipelineRunStatus;
  message: string;
  annotations: unknown[];
  factoryName: string;
  parentRunId: string | null;
  /** When the run was accepted (it may have been Queued before it started). */
  queuedAt: string;
  /** The child's `pipelineReturnValue`, for ExecutePipeline callers. */
  returnValue?: Record<string, unknown> | null;
}

export interface ActivityRunRecord {
  pipelineName: string;
  pipelineRunId: string;
  activityName: string;
  activityType: string;
  activityRunId: string;
  linkedServiceName: string | null;
  status: ActivityRunStatus;
  activityRunStart: string | null;
  activityRunEnd: string | null;
  durationInMs: number | null;
  input: unknown;
  output: unknown;
  error: ActivityRunError | null;
  /** null on the first attempt, 1, 2 … on retries (ADF's convention). */
  retryAttempt: number | null;
  userProperties: Record<string, string>;
  /** Inner activities of a loop: which container run and which iteration (0-based) they belong to. */
  iterationHash: string | null;
  parentActivityRunId: string | null;
  iteration: number | null;
  secureInput: boolean;
  secureOutput: boolean;
  /** Order within the pipeline run. */
  seq: number;
}

// ---- rows ---------------------------------------------------------------------------------------------

export interface PipelineRunRow {
  run_id: string;
  factory_name: string;
  pipeline_name: string;
  run_group_id: string;
  is_latest: number;
  parameters: string;
  invoked_by: string;
  parent_run_id: string | null;
  queued_at: number;
  run_start: number | null;
  run_end: number | null;
  duration_in_ms: number | null;
  status: string;
  message: string;
  annotations: string;
  run_dimensions: string;
  return_value: string | null;
  last_updated: number;
}

export interface ActivityRunRow {
  activity_run_id: string;
  pipeline_run_id: string;
  seq: number;
  pipeline_name: string;
  activity_name: string;
  activity_type: string;
  linked_service_name: string | null;
  status: string;
  activity_run_start: number | null;
  activity_run_end: number | null;
  duration_in_ms: number | null;
  input: string | null;
  output: string | null;
  error: string | null;
  retry_attempt: number | null;
  user_properties: string;
  parent_activity_run_id: string | null;
  iteration: number | null;
  secure_input: number;
  secure_output: number;
  last_updated: number;
}

export const PIPELINE_RUN_COLUMNS = [
  'run_id',
  'factory_name',
  'pipeline_name',
  'run_group_id',
  'is_latest',
  'parameters',
  'invoked_by',
  'parent_run_id',
  'queued_at',
  'run_start',
  'run_end',
  'duration_in_ms',
  'status',
  'message',
  'annotations',
  'run_dimensions',
  'return_value',
  'last_updated',
] as const satisfies readonly (keyof PipelineRunRow)[];

export const ACTIVITY_RUN_COLUMNS = [
  'activity_run_id',
  'pipeline_run_id',
  'seq',
  'pipeline_name',
  'activity_name',
  'activity_type',
  'linked_service_name',
  'status',
  'activity_run_start',
  'activity_run_end',
  'duration_in_ms',
  'input',
  'output',
  'error',
  'retry_attempt',
  'user_properties',
  'parent_activity_run_id',
  'iteration',
  'secure_input',
  'secure_output',
  'last_updated',
] as const satisfies readonly (keyof ActivityRunRow)[];

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const iso = (n: number | string | null): string | null => (n === null ? null : new Date(Number(n)).toISOString());
const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
const parse = (s: string | null): unknown => (s === null || s === undefined ? null : JSON.parse(s));

export function pipelineRunToRow(r: PipelineRunRecord): PipelineRunRow {
  return {
    run_id: r.runId,
    factory_name: r.factoryName,
    pipeline_name: r.pipelineName,
    run_group_id: r.runGroupId,
    is_latest: r.isLatest ? 1 : 0,
    parameters: JSON.stringify(r.parameters),
    invoked_by: JSON.stringify(r.invokedBy),
    parent_run_id: r.parentRunId,
    queued_at: Date.parse(r.queuedAt),
    run_start: ms(r.runStart),
    run_end: ms(r.runEnd),
    duration_in_ms: r.durationInMs,
    status: r.status,
    message: r.message,
    annotations: JSON.stringify(r.annotations),
    run_dimensions: JSON.stringify(r.runDimensions),
    return_value: json(r.returnValue),
    last_updated: Date.parse(r.lastUpdated),
  };
}

export function rowToPipelineRun(row: PipelineRunRow): PipelineRunRecord {
  return {
    runId: row.run_id,
    runGroupId: row.run_group_id,
    isLatest: Number(row.is_latest) === 1,
    pipelineName: row.pipeline_name,
    parameters: parse(row.parameters) as Record<string, string>,
    runDimensions: parse(row.run_dimensions) as Record<string, string>,
    invokedBy: parse(row.invoked_by) as InvokedBy,
    lastUpdated: iso(row.last_updated) as string,
    runStart: iso(row.run_start),
    runEnd: iso(row.run_end),
    durationInMs: row.duration_in_ms === null ? null : Number(row.duration_in_ms),
    status: row.status as PipelineRunStatus,
    message: row.message,
    annotations: parse(row.annotations) as unknown[],
    factoryName: row.factory_name,
    parentRunId: row.parent_run_id,
    queuedAt: iso(row.queued_at) as string,
    returnValue: parse(row.return_value) as Record<string, unknown> | null,
  };
}

/**
 * Serializes at call time: the record is a snapshot of that moment even when the engine later mutates an
 * object it referenced (an array variable appended in place).
 */
export function activityRunToRow(r: ActivityRunRecord, lastUpdated: number): ActivityRunRow {
  return {
    activity_run_id: r.activityRunId,
    pipeline_run_id: r.pipelineRunId,
    seq: r.seq,
    pipeline_name: r.pipelineName,
    activity_name: r.activityName,
    activity_type: r.activityType,
    linked_service_name: r.linkedServiceName,
    status: r.status,
    activity_run_start: ms(r.activityRunStart),
    activity_run_end: ms(r.activityRunEnd),
    duration_in_ms: r.durationInMs,
    input: json(r.input),
    output: json(r.output),
    error: json(r.error),
    retry_attempt: r.retryAttempt,
    user_properties: isEmpty(r.userProperties) ? '{}' : JSON.stringify(r.userProperties),
    parent_activity_run_id: r.parentActivityRunId,
    iteration: r.iteration,
    secure_input: r.secureInput ? 1 : 0,
    secure_output: r.secureOutput ? 1 : 0,
    last_updated: lastUpdated,
  };
}

export function rowToActivityRun(row: ActivityRunRow): ActivityRunRecord {
  return {
    pipelineName: row.pipeline_name,
    pipelineRunId: row.pipeline_run_id,
    activityName: row.activity_name,
    activityType: row.activity_type,
    activityRunId: row.activity_run_id,
    linkedServiceName: row.linked_service_name,
    status: row.status as ActivityRunStatus,
    activityRunStart: iso(row.activity_run_start),
    activityRunEnd: iso(row.activity_run_end),
    durationInMs: row.duration_in_ms === null ? null : Number(row.duration_in_ms),
    input: parse(row.input),
    output: parse(row.output),
    error: parse(row.error) as ActivityRunError | null,
    retryAttempt: row.retry_attempt === null ? null : Number(row.retry_attempt),
    userProperties: parse(row.user_properties) as Record<string, string>,
    iterationHash:
      row.parent_activity_run_id === null || row.iteration === null
        ? null
        : `${row.parent_activity_run_id}/${row.iteration}`,
    parentActivityRunId: row.parent_activity_run_id,
    iteration: row.iteration === null ? null : Number(row.iteration),
    secureInput: Number(row.secure_input) === 1,
    secureOutput: Number(row.secure_output) === 1,
    seq: Number(row.seq),
  };
}
