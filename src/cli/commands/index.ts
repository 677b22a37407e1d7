import type { Command } from 'commander';
import { register as registerExpr } from './expr.js';
import { register as registerValidate } from './validate.js';
import { register as registerRun } from './run.js';

/**
 * Every CLI command, in the order `--help` lists them. Adding a command is adding a file beside this one and
 * one line here.
 */
export function register(program: Command): void {
  void program;
  registerExpr(program);
  registerValidate(program);
  registerRun(program);
}
