import type { Command } from 'commander';
import { addConnectionOptions, connectionOptions } from '../client/options.js';
import { withConnection } from '../client/connect.js';
import { outputFormat, print } from '../client/output.js';

const ADMIN = '/pipevault/admin';

interface IdentityInfo {
  tenant: string;
  authority: string;
  factories: Array<{ factory: string; appId: string; objectId: string }>;
  managedIdentityEndpoints: Record<string, string>;
}

/** `pipevault identity show | sp create | create`, with `az ad sp` / `az identity` words. */
export function register(program: Command): void {
  const identity = program.command('identity').description('the tenant, service principals and managed identities');

  addConnectionOptions(
    identity.command('show').description("show the tenant and each factory's managed identity"),
  ).action(async (o: Record<string, unknown>) => {
    const format = outputFormat(o);
    await withConnection(connectionOptions(o), async (c) => {
      const info = await c.request<IdentityInfo>('GET', `${ADMIN}/identity`);
      if (format === 'json') return print(info, 'json');
      print({ tenant: info.tenant, authority: info.authority }, 'table');
      process.stdout.write('\n');
      print(info.factories, 'table', ['factory', 'appId', 'objectId']);
      process.stdout.write('\nManaged identity for local programs (loopback only):\n');
      for (const [k, v] of Object.entries(info.managedIdentityEndpoints)) process.stdout.write(`  ${k}=${v}\n`);
    });
  });

  const sp = identity.command('sp').description('service principals');
  addConnectionOptions(
    sp
      .command('create')
      .description('create a service principal with a client secret (printed once)')
      .requiredOption('--name <name>', 'display name'),
  ).action(async (o: Record<string, unknown>) => {
    const format = outputFormat(o);
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request<Record<string, string>>('POST', `${ADMIN}/principals`, {
        type: 'servicePrincipal',
        displayName: o.name,
      });
      // az ad sp create-for-rbac's shape
      print(
        { appId: r.appId, objectId: r.objectId, password: r.password, tenant: r.tenant, displayName: r.displayName },
        format,
      );
    });
  });

  addConnectionOptions(
    identity
      .command('create')
      .description('create a user-assigned managed identity')
      .requiredOption('--name <name>', 'identity name'),
  ).action(async (o: Record<string, unknown>) => {
    const format = outputFormat(o);
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request<Record<string, string>>('POST', `${ADMIN}/principals`, {
        type: 'userAssignedIdentity',
        name: o.name,
      });
      print(
        { name: r.displayName, clientId: r.appId, principalId: r.objectId, tenantId: r.tenant, id: r.resourceId },
        format,
      );
    });
  });
}
