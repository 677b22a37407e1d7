import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium driven by playwright-core (no browser download). Screenshots go to test-artifacts/ui/. */
export const CHROMIUM = process.env.PIPEVAULT_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = new URL('../../test-artifacts/ui/', import.meta.url).pathname;

/** Why browser tests cannot run here, or undefined when they can. Under CI a missing browser is a failure. */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} not found (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}

export async function launch(): Promise<{ context: BrowserContext }> {
  // a fresh profile per suite (launchPersistentContext is how playwright takes --user-data-dir)
  const profile = mkdtempSync(join(tmpdir(), 'pipevault-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // the server's certificate is signed by the test's own throwaway CA
    ignoreHTTPSErrors: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // the shared CI machine can be slow; waits are for conditions, never for fixed times
  context.setDefaultTimeout(90_000);
  after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return { context };
}
