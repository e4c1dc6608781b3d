/**
 * The storage contract for password reset links, run unchanged against SQLite and PostgreSQL (a fresh
 * database per engine). resetPassword: a new hash, every token, session and reset link of the user
 * gone, once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  countRows,
  createUserIn,
  FAR_FUTURE,
  id,
  makeAccessToken,
  makeAccountToken,
  makeClient,
  makeSession,
  nextPair,
  openContractStores,
  T,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';
import type { UserRecord } from '../store.js';

describeEachEngine('storage contract: password reset links', (factory) => {
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

  /** A user of their own (created in the shared database) with the given fields. */
  const newUser = (overrides: Partial<UserRecord> = {}) => createUserIn(store, overrides);

  /** A user with live and revoked tokens of two clients, and two sessions. */
  async function userWithTokens(overrides: Partial<UserRecord> = {}) {
    const user = await newUser(overrides);
    const second = makeClient();
    await store.createClient(second);
    const mine = { clientId: owner.clientId, userId: user.id };
    const viaSecond = { clientId: second.id, userId: user.id };
    const pair = nextPair(mine, id('family'), null, T);
    const secondPair = nextPair(viaSecond, id('family'), null, T);
    const accessOnly = makeAccessToken(viaSecond, id('family'));
    const revoked = makeAccessToken(mine, id('family'));
    for (const tokens of [pair, secondPair, { accessToken: accessOnly }, { accessToken: revoked }])
      await store.issueTokens(tokens);
    expect(await store.revokeAccessToken(revoked.tokenHash, T + 1)).toBe(true);
    const sessions = [makeSession(user.id), makeSession(user.id, { expiresAt: FAR_FUTURE })];
    for (const session of sessions) await store.createSession(session);
    return { user, pair, secondPair, accessOnly, revoked, sessions };
  }

  it('resetPassword sets the hash, revokes every token of the user, ends their sessions and deletes their reset links, once', async () => {
    const target = await userWithTokens();
    const bystander = await userWithTokens();
    const link = makeAccountToken(target.user.id, 'reset', { createdAt: T + 10, expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    // Another reset link of the user's, as an older release could have left (stored directly).
    const stray = makeAccountToken(target.user.id, 'reset', { createdAt: T + 5 });
    await store.driver.run(
      'INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [stray.tokenHash, stray.userId, stray.purpose, stray.createdAt, stray.expiresAt],
    );
    const confirm = makeAccountToken(target.user.id, 'confirm');
    expect(await store.issueAccountToken(confirm, 0)).toBe(true);
    const theirLink = makeAccountToken(bystander.user.id, 'reset');
    expect(await store.issueAccountToken(theirLink, 0)).toBe(true);

    const newHash = '$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$cmVzZXQ';
    expect(await store.resetPassword(link.tokenHash, newHash, T + 100)).toBe(target.user.id);

    expect(await store.findUserById(target.user.id)).toStrictEqual({
      ...target.user,
      passwordHash: newHash,
      updatedAt: T + 100,
    });
    // Every access and refresh token of the user, of every client, is revoked now; one revoked before keeps its time.
    for (const token of [target.pair.accessToken, target.secondPair.accessToken, target.accessOnly]) {
      expect(await store.findAccessToken(token.tokenHash)).toStrictEqual({ ...token, revokedAt: T + 100 });
    }
    for (const token of [target.pair.refreshToken, target.secondPair.refreshToken]) {
      expect(await store.findRefreshToken(token.tokenHash)).toStrictEqual({ ...token, revokedAt: T + 100 });
    }
    expect((await store.findAccessToken(target.revoked.tokenHash))?.revokedAt).toBe(T + 1);
    expect(await countRows(store, 'access_tokens', 'user_id = ? AND revoked_at IS NULL', [target.user.id])).toBe(0);
    expect(await countRows(store, 'refresh_tokens', 'user_id = ? AND revoked_at IS NULL', [target.user.id])).toBe(0);
    for (const session of target.sessions) expect(await store.findSession(session.idHash)).toBeNull();
    // Every reset link of the user is gone; the confirmation link is not a reset link.
    expect(await countRows(store, 'account_tokens', 'user_id = ? AND purpose = ?', [target.user.id, 'reset'])).toBe(0);
    expect(await store.findAccountToken(confirm.tokenHash, 'confirm', T + 100)).toStrictEqual(confirm);

    // Another user is untouched.
    for (const token of [bystander.pair.accessToken, bystander.secondPair.accessToken, bystander.accessOnly]) {
      expect(await store.findAccessToken(token.tokenHash)).toStrictEqual(token);
    }
    for (const token of [bystander.pair.refreshToken, bystander.secondPair.refreshToken]) {
      expect(await store.findRefreshToken(token.tokenHash)).toStrictEqual(token);
    }
    for (const session of bystander.sessions) expect(await store.findSession(session.idHash)).toStrictEqual(session);
    expect(await store.findAccountToken(theirLink.tokenHash, 'reset', T + 100)).toStrictEqual(theirLink);
    expect(await store.findUserById(bystander.user.id)).toStrictEqual(bystander.user);

    // Single use, and the stray link went with it.
    expect(await other.resetPassword(link.tokenHash, 'another-hash', T + 101)).toBeNull();
    expect(await other.resetPassword(stray.tokenHash, 'another-hash', T + 101)).toBeNull();
    expect((await store.findUserById(target.user.id))?.passwordHash).toBe(newHash);
    expect(await store.resetPassword(id('link'), 'another-hash', T + 101)).toBeNull();
  });

  it('resetPassword never changes enabled: a deactivated or unconfirmed account stays disabled', async () => {
    const deactivated = await newUser({ enabled: false, awaitingConfirmation: false });
    const unconfirmed = await newUser({ enabled: false, awaitingConfirmation: true });
    for (const user of [deactivated, unconfirmed]) {
      const link = makeAccountToken(user.id, 'reset');
      expect(await store.issueAccountToken(link, 0)).toBe(true);
      expect(await store.resetPassword(link.tokenHash, 'hash-after-reset', T + 50)).toBe(user.id);
      const after = await store.findUserById(user.id);
      expect(after).toMatchObject({ enabled: false, passwordHash: 'hash-after-reset' });
    }
  });

  it('resetPassword: an expired link is null and changes nothing', async () => {
    const target = await userWithTokens();
    const link = makeAccountToken(target.user.id, 'reset', { expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 0)).toBe(true);
    expect(await store.resetPassword(link.tokenHash, 'too-late', T + 3600)).toBeNull();
    expect(await store.findUserById(target.user.id)).toStrictEqual(target.user);
    expect(await store.findAccessToken(target.pair.accessToken.tokenHash)).toStrictEqual(target.pair.accessToken);
    expect(await store.findRefreshToken(target.pair.refreshToken.tokenHash)).toStrictEqual(target.pair.refreshToken);
    for (const session of target.sessions) expect(await store.findSession(session.idHash)).toStrictEqual(session);
  });

  it('10 concurrent resetPassword calls with one link across two store instances: exactly one succeeds, and its hash is stored', async () => {
    const target = await userWithTokens();
    const link = makeAccountToken(target.user.id, 'reset');
    expect(await store.issueAccountToken(link, 0)).toBe(true);
    const hashes = Array.from({ length: 10 }, (_, i) => `hash-${i}`);
    const results = await Promise.all(
      hashes.map((hash, i) => [store, other][i % 2]!.resetPassword(link.tokenHash, hash, T + 20)),
    );
    expect(results.filter((result) => result !== null)).toEqual([target.user.id]);
    const winner = hashes[results.findIndex((result) => result !== null)]!;
    expect((await store.findUserById(target.user.id))?.passwordHash).toBe(winner);
    expect(await countRows(store, 'access_tokens', 'user_id = ? AND revoked_at IS NULL', [target.user.id])).toBe(0);
  });
});
