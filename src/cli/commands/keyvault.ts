import type { Command } from 'commander';
import { badInput } from '../../common/catalogue.js';
import { withConnection, type Connection } from '../client/connect.js';
import { addConnectionOptions, connectionOptions } from '../client/options.js';
import { outputFormat, print } from '../client/output.js';
import { ARM_VAULTS, parseTags } from './keyvault-client.js';
import { registerSecretCommands } from './keyvault-secret.js';

/**
 * `pipevault keyvault …` with `az keyvault`'s words: vaults (ARM-shaped management API), access policies,
 * secrets (`keyvault secret …`, keyvault-secret.ts) and the audit trail (`keyvault audit list`).
 */

type Opts = Record<string, unknown>;
const ARM_VERSION = '?api-version=2023-07-01';

interface ArmVault {
  name: string;
  properties: {
    vaultUri: string;
    enableRbacAuthorization: boolean;
    enableSoftDelete: boolean;
    softDeleteRetentionInDays: number;
    enablePurgeProtection?: boolean;
    accessPolicies: Array<{
      tenantId: string;
      objectId: string;
      applicationId?: string;
      permissions: { secrets: string[] };
    }>;
  };
}

const vaultRow = (v: ArmVault) => ({
  name: v.name,
  vaultUri: v.properties.vaultUri,
  rbac: v.properties.enableRbacAuthorization,
  retentionDays: v.properties.softDeleteRetentionInDays,
  purgeProtection: !!v.properties.enablePurgeProtection,
  accessPolicies: v.properties.accessPolicies.length,
});

function vaultName(o: Opts): string {
  if (typeof o.name !== 'string') throw badInput('name the vault with --name', '--name');
  return o.name;
}

function checkResourceGroup(o: Opts): void {
  if (typeof o.resourceGroup === 'string' && o.resourceGroup.toLowerCase() !== 'pipevault')
    throw badInput(
      `resource group '${o.resourceGroup}' does not exist here; pipevault has one: pipevault`,
      '--resource-group',
    );
}

/** `--object-id`, or `--spn` (an application ID, resolved to its object ID as az does). */
async function policyObjectId(c: Connection, o: Opts): Promise<string> {
  if (typeof o.objectId === 'string' && typeof o.spn === 'string')
    throw badInput('give --object-id or --spn, not both', '--spn');
  if (typeof o.objectId === 'string') return o.objectId;
  if (typeof o.spn !== 'string')
    throw badInput('name the principal with --object-id OID or --spn APPID', '--object-id');
  const p = await c.request<{ objectId: string }>('GET', `/pipevault/admin/principals/${encodeURIComponent(o.spn)}`);
  return p.objectId;
}

function vaultCommand(parent: Command, name: string, description: string): Command {
  return addConnectionOptions(
    parent
      .command(name)
      .description(description)
      .option('-n, --name <vault>', 'the vault')
      .option('-g, --resource-group <group>', 'resource group (pipevault has one: pipevault)'),
  );
}

export function register(program: Command): void {
  // `az keyvault secret show --version X` must reach the subcommand, not the program's own -V/--version:
  // program options are recognised only before the subcommand.
  program.enablePositionalOptions();
  const keyvault = program.command('keyvault').description('local Key Vault: vaults, access policies, secrets, audit');

  vaultCommand(keyvault, 'create', 'create a vault (soft delete on; retention 90 days unless --retention-days)')
    .option(
      '--enable-rbac-authorization',
      'authorize data access with Azure RBAC role assignments instead of access policies',
    )
    .option('--retention-days <days>', 'soft-delete retention, 7-90 days (fixed at creation)')
    .option('--enable-purge-protection', 'refuse purges until the retention period ends (cannot be turned off)')
    .option('-l, --location <location>', 'accepted for az compatibility; pipevault vaults are local')
    .option('--tags <tags...>', 'space-separated key=value tags')
    .action(async (o: Opts) => {
      const format = outputFormat(o);
      checkResourceGroup(o);
      const name = vaultName(o);
      const properties: Record<string, unknown> = { sku: { family: 'A', name: 'standard' } };
      if (o.enableRbacAuthorization) properties.enableRbacAuthorization = true;
      if (o.enablePurgeProtection) properties.enablePurgeProtection = true;
      if (o.retentionDays !== undefined) {
        const d = Number(o.retentionDays);
        if (!Number.isInteger(d) || d < 7 || d > 90)
          throw badInput(`'${String(o.retentionDays)}' is not 7-90`, '--retention-days');
        properties.softDeleteRetentionInDays = d;
      }
      await withConnection(connectionOptions(o), async (c) => {
        const existing = await c.raw('GET', `${ARM_VAULTS}/${encodeURIComponent(name)}${ARM_VERSION}`);
        if (existing.status === 200) throw badInput(`a vault named ${name} already exists`, '--name');
        properties.tenantId = c.tenantId;
        const v = await c.request<ArmVault>('PUT', `${ARM_VAULTS}/${encodeURIComponent(name)}${ARM_VERSION}`, {
          location: 'local',
          tags: parseTags(o.tags as string[] | undefined) ?? {},
          properties,
        });
        print(format === 'json' ? v : vaultRow(v), format);
      });
    });

  vaultCommand(keyvault, 'show', 'show a vault').action(async (o: Opts) => {
    const format = outputFormat(o);
    checkResourceGroup(o);
    await withConnection(connectionOptions(o), async (c) => {
      const v = await c.request<ArmVault>('GET', `${ARM_VAULTS}/${encodeURIComponent(vaultName(o))}${ARM_VERSION}`);
      print(format === 'json' ? v : vaultRow(v), format);
    });
  });

  addConnectionOptions(
    keyvault
      .command('list')
      .description('list vaults')
      .option('-g, --resource-group <group>', 'resource group (pipevault has one: pipevault)'),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    checkResourceGroup(o);
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request<{ value: ArmVault[] }>('GET', `${ARM_VAULTS}${ARM_VERSION}`);
      print(format === 'json' ? r.value : r.value.map(vaultRow), format, [
        'name',
        'vaultUri',
        'rbac',
        'retentionDays',
        'purgeProtection',
        'accessPolicies',
      ]);
    });
  });

  vaultCommand(keyvault, 'delete', 'delete a vault with all its secrets (audit records stay)').action(
    async (o: Opts) => {
      checkResourceGroup(o);
      const name = vaultName(o);
      await withConnection(connectionOptions(o), async (c) => {
        const r = await c.raw('DELETE', `${ARM_VAULTS}/${encodeURIComponent(name)}${ARM_VERSION}`);
        if (r.status === 204) throw badInput(`no vault named ${name}`, '--name');
        if (r.status !== 200) {
          const e = (r.json as { error?: { message?: string } } | undefined)?.error;
          throw badInput(e?.message ?? `the server answered HTTP ${r.status}`, '--name');
        }
      });
    },
  );

  vaultCommand(
    keyvault,
    'set-policy',
    "grant a principal secret permissions (replaces that principal's secret permissions)",
  )
    .option('--object-id <oid>', 'the principal by object ID')
    .option('--spn <appid>', 'the principal by application ID (e.g. a factory managed identity)')
    .option('--application-id <appid>', 'compound identity: only when this application acts for the principal')
    .option('--secret-permissions <perms...>', 'get list set delete recover backup restore purge, or all')
    .action(async (o: Opts) => {
      const format = outputFormat(o);
      checkResourceGroup(o);
      const name = vaultName(o);
      const perms = o.secretPermissions as string[] | undefined;
      if (!perms?.length)
        throw badInput('list the permissions to grant, e.g. --secret-permissions get list', '--secret-permissions');
      await withConnection(connectionOptions(o), async (c) => {
        const objectId = await policyObjectId(c, o);
        const v = await c.request<ArmVault>('GET', `${ARM_VAULTS}/${encodeURIComponent(name)}${ARM_VERSION}`);
        const existing = v.properties.accessPolicies.find(
          (p) =>
            p.objectId.toLowerCase() === objectId.toLowerCase() &&
            (p.applicationId ?? '') === String(o.applicationId ?? '').toLowerCase(),
        );
        const entry = {
          tenantId: c.tenantId,
          objectId,
          ...(typeof o.applicationId === 'string' ? { applicationId: o.applicationId } : {}),
          permissions: { ...(existing?.permissions ?? {}), secrets: perms },
        };
        const r = await c.request<{ properties: { accessPolicies: unknown[] } }>(
          'PUT',
          `${ARM_VAULTS}/${encodeURIComponent(name)}/accessPolicies/replace${ARM_VERSION}`,
          { properties: { accessPolicies: [entry] } },
        );
        print(r.properties.accessPolicies, format);
      });
    });

  vaultCommand(keyvault, 'delete-policy', "remove a principal's access policy")
    .option('--object-id <oid>', 'the principal by object ID')
    .option('--spn <appid>', 'the principal by application ID')
    .option('--application-id <appid>', 'the compound identity application, if the policy has one')
    .action(async (o: Opts) => {
      const format = outputFormat(o);
      checkResourceGroup(o);
      const name = vaultName(o);
      await withConnection(connectionOptions(o), async (c) => {
        const objectId = await policyObjectId(c, o);
        const r = await c.request<{ properties: { accessPolicies: unknown[] } }>(
          'PUT',
          `${ARM_VAULTS}/${encodeURIComponent(name)}/accessPolicies/remove${ARM_VERSION}`,
          {
            properties: {
              accessPolicies: [
                {
                  tenantId: c.tenantId,
                  objectId,
                  ...(typeof o.applicationId === 'string' ? { applicationId: o.applicationId } : {}),
                  permissions: {},
                },
              ],
            },
          },
        );
        print(r.properties.accessPolicies, format);
      });
    });

  registerSecretCommands(keyvault);

  const audit = keyvault.command('audit').description('the audit trail of secret operations (never values)');
  addConnectionOptions(
    audit
      .command('list')
      .description('list audit records, newest first')
      .option('--vault-name <vault>', 'only this vault')
      .option('-n, --name <secret>', 'only this secret')
      .option('--principal <id>', 'only this principal (object ID or application ID)')
      .option('--operation <op>', 'only this operation, e.g. SecretGet, SecretSet, SecretDelete')
      .option('--result <result>', 'only this result: Success, Denied, NotFound, Failed, Error')
      .option('--since <time>', 'from this time on (ISO 8601)')
      .option('--until <time>', 'before this time (ISO 8601)')
      .option('--top <n>', 'at most this many records (default 100)'),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    const q = new URLSearchParams();
    const map: Record<string, string> = {
      vaultName: 'vault',
      name: 'secret',
      principal: 'principal',
      operation: 'operation',
      result: 'result',
      since: 'since',
      until: 'until',
      top: 'top',
    };
    for (const [flag, key] of Object.entries(map)) if (typeof o[flag] === 'string') q.set(key, o[flag] as string);
    await withConnection(connectionOptions(o), async (c) => {
      const r = await c.request<{ value: Array<Record<string, unknown>> }>(
        'GET',
        `/pipevault/admin/keyvault/audit${q.size ? `?${q}` : ''}`,
      );
      const rows = r.value.map((a) => ({
        time: a.time,
        vault: a.vault,
        operation: a.operation,
        secret: a.secretName ?? '',
        version: a.version ?? '',
        principal: (a.principal as { objectId: string | null }).objectId ?? '',
        result: a.result,
        status: a.status,
        reason: a.reason ?? '',
        client: a.clientAddress ?? '',
      }));
      print(format === 'json' ? r.value : rows, format, [
        'time',
        'vault',
        'operation',
        'secret',
        'version',
        'principal',
        'result',
        'status',
        'reason',
        'client',
      ]);
    });
  });
}
