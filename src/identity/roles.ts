import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import type { IdGenerator } from '../common/ids.js';
import type { Database } from '../storage/database.js';
import { SUBSCRIPTION_ID } from './types.js';

/**
 * Role assignments: (principal, role definition, scope). This module only stores them; each service enforces
 * the roles it knows (Key Vault the Key Vault roles, the ADF API Data Factory Contributor / Reader), using
 * `assignmentsFor` and `scopeCovers`.
 */

export interface RoleDefinition {
  id: string;
  name: string;
}

/** Built-in roles pipevault knows, with Azure's role definition GUIDs. */
export const ROLE_DEFINITIONS: readonly RoleDefinition[] = [
  { id: '4633458b-17de-408a-b874-0445c86b69e6', name: 'Key Vault Secrets User' },
  { id: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', name: 'Key Vault Secrets Officer' },
  { id: '00482a5a-887f-4fb3-b363-3b7fe8e74483', name: 'Key Vault Administrator' },
  { id: '21090545-7ca7-4776-b22c-e363652d74d2', name: 'Key Vault Reader' },
  { id: '673868aa-7521-48a0-acc6-0f60742d39f5', name: 'Data Factory Contributor' },
  { id: 'acdd72a7-3385-48ef-bd42-f606fba81ae7', name: 'Reader' },
  { id: 'b24988ac-6180-42a0-ab88-20f7382dd24c', name: 'Contributor' },
  { id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', name: 'Owner' },
];

export function findRole(nameOrId: string): RoleDefinition | undefined {
  const q = nameOrId.trim().toLowerCase();
  const id = q.split('/').pop() ?? q; // accepts a full roleDefinitionId too
  return ROLE_DEFINITIONS.find((r) => r.name.toLowerCase() === q || r.id === id);
}

export function roleDefinitionResourceId(roleId: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  roleName: string;
  scope: string;
  createdAt: number;
}

/** Canonical form of a scope: leading slash, no trailing slash. Comparisons are case-insensitive, as ARM's. */
export function normalizeScope(scope: string): string {
  const s = scope.trim().replace(/\/+$/, '');
  return s.startsWith('/') ? s : `/${s}`;
}

/** True when an assignment at `assignmentScope` applies to `resource` (the same scope or one below it). */
export function scopeCovers(assignmentScope: string, resource: string): boolean {
  const a = normalizeScope(assignmentScope).toLowerCase();
  const r = normalizeScope(resource).toLowerCase();
  return a === '/' || r === a || r.startsWith(a + '/');
}

interface Row {
  id: string;
  principal_id: string;
  role_definition_id: string;
  role_name: string;
  scope: string;
  created_at: number;
}

const toAssignment = (r: Row): RoleAssignment => ({
  id: r.id,
  principalId: r.principal_id,
  roleDefinitionId: r.role_definition_id,
  roleName: r.role_name,
  scope: r.scope,
  createdAt: Number(r.created_at),
});

export class RoleAssignments {
  private readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  constructor(
    store: Database,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {
    this.db = store.db;
  }

  /** Creates an assignment; the same (principal, role, scope) twice returns the existing one. */
  async create(a: { principalId: string; role: RoleDefinition; scope: string; id?: string }): Promise<RoleAssignment> {
    const scope = normalizeScope(a.scope);
    const existing = (await this.list({ principalId: a.principalId, scope })).find(
      (x) => x.roleDefinitionId === a.role.id && x.scope.toLowerCase() === scope.toLowerCase(),
    );
    if (existing) return existing;
    const row: Row = {
      id: (a.id ?? this.ids.uuid()).toLowerCase(),
      principal_id: a.principalId.toLowerCase(),
      role_definition_id: a.role.id,
      role_name: a.role.name,
      scope,
      created_at: this.clock.now(),
    };
    await this.db.insertInto('identity_role_assignments').values(row).execute();
    return toAssignment(row);
  }

  async list(filter: { principalId?: string; scope?: string; roleId?: string } = {}): Promise<RoleAssignment[]> {
    let q = this.db.selectFrom('identity_role_assignments').selectAll();
    if (filter.principalId) q = q.where('principal_id', '=', filter.principalId.toLowerCase());
    if (filter.roleId) q = q.where('role_definition_id', '=', filter.roleId);
    const rows = ((await q.orderBy('created_at').orderBy('id').execute()) as Row[]).map(toAssignment);
    return filter.scope
      ? rows.filter((r) => r.scope.toLowerCase() === normalizeScope(filter.scope as string).toLowerCase())
      : rows;
  }

  /** Every assignment of a principal; callers keep those whose scope covers the resource. */
  assignmentsFor(principalId: string): Promise<RoleAssignment[]> {
    return this.list({ principalId });
  }

  async get(id: string): Promise<RoleAssignment | undefined> {
    const r = await this.db
      .selectFrom('identity_role_assignments')
      .selectAll()
      .where('id', '=', id.toLowerCase())
      .executeTakeFirst();
    return r ? toAssignment(r as Row) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('identity_role_assignments')
      .where('id', '=', id.toLowerCase())
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async deleteForPrincipal(principalId: string): Promise<void> {
    await this.db
      .deleteFrom('identity_role_assignments')
      .where('principal_id', '=', principalId.toLowerCase())
      .execute();
  }
}
