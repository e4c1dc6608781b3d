/**
 * The storage contract for refresh token rotation, run unchanged against SQLite and PostgreSQL (a
 * fresh database per engine). Refresh token rotation: reuse detection, the grace period, concurrent
 * presentations.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  familyRows,
  id,
  issueFamilyIn,
  nextPair,
  openContractStores,
  T,
  tally,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: refresh token rotation', (factory) => {
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

  // --- rotation ------------------------------------------------------------

  it('rotateRefreshToken rotates a live token, then a second presentation revokes the whole family', async () => {
    const { familyId, first } = await issueFamily();
    const presented = first.refreshToken.tokenHash;

    const second = nextPair(owner, familyId, presented, T + 10);
    expect(
      await store.rotateRefreshToken({ presentedHash: presented, now: T + 10, gracePeriod: 0, next: second }),
    ).toEqual({
      kind: 'rotated',
    });

    expect(await store.findRefreshToken(presented)).toStrictEqual({ ...first.refreshToken, consumedAt: T + 10 });
    expect(await store.findAccessToken(first.accessToken.tokenHash)).toStrictEqual({
      ...first.accessToken,
      revokedAt: T + 10,
    });
    expect(await store.findAccessToken(second.accessToken.tokenHash)).toStrictEqual(second.accessToken);
    expect(await store.findRefreshToken(second.refreshToken.tokenHash)).toStrictEqual(second.refreshToken);
    let rows = await familyRows(store, familyId);
    expect(rows.liveAccess).toEqual([second.accessToken.tokenHash]);
    expect(rows.liveRefresh).toEqual([second.refreshToken.tokenHash]);

    // The old token again (grace off): reuse.
    const stolen = nextPair(owner, familyId, presented, T + 20);
    expect(
      await store.rotateRefreshToken({ presentedHash: presented, now: T + 20, gracePeriod: 0, next: stolen }),
    ).toEqual({
      kind: 'reuse-detected',
      familyId,
    });

    rows = await familyRows(store, familyId);
    expect(rows.access).toHaveLength(2);
    expect(rows.refresh).toHaveLength(2);
    for (const row of [...rows.access, ...rows.refresh]) expect(row.revoked_at).not.toBeNull();
    expect(rows.liveAccess).toEqual([]);
    expect(rows.liveRefresh).toEqual([]);
    // The newest pair is revoked now; what was revoked earlier keeps its time.
    expect((await store.findAccessToken(second.accessToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(second.refreshToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(presented))?.revokedAt).toBe(T + 20);
    expect((await store.findAccessToken(first.accessToken.tokenHash))?.revokedAt).toBe(T + 10);
    // The pair offered with the reused token was not stored.
    expect(await store.findAccessToken(stolen.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(stolen.refreshToken.tokenHash)).toBeNull();

    // The successor is dead too.
    const after = nextPair(owner, familyId, second.refreshToken.tokenHash, T + 30);
    expect(
      await store.rotateRefreshToken({
        presentedHash: second.refreshToken.tokenHash,
        now: T + 30,
        gracePeriod: 0,
        next: after,
      }),
    ).toEqual({ kind: 'invalid' });
    expect(await store.findRefreshToken(after.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken: an expired token is invalid and nothing changes', async () => {
    const { familyId, first } = await issueFamily();
    const now = first.refreshToken.expiresAt; // expires_at <= now: expired
    const next = nextPair(owner, familyId, first.refreshToken.tokenHash, now);
    const before = await familyRows(store, familyId);

    expect(
      await store.rotateRefreshToken({ presentedHash: first.refreshToken.tokenHash, now, gracePeriod: 60, next }),
    ).toEqual({
      kind: 'invalid',
    });

    expect(await familyRows(store, familyId)).toEqual(before);
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual(first.refreshToken);
    expect(await store.findAccessToken(first.accessToken.tokenHash)).toStrictEqual(first.accessToken);
    expect(await store.findAccessToken(next.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(next.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken: an unknown token is invalid and nothing is stored', async () => {
    const familyId = id('family');
    const next = nextPair(owner, familyId, null, T);
    expect(await store.rotateRefreshToken({ presentedHash: id('rt'), now: T, gracePeriod: 60, next })).toEqual({
      kind: 'invalid',
    });
    expect(await store.findAccessToken(next.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(next.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken: a revoked token is invalid and nothing changes', async () => {
    const { familyId, first } = await issueFamily();
    expect(await store.revokeFamily(familyId, T + 5)).toBe(2);
    const before = await familyRows(store, familyId);
    const next = nextPair(owner, familyId, first.refreshToken.tokenHash, T + 6);

    expect(
      await store.rotateRefreshToken({
        presentedHash: first.refreshToken.tokenHash,
        now: T + 6,
        gracePeriod: 60,
        next,
      }),
    ).toEqual({ kind: 'invalid' });

    expect(await familyRows(store, familyId)).toEqual(before);
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual({
      ...first.refreshToken,
      revokedAt: T + 5,
    });
    expect(await store.findAccessToken(next.accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(next.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken grace: a retry reissues, keeping one live refresh token; after the successor is used it is reuse', async () => {
    const { familyId, first } = await issueFamily();
    const original = first.refreshToken.tokenHash;

    const lost = nextPair(owner, familyId, original, T + 10);
    expect(
      await store.rotateRefreshToken({ presentedHash: original, now: T + 10, gracePeriod: 60, next: lost }),
    ).toEqual({
      kind: 'rotated',
    });

    // The client never saw `lost` and presents the original again within 60 s.
    const retry = nextPair(owner, familyId, original, T + 40);
    expect(
      await store.rotateRefreshToken({ presentedHash: original, now: T + 40, gracePeriod: 60, next: retry }),
    ).toEqual({
      kind: 'reissued-in-grace',
    });
    expect((await store.findRefreshToken(lost.refreshToken.tokenHash))?.revokedAt).toBe(T + 40);
    expect((await store.findAccessToken(lost.accessToken.tokenHash))?.revokedAt).toBe(T + 40);
    expect(await store.findRefreshToken(retry.refreshToken.tokenHash)).toStrictEqual(retry.refreshToken);
    expect(await store.findAccessToken(retry.accessToken.tokenHash)).toStrictEqual(retry.accessToken);
    expect((await store.findRefreshToken(original))?.consumedAt).toBe(T + 10);
    let rows = await familyRows(store, familyId);
    expect(rows.liveRefresh).toEqual([retry.refreshToken.tokenHash]);
    expect(rows.liveAccess).toEqual([retry.accessToken.tokenHash]);

    // The client goes on with the reissued token.
    const third = nextPair(owner, familyId, retry.refreshToken.tokenHash, T + 50);
    expect(
      await store.rotateRefreshToken({
        presentedHash: retry.refreshToken.tokenHash,
        now: T + 50,
        gracePeriod: 60,
        next: third,
      }),
    ).toEqual({ kind: 'rotated' });

    // The original again, still within 60 s of its use, but its successor has been used: reuse.
    const late = nextPair(owner, familyId, original, T + 55);
    expect(
      await store.rotateRefreshToken({ presentedHash: original, now: T + 55, gracePeriod: 60, next: late }),
    ).toEqual({
      kind: 'reuse-detected',
      familyId,
    });
    rows = await familyRows(store, familyId);
    expect(rows.liveRefresh).toEqual([]);
    expect(rows.liveAccess).toEqual([]);
    for (const row of [...rows.access, ...rows.refresh]) expect(row.revoked_at).not.toBeNull();
    expect(await store.findRefreshToken(late.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken grace: presenting a used token after the grace window is reuse', async () => {
    const { familyId, first } = await issueFamily();
    const original = first.refreshToken.tokenHash;
    const second = nextPair(owner, familyId, original, T + 10);
    expect(
      await store.rotateRefreshToken({ presentedHash: original, now: T + 10, gracePeriod: 60, next: second }),
    ).toEqual({
      kind: 'rotated',
    });

    const tooLate = nextPair(owner, familyId, original, T + 71);
    expect(
      await store.rotateRefreshToken({ presentedHash: original, now: T + 71, gracePeriod: 60, next: tooLate }),
    ).toEqual({
      kind: 'reuse-detected',
      familyId,
    });
    const rows = await familyRows(store, familyId);
    expect(rows.liveRefresh).toEqual([]);
    expect(rows.liveAccess).toEqual([]);
    expect((await store.findRefreshToken(second.refreshToken.tokenHash))?.revokedAt).toBe(T + 71);
    expect(await store.findRefreshToken(tooLate.refreshToken.tokenHash)).toBeNull();
  });

  it('rotateRefreshToken grace: the last second of the window still counts as a retry', async () => {
    const { familyId, first } = await issueFamily();
    const original = first.refreshToken.tokenHash;
    await store.rotateRefreshToken({
      presentedHash: original,
      now: T + 10,
      gracePeriod: 60,
      next: nextPair(owner, familyId, original, T + 10),
    });
    const retry = nextPair(owner, familyId, original, T + 70);
    expect(
      await store.rotateRefreshToken({ presentedHash: original, now: T + 70, gracePeriod: 60, next: retry }),
    ).toEqual({
      kind: 'reissued-in-grace',
    });
    expect((await familyRows(store, familyId)).liveRefresh).toEqual([retry.refreshToken.tokenHash]);
  });

  // --- concurrency -----------------------------------------------------------

  /**
   * 20 concurrent presentations of one token, each with its own next pair; by default 10 through
   * each store instance (two connections / two pools on one database).
   */
  async function presentConcurrently(gracePeriod: number, through: SqlStore[] = [store, other]) {
    const { familyId, first } = await issueFamily();
    const presented = first.refreshToken.tokenHash;
    const now = T + 100;
    const pairs = Array.from({ length: 20 }, () => nextPair(owner, familyId, presented, now));
    const outcomes = await Promise.all(
      pairs.map((next, i) =>
        through[i % through.length]!.rotateRefreshToken({ presentedHash: presented, now, gracePeriod, next }),
      ),
    );
    return { familyId, presented, pairs, outcomes };
  }

  it('concurrent transactions through one store instance stay separate', async () => {
    const families = Array.from({ length: 20 }, () => id('family'));
    const pairs = families.map((familyId) => nextPair(owner, familyId, null, T));
    const results = await Promise.allSettled(pairs.map((pair) => store.issueTokens(pair)));
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    for (const pair of pairs) {
      expect(await store.findAccessToken(pair.accessToken.tokenHash)).toStrictEqual(pair.accessToken);
      expect(await store.findRefreshToken(pair.refreshToken.tokenHash)).toStrictEqual(pair.refreshToken);
    }

    const { familyId, outcomes } = await presentConcurrently(0, [store]);
    expect(tally(outcomes)).toEqual({ rotated: 1, 'reuse-detected': 19 });
    expect((await familyRows(store, familyId)).liveRefresh).toEqual([]);
  });

  it('20 concurrent rotations of one token across two store instances: exactly one rotates, the rest are reuse (grace 0)', async () => {
    const { familyId, presented, pairs, outcomes } = await presentConcurrently(0);

    expect(tally(outcomes)).toEqual({ rotated: 1, 'reuse-detected': 19 });
    for (const outcome of outcomes) {
      if (outcome.kind === 'reuse-detected') expect(outcome.familyId).toBe(familyId);
    }
    // Only the winner's pair was stored, and reuse revoked it along with the rest of the family.
    const winner = outcomes.findIndex((outcome) => outcome.kind === 'rotated');
    const rows = await familyRows(store, familyId);
    expect(rows.refresh.map((row) => row.token_hash).sort()).toEqual(
      [presented, pairs[winner]!.refreshToken.tokenHash].sort(),
    );
    expect(rows.access).toHaveLength(2);
    expect(rows.liveRefresh).toEqual([]);
    expect(rows.liveAccess).toEqual([]);
    expect((await store.findRefreshToken(presented))?.consumedAt).toBe(T + 100);
  });

  it('20 concurrent rotations of one token across two store instances with grace: one rotates, the rest reissue, one token stays live', async () => {
    const { familyId, presented, pairs, outcomes } = await presentConcurrently(60);

    expect(tally(outcomes)).toEqual({ rotated: 1, 'reissued-in-grace': 19 });
    const rows = await familyRows(store, familyId);
    // Every next pair was stored (1 rotation + 19 reissues) alongside the first pair.
    expect(rows.refresh).toHaveLength(21);
    expect(rows.access).toHaveLength(21);
    expect(rows.liveRefresh).toHaveLength(1);
    expect(rows.liveAccess).toHaveLength(1);
    // The live access and refresh token are one pair.
    const live = pairs.find((pair) => pair.refreshToken.tokenHash === rows.liveRefresh[0]);
    expect(live).toBeDefined();
    expect(rows.liveAccess).toEqual([live!.accessToken.tokenHash]);
    expect((await store.findRefreshToken(presented))?.revokedAt).toBeNull();
  });
});
