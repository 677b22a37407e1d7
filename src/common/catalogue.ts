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

// ---- storage ------------------------------------------------------------------------------------------

export const masterKeyUnusable = (reason: string) =>
  new PipevaultError({
    code: 'MasterKeyUnusable',
    message: `The master key cannot be used: ${reason}.`,
    status: 500,
    failureType: 'SystemError',
    exitCode: 2,
  });

export const sealedValueUnreadable = (reason: string) =>
  new PipevaultError({
    code: 'SealedValueUnreadable',
    message: `A stored secret value cannot be decrypted: ${reason}. Check PIPEVAULT_MASTER_KEY / the data dir's master.key.`,
    status: 500,
    failureType: 'SystemError',
    exitCode: 1,
  });
