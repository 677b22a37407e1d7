import type { Clock } from '../common/clock.js';
import type { Barrier } from './barrier.js';
import type { Database } from './database.js';

/**
 * SecureString parameter values of pipeline runs, sealed (AES-256-GCM envelope, AAD bound to the run id) so
 * they are never stored in the clear and only a rerun of the same run can use them.
 */
export class RunSecureParameters {
  constructor(private readonly o: { database: Database; barrier: Barrier; clock: Clock }) {}

  private aad(runId: string): string {
    return `adf/runs/${runId}/secure-parameters`;
  }

  async save(runId: string, values: Record<string, string>): Promise<void> {
    if (!Object.keys(values).length) return;
    const sealed = this.o.barrier.encrypt(Buffer.from(JSON.stringify(values), 'utf8'), this.aad(runId));
    await this.o.database.db
      .insertInto('adf_run_secure_parameters')
      .values({ run_id: runId, sealed, created_at: this.o.clock.now() })
      .onConflict((oc) => oc.column('run_id').doUpdateSet({ sealed }))
      .execute();
  }

  async get(runId: string): Promise<Record<string, string>> {
    const row = (await this.o.database.db
      .selectFrom('adf_run_secure_parameters')
      .select('sealed')
      .where('run_id', '=', runId)
      .executeTakeFirst()) as { sealed: Buffer | Uint8Array } | undefined;
    if (!row) return {};
    return JSON.parse(this.o.barrier.decrypt(Buffer.from(row.sealed), this.aad(runId)).toString('utf8')) as Record<
      string,
      string
    >;
  }
}
