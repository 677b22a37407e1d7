import assert from 'node:assert/strict';
import { request } from 'node:https';
import { describe, test } from 'node:test';
import { API, factoryPath, startApi, type ApiHarness } from './helpers.js';

/** Tokens, roles on the factory, the loopback monitor, the live feed and the monitor's summary. */

const h: ApiHarness = await startApi();
const F = factoryPath('default');
const pipeline = { activities: [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }] };
await h.call('PUT', `${F}/pipelines/p?${API}`, { body: { properties: pipeline } });

describe('authentication and roles', () => {
  test('no token, a bad token or a token for another audience: 401 with an ARM error', async () => {
    const none = await h.call('GET', `${F}/pipelines/p?${API}`, { token: null });
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'InvalidAuthenticationToken');
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    const junk = await h.call('GET', `${F}/pipelines/p?${API}`, { token: 'not.a.jwt' });
    assert.equal(junk.status, 401);
    const sp = await h.servicePrincipal('vault-only');
    const vaultToken = await h.tokenFor(sp.appId, sp.password, 'https://vault.azure.net');
    const wrongAud = await h.call('GET', `${F}/pipelines/p?${API}`, { token: vaultToken });
    assert.equal(wrongAud.status, 401);
  });

  test("the server's own URL, management.azure.com and management.core.windows.net are accepted audiences", async () => {
    const sp = await h.servicePrincipal('audiences');
    await h.grant(sp.objectId, 'Reader', '/subscriptions/00000000-0000-0000-0000-000000000000');
    for (const aud of [h.server.url, 'https://management.azure.com/', 'https://management.core.windows.net/']) {
      const t = await h.tokenFor(sp.appId, sp.password, aud);
      const r = await h.call('GET', `${F}/pipelines/p?${API}`, { token: t });
      assert.equal(r.status, 200, `${aud}: ${r.text}`);
    }
  });

  test('no role: 403 AuthorizationFailed naming the action and the scope; factories it cannot see are not listed', async () => {
    const sp = await h.servicePrincipal('nobody');
    const t = await h.tokenFor(sp.appId, sp.password);
    const r = await h.call('GET', `${F}/pipelines/p?${API}`, { token: t });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'AuthorizationFailed');
    assert.match(r.json.error.message, /Microsoft\.DataFactory\/factories\/pipelines\/read/);
    assert.match(r.json.error.message, /factories\/default/);
    const list = await h.call(
      'GET',
      `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pipevault/providers/Microsoft.DataFactory/factories?${API}`,
      { token: t },
    );
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.value, []);
  });

  test('Reader looks but may not change or run; Data Factory Contributor may; scope below the factory does not count', async () => {
    const reader = await h.servicePrincipal('reader');
    await h.grant(reader.objectId, 'Reader', F);
    const rt = await h.tokenFor(reader.appId, reader.password);
    assert.equal((await h.call('GET', `${F}/pipelines/p?${API}`, { token: rt })).status, 200);
    assert.equal(
      (await h.call('PUT', `${F}/pipelines/p?${API}`, { token: rt, body: { properties: pipeline } })).status,
      403,
    );
    const run = await h.call('POST', `${F}/pipelines/p/createRun?${API}`, { token: rt });
    assert.equal(run.status, 403);
    assert.match(run.json.error.message, /pipelines\/createrun\/action/);

    const contributor = await h.servicePrincipal('contributor');
    await h.grant(contributor.objectId, 'Data Factory Contributor', F);
    const ct = await h.tokenFor(contributor.appId, contributor.password);
    assert.equal(
      (await h.call('PUT', `${F}/pipelines/p?${API}`, { token: ct, body: { properties: pipeline } })).status,
      200,
    );
    const ok = await h.call('POST', `${F}/pipelines/p/createRun?${API}`, { token: ct });
    assert.equal(ok.status, 200);
    await h.waitRun('default', ok.json.runId);
    assert.equal((await h.call('POST', `${F}/pipelineruns/${ok.json.runId}/cancel?${API}`, { token: rt })).status, 403);
    // another factory is out of the contributor's scope
    await h.call('PUT', `${factoryPath('other-factory')}?${API}`, { body: { location: 'x' } });
    assert.equal((await h.call('GET', `${factoryPath('other-factory')}/pipelines?${API}`, { token: ct })).status, 403);

    const narrow = await h.servicePrincipal('narrow');
    await h.grant(narrow.objectId, 'Data Factory Contributor', `${F}/pipelines/p`);
    const nt = await h.tokenFor(narrow.appId, narrow.password);
    assert.equal((await h.call('GET', `${F}/pipelines/p?${API}`, { token: nt })).status, 403);
  });

  test('the loopback monitor acts as the local admin only with X-Pipevault-UI and no Authorization header', async () => {
    const ui = await h.call('GET', `${F}/pipelines/p?${API}`, { token: null, headers: { 'x-pipevault-ui': '1' } });
    assert.equal(ui.status, 200, ui.text);
    const badToken = await h.call('GET', `${F}/pipelines/p?${API}`, {
      token: 'junk',
      headers: { 'x-pipevault-ui': '1' },
    });
    assert.equal(badToken.status, 401, 'a token, when sent, is always checked');
  });
});

describe('live feed and summary', () => {
  test('server-sent events carry the run as ADF returns it; the summary groups loop iterations', async () => {
    await h.call('PUT', `${F}/pipelines/loop?${API}`, {
      body: {
        properties: {
          activities: [
            {
              name: 'Each',
              type: 'ForEach',
              typeProperties: {
                items: { value: '@range(0, 4)', type: 'Expression' },
                activities: [
                  { name: 'Inner', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } },
                  {
                    name: 'Boom',
                    type: 'Fail',
                    dependsOn: [{ activity: 'Inner', dependencyConditions: ['Succeeded'] }],
                    typeProperties: { message: 'boom', errorCode: '1' },
                  },
                ],
              },
            },
          ],
        },
      },
    });
    const events: string[] = [];
    const url = new URL(`${h.server.url}/pipevault/adf/events?factory=default`);
    const req = request(url, { headers: { authorization: `Bearer ${h.adminToken}` }, ca: h.server.ca });
    const got = new Promise<void>((resolve, reject) => {
      req.on('response', (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /text\/event-stream/);
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          events.push(d);
          if (events.join('').includes('"status":"Failed"')) resolve();
        });
      });
      req.on('error', reject);
    });
    req.end();
    await new Promise((r) => setTimeout(r, 100));
    const r = await h.call('POST', `${F}/pipelines/loop/createRun?${API}`);
    await Promise.race([
      got,
      new Promise((_, rej) => setTimeout(() => rej(new Error(`no Failed event: ${events.join('')}`)), 15_000)),
    ]);
    req.destroy();
    const text = events.join('');
    assert.match(text, /event: pipelineRun/);
    assert.match(text, new RegExp(r.json.runId));
    assert.match(text, /event: activityRuns/);

    const s = await h.call('GET', `${F}/pipelineruns/${r.json.runId}/activitySummary?${API}`);
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.total, 9);
    const rows = Object.fromEntries(s.json.activities.map((a: { path: string }) => [a.path, a]));
    assert.equal(rows['Each/Inner'].count, 4);
    assert.equal(rows['Each/Boom'].statuses.Failed, 4);
    assert.equal(rows['Each/Boom'].rootCause, true);
    assert.equal(rows.Each.rootCause, false, 'the ForEach failed because of Boom');

    const noFactory = await h.call('GET', `/pipevault/adf/events`);
    assert.equal(noFactory.status, 400);
    const anon = await h.call('GET', `/pipevault/adf/events?factory=default`, { token: null });
    assert.equal(anon.status, 401);
  });
});
