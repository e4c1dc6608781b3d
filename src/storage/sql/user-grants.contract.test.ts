/**
 * The storage contract for user grants, run unchanged against SQLite and PostgreSQL (a fresh database
 * per engine). The apps a user has let in: listed from consents and live tokens, revoked per client.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  countRows,
  createUserIn,
  familyRows,
  FAR_FUTURE,
  id,
  makeAccessToken,
  makeClient,
  makeCode,
  makeRefreshToken,
  nextPair,
  openContractStores,
  T,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';
import type { ClientRecord, UserRecord } from '../store.js';

describeEachEngine('storage contract: user grants', (factory) => {
  let database: TestDatabase;
  /** The main store instance. */
  let store: SqlStore;
  /** A second instance on the same database: its own connection (SQLite) or pool (PostgreSQL). */
  let other: SqlStore;

  beforeAll(async () => {
    ({ database, store, other } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  /** A user of their own (created in the shared database) with the given fields. */
  const newUser = (overrides: Partial<UserRecord> = {}) => createUserIn(store, overrides);

  // --- the apps a user has let in ---------------------------------------------------

  it('listUserGrants lists consents and apps holding live tokens, by client name, with live token counts', async () => {
    const user = await newUser();
    const someoneElse = await newUser();
    const now = T + 1000;
    const [zeta, alpha, mid, dead, untouched] = [
      'Zeta Notes',
      'Alpha Mail',
      'Mid Calendar',
      'Dead App',
      'Untouched',
    ].map((name) => makeClient({ name })) as [ClientRecord, ClientRecord, ClientRecord, ClientRecord, ClientRecord];
    for (const client of [zeta, alpha, mid, dead, untouched]) await store.createClient(client);
    const as = (client: ClientRecord, userId: string | null = user.id) => ({ clientId: client.id, userId });

    // Zeta: a consent only.
    await store.saveConsent({ userId: user.id, clientId: zeta.id, scopes: ['openid', 'notes'], grantedAt: T + 1 });
    // Alpha: live tokens only (a trusted client never asks); the scopes are those of the live tokens.
    await store.issueTokens({
      accessToken: makeAccessToken(as(alpha), id('family'), {
        scope: 'openid profile',
        issuedAt: T + 5,
        expiresAt: now + 1,
      }),
      refreshToken: makeRefreshToken(as(alpha), id('family'), {
        scope: 'openid mail',
        issuedAt: T + 3,
        expiresAt: FAR_FUTURE,
      }),
    });
    // Not live, so neither counted nor contributing scopes nor lastIssuedAt: revoked, expired (at now), consumed.
    const revoked = makeAccessToken(as(alpha), id('family'), { scope: 'revoked', issuedAt: T + 50 });
    await store.issueTokens({ accessToken: revoked });
    await store.revokeAccessToken(revoked.tokenHash, T + 51);
    await store.issueTokens({
      accessToken: makeAccessToken(as(alpha), id('family'), { scope: 'expired', issuedAt: T + 60, expiresAt: now }),
    });
    // A refresh token already exchanged (consumed, not revoked) is not live either.
    const consumed = nextPair(as(alpha), id('family'), null, T + 70);
    consumed.refreshToken.scope = 'consumed';
    await store.issueTokens(consumed);
    await store.revokeAccessToken(consumed.accessToken.tokenHash, T + 71);
    await store.driver.run('UPDATE refresh_tokens SET consumed_at = ? WHERE token_hash = ?', [
      T + 71,
      consumed.refreshToken.tokenHash,
    ]);
    // Another user's tokens and consent, and a client's own token, are not this user's.
    await store.issueTokens({
      accessToken: makeAccessToken(as(alpha, someoneElse.id), id('family'), { scope: 'theirs', issuedAt: T + 90 }),
    });
    await store.saveConsent({ userId: someoneElse.id, clientId: untouched.id, scopes: ['openid'], grantedAt: T });
    await store.issueTokens({ accessToken: makeAccessToken(as(untouched, null), id('family'), { issuedAt: T + 90 }) });
    // Mid: a consent and a live token; the consent's scopes are the ones shown.
    await store.saveConsent({ userId: user.id, clientId: mid.id, scopes: ['calendar'], grantedAt: T + 2 });
    await store.issueTokens({
      accessToken: makeAccessToken(as(mid), id('family'), { scope: 'openid calendar', issuedAt: T + 8 }),
    });
    // Dead: only tokens that are no longer live: not listed at all.
    const deadToken = makeAccessToken(as(dead), id('family'));
    await store.issueTokens({ accessToken: deadToken });
    await store.revokeAccessToken(deadToken.tokenHash, T + 1);
    await store.issueTokens({ accessToken: makeAccessToken(as(dead), id('family'), { expiresAt: now - 1 }) });

    const grants = await other.listUserGrants(user.id, now);
    expect(grants).toStrictEqual([
      {
        clientId: alpha.id,
        clientName: 'Alpha Mail',
        scopes: ['mail', 'openid', 'profile'],
        consentedAt: null,
        lastIssuedAt: T + 5,
        liveTokens: 2,
      },
      {
        clientId: mid.id,
        clientName: 'Mid Calendar',
        scopes: ['calendar'],
        consentedAt: T + 2,
        lastIssuedAt: T + 8,
        liveTokens: 1,
      },
      {
        clientId: zeta.id,
        clientName: 'Zeta Notes',
        scopes: ['openid', 'notes'],
        consentedAt: T + 1,
        lastIssuedAt: null,
        liveTokens: 0,
      },
    ]);
    for (const grant of grants) {
      expect(typeof grant.liveTokens).toBe('number');
      if (grant.lastIssuedAt !== null) expect(typeof grant.lastIssuedAt).toBe('number');
      if (grant.consentedAt !== null) expect(typeof grant.consentedAt).toBe('number');
    }

    // A second later Alpha's access token has expired too.
    expect((await store.listUserGrants(user.id, now + 1)).find((grant) => grant.clientId === alpha.id)).toStrictEqual({
      clientId: alpha.id,
      clientName: 'Alpha Mail',
      scopes: ['mail', 'openid'],
      consentedAt: null,
      lastIssuedAt: T + 3,
      liveTokens: 1,
    });
    expect(await store.listUserGrants(id('user'), now)).toEqual([]);
  });

  it("revokeUserGrant forgets the consent, revokes that client's tokens of that user, voids unused codes; false when nothing", async () => {
    const user = await newUser();
    const bystander = await newUser();
    const app = makeClient({ name: 'App' });
    const keep = makeClient({ name: 'Kept' });
    for (const client of [app, keep]) await store.createClient(client);
    const mine = { clientId: app.id, userId: user.id };
    const theirs = { clientId: app.id, userId: bystander.id };
    const kept = { clientId: keep.id, userId: user.id };

    await store.saveConsent({ userId: user.id, clientId: app.id, scopes: ['openid'], grantedAt: T });
    const pair = nextPair(mine, id('family'), null, T);
    await store.issueTokens(pair);
    const revokedEarlier = makeAccessToken(mine, id('family'));
    await store.issueTokens({ accessToken: revokedEarlier });
    await store.revokeAccessToken(revokedEarlier.tokenHash, T + 1);
    const unused = makeCode(mine, { expiresAt: FAR_FUTURE });
    const used = makeCode(mine);
    await store.saveAuthorizationCode(unused);
    await store.saveAuthorizationCode(used);
    expect(
      (await store.redeemAuthorizationCode(used.codeHash, T + 2, nextPair(mine, used.familyId, null, T + 2))).kind,
    ).toBe('redeemed');

    const theirConsent = { userId: bystander.id, clientId: app.id, scopes: ['openid'], grantedAt: T };
    await store.saveConsent(theirConsent);
    const theirPair = nextPair(theirs, id('family'), null, T);
    await store.issueTokens(theirPair);
    const theirCode = makeCode(theirs);
    await store.saveAuthorizationCode(theirCode);
    const keptConsent = { userId: user.id, clientId: keep.id, scopes: ['profile'], grantedAt: T };
    await store.saveConsent(keptConsent);
    const keptPair = nextPair(kept, id('family'), null, T);
    await store.issueTokens(keptPair);
    const keptCode = makeCode(kept);
    await store.saveAuthorizationCode(keptCode);

    expect(await store.revokeUserGrant(user.id, app.id, T + 100)).toBe(true);

    expect(await store.findConsent(user.id, app.id)).toBeNull();
    expect(await store.findAccessToken(pair.accessToken.tokenHash)).toStrictEqual({
      ...pair.accessToken,
      revokedAt: T + 100,
    });
    expect(await store.findRefreshToken(pair.refreshToken.tokenHash)).toStrictEqual({
      ...pair.refreshToken,
      revokedAt: T + 100,
    });
    expect((await store.findAccessToken(revokedEarlier.tokenHash))?.revokedAt).toBe(T + 1);
    // Including the pair the used code bought.
    const bought = await familyRows(store, used.familyId);
    expect(bought.access).toHaveLength(1);
    expect(bought.refresh).toHaveLength(1);
    for (const row of [...bought.access, ...bought.refresh]) expect(Number(row.revoked_at)).toBe(T + 100);
    expect(
      await countRows(store, 'access_tokens', 'user_id = ? AND client_id = ? AND revoked_at IS NULL', [
        user.id,
        app.id,
      ]),
    ).toBe(0);
    expect(
      await countRows(store, 'refresh_tokens', 'user_id = ? AND client_id = ? AND revoked_at IS NULL', [
        user.id,
        app.id,
      ]),
    ).toBe(0);
    // The unused code is void; the used one keeps its time.
    expect(await store.findAuthorizationCode(unused.codeHash)).toStrictEqual({ ...unused, consumedAt: T + 100 });
    expect((await store.findAuthorizationCode(used.codeHash))?.consumedAt).toBe(T + 2);
    const late = nextPair(mine, unused.familyId, null, T + 101);
    expect((await store.redeemAuthorizationCode(unused.codeHash, T + 101, late)).kind).not.toBe('redeemed');
    expect(await store.findAccessToken(late.accessToken.tokenHash)).toBeNull();

    // Another user of the app, and the user's other app, are untouched.
    expect(await store.findConsent(bystander.id, app.id)).toStrictEqual(theirConsent);
    expect(await store.findAccessToken(theirPair.accessToken.tokenHash)).toStrictEqual(theirPair.accessToken);
    expect(await store.findRefreshToken(theirPair.refreshToken.tokenHash)).toStrictEqual(theirPair.refreshToken);
    expect(await store.findAuthorizationCode(theirCode.codeHash)).toStrictEqual(theirCode);
    expect(await store.findConsent(user.id, keep.id)).toStrictEqual(keptConsent);
    expect(await store.findAccessToken(keptPair.accessToken.tokenHash)).toStrictEqual(keptPair.accessToken);
    expect(await store.findRefreshToken(keptPair.refreshToken.tokenHash)).toStrictEqual(keptPair.refreshToken);
    expect(await store.findAuthorizationCode(keptCode.codeHash)).toStrictEqual(keptCode);
    expect((await store.listUserGrants(user.id, T + 100)).map((grant) => grant.clientId)).toEqual([keep.id]);

    // Nothing left to take: false.
    expect(await other.revokeUserGrant(user.id, app.id, T + 200)).toBe(false);
    expect((await store.findAccessToken(pair.accessToken.tokenHash))?.revokedAt).toBe(T + 100);
    expect(await store.revokeUserGrant(user.id, id('client'), T + 200)).toBe(false);
    expect(await store.revokeUserGrant(id('user'), app.id, T + 200)).toBe(false);
  });

  it('revokeUserGrant is true for a consent alone, live tokens alone, or an unused code alone', async () => {
    const user = await newUser();
    const [consentOnly, tokensOnly, codeOnly] = [makeClient(), makeClient(), makeClient()];
    for (const client of [consentOnly, tokensOnly, codeOnly]) await store.createClient(client);
    await store.saveConsent({ userId: user.id, clientId: consentOnly.id, scopes: ['openid'], grantedAt: T });
    const token = makeAccessToken({ clientId: tokensOnly.id, userId: user.id }, id('family'));
    await store.issueTokens({ accessToken: token });
    const code = makeCode({ clientId: codeOnly.id, userId: user.id });
    await store.saveAuthorizationCode(code);

    expect(await store.revokeUserGrant(user.id, consentOnly.id, T + 5)).toBe(true);
    expect(await store.findConsent(user.id, consentOnly.id)).toBeNull();
    expect(await store.revokeUserGrant(user.id, tokensOnly.id, T + 5)).toBe(true);
    expect((await store.findAccessToken(token.tokenHash))?.revokedAt).toBe(T + 5);
    expect(await store.revokeUserGrant(user.id, codeOnly.id, T + 5)).toBe(true);
    expect((await store.findAuthorizationCode(code.codeHash))?.consumedAt).toBe(T + 5);
    for (const client of [consentOnly, tokensOnly, codeOnly])
      expect(await store.revokeUserGrant(user.id, client.id, T + 6)).toBe(false);
  });
});
