#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isPipevaultError } from '../common/errors.js';
import { register as registerCommands } from './commands/index.js';

/**
 * The `pipevault` bin. Commands live one per file under ./commands and register themselves through
 * ./commands/index.ts. Errors become one line on stderr; exit 0 ok, 1 a check failed, 2 bad input.
 */
export function buildProgram(): Command {
  const program = new Command('pipevault')
    .description('Run Azure Data Factory pipelines locally and in CI, with a local Key Vault and managed identity.')
    .version('0.1.0')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.trimEnd() + '\n') });
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isPipevaultError(e)) {
      process.stderr.write(`pipevault: ${e.message}\n`);
      return e.exitCode;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`pipevault: internal error: ${message}\n`);
    if (process.env.PIPEVAULT_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/pipevault')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
}
