import type { PrincipalRecord } from '../../identity/types.js';
import type { FactoryRecord, FactoryResourceKind, FactoryResourceRecord } from '../../storage/factory-store.js';
import type { ActivityRunRecord, PipelineRunRecord } from '../../storage/runs-records.js';
import { ARM_TYPE } from './factory-model.js';

/** Response bodies as ADF's REST API 2018-06-01 returns them. */

export const API_VERSION = '2018-06-01';

export interface Scope {
  subscriptionId: string;
  resourceGroupName: string;
}

export function factoryId(s: Scope, factory: string): string {
  return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}/providers/Microsoft.DataFactory/factories/${factory}`;
}

export function factoryView(s: Scope, f: FactoryRecord, mi: PrincipalRecord) {
  return {
    id: factoryId(s, f.name),
    name: f.name,
    type: 'Microsoft.DataFactory/factories',
    location: f.location,
    tags: f.tags,
    eTag: f.etag,
    identity: { type: 'SystemAssigned', principalId: mi.objectId, tenantId: mi.tenantId },
    properties: {
      ...f.properties,
      provisioningState: 'Succeeded',
      createTime: new Date(f.createdAt).toISOString(),
      version: API_VERSION,
    },
  };
}

export function resourceView(s: Scope, r: FactoryResourceRecord) {
  return {
    id: `${factoryId(s, r.factory)}/${r.kind}/${r.name}`,
    name: r.name,
    type: ARM_TYPE[r.kind as FactoryResourceKind],
    properties: r.properties,
    etag: r.etag,
  };
}

/** PipelineRun without pipevault's bookkeeping (return value, queue time). */
export function pipelineRunView(r: PipelineRunRecord) {
  return {
    runId: r.runId,
    runGroupId: r.runGroupId,
    isLatest: r.isLatest,
    pipelineName: r.pipelineName,
    parameters: r.parameters,
    runDimensions: r.runDimensions,
    invokedBy: r.invokedBy,
    lastUpdated: r.lastUpdated,
    runStart: r.runStart ?? undefined,
    runEnd: r.runEnd ?? undefined,
    durationInMs: r.durationInMs ?? undefined,
    status: r.status,
    message: r.message,
    annotations: r.annotations,
  };
}

/** ActivityRun; `iterationHash`, `parentActivityRunId`, `iteration` and the secure flags are pipevault extras. */
export function activityRunView(r: ActivityRunRecord) {
  return {
    pipelineName: r.pipelineName,
    pipelineRunId: r.pipelineRunId,
    activityName: r.activityName,
    activityType: r.activityType,
    activityRunId: r.activityRunId,
    linkedServiceName: r.linkedServiceName ?? '',
    status: r.status,
    activityRunStart: r.activityRunStart ?? undefined,
    activityRunEnd: r.activityRunEnd ?? undefined,
    durationInMs: r.durationInMs ?? undefined,
    input: r.input ?? {},
    output: r.output ?? {},
    error: r.error ?? { errorCode: '', message: '', failureType: '', target: r.activityName },
    retryAttempt: r.retryAttempt ?? undefined,
    userProperties: r.userProperties,
    iterationHash: r.iterationHash ?? undefined,
    parentActivityRunId: r.parentActivityRunId ?? undefined,
    iteration: r.iteration ?? undefined,
    secureInput: r.secureInput,
    secureOutput: r.secureOutput,
  };
}
