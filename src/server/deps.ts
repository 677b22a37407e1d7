import type { Clock } from '../common/clock.js';
import type { IdGenerator } from '../common/ids.js';
import type { Logger } from '../common/logger.js';
import type { IdentityService } from '../identity/service.js';
import type { Barrier } from '../storage/barrier.js';
import type { Database } from '../storage/database.js';

/** A vault served by this server: the default one on the main port, others on their own port or by host name. */
export interface VaultBinding {
  name: string;
  /** Its own listener port, when it has one (`--vault NAME=PORT`). */
  port?: number;
}

/** Everything a service plugin needs, built once by `startServer` and handed to every plugin. */
export interface ServerDeps {
  store: Database;
  barrier: Barrier;
  identity: IdentityService;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  config: {
    dataDir: string;
    /** The CA (PEM) the server's certificate chains to: runs calling the server trust exactly this. */
    ca?: string;
    /** Accept unknown api-versions (`--loose`). */
    loose: boolean;
    /** Vaults named on the command line (`--vault`), the default vault first. */
    vaults: VaultBinding[];
    /** The main listener's port, once listening. */
    port: () => number;
    /** Factory folders given with `--factory`, and `--watch`. */
    factories: string[];
    watch: boolean;
  };
}
