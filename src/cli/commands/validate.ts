import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { badInput } from '../../common/catalogue.js';
import {
  checkWorkspaceJson,
  loadFactorySync,
  locateFindings,
  readJsonFile,
  validate,
  WORKSPACE_FILE,
  type Problem,
} from '../../adf/model/index.js';
import { secretFlowFindings } from '../../adf/lint/index.js';

interface ValidateOptions {
  output?: string;
  json?: boolean;
  templateParameters?: string;
}

/**
 * `pipevault validate DIR|FILE`: what ADF would reject at publish time, each with file, JSON path and reason,
 * and warnings listed apart. Exit 0 clean (warnings allowed), 1 problems, 2 bad input. A `pipevault.json` in
 * the folder is checked too (its schema only: no env var or file it names needs to exist).
 */
export function register(program: Command): void {
  program
    .command('validate')
    .description(
      'check a factory (ADF git folder, ARM template export or one pipeline file) the way ADF checks it at publish time',
    )
    .argument(
      '<path>',
      'an ADF git folder, an ARM template (or the folder holding ARMTemplateForFactory.json), or a pipeline JSON file',
    )
    .option('-o, --output <format>', 'json or table', 'table')
    .option('--json', 'same as -o json')
    .option('--template-parameters <file>', 'ARM parameters file applied to an ARM template export')
    .addHelpText(
      'after',
      '\nExit codes: 0 no problems (warnings do not count), 1 problems found, 2 bad input (unreadable path, invalid JSON).\nRules and their sources: docs/validation.md.',
    )
    .action((path: string, opts: ValidateOptions) => {
      const format = opts.json ? 'json' : (opts.output ?? 'table');
      if (format !== 'json' && format !== 'table')
        throw badInput(`unknown output format '${format}'; use json or table`, '--output');
      const factory = loadFactorySync(path, {
        ...(opts.templateParameters ? { templateParameters: opts.templateParameters } : {}),
      });
      const findings = validate(factory);
      findings.warnings.push(...secretFlowFindings(factory));
      const ws = workspaceFile(path);
      if (ws) findings.problems.push(...checkWorkspaceJson(readJsonFile(ws), ws).problems);
      findings.problems = locateFindings(findings.problems, readText);
      findings.warnings = locateFindings(findings.warnings, readText);
      process.stdout.write(
        format === 'json' ? `${JSON.stringify(findings, null, 2)}\n` : table(findings.problems, findings.warnings),
      );
      process.exitCode = findings.problems.length ? 1 : 0;
    });
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function workspaceFile(path: string): string | undefined {
  if (!statSync(path).isDirectory()) return undefined;
  const f = join(path, WORKSPACE_FILE);
  return existsSync(f) ? f : undefined;
}

function table(problems: Problem[], warnings: Problem[]): string {
  const lines: string[] = [];
  const section = (title: string, list: Problem[]) => {
    if (!list.length) return;
    lines.push(`${title} (${list.length}):`);
    for (const p of list) {
      const at = p.line === undefined ? '' : `:${p.line}:${p.column}`;
      lines.push(`  ${display(p.file)}${at}  ${p.path}`);
      lines.push(`    ${p.rule}: ${p.reason}`);
    }
    lines.push('');
  };
  section('Problems', problems);
  section('Warnings', warnings);
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  lines.push(
    problems.length || warnings.length
      ? `${count(problems.length, 'problem')}, ${count(warnings.length, 'warning')}`
      : 'No problems found.',
  );
  return `${lines.join('\n')}\n`;
}

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}
