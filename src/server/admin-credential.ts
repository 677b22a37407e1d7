import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IdentityService } from '../identity/service.js';

/**
 * The admin credential file (`{dataDir}/admin-credential.json`, mode 0600): the admin principal's client
 * credentials, with which the CLI (or any client) gets a token that may do everything. A file whose secret
 * still matches is kept; otherwise a new secret is issued and the file rewritten.
 */
export interface AdminCredential {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export const ADMIN_CREDENTIAL_FILE = 'admin-credential.json';

export async function ensureAdminCredential(identity: IdentityService, file: string): Promise<AdminCredential> {
  const admin = await identity.ensureAdmin();
  if (existsSync(file)) {
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as AdminCredential;
      if (
        c.tenantId === identity.tenantId &&
        c.clientId === admin.appId &&
        (await identity.authenticateClient(c.clientId, c.clientSecret))
      ) {
        chmodSync(file, 0o600);
        return c;
      }
    } catch {
      // unreadable or stale: replaced below
    }
  }
  const cred: AdminCredential = {
    tenantId: identity.tenantId,
    clientId: admin.appId,
    clientSecret: await identity.resetAdminSecret(),
  };
  writeFileSync(file, JSON.stringify(cred, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return cred;
}

export function readAdminCredential(file: string): AdminCredential {
  const c = JSON.parse(readFileSync(file, 'utf8')) as Partial<AdminCredential>;
  if (typeof c.tenantId !== 'string' || typeof c.clientId !== 'string' || typeof c.clientSecret !== 'string') {
    throw new Error(`${file} is not a pipevault admin credential (tenantId, clientId, clientSecret)`);
  }
  return c as AdminCredential;
}
