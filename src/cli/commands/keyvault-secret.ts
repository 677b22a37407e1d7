import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { badInput, unreadablePath } from '../../common/catalogue.js';
import { withConnection } from '../client/connect.js';
import { addConnectionOptions, connectionOptions } from '../client/options.js';
import { outputFormat, print } from '../client/output.js';
import {
  azSecret,
  dataPath,
  listAll,
  parseBool,
  parseSecretId,
  parseTags,
  parseUnixTime,
  secretRow,
} from './keyvault-client.js';

/**
 * `pipevault keyvault secret …`, with `az keyvault secret`'s verbs and flags. Values are printed only by `show`
 * (as az does); `set` prints the new version without echoing the value, so CI logs never carry it.
 */

type Opts = Record<string, unknown>;

/** The secret a command addresses: `--vault-name V --name S [--version X]` or `--id URL`. */
function target(o: Opts, needName = true): { vault: string; name: string; version?: string } {
  if (typeof o.id === 'string') return parseSecretId(o.id);
  if (typeof o.vaultName !== 'string')
    throw badInput('name the vault with --vault-name (or give --id)', '--vault-name');
  if (needName && typeof o.name !== 'string') throw badInput('name the secret with --name (or give --id)', '--name');
  return {
    vault: o.vaultName,
    name: String(o.name ?? ''),
    ...(typeof o.version === 'string' ? { version: o.version } : {}),
  };
}

function secretCommand(parent: Command, name: string, description: string, withVersion = false): Command {
  const c = parent
    .command(name)
    .description(description)
    .option('--vault-name <vault>', 'the vault')
    .option('-n, --name <name>', 'the secret')
    .option('--id <url>', 'the secret identifier, https://{vault}…/secrets/{name}[/{version}]');
  if (withVersion) c.option('--version <version>', 'a version (default: the latest)');
  return addConnectionOptions(c);
}

function attributesFrom(o: Opts): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  const disabled = parseBool(o.disabled, '--disabled');
  const enabled = parseBool(o.enabled, '--enabled');
  if (disabled !== undefined) attributes.enabled = !disabled;
  if (enabled !== undefined) attributes.enabled = enabled;
  const exp = parseUnixTime(o.expires, '--expires');
  const nbf = parseUnixTime(o.notBefore, '--not-before');
  if (exp !== undefined) attributes.exp = exp;
  if (nbf !== undefined) attributes.nbf = nbf;
  return attributes;
}

function readValue(o: Opts): string {
  if (typeof o.value === 'string' && o.file !== undefined)
    throw badInput('give --value or --file, not both', '--value');
  if (typeof o.value === 'string') return o.value;
  if (typeof o.file !== 'string') throw badInput('give the value with --value or --file', '--value');
  let bytes: Buffer;
  try {
    bytes = readFileSync(o.file);
  } catch (e) {
    throw unreadablePath(o.file, (e as NodeJS.ErrnoException).code ?? 'unreadable');
  }
  const enc = String(o.encoding ?? 'utf-8').toLowerCase();
  if (enc === 'utf-8' || enc === 'utf8') return bytes.toString('utf8');
  if (enc === 'base64') return bytes.toString('base64');
  if (enc === 'hex') return bytes.toString('hex');
  throw badInput(`'${String(o.encoding)}' is not an encoding (utf-8, base64, hex)`, '--encoding');
}

export function registerSecretCommands(keyvault: Command): void {
  const secret = keyvault.command('secret').description('secrets of a vault (as az keyvault secret)');

  secretCommand(secret, 'set', 'create a secret, or a new version of it')
    .option('--value <value>', 'the value (prefer --file: command lines end up in shell history)')
    .option('-f, --file <path>', 'read the value from a file')
    .option('-e, --encoding <encoding>', 'how to read --file: utf-8 (default), base64 or hex')
    .option('--content-type <type>', 'content type, e.g. text/plain')
    .option('--tags <tags...>', "space-separated key=value tags; '' clears")
    .option('--disabled <bool>', 'create the version disabled: true or false')
    .option('--expires <time>', 'expiry (ISO 8601, informational as in Key Vault)')
    .option('--not-before <time>', 'not-before (ISO 8601, informational as in Key Vault)')
    .action(async (o: Opts) => {
      const format = outputFormat(o);
      const t = target(o);
      const body: Record<string, unknown> = { value: readValue(o), attributes: attributesFrom(o) };
      if (typeof o.contentType === 'string') body.contentType = o.contentType;
      const tags = parseTags(o.tags as string[] | undefined);
      if (tags) body.tags = tags;
      await withConnection(connectionOptions(o), async (c) => {
        const r = await c.request<Record<string, unknown>>('PUT', dataPath(t.vault, `/secrets/${t.name}`), body);
        const { value: _value, ...shown } = azSecret(r);
        print(format === 'json' ? shown : secretRow(shown), format);
      });
    });

  secretCommand(secret, 'show', 'show a secret with its value (latest version unless --version)', true).action(
    async (o: Opts) => {
      const format = outputFormat(o);
      const t = target(o);
      await withConnection(connectionOptions(o), async (c) => {
        const path = t.version ? `/secrets/${t.name}/${t.version}` : `/secrets/${t.name}`;
        const s = azSecret(await c.request('GET', dataPath(t.vault, path)));
        print(format === 'json' ? s : { ...secretRow(s), value: s.value }, format);
      });
    },
  );

  addConnectionOptions(
    secret
      .command('list')
      .description('list the secrets of a vault (latest versions, no values)')
      .option('--vault-name <vault>', 'the vault')
      .option('--maxresults <n>', 'page size asked of the vault (1-25)'),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    const t = target(o, false);
    await withConnection(connectionOptions(o), async (c) => {
      const items = await listAll<Record<string, unknown>>(
        c,
        t.vault,
        dataPath(t.vault, '/secrets', { maxresults: o.maxresults as string | undefined }),
      );
      const out = items.map(azSecret);
      print(format === 'json' ? out : out.map(secretRow), format, [
        'name',
        'enabled',
        'contentType',
        'expires',
        'updated',
      ]);
    });
  });

  secretCommand(secret, 'list-versions', 'list the versions of a secret (no values)').action(async (o: Opts) => {
    const format = outputFormat(o);
    const t = target(o);
    await withConnection(connectionOptions(o), async (c) => {
      const items = await listAll<Record<string, unknown>>(
        c,
        t.vault,
        dataPath(t.vault, `/secrets/${t.name}/versions`),
      );
      const out = items.map(azSecret);
      print(format === 'json' ? out : out.map(secretRow), format, ['name', 'version', 'enabled', 'expires', 'updated']);
    });
  });

  secretCommand(secret, 'set-attributes', 'change attributes, tags or content type of a version', true)
    .option('--enabled <bool>', 'true or false')
    .option('--content-type <type>', 'content type')
    .option('--tags <tags...>', "space-separated key=value tags (replace all); '' clears")
    .option('--expires <time>', 'expiry (ISO 8601)')
    .option('--not-before <time>', 'not-before (ISO 8601)')
    .action(async (o: Opts) => {
      const format = outputFormat(o);
      const t = target(o);
      const body: Record<string, unknown> = { attributes: attributesFrom(o) };
      if (typeof o.contentType === 'string') body.contentType = o.contentType;
      const tags = parseTags(o.tags as string[] | undefined);
      if (tags) body.tags = tags;
      await withConnection(connectionOptions(o), async (c) => {
        const path = t.version ? `/secrets/${t.name}/${t.version}` : `/secrets/${t.name}`;
        const s = azSecret(await c.request('PATCH', dataPath(t.vault, path), body));
        print(format === 'json' ? s : secretRow(s), format);
      });
    });

  secretCommand(secret, 'delete', 'delete a secret (all versions; recoverable in a soft-delete vault)').action(
    async (o: Opts) => {
      const format = outputFormat(o);
      const t = target(o);
      await withConnection(connectionOptions(o), async (c) => {
        const s = azSecret(await c.request('DELETE', dataPath(t.vault, `/secrets/${t.name}`)));
        print(format === 'json' ? s : secretRow(s), format);
      });
    },
  );

  addConnectionOptions(
    secret
      .command('list-deleted')
      .description('list deleted secrets that can be recovered or purged')
      .option('--vault-name <vault>', 'the vault'),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    const t = target(o, false);
    await withConnection(connectionOptions(o), async (c) => {
      const out = (await listAll<Record<string, unknown>>(c, t.vault, dataPath(t.vault, '/deletedsecrets'))).map(
        azSecret,
      );
      print(format === 'json' ? out : out.map(secretRow), format, [
        'name',
        'deletedDate',
        'scheduledPurgeDate',
        'enabled',
      ]);
    });
  });

  secretCommand(secret, 'show-deleted', 'show a deleted secret').action(async (o: Opts) => {
    const format = outputFormat(o);
    const t = target(o);
    await withConnection(connectionOptions(o), async (c) => {
      const s = azSecret(await c.request('GET', dataPath(t.vault, `/deletedsecrets/${t.name}`)));
      print(format === 'json' ? s : secretRow(s), format);
    });
  });

  secretCommand(secret, 'recover', 'recover a deleted secret with all its versions').action(async (o: Opts) => {
    const format = outputFormat(o);
    const t = target(o);
    await withConnection(connectionOptions(o), async (c) => {
      const s = azSecret(await c.request('POST', dataPath(t.vault, `/deletedsecrets/${t.name}/recover`)));
      print(format === 'json' ? s : secretRow(s), format);
    });
  });

  secretCommand(secret, 'purge', 'purge a deleted secret for good').action(async (o: Opts) => {
    const t = target(o);
    await withConnection(connectionOptions(o), async (c) => {
      await c.request('DELETE', dataPath(t.vault, `/deletedsecrets/${t.name}`));
    });
  });

  secretCommand(secret, 'backup', 'write an opaque backup of a secret (all versions) to a file')
    .requiredOption('-f, --file <path>', 'where to write the backup')
    .action(async (o: Opts) => {
      const t = target(o);
      await withConnection(connectionOptions(o), async (c) => {
        const r = await c.request<{ value: string }>('POST', dataPath(t.vault, `/secrets/${t.name}/backup`));
        writeFileSync(String(o.file), Buffer.from(r.value, 'base64url'), { mode: 0o600 });
      });
    });

  addConnectionOptions(
    secret
      .command('restore')
      .description('restore a secret from a backup file into a vault')
      .option('--vault-name <vault>', 'the vault')
      .requiredOption('-f, --file <path>', 'the backup file'),
  ).action(async (o: Opts) => {
    const format = outputFormat(o);
    const t = target(o, false);
    let blob: Buffer;
    try {
      blob = readFileSync(String(o.file));
    } catch (e) {
      throw unreadablePath(String(o.file), (e as NodeJS.ErrnoException).code ?? 'unreadable');
    }
    await withConnection(connectionOptions(o), async (c) => {
      const s = azSecret(
        await c.request('POST', dataPath(t.vault, '/secrets/restore'), { value: blob.toString('base64url') }),
      );
      print(format === 'json' ? s : secretRow(s), format);
    });
  });
}
