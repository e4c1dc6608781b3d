/**
 * The storage contract for clean-up, run unchanged against SQLite and PostgreSQL (a fresh database per
 * engine). deleteExpired: what expires goes, in batches; what is still live or still needed stays.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  countRows,
  FAR_FUTURE,
  id,
  makeAccessToken,
  makeAccountToken,
  makeClient,
  makeCode,
  makeRefreshToken,
  makeSession,
  makeSigningKey,
  makeUser,
  NEVER,
  nextPair,
  openContractStores,
  T,
  throttleRow,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';
import { blockSeconds, type AccountTokenPurpose, type UserRecord } from '../store.js';

describeEachEngine('storage contract: clean-up', (factory) => {
  let database: TestDatabase;
  /** The main store instance. */
  let store: SqlStore;

  beforeAll(async () => {
    ({ database, store } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  it('deleteExpired deletes retired keys no longer published (publish_until <= now) and keeps the current and still-published ones', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const now = T + 1000;
      // Each rotation retires the previous key at the time given (the last one in the future); publish times as given.
      const goneLongAgo = makeSigningKey({ createdAt: T });
      const goneJustNow = makeSigningKey({ createdAt: T + 1 });
      const stillPublished = makeSigningKey({ createdAt: T + 2 });
      const publishedFar = makeSigningKey({ createdAt: T + 3 });
      const current = makeSigningKey({ createdAt: T + 4 });
      await db.addSigningKey(goneLongAgo, { retireAt: 0, publishUntil: 0 });
      await db.addSigningKey(goneJustNow, { retireAt: T + 1, publishUntil: now - 500 });
      await db.addSigningKey(stillPublished, { retireAt: T + 2, publishUntil: now });
      await db.addSigningKey(publishedFar, { retireAt: T + 3, publishUntil: now + 1 });
      await db.addSigningKey(current, { retireAt: now + 90, publishUntil: FAR_FUTURE });
      // Each key is retired by the next one, published until: goneLongAgo now-500, goneJustNow now,
      // stillPublished now+1, publishedFar FAR_FUTURE; current is not retired.

      const counts = await db.deleteExpired(now);
      expect(counts).toEqual({
        accessTokens: 0,
        refreshTokens: 0,
        authorizationCodes: 0,
        sessions: 0,
        signingKeys: 2,
        throttles: 0,
        trustedDevices: 0,
        accountTokens: 0,
        unconfirmedUsers: 0,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
      });
      expect((await db.listSigningKeys()).map((key) => key.kid)).toEqual([
        current.kid,
        publishedFar.kid,
        stillPublished.kid,
      ]);
      expect(await countRows(db, 'signing_keys')).toBe(3);

      expect((await db.deleteExpired(now)).signingKeys).toBe(0);
      // The current key is never deleted, however late it is.
      expect((await db.deleteExpired(FAR_FUTURE)).signingKeys).toBe(2);
      expect((await db.listSigningKeys()).map((key) => key.kid)).toEqual([current.kid]);
      expect((await db.deleteExpired(FAR_FUTURE * 2)).signingKeys).toBe(0);
    } finally {
      await fresh.cleanup();
    }
  });

  it('deleteExpired deletes exactly the rows with expires_at <= now, in batches', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const client = makeClient();
      const user = makeUser();
      await db.createClient(client);
      await db.createUser(user);
      const who = { clientId: client.id, userId: user.id };
      const now = T + 1000;

      const expiries = [now - 500, now - 100, now - 10, now - 1, now]; // all <= now
      const rowsExpiringAt = (expiresAt: number) => {
        // A reset link of a confirmed user of its own (one link per user and purpose): the link goes, the user stays.
        const linkOwner = makeUser();
        return {
          accessToken: makeAccessToken(who, id('family'), { expiresAt }),
          refreshToken: makeRefreshToken(who, id('family'), { expiresAt }),
          code: makeCode(who, { expiresAt }),
          session: makeSession(user.id, { expiresAt }),
          linkOwner,
          link: makeAccountToken(linkOwner.id, 'reset', { expiresAt }),
        };
      };
      const expired = expiries.map(rowsExpiringAt);
      const live = [now + 1, FAR_FUTURE].map(rowsExpiringAt);
      for (const row of [...expired, ...live]) {
        await db.issueTokens({ accessToken: row.accessToken, refreshToken: row.refreshToken });
        await db.saveAuthorizationCode(row.code);
        await db.createSession(row.session);
        await db.createUser(row.linkOwner);
        expect(await db.issueAccountToken(row.link, 0)).toBe(true);
      }

      const run = vi.spyOn(db.driver, 'run');
      expect(await db.deleteExpired(now, 2)).toEqual({
        accessTokens: 5,
        refreshTokens: 5,
        authorizationCodes: 5,
        sessions: 5,
        signingKeys: 0,
        throttles: 0,
        trustedDevices: 0,
        accountTokens: 5,
        unconfirmedUsers: 0,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
      });
      // 5 rows in batches of 2: three statements per table (2 + 2 + 1).
      const deletes = run.mock.calls.map(([sql]) => /^DELETE FROM (\w+)/.exec(sql)?.[1]).filter(Boolean);
      expect(deletes).toEqual([
        'access_tokens',
        'access_tokens',
        'access_tokens',
        'refresh_tokens',
        'refresh_tokens',
        'refresh_tokens',
        'authorization_codes',
        'authorization_codes',
        'authorization_codes',
        'sessions',
        'sessions',
        'sessions',
        // Signing keys, throttle counters and unconfirmed users: one statement each, no batches.
        'signing_keys',
        'throttles',
        // Nothing expired there: one statement finds fewer than a batch.
        'trusted_devices',
        'users',
        'account_tokens',
        'account_tokens',
        'account_tokens',
        // None expired: one statement finds nothing.
        'pending_authorizations',
        'device_codes',
        'used_assertion_ids',
        'pending_logouts',
        'logout_deliveries',
        'oidc_grants',
      ]);
      run.mockRestore();

      for (const row of expired) {
        expect(await db.findAccessToken(row.accessToken.tokenHash)).toBeNull();
        expect(await db.findRefreshToken(row.refreshToken.tokenHash)).toBeNull();
        expect(await db.findSession(row.session.idHash)).toBeNull();
        expect(await countRows(db, 'account_tokens', 'token_hash = ?', [row.link.tokenHash])).toBe(0);
        expect(await db.findUserById(row.linkOwner.id)).toStrictEqual(row.linkOwner);
      }
      for (const row of live) {
        expect(await db.findAccountToken(row.link.tokenHash, 'reset', now)).toStrictEqual(row.link);
        expect(await db.findAccessToken(row.accessToken.tokenHash)).toStrictEqual(row.accessToken);
        expect(await db.findRefreshToken(row.refreshToken.tokenHash)).toStrictEqual(row.refreshToken);
        expect(await db.findSession(row.session.idHash)).toStrictEqual(row.session);
      }
      expect(await countRows(db, 'authorization_codes')).toBe(2);
      expect(await countRows(db, 'authorization_codes', 'expires_at > ?', [now])).toBe(2);

      expect(await db.deleteExpired(now, 2)).toEqual({
        accessTokens: 0,
        refreshTokens: 0,
        authorizationCodes: 0,
        sessions: 0,
        signingKeys: 0,
        throttles: 0,
        trustedDevices: 0,
        accountTokens: 0,
        unconfirmedUsers: 0,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
      });
      // The default batch size works too.
      expect(await db.deleteExpired(FAR_FUTURE)).toEqual({
        accessTokens: 2,
        refreshTokens: 2,
        authorizationCodes: 2,
        sessions: 2,
        signingKeys: 0,
        throttles: 0,
        trustedDevices: 0,
        accountTokens: 2,
        unconfirmedUsers: 0,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
      });
      expect(await countRows(db, 'users')).toBe(1 + expired.length + live.length);
    } finally {
      await fresh.cleanup();
    }
  });

  it('deleteExpired deletes the throttle counters idle for a day and not blocking, and keeps recent or still-blocking ones', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const now = T + 200_000;
      const DAY = 86_400;
      /** Failures at `at` until the counter blocks for exactly `block` seconds (one failure when 0). */
      const counter = async (name: string, at: number, block: number) => {
        const key = `${name}:${randomUUID()}`;
        const rule = block === 0 ? NEVER : { threshold: 0, maxDelay: block };
        let failures: number;
        do failures = await db.recordFailure(key, at, at - 900, rule);
        while (blockSeconds(failures, rule) < block);
        return key;
      };
      const idleLong = await counter('idle-long', now - 150_000, 0);
      const idleExactlyADay = await counter('idle-day', now - DAY, 900);
      const blockEndsNow = await counter('block-ends-now', now - DAY - 10, DAY + 10);
      const recent = await counter('recent', now - DAY + 1, 0);
      const justFailed = await counter('just-failed', now, 60);
      const stillBlocking = await counter('still-blocking', now - DAY - 10, DAY + 11);
      const many = [];
      for (let i = 0; i < 5; i++) many.push(await counter('idle-many', now - DAY - 1000 * i, 0));

      const counts = await db.deleteExpired(now);
      expect(counts).toEqual({
        accessTokens: 0,
        refreshTokens: 0,
        authorizationCodes: 0,
        sessions: 0,
        signingKeys: 0,
        throttles: 8,
        trustedDevices: 0,
        accountTokens: 0,
        unconfirmedUsers: 0,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
      });
      for (const gone of [idleLong, idleExactlyADay, blockEndsNow, ...many])
        expect(await throttleRow(db, gone), gone).toBeNull();
      expect(await throttleRow(db, recent)).toEqual({ failures: 1, lastFailureAt: now - DAY + 1, blockedUntil: 0 });
      // 2^6 = 64 s capped at 60; 2^17 s capped at a day and 11 s.
      expect(await throttleRow(db, justFailed)).toEqual({ failures: 6, lastFailureAt: now, blockedUntil: now + 60 });
      expect(await throttleRow(db, stillBlocking)).toEqual({
        failures: 17,
        lastFailureAt: now - DAY - 10,
        blockedUntil: now + 1,
      });
      expect(await countRows(db, 'throttles')).toBe(3);
      expect(await db.blockedUntil([stillBlocking])).toBe(now + 1);

      expect((await db.deleteExpired(now)).throttles).toBe(0);
      // A second later the block has ended and the recent counter is a day old.
      expect((await db.deleteExpired(now + 1)).throttles).toBe(2);
      expect((await db.deleteExpired(now + DAY)).throttles).toBe(1);
      expect(await countRows(db, 'throttles')).toBe(0);
    } finally {
      await fresh.cleanup();
    }
  });

  it('deleteExpired leaves an account signed up within the last hour alone, link or not (another node may be about to store its link)', async () => {
    const now = T + 50_000;
    const justSignedUp = makeUser({
      enabled: false,
      awaitingConfirmation: true,
      createdAt: now - 3599,
      updatedAt: now - 3599,
    });
    await store.createUser(justSignedUp);
    await store.deleteExpired(now);
    expect(await store.findUserById(justSignedUp.id)).toStrictEqual(justSignedUp);
    // An hour after sign-up with still no link, it goes.
    await store.deleteExpired(now + 1);
    expect(await store.findUserById(justSignedUp.id)).toBeNull();
  });

  it('deleteExpired deletes expired links, and accounts never confirmed whose confirmation link is gone; never a confirmed or admin-created one', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const now = T + 100_000;
      const create = async (overrides: Partial<UserRecord>, links: Array<[AccountTokenPurpose, number]> = []) => {
        const user = makeUser(overrides);
        await db.createUser(user);
        const issued = [];
        for (const [purpose, expiresAt] of links) {
          const link = makeAccountToken(user.id, purpose, { expiresAt });
          expect(await db.issueAccountToken(link, 0)).toBe(true);
          issued.push(link);
        }
        return { user, links: issued };
      };
      const pending = { enabled: false, awaitingConfirmation: true };
      // Deleted: still awaiting confirmation, and no unexpired confirmation link.
      const expiredLink = await create(pending, [['confirm', now - 1]]);
      const linkExpiresNow = await create(pending, [['confirm', now]]);
      const noLink = await create(pending);
      const onlyReset = await create(pending, [['reset', FAR_FUTURE]]);
      // Kept.
      const liveLink = await create(pending, [['confirm', now + 1]]);
      const confirmed = await create({ enabled: true, awaitingConfirmation: false }, [
        ['confirm', now - 1],
        ['reset', now + 10],
      ]);
      const adminCreatedDisabled = await create({ enabled: false, awaitingConfirmation: false });
      const adminDeactivated = await create({ enabled: false, awaitingConfirmation: false }, [
        ['confirm', now - 5],
        ['reset', now - 5],
      ]);
      // Tokens and a session of an account that goes: they go with it.
      const client = makeClient();
      await db.createClient(client);
      const doomedPair = nextPair({ clientId: client.id, userId: noLink.user.id }, id('family'), null, now);
      await db.issueTokens(doomedPair);
      await db.createSession(makeSession(noLink.user.id, { expiresAt: FAR_FUTURE }));

      const counts = await db.deleteExpired(now);
      // The links of deleted accounts go with them: only the kept accounts' expired links count.
      expect(counts).toEqual({
        accessTokens: 0,
        refreshTokens: 0,
        authorizationCodes: 0,
        sessions: 0,
        signingKeys: 0,
        throttles: 0,
        trustedDevices: 0,
        accountTokens: 3,
        unconfirmedUsers: 4,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
      });
      for (const gone of [expiredLink, linkExpiresNow, noLink, onlyReset]) {
        expect(await db.findUserById(gone.user.id)).toBeNull();
        expect(await countRows(db, 'account_tokens', 'user_id = ?', [gone.user.id])).toBe(0);
      }
      expect(await db.findAccessToken(doomedPair.accessToken.tokenHash)).toBeNull();
      expect(await countRows(db, 'sessions', 'user_id = ?', [noLink.user.id])).toBe(0);
      for (const kept of [liveLink, confirmed, adminCreatedDisabled, adminDeactivated]) {
        expect(await db.findUserById(kept.user.id)).toStrictEqual(kept.user);
      }
      expect(await db.findAccountToken(liveLink.links[0]!.tokenHash, 'confirm', now)).toStrictEqual(liveLink.links[0]);
      expect(await db.findAccountToken(confirmed.links[1]!.tokenHash, 'reset', now)).toStrictEqual(confirmed.links[1]);
      expect(await countRows(db, 'account_tokens')).toBe(2);

      // Their names are free for a new sign-up.
      await db.createUser(
        makeUser({
          usernameCanonical: expiredLink.user.usernameCanonical,
          emailCanonical: expiredLink.user.emailCanonical,
        }),
      );

      expect(await db.deleteExpired(now)).toMatchObject({
        accountTokens: 0,
        unconfirmedUsers: 0,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
      });
      // A second later the last confirmation link has expired as well; the account goes with it.
      expect(await db.deleteExpired(now + 1)).toMatchObject({ accountTokens: 0, unconfirmedUsers: 1 });
      expect(await db.findUserById(liveLink.user.id)).toBeNull();
      expect(await db.deleteExpired(now + 10)).toMatchObject({ accountTokens: 1, unconfirmedUsers: 0 });
      expect(await countRows(db, 'account_tokens')).toBe(0);
      // However late it is, confirmed and admin-created accounts stay.
      expect(await db.deleteExpired(FAR_FUTURE)).toMatchObject({
        accountTokens: 0,
        unconfirmedUsers: 0,
        pendingAuthorizations: 0,
        deviceCodes: 0,
        usedAssertionIds: 0,
        pendingLogouts: 0,
        logoutDeliveries: 0,
        oidcGrants: 0,
      });
      for (const kept of [confirmed, adminCreatedDisabled, adminDeactivated])
        expect(await db.findUserById(kept.user.id)).not.toBeNull();
    } finally {
      await fresh.cleanup();
    }
  });

  it('deleteExpired deletes the OpenID grants whose family has no code, refresh token or live access token left (after an hour)', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const client = makeClient();
      const user = makeUser();
      await db.createClient(client);
      await db.createUser(user);
      const owner = { clientId: client.id, userId: user.id };
      const now = T + 10_000;
      const grant = async (createdAt = T) => {
        const familyId = id('family');
        await db.oidcGrants.saveOidcGrant({
          familyId,
          clientId: client.id,
          userId: user.id,
          sid: id('sid'),
          authTime: T,
          amr: ['pwd'],
          acr: null,
          nonce: null,
          claims: null,
          offline: false,
          createdAt,
        });
        return familyId;
      };
      const bare = await grant();
      const withRefresh = await grant();
      await db.issueTokens({
        accessToken: makeAccessToken(owner, withRefresh),
        refreshToken: makeRefreshToken(owner, withRefresh, { expiresAt: FAR_FUTURE }),
      });
      const withLiveAccess = await grant();
      await db.issueTokens({ accessToken: makeAccessToken(owner, withLiveAccess, { expiresAt: FAR_FUTURE }) });
      const withRevokedAccess = await grant();
      await db.issueTokens({ accessToken: makeAccessToken(owner, withRevokedAccess, { expiresAt: FAR_FUTURE }) });
      await db.revokeFamily(withRevokedAccess, T);
      const withCode = await grant();
      await db.saveAuthorizationCode(makeCode(owner, { familyId: withCode, expiresAt: FAR_FUTURE }));
      // Saved a moment before its code: not yet.
      const recent = await grant(now - 60);

      const counts = await db.deleteExpired(now);
      expect(counts.oidcGrants).toBe(2);
      const left = await Promise.all(
        [bare, withRefresh, withLiveAccess, withRevokedAccess, withCode, recent].map(async (familyId) =>
          Boolean(await db.oidcGrants.findOidcGrant(familyId)),
        ),
      );
      expect(left).toEqual([false, true, true, false, true, true]);
    } finally {
      await fresh.cleanup();
    }
  });
});
