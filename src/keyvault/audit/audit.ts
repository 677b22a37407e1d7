import type { Clock } from '../../common/clock.js';
import type { AuditQuery, AuditRow, KeyVaultStore } from '../../storage/keyvault-store.js';

/**
 * The audit trail of secret operations, allowed or denied. A record names who (object and application ID),
 * what (operation, vault, secret, version), the outcome and from where — never a value, never a token. The
 * record is written before the response leaves, as Vault's audit guarantee asks: if it cannot be written the
 * request fails. Records that arrive together are written together (group commit: one statement per one or two
 * event-loop turns), each caller still waiting until its own record is stored.
 */

const MAX_BATCH = 500;
/** Fewer records than this wait one more event-loop turn for company (see flushSoon). */
const MIN_BATCH = 32;

interface Pending {
  row: AuditRow;
  resolve(): void;
  reject(e: unknown): void;
}

export interface AuditEvent {
  vault: string;
  operation: string;
  secretName?: string;
  version?: string;
  principalOid?: string;
  principalApp?: string;
  /** HTTP status of the answer. */
  status: number;
  /** Key Vault's error code (innererror code when there is one) for failures. */
  reason?: string;
  clientIp?: string;
  apiVersion?: string;
  requestId?: string;
}

export interface AuditRecord {
  time: string;
  vault: string;
  operation: string;
  secretName: string | null;
  version: string | null;
  principal: { objectId: string | null; appId: string | null };
  result: string;
  status: number;
  reason: string | null;
  clientAddress: string | null;
  apiVersion: string | null;
  requestId: string | null;
}

/** `Success`, or the class of failure (`Denied` for 401/403), as Key Vault's resultType. */
export function resultOf(status: number): string {
  if (status < 400) return 'Success';
  if (status === 401 || status === 403) return 'Denied';
  if (status === 404) return 'NotFound';
  if (status < 500) return 'Failed';
  return 'Error';
}

export function toRecord(r: AuditRow): AuditRecord {
  return {
    time: new Date(r.timeMs).toISOString(),
    vault: r.vault,
    operation: r.operation,
    secretName: r.secretName,
    version: r.version,
    principal: { objectId: r.principalOid, appId: r.principalApp },
    result: r.result,
    status: r.status,
    reason: r.reason,
    clientAddress: r.clientIp,
    apiVersion: r.apiVersion,
    requestId: r.requestId,
  };
}

export class AuditLog {
  private pending: Pending[] = [];
  private scheduled = false;
  private deferred = false;

  constructor(private readonly o: { store: KeyVaultStore; clock: Clock }) {}

  /** Resolves once the record is stored; rejects if it could not be. */
  record(e: AuditEvent): Promise<void> {
    const row: AuditRow = {
      timeMs: this.o.clock.now(),
      vault: e.vault.toLowerCase(),
      operation: e.operation,
      secretName: e.secretName ?? null,
      version: e.version ?? null,
      principalOid: e.principalOid ?? null,
      principalApp: e.principalApp ?? null,
      result: resultOf(e.status),
      status: e.status,
      reason: e.reason ?? null,
      clientIp: e.clientIp ?? null,
      apiVersion: e.apiVersion ?? null,
      requestId: e.requestId ?? null,
    };
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushSoon);
      }
    });
  }

  /**
   * A commit has a fixed cost several times a row's (the WAL append), so records wait one more event-loop turn
   * when few have gathered: under load that turn brings the next wave of requests into the same commit, when
   * idle it costs a few microseconds.
   */
  private readonly flushSoon = () => {
    if (this.pending.length < MIN_BATCH && !this.deferred) {
      this.deferred = true;
      setImmediate(this.flushSoon);
      return;
    }
    this.deferred = false;
    void this.flush();
  };

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        await this.o.store.appendAuditBatch(batch.map((p) => p.row));
        for (const p of batch) p.resolve();
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    this.scheduled = false;
  }

  async query(q: Partial<AuditQuery>): Promise<AuditRecord[]> {
    const rows = await this.o.store.queryAudit({
      ...q,
      vault: q.vault?.toLowerCase(),
      limit: Math.min(Math.max(q.limit ?? 100, 1), 10_000),
    });
    return rows.map(toRecord);
  }
}
