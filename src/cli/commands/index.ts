import type { Command } from 'commander';
import { register as registerExpr } from './expr.js';
import { register as registerValidate } from './validate.js';
import { register as registerLint } from './lint.js';
import { register as registerStart } from './start.js';
import { register as registerIdentity } from './identity.js';
import { register as registerRole } from './role.js';
import { register as registerKeyvault } from './keyvault.js';
import { register as registerRun } from './run.js';
import { register as registerQuickstart } from './quickstart.js';
import { register as registerDatafactory } from './datafactory.js';

/**
 * Every CLI command, in the order `--help` lists them. Adding a command is adding a file beside this one and
 * one line here.
 */
export function register(program: Command): void {
  void program;
  registerExpr(program);
  registerValidate(program);
  registerLint(program);
  registerStart(program);
  registerIdentity(program);
  registerRole(program);
  registerKeyvault(program);
  registerRun(program);
  registerQuickstart(program);
  registerDatafactory(program);
}
