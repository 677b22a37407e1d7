import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { Option, type Command } from 'commander';
import { badInput, unreadablePath } from '../../common/catalogue.js';
import { loadFactorySync } from '../../adf/model/index.js';
import {
  analyzeSecretFlows,
  discoverFactories,
  type SecretFlowFinding,
  type SecretSource,
} from '../../adf/lint/index.js';

/**
 * `pipevault lint DIR|FILE…`: the secret-flow findings of one or more factories (docs/secret-hygiene.md).
 * Exit 0 clean, 1 findings, 2 bad input.
 */

interface LintOptions {
  recursive?: boolean;
  output: 'table' | 'json';
  json?: boolean;
  templateParameters?: string;
}

export interface LintResult {
  factories: string[];
  pipelines: number;
  sources: SecretSource[];
  findings: SecretFlowFinding[];
}

/** Lints each path (with `recursive`, every factory found under it). Throws bad input for unreadable paths. */
export function lintPaths(
  paths: string[],
  opts: { recursive?: boolean; templateParameters?: string } = {},
): LintResult {
  const factories: string[] = [];
  for (const p of paths) {
    if (!opts.recursive) {
      factories.push(p);
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw unreadablePath(p, 'no such file or directory');
    }
    const found = isDir ? discoverFactories(p) : [p];
    if (!found.length) throw badInput('no ADF factory, ARM template or pipeline file found under it', p);
    factories.push(...found);
  }
  const result: LintResult = { factories, pipelines: 0, sources: [], findings: [] };
  for (const path of factories) {
    const factory = loadFactorySync(path, { templateParameters: opts.templateParameters });
    const report = analyzeSecretFlows(factory);
    result.pipelines += report.pipelines;
    result.sources.push(...report.sources);
    result.findings.push(...report.findings);
  }
  return result;
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

export function summary(r: LintResult) {
  return {
    findings: r.findings.length,
    bySink: countBy(r.findings, (f) => f.sink),
    files: new Set(r.findings.map((f) => f.file)).size,
    factories: r.factories.length,
    pipelines: r.pipelines,
    sources: r.sources.length,
    sourcesByKind: countBy(r.sources, (s) => s.kind),
  };
}

function formatText(r: LintResult): string {
  const lines: string[] = [];
  let file = '';
  for (const f of r.findings) {
    if (f.file !== file) {
      file = f.file;
      lines.push(display(file));
    }
    lines.push(`  ${f.path}  [${f.sink}]  pipeline '${f.pipeline}', activity '${f.activity}'`);
    lines.push(`    ${f.message}`);
    if (f.sources.length > 1) lines.push(`    sources: ${f.sources.map((s) => s.description).join('; ')}`);
    lines.push(`    fix: ${f.fix}`);
  }
  const s = summary(r);
  const checked = `${s.pipelines} pipelines and ${s.sources} secret sources checked in ${s.factories} ${s.factories === 1 ? 'factory' : 'factories'}`;
  if (!s.findings) lines.push(`No secret-flow findings: ${checked}.`);
  else {
    const kinds = Object.entries(s.bySink)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    if (lines.length) lines.push('');
    lines.push(
      `${s.findings} secret-flow finding${s.findings === 1 ? '' : 's'} (${kinds}) in ${s.files} files; ${checked}.`,
    );
  }
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('lint')
    .description(
      'Find secrets that would show: Key Vault reads, secureOutput activities and SecureString parameters whose values reach an activity input without secureInput, a variable, a plain ExecutePipeline parameter, a return value, a Fail message, a URL or user properties. Exit 1 with findings.',
    )
    .argument(
      '<path...>',
      'ADF git folder, ARM template, folder with ARMTemplateForFactory.json, or pipeline JSON file',
    )
    .option('-r, --recursive', 'lint every factory, ARM template and pipeline file found under each folder')
    .option('--template-parameters <file>', 'ARM parameters file applied to an ARM template')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--json', 'same as -o json')
    .addHelpText(
      'after',
      '\nEach finding names the file, JSON path, pipeline, activity, the secret source and the fix. See docs/secret-hygiene.md.',
    )
    .action((paths: string[], opts: LintOptions) => {
      const result = lintPaths(paths, opts);
      if (opts.json || opts.output === 'json') {
        process.stdout.write(
          JSON.stringify({ summary: summary(result), findings: result.findings, sources: result.sources }, null, 2) +
            '\n',
        );
      } else {
        process.stdout.write(formatText(result));
      }
      process.exitCode = result.findings.length ? 1 : 0;
    });
}

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}
