import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled bin, as users run it (`npm test` builds it first). */
export const BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...opts.env }, cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Spawns `pipevault start …` and resolves once the ready line is printed. */
export function spawnServer(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<{
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'start', ...args], { env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    let exited: Promise<number> | undefined;
    const exit = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^pipevault ready (https:\/\/\S+)$/m.exec(stdout);
      if (m && !exited) {
        exited = exit;
        resolve({
          child,
          url: m[1],
          stdout: () => stdout,
          stderr: () => stderr,
          stop: async (signal = 'SIGINT') => {
            if (child.exitCode === null) child.kill(signal);
            return exit;
          },
        });
      }
    });
    exit.then((code) => {
      if (!exited) reject(new Error(`pipevault start exited with ${code} before it was ready:\n${stderr}`));
    });
  });
}
