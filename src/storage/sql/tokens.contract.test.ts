/**
 * The storage contract for tokens, run unchanged against SQLite and PostgreSQL (a fresh database per
 * engine). Access and refresh tokens: issuing, every field round-tripping, revocation of one token or
 * a family.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
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
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: tokens', (factory) => {
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

  // --- tokens --------------------------------------------------------------

  it('issueTokens stores an access token alone, every field round-tripping exactly', async () => {
    const accessToken = makeAccessToken(owner, id('family'), { issuedAt: T + 7, expiresAt: FAR_FUTURE, scope: '' });
    const serviceToken = makeAccessToken({ clientId: owner.clientId, userId: null }, id('family'));
    await store.issueTokens({ accessToken });
    await store.issueTokens({ accessToken: serviceToken });

    const found = await other.findAccessToken(accessToken.tokenHash);
    expect(found).toStrictEqual(accessToken);
    expect(typeof found?.issuedAt).toBe('number');
    expect(found?.expiresAt).toBe(FAR_FUTURE);
    expect(await store.findAccessToken(serviceToken.tokenHash)).toStrictEqual(serviceToken);
    expect(await store.findRefreshToken(accessToken.tokenHash)).toBeNull();
    expect(await store.findAccessToken(id('missing'))).toBeNull();
  });

  it('stores the actor (RFC 8693 act) of an access token, nested chains intact, and none when absent', async () => {
    const actor = { sub: 'service-b', client_id: 'service-b', act: { sub: 'service-a', client_id: 'service-a' } };
    const delegated = makeAccessToken(owner, id('family'), { actor });
    const plain = makeAccessToken(owner, id('family'));
    await store.issueTokens({ accessToken: delegated });
    await store.issueTokens({ accessToken: plain });

    expect(await other.findAccessToken(delegated.tokenHash)).toStrictEqual(delegated);
    const found = await other.findAccessToken(plain.tokenHash);
    expect(found).toStrictEqual(plain);
    expect(found).not.toHaveProperty('actor');
  });

  it('issueTokens stores an access and refresh token pair, every field round-tripping exactly', async () => {
    const familyId = id('family');
    const pair = {
      accessToken: makeAccessToken(owner, familyId, { issuedAt: T + 11, expiresAt: T + 3611 }),
      refreshToken: makeRefreshToken(owner, familyId, {
        parentHash: id('rt'),
        issuedAt: T + 11,
        expiresAt: FAR_FUTURE,
      }),
    };
    await store.issueTokens(pair);

    const access = await store.findAccessToken(pair.accessToken.tokenHash);
    const refresh = await other.findRefreshToken(pair.refreshToken.tokenHash);
    expect(access).toStrictEqual(pair.accessToken);
    expect(refresh).toStrictEqual(pair.refreshToken);
    for (const value of [access?.issuedAt, access?.expiresAt, refresh?.issuedAt, refresh?.expiresAt]) {
      expect(typeof value).toBe('number');
    }
    expect(refresh?.expiresAt).toBe(FAR_FUTURE);
    expect(refresh?.consumedAt).toBeNull();
    expect(refresh?.revokedAt).toBeNull();
  });

  it('issueTokens is one transaction: when the refresh token cannot be stored, neither is the access token', async () => {
    const { first } = await issueFamily();
    const familyId = id('family');
    const accessToken = makeAccessToken(owner, familyId);
    // Same hash as an existing refresh token: the insert fails.
    const refreshToken = makeRefreshToken(owner, familyId, { tokenHash: first.refreshToken.tokenHash });
    await expect(store.issueTokens({ accessToken, refreshToken })).rejects.toThrow();
    expect(await store.findAccessToken(accessToken.tokenHash)).toBeNull();
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual(first.refreshToken);
  });

  it('round-trips the access token jti, and a null jti', async () => {
    const familyId = id('family');
    const withJti = makeAccessToken(owner, familyId, { jti: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6' });
    const withoutJti = makeAccessToken(owner, id('family'), { jti: null });
    await store.issueTokens({ accessToken: withJti, refreshToken: makeRefreshToken(owner, familyId) });
    await store.issueTokens({ accessToken: withoutJti });

    expect(await other.findAccessToken(withJti.tokenHash)).toStrictEqual(withJti);
    expect((await other.findAccessToken(withJti.tokenHash))?.jti).toBe('f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    expect(await other.findAccessToken(withoutJti.tokenHash)).toStrictEqual(withoutJti);
    expect((await store.findAccessToken(withoutJti.tokenHash))?.jti).toBeNull();

    // Rotation and redemption store the jti of the tokens they issue too.
    const { first } = await issueFamily();
    const next = nextPair(owner, first.refreshToken.familyId, first.refreshToken.tokenHash, T + 1);
    await store.rotateRefreshToken({ presentedHash: first.refreshToken.tokenHash, now: T + 1, gracePeriod: 0, next });
    expect((await store.findAccessToken(next.accessToken.tokenHash))?.jti).toBe(next.accessToken.jti);
    const code = makeCode(owner);
    await store.saveAuthorizationCode(code);
    const issued = nextPair(owner, code.familyId, null, T + 2);
    expect((await store.redeemAuthorizationCode(code.codeHash, T + 2, issued)).kind).toBe('redeemed');
    expect((await store.findAccessToken(issued.accessToken.tokenHash))?.jti).toBe(issued.accessToken.jti);
  });

  it('numbers read back from the stored rows are numbers, timestamps included', async () => {
    const { first } = await issueFamily();
    const now = T + 50;
    const next = nextPair(owner, first.refreshToken.familyId, first.refreshToken.tokenHash, now);
    await store.rotateRefreshToken({ presentedHash: first.refreshToken.tokenHash, now, gracePeriod: 0, next });
    const consumed = await store.findRefreshToken(first.refreshToken.tokenHash);
    const revoked = await store.findAccessToken(first.accessToken.tokenHash);
    expect(consumed?.consumedAt).toBe(now);
    expect(typeof consumed?.consumedAt).toBe('number');
    expect(revoked?.revokedAt).toBe(now);
    expect(typeof revoked?.revokedAt).toBe('number');
  });

  // --- revocation ------------------------------------------------------------

  it('revokeAccessToken revokes that one token once: true, then false; false for an unknown hash', async () => {
    const { familyId, first } = await issueFamily();
    const sibling = makeAccessToken(owner, familyId);
    await store.issueTokens({ accessToken: sibling });
    const { first: bystander } = await issueFamily();

    expect(await store.revokeAccessToken(first.accessToken.tokenHash, T + 5)).toBe(true);
    expect(await other.findAccessToken(first.accessToken.tokenHash)).toStrictEqual({
      ...first.accessToken,
      revokedAt: T + 5,
    });
    // Already revoked: false, and the first revocation time is kept.
    expect(await other.revokeAccessToken(first.accessToken.tokenHash, T + 9)).toBe(false);
    expect((await store.findAccessToken(first.accessToken.tokenHash))?.revokedAt).toBe(T + 5);
    expect(await store.revokeAccessToken(id('missing'), T + 9)).toBe(false);

    // Only that token: not its refresh token, not another access token of its family, nor anyone else's.
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual(first.refreshToken);
    expect(await store.findAccessToken(sibling.tokenHash)).toStrictEqual(sibling);
    expect(await store.findAccessToken(bystander.accessToken.tokenHash)).toStrictEqual(bystander.accessToken);
    expect(await store.findRefreshToken(bystander.refreshToken.tokenHash)).toStrictEqual(bystander.refreshToken);
    // A refresh token's hash is not an access token's: nothing happens to it.
    expect(await store.revokeAccessToken(first.refreshToken.tokenHash, T + 9)).toBe(false);
    expect(await store.findRefreshToken(first.refreshToken.tokenHash)).toStrictEqual(first.refreshToken);
  });

  it('revokeFamily revokes every access and refresh token of the family and nothing else', async () => {
    const { familyId, first } = await issueFamily();
    const second = nextPair(owner, familyId, first.refreshToken.tokenHash, T + 10);
    await store.rotateRefreshToken({
      presentedHash: first.refreshToken.tokenHash,
      now: T + 10,
      gracePeriod: 0,
      next: second,
    });
    const { first: bystander } = await issueFamily();

    // Live rows: second.accessToken, first.refreshToken (consumed, not revoked), second.refreshToken.
    expect(await store.revokeFamily(familyId, T + 20)).toBe(3);
    const rows = await familyRows(store, familyId);
    for (const row of [...rows.access, ...rows.refresh]) expect(row.revoked_at).not.toBeNull();
    expect((await store.findAccessToken(second.accessToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findRefreshToken(second.refreshToken.tokenHash))?.revokedAt).toBe(T + 20);
    expect((await store.findAccessToken(first.accessToken.tokenHash))?.revokedAt).toBe(T + 10);

    expect(await store.findAccessToken(bystander.accessToken.tokenHash)).toStrictEqual(bystander.accessToken);
    expect(await store.findRefreshToken(bystander.refreshToken.tokenHash)).toStrictEqual(bystander.refreshToken);

    expect(await store.revokeFamily(familyId, T + 30)).toBe(0);
    expect(await store.revokeFamily(id('family'), T + 30)).toBe(0);
  });
});
