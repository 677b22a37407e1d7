import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { ManualClock } from '../../src/common/clock.js';
import { randomIds } from '../../src/common/ids.js';
import { silentLogger } from '../../src/common/logger.js';
import { createIdentityService, type IdentityService } from '../../src/identity/service.js';
import { KEYVAULT_AUDIENCES } from '../../src/identity/types.js';
import { createBarrier, type Barrier } from '../../src/storage/barrier.js';
import type { Database } from '../../src/storage/database.js';
import { forEachAdapter } from '../helpers/pg.js';

const HOST = 'localhost:8443';
const KV = { audiences: [...KEYVAULT_AUDIENCES], host: HOST };

forEachAdapter('token issuing and verification', (target) => {
  let identity: IdentityService;
  let clock: ManualClock;
  let store: Database;
  let barrier: Barrier;
  before(async () => {
    const t = target();
    store = await t.open();
    await store.migrate();
    clock = new ManualClock('2026-06-01T12:00:00Z');
    barrier = createBarrier(randomBytes(32));
    identity = await createIdentityService({
      store,
      barrier,
      clock,
      ids: randomIds,
      logger: silentLogger,
      serverNames: ['localhost', '127.0.0.1'],
    });
  });
  after(() => store?.close());

  const sp = async () => (await identity.createServicePrincipal({ displayName: 'app' })).principal;

  test('an issued token carries the claims Entra puts in app tokens and verifies', async () => {
    const p = await sp();
    const t = await identity.issueToken({ principal: p, resource: 'https://vault.azure.net', host: HOST });
    const c = decodeJwt(t.accessToken);
    assert.equal(c.iss, `https://${HOST}/${identity.tenantId}/v2.0`);
    assert.equal(c.aud, 'https://vault.azure.net');
    assert.equal(c.tid, identity.tenantId);
    assert.equal(c.oid, p.objectId);
    assert.equal(c.sub, p.objectId);
    assert.equal(c.appid, p.appId);
    assert.equal(c.ver, '2.0');
    assert.equal(c.exp, (c.iat as number) + 3599);
    assert.equal(t.expiresOn, c.exp);
    const who = await identity.verifyAccessToken(t.accessToken, KV);
    assert.deepEqual(who, {
      tenantId: identity.tenantId,
      objectId: p.objectId,
      appId: p.appId,
      kind: 'servicePrincipal',
    });
    // cached: the same answer again
    assert.deepEqual(await identity.verifyAccessToken(t.accessToken, KV), who);
  });

  test('rejected: alg none, another key, tampered payload, garbage', async () => {
    const p = await sp();
    const good = (await identity.issueToken({ principal: p, resource: 'https://vault.azure.net', host: HOST }))
      .accessToken;
    const claims = decodeJwt(good);
    const none = new UnsecuredJWT(claims).encode();
    await assert.rejects(identity.verifyAccessToken(none, KV), /InvalidAuthenticationToken|access token is invalid/);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const [h] = good.split('.');
    const kid = JSON.parse(Buffer.from(h, 'base64url').toString()).kid;
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    await assert.rejects(identity.verifyAccessToken(forged, KV), /signature is invalid/);
    const otherKid = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'not-ours' }).sign(privateKey);
    await assert.rejects(identity.verifyAccessToken(otherKid, KV), /not signed by a key of this server/);
    const [hh, , sig] = good.split('.');
    const tamperedPayload = Buffer.from(JSON.stringify({ ...claims, oid: randomIds.uuid() })).toString('base64url');
    await assert.rejects(identity.verifyAccessToken(`${hh}.${tamperedPayload}.${sig}`, KV), /signature is invalid/);
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).sign(randomBytes(32));
    await assert.rejects(identity.verifyAccessToken(hs, KV), /must be signed with RS256/);
    await assert.rejects(identity.verifyAccessToken('not.a.jwt', KV), /malformed/);
  });

  test('rejected: expired, not yet valid, wrong audience, wrong issuer, wrong tenant', async () => {
    const p = await sp();
    const t = await identity.issueToken({ principal: p, resource: 'https://vault.azure.net', host: HOST });
    // wrong audience: a management token is not a vault token
    const mgmt = await identity.issueToken({ principal: p, resource: 'https://management.azure.com/', host: HOST });
    await assert.rejects(
      identity.verifyAccessToken(mgmt.accessToken, KV),
      /audience 'https:\/\/management.azure.com\/' is not accepted/,
    );

    // tokens signed with our own key but with bad claims (as if an insider minted them): each claim check holds
    const { kid, privateKey } = await activeSigner(store, barrier);
    const nowSec = Math.floor(clock.now() / 1000);
    const base = { ...decodeJwt(t.accessToken) };
    const mint = (over: Record<string, unknown>) =>
      new SignJWT({ ...base, ...over }).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    await assert.rejects(
      identity.verifyAccessToken(await mint({ iss: `https://evil.example.com/${identity.tenantId}/v2.0` }), KV),
      /not issued by this server/,
    );
    await assert.rejects(
      identity.verifyAccessToken(await mint({ iss: `http://localhost:8443/${identity.tenantId}/v2.0` }), KV),
      /not issued by this server/,
    );
    await assert.rejects(identity.verifyAccessToken(await mint({ tid: randomIds.uuid() }), KV), /tenant/);
    await assert.rejects(
      identity.verifyAccessToken(await mint({ iss: `https://localhost:8443/${randomIds.uuid()}/v2.0` }), KV),
      /not issued by this server/,
    );
    await assert.rejects(identity.verifyAccessToken(await mint({ nbf: nowSec + 600 }), KV), /not valid yet/);
    await assert.rejects(
      identity.verifyAccessToken(await mint({ exp: nowSec - 600, nbf: nowSec - 4000, iat: nowSec - 4000 }), KV),
      /expired/,
    );

    // a token that verified once stops verifying when it expires, cache or not
    assert.ok(await identity.verifyAccessToken(t.accessToken, KV));
    clock.advance(3600_000 + 61_000);
    await assert.rejects(identity.verifyAccessToken(t.accessToken, KV), /expired/);
  });

  test('the cached check (no promise) holds every per-request check; only a token verified before hits', async () => {
    const p = await sp();
    const t = (await identity.issueToken({ principal: p, resource: 'https://vault.azure.net', host: HOST }))
      .accessToken;
    assert.equal(identity.verifyAccessTokenCached(t, KV), undefined, 'never verified: the full path is needed');
    const who = await identity.verifyAccessToken(t, KV);
    assert.deepEqual(identity.verifyAccessTokenCached(t, KV), who);
    // same signature tail, another payload: not the cached token, and the full path rejects it
    const [h, , sig] = t.split('.');
    const claims = decodeJwt(t);
    const other = `${h}.${Buffer.from(JSON.stringify({ ...claims, oid: randomIds.uuid() })).toString('base64url')}.${sig}`;
    assert.equal(identity.verifyAccessTokenCached(other, KV), undefined);
    await assert.rejects(identity.verifyAccessToken(other, KV), /signature is invalid/);
    assert.equal(identity.verifyAccessTokenCached(`${t} `, KV), undefined);
    // audience and issuer host are checked on every call, whichever host was accepted before
    assert.throws(
      () => identity.verifyAccessTokenCached(t, { audiences: ['https://management.azure.com/'], host: HOST }),
      /audience/,
    );
    // an issuer host accepted because the request came to that name: another request host is refused
    const viaName = (
      await identity.issueToken({ principal: p, resource: 'https://vault.azure.net', host: 'pv.example.test:8443' })
    ).accessToken;
    const at = { ...KV, host: 'pv.example.test:8443' };
    assert.deepEqual(await identity.verifyAccessToken(viaName, at), who);
    assert.deepEqual(identity.verifyAccessTokenCached(viaName, at), who);
    assert.throws(
      () => identity.verifyAccessTokenCached(viaName, { ...KV, host: 'evil.example.com' }),
      /not issued by this server/,
    );
    assert.deepEqual(identity.verifyAccessTokenCached(viaName, at), who);
    assert.deepEqual(identity.verifyAccessTokenCached(t, KV), who);
    // expiry: the cached entry goes, and the full path says why
    clock.advance(3600_000 + 61_000);
    assert.equal(identity.verifyAccessTokenCached(t, KV), undefined);
    await assert.rejects(identity.verifyAccessToken(t, KV), /expired/);
  });

  test('the cached check enforces nbf on every call', async () => {
    const p = await sp();
    const t = await identity.issueToken({ principal: p, resource: 'https://vault.azure.net', host: HOST });
    const { kid, privateKey } = await activeSigner(store, barrier);
    const nowSec = Math.floor(clock.now() / 1000);
    // nbf within the skew: verifies now, and is cached with its nbf
    const soon = await new SignJWT({ ...decodeJwt(t.accessToken), nbf: nowSec + 60 })
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(privateKey);
    const who = await identity.verifyAccessToken(soon, KV);
    assert.deepEqual(identity.verifyAccessTokenCached(soon, KV), who);
    // a clock set back (as after an NTP step) makes the same cached token not yet valid
    clock.set(clock.now() - 600_000);
    assert.throws(() => identity.verifyAccessTokenCached(soon, KV), /not valid yet/);
    await assert.rejects(identity.verifyAccessToken(soon, KV), /not valid yet/);
    clock.set(clock.now() + 600_000);
    assert.deepEqual(identity.verifyAccessTokenCached(soon, KV), who);
  });

  test('key rotation keeps the old key published until its tokens have expired', async () => {
    const p = await sp();
    const old = await identity.issueToken({ principal: p, resource: 'https://vault.azure.net', host: HOST });
    const before = identity.jwks().keys.map((k) => k.kid);
    const newKid = await identity.rotateSigningKey();
    const after = identity.jwks().keys.map((k) => k.kid);
    assert.ok(after.includes(newKid));
    for (const k of before) assert.ok(after.includes(k), 'the old key stays in the JWKS');
    assert.ok(await identity.verifyAccessToken(old.accessToken, KV), 'tokens of the old key still verify');
    const fresh = await identity.issueToken({ principal: p, resource: 'https://vault.azure.net', host: HOST });
    assert.equal(JSON.parse(Buffer.from(fresh.accessToken.split('.')[0], 'base64url').toString()).kid, newKid);
    clock.advance((3599 + 61) * 1000);
    const later = identity.jwks().keys.map((k) => k.kid);
    assert.deepEqual(later, [newKid]);
  });
});

forEachAdapter('identity service lifecycle', (target) => {
  test('a signing key older than 30 days is rotated at start; the managed-identity default follows the loaded factory', async () => {
    const t = target();
    const store = await t.open();
    try {
      await store.migrate();
      const clock = new ManualClock('2026-01-01T00:00:00Z');
      const barrier = createBarrier(randomBytes(32));
      const make = () =>
        createIdentityService({
          store,
          barrier,
          clock,
          ids: randomIds,
          logger: silentLogger,
          serverNames: ['localhost'],
        });
      const first = await make();
      const kids1 = first.jwks().keys.map((k) => k.kid);
      clock.advance(10 * 86_400_000);
      assert.deepEqual(
        (await make()).jwks().keys.map((k) => k.kid),
        kids1,
        'a young key is kept',
      );
      clock.advance(21 * 86_400_000);
      const later = await make();
      const kids2 = later.jwks().keys.map((k) => k.kid);
      assert.equal(kids2.length, 2, 'new key plus the old one during its grace period');
      assert.ok(kids1.every((k) => kids2.includes(k)));
      assert.equal(later.tenantId, first.tenantId);

      const demo = await later.ensureFactoryIdentity('demo-factory');
      assert.equal((await later.resolveManagedIdentity({}))?.factory, 'default');
      later.setDefaultFactory('demo-factory');
      assert.equal((await later.resolveManagedIdentity({}))?.objectId, demo.objectId);
    } finally {
      await store.close();
    }
  });
});

/** The active signing key, read the way the server reads it (store + barrier), to mint tokens with chosen bad claims. */
async function activeSigner(store: Database, barrier: Barrier) {
  const row = await store.db
    .selectFrom('identity_signing_keys')
    .selectAll()
    .where('retired_at', 'is', null)
    .executeTakeFirstOrThrow();
  const pem = barrier.decrypt(Buffer.from(row.private_sealed as Buffer), `identity-signing-key/${row.kid}`).toString();
  return { kid: row.kid as string, privateKey: createPrivateKey(pem) };
}
