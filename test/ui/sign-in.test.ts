import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findRole } from '../../src/identity/roles.js';
import { factoryResourceId } from '../../src/identity/types.js';
import { startTestServer } from '../helpers/server.js';
import { ARTIFACTS, browserMissing, launch } from './browser.js';

/** Served on a non-loopback address the monitor asks for a principal's credentials and then uses its token. */

const address = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && !a.internal && a.family === 'IPv4')?.address;
const missing = browserMissing() ?? (address ? undefined : 'no non-loopback IPv4 address on this machine');

describe('monitor off loopback', { skip: missing }, () => {
  test('asks to sign in; a principal with Reader on the factory then sees the runs', async () => {
    const server = await startTestServer({ host: address });
    const { principal, secret } = await server.identity.createServicePrincipal({ displayName: 'monitor-user' });
    await server.identity.roles.create({
      principalId: principal.objectId,
      role: findRole('Reader')!,
      scope: factoryResourceId('default'),
    });

    const { context } = await launch();
    const page = await context.newPage();
    await page.goto(`https://${address}:${server.port}/`);
    const dialog = page.getByRole('form', { name: 'Sign in to pipevault' });
    await dialog.waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'sign-in.png') });
    await dialog.getByLabel('Application (client) ID').fill(principal.appId);
    await dialog.getByLabel('Client secret').fill('wrong-secret');
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await dialog.getByRole('alert').waitFor();
    await dialog.getByLabel('Client secret').fill(secret);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Pipeline runs' }).waitFor();
    await page.getByText('Live').waitFor();
    assert.equal(await dialog.count(), 0);
  });
});
