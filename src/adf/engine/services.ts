import type { Clock } from '../../common/clock.js';
import type { IdGenerator } from '../../common/ids.js';
import type { Logger } from '../../common/logger.js';
import type { SecretRegistry } from '../../common/masking.js';
import type { ActivityRunRecord } from '../../storage/runs-records.js';
import type { RunsStore } from '../../storage/runs-store.js';
import type { ActivityServices } from '../activities/types.js';
import type { MockMap } from './mocks.js';
import type { ActivityRegistry } from './registry.js';
import type { Timers } from './timers.js';

/** What every run of one engine shares. */
export interface EngineServices {
  store: RunsStore;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  timers: Timers;
  registry: ActivityRegistry;
  mocks?: MockMap;
  factoryName: string;
  /** Applied to every input, output and error before it is recorded (secret masking). */
  maskRecord?: (value: unknown) => unknown;
  /** Where SecureString parameter values and secureOutput outputs are registered for masking. */
  secrets?: SecretRegistry;
  onActivityRun?: (r: ActivityRunRecord) => void;
  activityServices: ActivityServices;
  /** Per-activity plans (definition, literal policy) cached for this engine; see RunExecution.plan. */
  plans?: WeakMap<object, unknown>;
  /** Set when the engine closes: executions still unwinding record nothing more (Engine.close). */
  halted?: boolean;
}
