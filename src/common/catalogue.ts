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

// ---- Key Vault data plane (messages as Azure Key Vault words them; specs/keyvault-identity.md §1.6) ----------

const KV_NOT_FOUND_HELP = 'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

export const kvUnauthorized = (headers: Record<string, string>, detail?: string) =>
  new PipevaultError({
    code: 'Unauthorized',
    message: detail
      ? `AKV10000: Request is missing a Bearer or PoP token. ${detail}`
      : 'AKV10000: Request is missing a Bearer or PoP token.',
    status: 401,
    headers,
    exitCode: 1,
  });

export const kvBadParameter = (message: string) =>
  new PipevaultError({ code: 'BadParameter', message, status: 400, exitCode: 2 });

export const kvSecretNotFound = (name: string) =>
  new PipevaultError({
    code: 'SecretNotFound',
    message: `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. ${KV_NOT_FOUND_HELP}`,
    status: 404,
    exitCode: 1,
  });

export const kvSecretVersionNotFound = (name: string, version: string) =>
  new PipevaultError({
    code: 'SecretNotFound',
    message: `A secret with (name/id) ${name}/${version} was not found in this key vault. ${KV_NOT_FOUND_HELP}`,
    status: 404,
    exitCode: 1,
  });

export const kvDeletedSecretNotFound = (name: string) =>
  new PipevaultError({
    code: 'SecretNotFound',
    message: `Deleted Secret not found: ${name}`,
    status: 404,
    exitCode: 1,
  });

export const kvSecretDisabled = (operation: string) =>
  new PipevaultError({
    code: 'Forbidden',
    innerCode: 'SecretDisabled',
    message: `Operation ${operation} is not allowed on a disabled secret.`,
    status: 403,
    exitCode: 1,
  });

export const kvAccessDenied = (opts: { caller: string; permission: string; vault: string }) =>
  new PipevaultError({
    code: 'Forbidden',
    innerCode: 'AccessDenied',
    message: `The user, group or application '${opts.caller}' does not have secrets ${opts.permission} permission on key vault '${opts.vault};location=local'. Grant it with: pipevault keyvault set-policy --name ${opts.vault} --object-id <object id> --secret-permissions ${opts.permission}. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
    status: 403,
    exitCode: 1,
  });

export const kvForbiddenByRbac = (opts: { caller: string; action: string; resource: string; vault: string }) =>
  new PipevaultError({
    code: 'Forbidden',
    innerCode: 'ForbiddenByRbac',
    message:
      'Caller is not authorized to perform action on resource.\r\n' +
      'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
      `Caller: ${opts.caller}\r\nAction: '${opts.action}'\r\nResource: '${opts.resource}'\r\n` +
      `Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\n` +
      `Vault: ${opts.vault};location=local\r\n`,
    status: 403,
    exitCode: 1,
  });

export const kvDeletedButRecoverable = (name: string) =>
  new PipevaultError({
    code: 'Conflict',
    innerCode: 'ObjectIsDeletedButRecoverable',
    message: `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
    status: 409,
    exitCode: 1,
  });

export const kvSecretAlreadyExists = (name: string) =>
  new PipevaultError({
    code: 'Conflict',
    message: `Secret ${name} already exists in this vault; a backup can only be restored under a name that is free. Delete and purge the secret first, or restore into another vault.`,
    status: 409,
    exitCode: 1,
  });

export const kvPurgeProtected = (name: string, vault: string) =>
  new PipevaultError({
    code: 'Forbidden',
    innerCode: 'PurgeProtected',
    message: `Operation purge is not allowed on secret ${name}: purge protection is enabled on vault ${vault}, so the secret stays recoverable until its scheduled purge date.`,
    status: 403,
    exitCode: 1,
  });

export const kvNotSoftDeleteVault = (vault: string) =>
  new PipevaultError({
    code: 'BadParameter',
    message: `Vault ${vault} does not have soft delete enabled, so there are no deleted secrets to recover or purge.`,
    status: 400,
    exitCode: 2,
  });

export const kvVaultNotFound = (vault: string) =>
  new PipevaultError({
    code: 'VaultNotFound',
    message: `No vault named ${vault} is served here. Create it with: pipevault keyvault create --name ${vault}`,
    status: 404,
    exitCode: 1,
  });

export const kvVaultAlreadyExists = (vault: string) =>
  new PipevaultError({
    code: 'VaultAlreadyExists',
    message: `A vault named ${vault} already exists.`,
    status: 409,
    exitCode: 1,
  });

export const kvBadBackup = (reason: string) =>
  new PipevaultError({
    code: 'BadParameter',
    message: `The backup blob is not a valid pipevault secret backup: ${reason}`,
    status: 400,
    exitCode: 2,
  });

/** A vault-scoped request no Key Vault operation matches (path unknown to pipevault's secrets API). */
export const kvUnknownPath = (method: string, path: string) =>
  new PipevaultError({
    code: 'NotFound',
    message: `No Key Vault operation matches ${method} ${path}. pipevault serves the secrets API: /secrets, /secrets/{name}[/{version}], /secrets/{name}/versions, /secrets/{name}/backup, /secrets/restore, /deletedsecrets[/{name}[/recover]].`,
    status: 404,
    exitCode: 1,
  });

/** A known Key Vault path asked with a method it does not take (e.g. PUT /secrets without a name). */
export const kvMethodNotAllowed = (method: string, path: string, allowed: readonly string[]) =>
  new PipevaultError({
    code: 'MethodNotAllowed',
    message: `The HTTP method '${method}' is not supported on ${path}; it takes ${allowed.join(', ')}.`,
    status: 405,
    headers: { allow: allowed.join(', ') },
    exitCode: 2,
  });

export const kvInternal = () =>
  new PipevaultError({
    code: 'InternalError',
    message: 'The vault could not complete the request because of an internal error; the server log has details.',
    status: 500,
    failureType: 'SystemError',
    exitCode: 1,
  });

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

// ---- ADF runs: engine and activities (activity errors use ADF's {errorCode, message, failureType, target}) ----

export const unknownPipeline = (name: string, known: string[]) =>
  new PipevaultError({
    code: 'PipelineNotFound',
    message: `Pipeline '${name}' not found${known.length ? `; the factory has: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}` : ''}.`,
    status: 404,
    exitCode: 2,
  });

export const missingPipelineParameter = (pipeline: string, parameter: string) =>
  new PipevaultError({
    code: 'BadRequest',
    message: `No value provided for Parameter '${parameter}' of pipeline '${pipeline}'; pass it with --param ${parameter}=VALUE.`,
    status: 400,
    exitCode: 2,
  });

export const invalidPipelineParameter = (pipeline: string, parameter: string, type: string, reason: string) =>
  new PipevaultError({
    code: 'BadRequest',
    message: `Parameter '${parameter}' of pipeline '${pipeline}' is declared ${type}: ${reason}.`,
    status: 400,
    exitCode: 2,
  });

export const pipelineThrottled = (pipeline: string) =>
  new PipevaultError({
    code: 'PipelineRunThrottled',
    message: `Pipeline execution throttled. If the concurrency value is set for a pipeline, a maximum of 100 runs will be queued for execution. (pipeline '${pipeline}')`,
    status: 429,
    exitCode: 1,
  });

export const runNotFound = (runId: string) =>
  new PipevaultError({
    code: 'PipelineRunNotFound',
    message: `Pipeline run '${runId}' not found.`,
    status: 404,
    exitCode: 2,
  });

export const unsupportedActivity = (activity: string, type: string, pipeline: string) =>
  new PipevaultError({
    code: 'UnsupportedActivityType',
    message:
      `Activity '${activity}' has type '${type}', which pipevault does not run. Mock it: add ` +
      `"mocks": {"${pipeline}/${activity}": {"status": "Succeeded", "output": {…}}} to pipevault.json, or pass --mocks FILE with the same map.`,
    failureType: 'UserError',
    target: activity,
    exitCode: 1,
  });

export const activityTimedOut = (activity: string, timeout: string) =>
  new PipevaultError({
    code: 'ActivityTimedOut',
    message: `Activity '${activity}' timed out after ${timeout} (policy.timeout); raise the timeout or make the work faster.`,
    failureType: 'UserError',
    target: activity,
    exitCode: 1,
  });

export const activityCancelled = (activity: string) =>
  new PipevaultError({
    code: 'ActivityCancelled',
    message: `Activity '${activity}' was cancelled because its pipeline run was cancelled.`,
    target: activity,
    exitCode: 1,
  });

export const innerActivityFailed = (activity: string, inner: string, innerMessage: string) =>
  new PipevaultError({
    code: 'ActionFailed',
    message: `Activity failed because an inner activity failed; Inner activity name: ${inner}, Error: ${innerMessage}`,
    target: activity,
    exitCode: 1,
  });

export const invalidActivityTemplate = (activity: string, message: string) =>
  new PipevaultError({ code: 'InvalidTemplate', message, target: activity, exitCode: 1 });

export const invalidActivityProperty = (activity: string, property: string, reason: string) =>
  new PipevaultError({
    code: 'BadRequest',
    message: `Activity '${activity}': ${property} ${reason}.`,
    target: activity,
    exitCode: 1,
  });

export const userFailActivity = (activity: string, errorCode: string, message: string) =>
  new PipevaultError({ code: errorCode, message, failureType: 'UserError', target: activity, exitCode: 1 });

export const childPipelineFailed = (activity: string, child: string, childRunId: string, childMessage: string) =>
  new PipevaultError({
    code: 'ChildPipelineFailed',
    message: `Operation on target ${activity} failed: pipeline '${child}' (run ${childRunId}) failed: ${childMessage}`,
    target: activity,
    exitCode: 1,
  });

export const mockedActivityFailure = (activity: string) =>
  new PipevaultError({
    code: 'MockedFailure',
    message: `Activity '${activity}' failed as its mock says (status Failed, no error given).`,
    target: activity,
    exitCode: 1,
  });

export const runInterrupted = (runId: string) =>
  new PipevaultError({
    code: 'RunInterrupted',
    message: `Run ${runId} was interrupted: the pipevault process executing it stopped (crash or kill) before it finished, so it was marked Failed when pipevault started again. Rerun the pipeline.`,
    failureType: 'SystemError',
    exitCode: 1,
  });

/** A run still going when its engine was closed (server shutdown): ended as a restart would end it. */
export const runShutDown = (runId: string) =>
  new PipevaultError({
    code: 'RunInterrupted',
    message: `Run ${runId} was interrupted: the pipevault process executing it shut down before it finished, so it was marked Failed. Rerun the pipeline.`,
    failureType: 'SystemError',
    exitCode: 1,
  });

export const engineClosed = () =>
  new PipevaultError({
    code: 'ServiceUnavailable',
    message: 'The run engine is shutting down and accepts no new runs.',
    status: 503,
    failureType: 'SystemError',
    exitCode: 1,
  });

// ---- identity ------------------------------------------------------------------------------------------

export const invalidAccessToken = (reason: string) =>
  new PipevaultError({
    code: 'InvalidAuthenticationToken',
    message: `The access token is invalid: ${reason}.`,
    status: 401,
    exitCode: 1,
  });

export const principalNotFound = (id: string) =>
  new PipevaultError({
    code: 'PrincipalNotFound',
    message: `No principal with object ID or application ID '${id}' exists in this tenant. List them with: pipevault identity show`,
    status: 404,
    exitCode: 2,
  });

export const unknownRole = (role: string, known: string[]) =>
  new PipevaultError({
    code: 'RoleDefinitionDoesNotExist',
    message: `The role '${role}' does not exist. Known roles: ${known.join(', ')}.`,
    status: 400,
    exitCode: 2,
  });

export const adminRequired = () =>
  new PipevaultError({
    code: 'AuthorizationFailed',
    message: 'Only the pipevault admin principal may call the admin API (use the admin credential in the data dir).',
    status: 403,
    exitCode: 1,
  });

// ---- outbound HTTP of runs, Web / WebHook / Azure Function, Key Vault references (docs/secrets-in-pipelines.md) ----

/** ADF's error code for a Web activity call that failed (non-2xx, connection, timeout). */
export const WEB_ACTIVITY_ERROR = '2108';

export const outboundHostNotAllowed = (host: string) =>
  new PipevaultError({
    code: 'OutboundHostNotAllowed',
    message:
      `The run may not call '${host}': pipevault never reaches a host outside this machine by accident. ` +
      `Map it to a local stand-in in pipevault.json ("hosts": {"${host}": "http://127.0.0.1:PORT"}), ` +
      `or allow real calls with --allow-egress (or "allowEgress": true in pipevault.json).`,
    failureType: 'UserError',
    exitCode: 1,
  });

export const unknownVaultHost = (vault: string, host: string) =>
  new PipevaultError({
    code: 'VaultNotFound',
    message:
      `The vault '${vault}' (${host}) is not defined here: add it under "vaults" in pipevault.json, ` +
      `or create it with: pipevault keyvault create --name ${vault}`,
    failureType: 'UserError',
    exitCode: 1,
  });

export const outboundRequestFailed = (url: string, reason: string) =>
  new PipevaultError({
    code: WEB_ACTIVITY_ERROR,
    message: `Error calling the endpoint '${url}'. Response status code: 'NA - Unknown'. More details: ${reason}.`,
    failureType: 'UserError',
    exitCode: 1,
  });

export const outboundTimedOut = (url: string, ms: number) =>
  new PipevaultError({
    code: WEB_ACTIVITY_ERROR,
    message: `Error calling the endpoint '${url}'. Response status code: 'NA - Unknown'. More details: no response within ${Math.round(ms / 1000)} s (httpRequestTimeout; at most 00:10:00).`,
    failureType: 'UserError',
    exitCode: 1,
  });

export const outboundResponseTooLarge = (url: string, maxBytes: number) =>
  new PipevaultError({
    code: '2001',
    message: `The length of execution output is over limit (around ${Math.round(maxBytes / 1048576)}MB currently): the response of '${url}' is larger.`,
    failureType: 'UserError',
    exitCode: 1,
  });

/** A non-2xx answer: ADF shows the response body as the message (a Key Vault 403 reads as Key Vault wrote it). */
export const webActivityHttpError = (url: string, status: number, body: string) =>
  new PipevaultError({
    code: WEB_ACTIVITY_ERROR,
    message: body.trim() ? body : `Error calling the endpoint '${url}'. Response status code: '${status}'.`,
    failureType: 'UserError',
    exitCode: 1,
  });

export const activityServiceMissing = (activity: string, what: string) =>
  new PipevaultError({
    code: 'ServiceNotAvailable',
    message: `Activity '${activity}' needs ${what}, which this run was started without; run it with pipevault run or pipevault start.`,
    failureType: 'SystemError',
    target: activity,
    exitCode: 1,
  });

export const tokenRequestFailed = (who: string, resource: string, reason: string) =>
  new PipevaultError({
    code: 'AuthenticationFailed',
    message: `Could not get a token for ${who} (resource '${resource}'): ${reason}`,
    failureType: 'UserError',
    exitCode: 1,
  });

export const unknownReference = (kind: string, name: string, known: string[]) =>
  new PipevaultError({
    code: 'ReferenceNotFound',
    message: `The ${kind} '${name}' is not defined in the factory${known.length ? `; it has: ${known.slice(0, 20).join(', ')}` : ''}.`,
    failureType: 'UserError',
    exitCode: 1,
  });

export const keyVaultSecretUnavailable = (secretName: string, store: string, vaultMessage: string) =>
  new PipevaultError({
    code: 'AzureKeyVaultSecretNotAccessible',
    message: `Failed to get the secret '${secretName}' from Azure Key Vault (linked service '${store}'): ${vaultMessage}`,
    failureType: 'UserError',
    exitCode: 1,
  });

export const webhookTimedOut = (activity: string, timeout: string) =>
  new PipevaultError({
    code: 'WebhookTimedOut',
    message: `Activity '${activity}' received no callback within ${timeout} (typeProperties.timeout); the endpoint must POST to the callBackUri it was sent.`,
    failureType: 'UserError',
    target: activity,
    exitCode: 1,
  });

export const webhookReportedFailure = (code: string, message: string) =>
  new PipevaultError({ code: code || 'WebhookFailed', message, failureType: 'UserError', exitCode: 1 });

export const azureFunctionFailed = (fn: string, status: number | string, message: string) =>
  new PipevaultError({
    code: '3608',
    message: `Call to provided Azure function '${fn}' failed with status-'${status}' and message - '${message}'.`,
    failureType: 'UserError',
    exitCode: 1,
  });

// ---- ADF management API (ARM-shaped, 2018-06-01; errors as ARM's {"error": {code, message, target?}}) ----------

export const rerunNotPossible = (runId: string, reason: string) =>
  new PipevaultError({
    code: 'BadRequest',
    message: `Cannot rerun pipeline run '${runId}': ${reason}.`,
    status: 400,
    exitCode: 2,
  });

export const armMissingApiVersion = () =>
  new PipevaultError({
    code: 'MissingApiVersionParameter',
    message:
      "The api-version query parameter (?api-version=) is required for all requests. Use api-version '2018-06-01'.",
    status: 400,
    exitCode: 2,
  });

export const armInvalidApiVersion = (given: string, supported: string) =>
  new PipevaultError({
    code: 'InvalidApiVersionParameter',
    message: `The api-version '${given}' is invalid. The supported versions are '${supported}'. (Start the server with --loose to accept any.)`,
    status: 400,
    exitCode: 2,
  });

export const armResourceNotFound = (type: string, name: string, scope: string) =>
  new PipevaultError({
    code: 'ResourceNotFound',
    message: `The Resource '${type}/${name}' under resource group '${scope}' was not found.`,
    status: 404,
    exitCode: 2,
  });

export const armEntityNotFound = (kind: string, name: string, factory: string) =>
  new PipevaultError({
    code: 'NotFound',
    message: `Entity '${name}' (${kind}) not found in factory '${factory}'.`,
    status: 404,
    exitCode: 2,
  });

export const armInvalidBody = (reason: string, target?: string) =>
  new PipevaultError({
    code: 'BadRequest',
    message: reason,
    status: 400,
    exitCode: 2,
    ...(target ? { target } : {}),
  });

export const triggerEnabledCannotUpdate = () =>
  new PipevaultError({
    // ADF's own code and wording (a started trigger must be stopped before it is replaced or deleted)
    code: 'TriggerEnabledCannotUpdate',
    message: 'Cannot update enabled Trigger; the trigger needs to be disabled first.',
    status: 400,
    exitCode: 2,
  });

export const armAuthorizationFailed = (objectId: string, action: string, scope: string) =>
  new PipevaultError({
    code: 'AuthorizationFailed',
    message: `The client with object id '${objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. Grant a role with: pipevault role assignment create --assignee ${objectId} --role "Data Factory Contributor" --scope ${scope}`,
    status: 403,
    exitCode: 1,
  });

// ---- expressions ------------------------------------------------------------------------------------------
// Expression errors are `ExpressionError` (code `InvalidTemplate`, with the template text and a position), made by
// the named constructors in src/adf/expressions/errors.ts (syntaxError, evaluationError, missingPropertyError):
// that class lives beside the language because common/ may not import from adf/. docs/expressions.md "Errors".
