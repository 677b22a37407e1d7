import type { Command } from 'commander';
import { badInput } from '../../common/catalogue.js';
import { addConnectionOptions, connectionOptions } from '../client/options.js';
import { withConnection } from '../client/connect.js';
import { outputFormat, print } from '../client/output.js';

const PATH = '/pipevault/admin/roleAssignments';

interface Assignment {
  id: string;
  name: string;
  properties: { roleDefinitionName: string; principalId: string; scope: string; roleDefinitionId: string };
}

const row = (a: Assignment) => ({
  name: a.name,
  principalId: a.properties.principalId,
  roleDefinitionName: a.properties.roleDefinitionName,
  scope: a.properties.scope,
});

/** `pipevault role assignment create|list|delete`, as `az role assignment`. */
export function register(program: Command): void {
  const assignment = program
    .command('role')
    .description('role-based access (Key Vault roles, Data Factory Contributor / Reader)')
    .command('assignment')
    .description('role assignments');

  addConnectionOptions(
    assignment
      .command('create')
      .description('assign a role to a principal at a scope')
      .requiredOption('--assignee <id>', 'object ID or application ID')
      .requiredOption('--role <name>', "role name or ID, e.g. 'Key Vault Secrets User'")
      .requiredOption('--scope <scope>', 'resource ID, e.g. /subscriptions/…/providers/Microsoft.KeyVault/vaults/NAME'),
  ).action(async (o: Record<string, unknown>) => {
    const format = outputFormat(o);
    await withConnection(connectionOptions(o), async (c) => {
      const a = await c.request<Assignment>('POST', PATH, {
        properties: { principalId: o.assignee, roleDefinitionId: o.role, scope: o.scope },
      });
      print(format === 'json' ? a : row(a), format);
    });
  });

  addConnectionOptions(
    assignment
      .command('list')
      .description('list role assignments')
      .option('--assignee <id>', 'only this principal (object ID or application ID)')
      .option('--role <name>', 'only this role')
      .option('--scope <scope>', 'only assignments at exactly this scope'),
  ).action(async (o: Record<string, unknown>) => {
    const format = outputFormat(o);
    const q = new URLSearchParams();
    for (const k of ['assignee', 'role', 'scope'] as const) if (typeof o[k] === 'string') q.set(k, o[k] as string);
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request<{ value: Assignment[] }>('GET', `${PATH}${q.size ? `?${q}` : ''}`);
      print(format === 'json' ? r.value : r.value.map(row), format, [
        'name',
        'principalId',
        'roleDefinitionName',
        'scope',
      ]);
    });
  });

  addConnectionOptions(
    assignment
      .command('delete')
      .description('delete role assignments: by --ids, or every one matching --assignee/--role/--scope')
      .option('--ids <id...>', 'assignment names (GUIDs) or ids')
      .option('--assignee <id>', 'object ID or application ID')
      .option('--role <name>', 'role name or ID')
      .option('--scope <scope>', 'scope'),
  ).action(async (o: Record<string, unknown>) => {
    const format = outputFormat(o);
    const ids = (o.ids as string[] | undefined)?.map((i) => i.split('/').pop() as string);
    if (!ids?.length && !o.assignee && !o.role && !o.scope) {
      throw badInput('say which assignments: --ids, or --assignee/--role/--scope', 'role assignment delete');
    }
    await withConnection(connectionOptions(o), async (c) => {
      let targets = ids ?? [];
      if (!ids?.length) {
        const q = new URLSearchParams();
        for (const k of ['assignee', 'role', 'scope'] as const) if (typeof o[k] === 'string') q.set(k, o[k] as string);
        targets = (await c.request<{ value: Assignment[] }>('GET', `${PATH}?${q}`)).value.map((a) => a.name);
      }
      const deleted: Assignment[] = [];
      for (const id of targets) {
        const r = await c.raw('DELETE', `${PATH}/${encodeURIComponent(id)}`);
        if (r.status === 200) deleted.push(r.json as Assignment);
      }
      print(format === 'json' ? deleted : deleted.map(row), format, [
        'name',
        'principalId',
        'roleDefinitionName',
        'scope',
      ]);
    });
  });
}
