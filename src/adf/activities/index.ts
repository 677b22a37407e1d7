import { appendVariable } from './append-variable.js';
import { azureFunction } from './azure-function.js';
import { executePipeline } from './execute-pipeline.js';
import { fail } from './fail.js';
import { filter } from './filter.js';
import { forEach } from './for-each.js';
import { ifCondition } from './if-condition.js';
import { setVariable } from './set-variable.js';
import { switchActivity } from './switch.js';
import type { ActivityDefinition } from './types.js';
import { until } from './until.js';
import { wait } from './wait.js';
import { web } from './web.js';
import { webhook } from './webhook.js';

export type * from './types.js';

/**
 * Every activity type pipevault runs itself. Adding one is adding a file and a line here; activities that need
 * outside systems (Web, WebHook, Azure Function) are added by their own modules.
 */
export const builtinActivities: readonly ActivityDefinition[] = [
  setVariable,
  appendVariable,
  ifCondition,
  switchActivity,
  forEach,
  until,
  wait,
  fail,
  filter,
  executePipeline,
  // outbound HTTP (they fail with a clear message when the run has no HTTP services)
  web,
  webhook,
  azureFunction,
];
