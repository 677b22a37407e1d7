import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { API, factoryPath, startApi, window, type ApiHarness } from '../api/helpers.js';
import { ARTIFACTS, browserMissing, launch } from './browser.js';

/**
 * Triggers and trigger runs in the monitor, in a real browser against a real server: triggers started from the
 * Triggers page, a ScheduleTrigger's firing and a TumblingWindowTrigger's windows appearing live on the Trigger
 * runs page with links to the pipeline runs they started, a window rerun and a running window cancelled from
 * there, a trigger stopped. A canary passed by the trigger as a SecureString parameter never reaches the page,
 * nor any run or trigger run the browser received (trigger definitions are sent as ADF sends them — their
 * parameters are part of the definition — and the page does not show them).
 */

const missing = browserMissing();
const F = factoryPath('default');
const canary = `canary-${randomBytes(8).toString('hex')}`;

const pipeline = (waitSeconds: number) => ({
  properties: {
    parameters: { apiKey: { type: 'SecureString' }, at: { type: 'String' } },
    activities: [{ name: 'Work', type: 'Wait', typeProperties: { waitTimeInSeconds: waitSeconds } }],
  },
});

const schedule = (startTime: string) => ({
  properties: {
    type: 'ScheduleTrigger',
    pipelines: [
      {
        pipelineReference: { referenceName: 'stamped', type: 'PipelineReference' },
        parameters: { apiKey: canary, at: '@trigger().scheduledTime' },
      },
    ],
    typeProperties: { recurrence: { frequency: 'Minute', interval: 1, startTime, timeZone: 'UTC' } },
  },
});

/** `n` one-minute windows, all already past, so they run as soon as the trigger starts. */
const windows = (pipelineName: string, n: number) => {
  const start = Math.floor(Date.now() / 60_000) * 60_000 - n * 60_000;
  return {
    properties: {
      type: 'TumblingWindowTrigger',
      pipeline: {
        pipelineReference: { referenceName: pipelineName, type: 'PipelineReference' },
        parameters: { apiKey: canary, at: '@trigger().outputs.windowStartTime' },
      },
      typeProperties: {
        frequency: 'Minute',
        interval: 1,
        startTime: new Date(start).toISOString(),
        endTime: new Date(start + n * 60_000).toISOString(),
        maxConcurrency: n,
      },
    },
  };
};

interface TriggerRun {
  triggerRunId: string;
  triggerName: string;
  status: string;
  triggeredPipelines: Record<string, string>;
}

async function triggerRuns(h: ApiHarness, name: string): Promise<TriggerRun[]> {
  const r = await h.call('POST', `${F}/queryTriggerRuns?${API}`, {
    body: { ...window(), filters: [{ operand: 'TriggerName', operator: 'Equals', values: [name] }] },
  });
  assert.equal(r.status, 200, r.text);
  return r.json.value as TriggerRun[];
}

async function noCanary(page: Page, bodies: string[], where: string) {
  assert.ok(!(await page.content()).includes(canary), `the canary is in the DOM (${where})`);
  const hit = bodies.find((b) => b.includes(canary));
  assert.equal(hit, undefined, `the canary is in a response the browser received (${where})`);
}

describe('triggers in a browser', { skip: missing }, () => {
  test('start triggers → trigger runs appear live, linked to their pipeline runs → rerun a window, cancel one → stop', async () => {
    const h: ApiHarness = await startApi();
    for (const [name, wait] of [
      ['stamped', 0],
      ['slow', 60],
    ] as const) {
      const put = await h.call('PUT', `${F}/pipelines/${name}?${API}`, { body: pipeline(wait) });
      assert.equal(put.status, 200, put.text);
    }
    // the first instant a few seconds ahead: instants already past when a trigger starts are not made up
    const first = new Date(Math.ceil((Date.now() + 8000) / 1000) * 1000);
    // a pipeline its trigger cannot start: it needs a parameter the trigger does not pass
    const needy = await h.call('PUT', `${F}/pipelines/needy?${API}`, {
      body: { properties: { ...pipeline(0).properties, parameters: { needed: { type: 'String' } } } },
    });
    assert.equal(needy.status, 200, needy.text);
    for (const [name, body] of [
      ['every-minute', schedule(first.toISOString())],
      ['windows', windows('stamped', 2)],
      ['slow-windows', windows('slow', 1)],
      ['needs-param', windows('needy', 1)],
    ] as const) {
      const put = await h.call('PUT', `${F}/triggers/${name}?${API}`, { body });
      assert.equal(put.status, 200, put.text);
    }

    const { context } = await launch();
    const page = await context.newPage();
    const bodies: string[] = [];
    page.on('response', (res) => {
      const url = res.url();
      // the live feed never ends (the DOM check covers what it delivers); trigger definitions hold the canary
      // as their pipelines' parameters, as ADF's do, and the page shows none of them
      if (url.includes('/pipevault/adf/events') || /\/triggers\?/.test(url)) return;
      void res
        .text()
        .then((t) => bodies.push(t))
        .catch(() => undefined);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // 1. the Triggers page: all Stopped (as written); start them there
    await page.goto(`${h.server.url}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Triggers' }).click();
    const triggers = page.getByRole('table', { name: 'Triggers' });
    const row = (name: string) => triggers.locator(`tr[data-trigger="${name}"]`);
    await row('every-minute').waitFor();
    assert.match(
      await row('every-minute').innerText(),
      /ScheduleTrigger[\s\S]*Stopped[\s\S]*Every 1 minute[\s\S]*stamped/,
    );
    assert.match(await row('windows').innerText(), /TumblingWindowTrigger[\s\S]*Stopped[\s\S]*Windows of 1 minute/);
    for (const name of ['every-minute', 'windows', 'slow-windows']) {
      await page.getByRole('button', { name: `Start ${name}` }).click();
      await row(name).getByText('Started').waitFor();
    }
    assert.ok(await page.getByRole('button', { name: 'Stop every-minute' }).isEnabled());
    await page.screenshot({ path: join(ARTIFACTS, 'triggers.png') });
    assert.equal((await h.call('GET', `${F}/triggers/every-minute?${API}`)).json.properties.runtimeState, 'Started');
    await noCanary(page, bodies, 'triggers');

    // 2. the Trigger runs page: the windows at once, the schedule's firing when it comes (live, no reload)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trigger runs' }).click();
    await page.getByRole('heading', { name: 'Trigger runs' }).waitFor();
    await page.getByText('Live').waitFor();
    const runsTable = page.getByRole('table', { name: 'Trigger runs' });
    const byTrigger = (name: string) => runsTable.locator('tr[data-trigger-run-id]', { hasText: name });
    await byTrigger('every-minute').getByText('Succeeded').waitFor({ timeout: 60_000 });
    const [fired] = await triggerRuns(h, 'every-minute');
    assert.equal(fired.status, 'Succeeded');
    const firedRow = runsTable.locator(`tr[data-trigger-run-id="${fired.triggerRunId}"]`);
    const firedText = await firedRow.innerText();
    assert.match(firedText, /every-minute\s+ScheduleTrigger\s+✓\s+Succeeded/);
    assert.match(firedText, /ScheduleTime/);
    assert.match(firedText, /TriggerTime/);
    await runsTable.locator('tr[data-trigger-run-id]', { hasText: 'WindowStartTime' }).nth(2).waitFor();
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('tr[data-trigger-run-id]')).filter(
          (r) =>
            r.textContent?.includes('windows') &&
            !r.textContent.includes('slow') &&
            r.textContent.includes('Succeeded'),
        ).length === 2,
    );
    await byTrigger('slow-windows').getByText('In progress').waitFor();
    // a trigger run that fails before starting any pipeline run sends no pipeline run event: it appears from its
    // own (trigger run) event, well within what any poll would take
    const startNeedy = await h.call('POST', `${F}/triggers/needs-param/start?${API}`);
    assert.equal(startNeedy.status, 200, startNeedy.text);
    const refused = byTrigger('needs-param');
    await refused.getByText('Failed').waitFor({ timeout: 3000 });
    assert.match(await refused.innerText(), /needed/);
    assert.match(await refused.innerText(), /TumblingWindowTrigger\s+✕\s+Failed[\s\S]*none/, 'no pipeline run');
    await page.screenshot({ path: join(ARTIFACTS, 'trigger-runs.png') });
    await noCanary(page, bodies, 'trigger runs');

    // 3. the firing's pipeline run: its link opens that run's view
    const runId = fired.triggeredPipelines.stamped;
    assert.ok(runId, JSON.stringify(fired));
    await firedRow.getByRole('link', { name: 'stamped' }).click();
    await page.waitForFunction((id) => location.hash === `#/runs/${id}`, runId);
    const heading = page.locator('#run-title');
    await heading.getByText('Succeeded').waitFor();
    assert.match(await heading.innerText(), /stamped/);
    assert.match(await page.locator('.facts').innerText(), /every-minute/);
    await noCanary(page, bodies, 'the triggered run');

    // 4. back on the trigger runs: rerun a window (same trigger run, a new pipeline run), cancel the running one
    await page.goBack();
    await firedRow.waitFor();
    const [win] = (await triggerRuns(h, 'windows')).filter((r) => r.status === 'Succeeded');
    const oldRun = win.triggeredPipelines.stamped;
    const winRow = runsTable.locator(`tr[data-trigger-run-id="${win.triggerRunId}"]`);
    await winRow.getByRole('link', { name: 'stamped' }).waitFor();
    await winRow.getByRole('button', { name: /^Rerun window/ }).click();
    await page.getByText('Window of windows rerunning.').waitFor();
    await page.waitForFunction(
      ({ id, old }) => {
        const a = document.querySelector(`tr[data-trigger-run-id="${id}"] a[href^="#/runs/"]`);
        return !!a && !a.getAttribute('href')!.endsWith(old);
      },
      { id: win.triggerRunId, old: oldRun },
    );
    await winRow.getByText('Succeeded').waitFor();
    const [after] = (await triggerRuns(h, 'windows')).filter((r) => r.triggerRunId === win.triggerRunId);
    assert.notEqual(after.triggeredPipelines.stamped, oldRun, 'the rerun started a new pipeline run');
    assert.equal(
      await winRow.getByRole('link', { name: 'stamped' }).getAttribute('href'),
      `#/runs/${after.triggeredPipelines.stamped}`,
    );

    const slowRow = byTrigger('slow-windows');
    await slowRow.getByRole('button', { name: /^Cancel trigger run/ }).click();
    await slowRow.getByText('Failed').waitFor();
    assert.match(await slowRow.innerText(), /Cancelled by user/);
    const [slow] = await triggerRuns(h, 'slow-windows');
    assert.equal(slow.status, 'Failed');
    const slowRun = await h.waitRun('default', slow.triggeredPipelines.slow);
    assert.equal(slowRun.status, 'Cancelled');

    // 5. the list of pipeline runs links a triggered run's trigger to its trigger runs
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipeline runs' }).click();
    const pipelineRow = page.locator(`tr[data-run-id="${runId}"]`);
    await pipelineRow.waitFor();
    assert.match(await pipelineRow.innerText(), /apiKey=\*{10}/);
    await pipelineRow.getByRole('link', { name: 'every-minute' }).click();
    await page.waitForFunction(() => location.hash === '#/trigger-runs?trigger=every-minute');
    await firedRow.waitFor();
    assert.equal(await byTrigger('windows').count(), 0, 'filtered to the trigger');
    assert.equal(
      await page.getByRole('form', { name: 'Filter trigger runs' }).locator('select').first().inputValue(),
      'every-minute',
    );
    await noCanary(page, bodies, 'pipeline runs');

    // 6. stop from the Triggers page
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Triggers' }).click();
    for (const name of ['every-minute', 'windows', 'slow-windows']) {
      await page.getByRole('button', { name: `Stop ${name}` }).click();
      await row(name).getByText('Stopped').waitFor();
    }
    assert.ok(await page.getByRole('button', { name: 'Start every-minute' }).isEnabled());
    assert.equal((await h.call('GET', `${F}/triggers/every-minute?${API}`)).json.properties.runtimeState, 'Stopped');
    // stopped elsewhere (the API, as the CLI or an SDK would): the page follows from the feed, before any poll
    await row('needs-param').getByText('Started').waitFor();
    const stopNeedy = await h.call('POST', `${F}/triggers/needs-param/stop?${API}`);
    assert.equal(stopNeedy.status, 200, stopNeedy.text);
    await row('needs-param').getByText('Stopped').waitFor({ timeout: 3000 });
    await page.screenshot({ path: join(ARTIFACTS, 'triggers-stopped.png') });
    await noCanary(page, bodies, 'after stopping');
    assert.deepEqual(errors, []);
  });
});
