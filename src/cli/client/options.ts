import { Option, type Command } from 'commander';
import type { ConnectionOptions } from './connect.js';

/** Adds the flags every data command shares: where the server is and how to print. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data-dir <dir>',
      'data dir of the server to use (a live one named by its server.json, else started for this command)',
      '.pipevault',
    )
    .option('--endpoint <url>', 'a remote pipevault server (https://host:port)')
    .addOption(
      new Option('--admin-credential <file>', 'admin credential file for --endpoint').env('PIPEVAULT_ADMIN_CREDENTIAL'),
    )
    .option('--ca <file>', 'CA certificate (PEM) to trust for --endpoint')
    .option('-o, --output <format>', 'json or table', 'table')
    .option('--json', 'same as -o json');
}

export function connectionOptions(o: Record<string, unknown>): ConnectionOptions {
  return {
    dataDir: o.dataDir as string | undefined,
    endpoint: o.endpoint as string | undefined,
    adminCredential: o.adminCredential as string | undefined,
    ca: o.ca as string | undefined,
  };
}
