import type { Clock } from '../../common/clock.js';
import type { IdGenerator } from '../../common/ids.js';
import type { Logger } from '../../common/logger.js';
import { processSecrets, SecretRegistry } from '../../common/masking.js';
import type { ActivityRunRecord, PipelineRunRecord } from '../../storage/runs-records.js';
import type { RunsStore } from '../../storage/runs-store.js';
import type { ActivityServices } from '../activities/types.js';
import { Engine } from '../engine/engine.js';
import type { MockMap } from '../engine/mocks.js';
import type { LoadedFactory, Pipeline } from '../model/types.js';

/**
 * What runs one factory's pipelines on the server: an engine whose pipeline map and global parameters are
 * kept in step with the management API's writes (so a PUT takes effect for the next run, and runs in flight
 * keep the definition they started with), and a secret registry that masks every value a run obtained
 * wherever it would be recorded.
 */

/** Builds the activity services (HTTP, tokens, linked services) for a factory; supplied by the composition root. */
export interface BuiltServices {
  services: ActivityServices;
  /** The factory's activity mocks (a published workspace's `mocks`); read by the engine on each activity. */
  mocks?: MockMap;
  close?: () => Promise<void>;
}
export type ServicesFor = (opts: {
  factory: LoadedFactory;
  registerSecret: (value: string) => void;
}) => BuiltServices | Promise<BuiltServices>;

export interface FactoryRuntimeOptions {
  factory: LoadedFactory;
  runs: RunsStore;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** What `servicesFor` built for this factory (see FactoryRuntime.create). */
  built?: BuiltServices;
  /** The registry records are masked with (the one `built` registers into). */
  secrets?: SecretRegistry;
  onPipelineRun(r: PipelineRunRecord): void;
  onActivityRun(r: ActivityRunRecord): void;
}

export class FactoryRuntime {
  readonly engine: Engine;
  readonly secrets: SecretRegistry;
  private readonly pipelines: Map<string, Pipeline>;
  private readonly globals: Record<string, unknown>;
  private closeServices?: () => Promise<void>;

  constructor(o: FactoryRuntimeOptions) {
    this.pipelines = new Map(o.factory.pipelines);
    this.globals = globalValues(o.factory);
    this.secrets = o.secrets ?? processSecrets.child();
    const built = o.built;
    this.closeServices = built?.close;
    this.engine = new Engine({
      store: o.runs,
      pipelines: this.pipelines,
      factoryName: o.factory.name,
      globalParameters: this.globals,
      clock: o.clock,
      ids: o.ids,
      logger: o.logger,
      services: built?.services,
      mocks: built?.mocks,
      maskRecord: (v) => (this.secrets.size ? this.secrets.maskJson(v) : v),
      secrets: this.secrets,
      onPipelineRun: o.onPipelineRun,
      onActivityRun: o.onActivityRun,
    });
  }

  /** Builds the activity services first (they may need the factory's identity), then the runtime. */
  static async create(o: FactoryRuntimeOptions & { servicesFor?: ServicesFor }): Promise<FactoryRuntime> {
    // A child of the process's registry, so the server's log masks what this factory's runs obtained.
    const secrets = processSecrets.child();
    const built = await o.servicesFor?.({ factory: o.factory, registerSecret: (v) => secrets.register(v) });
    return new FactoryRuntime({ ...o, built, secrets });
  }

  /** Takes a new definition of the factory (after a write): later runs see it. */
  update(factory: LoadedFactory): void {
    this.pipelines.clear();
    for (const [k, p] of factory.pipelines) this.pipelines.set(k, p);
    for (const k of Object.keys(this.globals)) delete this.globals[k];
    Object.assign(this.globals, globalValues(factory));
  }

  /** Ends the runs still going (Engine.close: recorded as interrupted, no timer left behind), then the services. */
  async close(): Promise<void> {
    await this.engine.close();
    await this.closeServices?.();
  }
}

function globalValues(f: LoadedFactory): Record<string, unknown> {
  return Object.fromEntries(Object.entries(f.globalParameters).map(([k, v]) => [k, v.value]));
}
