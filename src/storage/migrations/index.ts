import type { Migration } from '../migrate.js';
import { identity0001 } from './0001_identity.js';
import { keyvault0100 } from './0100_keyvault.js';
import { auditRowid0101 } from './0101_audit_rowid.js';
import { runs0200 } from './0200_runs.js';
import { dropActivityStatusIndex0201 } from './0201_drop_activity_status_index.js';
import { pipelineRunIndexes0203 } from './0203_pipeline_run_indexes.js';
import { factories0300 } from './0300_factories.js';
import { runSecureParameters0301 } from './0301_run_secure_parameters.js';
import { triggerRuns0302 } from './0302_trigger_runs.js';

/**
 * Every migration, in the order it runs. Each concern adds its own files and one line here:
 * 00xx storage and identity, 01xx Key Vault, 02xx ADF runs, 03xx ADF factories (management API). Never edit a migration that has shipped; add one.
 */
export const migrations: readonly Migration[] = [
  identity0001,
  keyvault0100,
  auditRowid0101,
  runs0200,
  dropActivityStatusIndex0201,
  pipelineRunIndexes0203,
  factories0300,
  runSecureParameters0301,
  triggerRuns0302,
];
