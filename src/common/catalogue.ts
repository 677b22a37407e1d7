import { PipevaultError } from './errors.js';

/**
 * The error catalogue: every error a user can see is made here, by name, so messages stay consistent and
 * each says what is wrong and how to fix it. Sections by concern; keep each constructor small.
 */

// ---- general / CLI -------------------------------------------------------------------------------------

export const badInput = (what: string, where?: string) =>
  new PipevaultError({ code: 'BadRequest', message: where ? `${where}: ${what}` : what, status: 400, exitCode: 2 });

export const notFound = (what: string) =>
  new PipevaultError({ code: 'NotFound', message: what, status: 404, exitCode: 2 });

export const unreadablePath = (path: string, reason: string) =>
  new PipevaultError({ code: 'BadRequest', message: `Cannot read ${path}: ${reason}`, exitCode: 2 });

export const invalidJson = (where: string, reason: string) =>
  new PipevaultError({ code: 'BadRequest', message: `Invalid JSON in ${where}: ${reason}`, exitCode: 2 });
