/**
 * The storage contract for authorization codes, run unchanged against SQLite and PostgreSQL (a fresh
 * database per engine). Authorization codes: single use, redeemed for tokens in one transaction,
 * replays revoke.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  countRows,
  familyRows,
  FAR_FUTURE,
  id,
  issueFamilyIn,
  makeAccessToken,
  makeCode,
  makeRefreshToken,
  nextPair,
  openContractStores,
  T,
  tally,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: authorization codes', (factory) => {
  let database: TestDatabase;
  /** The main store instance. */
  let store: SqlStore;
  /** A second instance on the same database: its own connection (SQLite) or pool (PostgreSQL). */
  let other: SqlStore;
  let owner: { clientId: string; userId: string };

  beforeAll(async () => {
    ({ database, store, other, owner } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  /** A family with its first pair issued. */
  const issueFamily = (issuedAt = T) => issueFamilyIn(store, owner, issuedAt);

  // --- authorization codes ------------------------------------------------------

  it('saves and finds authorization codes with every field intact, redirectUriGiven true and false', async () => {
    const given = makeCode(owner, { redirectUriGiven: true, issuedAt: T + 3, expiresAt: FAR_FUTURE });
    const notGiven = makeCode(owner, {
      redirectUriGiven: false,
      redirectUri: 'https://app.example/other',
      codeChallenge: null,
      codeChallengeMethod: null,
      scope: '',
    });
    await store.saveAuthorizationCode(given);
    await store.saveAuthorizationCode(notGiven);

    const foundGiven = await other.findAuthorizationCode(given.codeHash);
    expect(foundGiven).toStrictEqual(given);
    expect(foundGiven?.redirectUriGiven).toBe(true);
    expect(foundGiven?.expiresAt).toBe(FAR_FUTURE);
    const foundNotGiven = await other.findAuthorizationCode(notGiven.codeHash);
    expect(foundNotGiven).toStrictEqual(notGiven);
    expect(foundNotGiven?.redirectUriGiven).toBe(false);
    expect(foundNotGiven?.codeChallenge).toBeNull();

    expect(await store.findAuthorizationCode(id('code'))).toBeNull();
  });

  it('redeemAuthorizationCode: a live code is consumed and the tokens issued for it are stored', async () => {
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const tokens = nextPair(owner, code.familyId, null, T + 5);

    expect(await store.redeemAuthorizationCode(code.codeHash, T + 5, tokens)).toEqual({ kind: 'redeemed' });

    expect(await store.findAuthorizationCode(code.codeHash)).toStrictEqual({ ...code, consumedAt: T + 5 });
    expect(await other.findAccessToken(tokens.accessToken.tokenHash)).toStrictEqual(tokens.accessToken);
    expect(await other.findRefreshToken(tokens.refreshToken.tokenHash)).toStrictEqual(tokens.refreshToken);
  });

  it('redeemAuthorizationCode stores an access token alone when no refresh token is issued', async () => {
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const accessToken = makeAccessToken(owner, code.familyId, { issuedAt: T + 5 });

    expect(await store.redeemAuthorizationCode(code.codeHash, T + 5, { accessToken })).toEqual({ kind: 'redeemed' });
    expect(await store.findAccessToken(accessToken.tokenHash)).toStrictEqual(accessToken);
    expect(await countRows(store, 'refresh_tokens', 'family_id = ?', [code.familyId])).toBe(0);
  });

  it('redeemAuthorizationCode: a second redemption is a replay that revokes every token of the family, descendants included', async () => {
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const first = nextPair(owner, code.familyId, null, T + 5);
    expect(await store.redeemAuthorizationCode(code.codeHash, T + 5, first)).toEqual({ kind: 'redeemed' });
    // The client refreshes: the family now has a rotated descendant pair.
    const rotated = nextPair(owner, code.familyId, first.refreshToken.tokenHash, T + 10);
    expect(
      await store.rotateRefreshToken({
        presentedHash: first.refreshToken.tokenHash,
        now: T + 10,
        gracePeriod: 0,
        next: rotated,
      }),
    ).toEqual({ kind: 'rotated' });
    const { first: bystander } = await issueFamily();

    const replay = nextPair(owner, code.familyId, null, T + 20);
    expect(await store.redeemAuthorizationCode(code.codeHash, T + 20, replay)).toEqual({ kind: 'replayed' });

    const rows = await familyRows(store, code.familyId);
    expect(rows.liveAccess).toEqual([]);
    expect(rows.liveRefresh).toEqual([]);
    for (const row of [...rows.access, ...rows.refresh]) expect(row.revoked_at).not.toBeNull();
    expect((await store.findAccessToken(rotated.accessToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(rotated.refreshToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(first.refreshToken.tokenHash))?.revokedAt).toBe(T + 20);
    // Revoked earlier by the rotation: keeps its time.
    expect((await store.findAccessToken(first.accessToken.tokenHash))?.revokedAt).toBe(T + 10);
    // The tokens offered with the replay were not stored, and the code keeps its first use.
    expect(await store.findAccessToken(replay.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(replay.refreshToken.tokenHash)).toBeNull();
    expect((await store.findAuthorizationCode(code.codeHash))?.consumedAt).toBe(T + 5);
    // Another family is untouched.
    expect(await store.findAccessToken(bystander.accessToken.tokenHash)).toStrictEqual(bystander.accessToken);
    expect(await store.findRefreshToken(bystander.refreshToken.tokenHash)).toStrictEqual(bystander.refreshToken);

    // Still a replay, even after the code's expiry.
    expect(
      await store.redeemAuthorizationCode(
        code.codeHash,
        code.expiresAt + 100,
        nextPair(owner, code.familyId, null, T + 200),
      ),
    ).toEqual({
      kind: 'replayed',
    });
  });

  it('redeemAuthorizationCode: an expired code is invalid, stays unconsumed, and no token is stored', async () => {
    const code = makeCode(owner, { expiresAt: T + 60 });
    await store.saveAuthorizationCode(code);
    const tokens = nextPair(owner, code.familyId, null, T + 60);

    // expires_at <= now: expired.
    expect(await store.redeemAuthorizationCode(code.codeHash, T + 60, tokens)).toEqual({ kind: 'invalid' });
    expect(await store.findAuthorizationCode(code.codeHash)).toStrictEqual(code);
    expect(await store.findAccessToken(tokens.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(tokens.refreshToken.tokenHash)).toBeNull();
    expect(await countRows(store, 'access_tokens', 'family_id = ?', [code.familyId])).toBe(0);

    // One second earlier it was still good.
    const live = makeCode(owner, { expiresAt: T + 60 });
    await store.saveAuthorizationCode(live);
    expect(
      await store.redeemAuthorizationCode(live.codeHash, T + 59, nextPair(owner, live.familyId, null, T + 59)),
    ).toEqual({
      kind: 'redeemed',
    });
  });

  it('redeemAuthorizationCode: an unknown code is invalid and no token is stored', async () => {
    const familyId = id('family');
    const tokens = nextPair(owner, familyId, null, T);
    expect(await store.redeemAuthorizationCode(id('code'), T, tokens)).toEqual({ kind: 'invalid' });
    expect(await store.findAccessToken(tokens.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(tokens.refreshToken.tokenHash)).toBeNull();
  });

  it('redeemAuthorizationCode is one transaction: when the tokens cannot be stored, the code is not consumed', async () => {
    const { first: existing } = await issueFamily();
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    // Same hash as an existing access token: the insert fails.
    const clash = {
      accessToken: makeAccessToken(owner, code.familyId, { tokenHash: existing.accessToken.tokenHash }),
      refreshToken: makeRefreshToken(owner, code.familyId),
    };
    await expect(store.redeemAuthorizationCode(code.codeHash, T + 5, clash)).rejects.toThrow();

    expect((await store.findAuthorizationCode(code.codeHash))?.consumedAt).toBeNull();
    expect(await store.findRefreshToken(clash.refreshToken.tokenHash)).toBeNull();
    // The client can still exchange it.
    const tokens = nextPair(owner, code.familyId, null, T + 6);
    expect(await store.redeemAuthorizationCode(code.codeHash, T + 6, tokens)).toEqual({ kind: 'redeemed' });
  });

  it('10 concurrent redemptions of one code across two store instances: exactly one redeems, the rest are replays', async () => {
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const now = T + 5;
    const offers = Array.from({ length: 10 }, () => nextPair(owner, code.familyId, null, now));

    const outcomes = await Promise.all(
      offers.map((tokens, i) => [store, other][i % 2]!.redeemAuthorizationCode(code.codeHash, now, tokens)),
    );

    expect(tally(outcomes)).toEqual({ redeemed: 1, replayed: 9 });
    // Only the winner's tokens were stored; the replays then revoked them.
    const winner = offers[outcomes.findIndex((outcome) => outcome.kind === 'redeemed')]!;
    const rows = await familyRows(store, code.familyId);
    expect(rows.access.map((row) => row.token_hash)).toEqual([winner.accessToken.tokenHash]);
    expect(rows.refresh.map((row) => row.token_hash)).toEqual([winner.refreshToken.tokenHash]);
    expect(rows.liveAccess).toEqual([]);
    expect(rows.liveRefresh).toEqual([]);
    expect((await store.findAuthorizationCode(code.codeHash))?.consumedAt).toBe(now);
  });
});
