/**
 * The storage contract for confirmation and reset links, run unchanged against SQLite and PostgreSQL
 * (a fresh database per engine). Confirmation, reset and e-mail change links: issued rarely, used
 * once, across instances.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  countRows,
  createUserIn,
  FAR_FUTURE,
  id,
  makeAccountToken,
  openContractStores,
  T,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';
import type { UserRecord } from '../store.js';

describeEachEngine('storage contract: confirmation and reset links', (factory) => {
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

  // --- confirmation and reset links ------------------------------------------------

  it('issueAccountToken stores a link that findAccountToken finds by hash and purpose until it expires', async () => {
    const user = await newUser();
    const link = makeAccountToken(user.id, 'confirm', { createdAt: T, expiresAt: FAR_FUTURE });
    expect(await store.issueAccountToken(link, 60)).toBe(true);

    const found = await other.findAccountToken(link.tokenHash, 'confirm', T);
    expect(found).toStrictEqual(link);
    expect(typeof found?.createdAt).toBe('number');
    expect(found?.expiresAt).toBe(FAR_FUTURE);
    // The purpose must match: a confirmation link is not a reset link.
    expect(await store.findAccountToken(link.tokenHash, 'reset', T)).toBeNull();
    expect(await store.findAccountToken(id('link'), 'confirm', T)).toBeNull();

    const short = await newUser();
    const expiring = makeAccountToken(short.id, 'reset', { createdAt: T, expiresAt: T + 3600 });
    expect(await store.issueAccountToken(expiring, 60)).toBe(true);
    expect(await store.findAccountToken(expiring.tokenHash, 'reset', T + 3599)).toStrictEqual(expiring);
    // expires_at <= now: expired.
    expect(await store.findAccountToken(expiring.tokenHash, 'reset', T + 3600)).toBeNull();
    expect(await store.findAccountToken(expiring.tokenHash, 'reset', FAR_FUTURE)).toBeNull();
  });

  it('issueAccountToken refuses within notWithin seconds of the last link of that purpose; later it replaces the old link', async () => {
    const user = await newUser();
    const first = makeAccountToken(user.id, 'reset', { createdAt: T });
    expect(await store.issueAccountToken(first, 60)).toBe(true);

    // 59 s later: refused, nothing stored, the first link still works.
    const tooSoon = makeAccountToken(user.id, 'reset', { createdAt: T + 59 });
    expect(await other.issueAccountToken(tooSoon, 60)).toBe(false);
    expect(await store.findAccountToken(tooSoon.tokenHash, 'reset', T + 59)).toBeNull();
    expect(await countRows(store, 'account_tokens', 'token_hash = ?', [tooSoon.tokenHash])).toBe(0);
    expect(await store.findAccountToken(first.tokenHash, 'reset', T + 59)).toStrictEqual(first);

    // 60 s later: issued, and it replaces the first link, whose hash no longer finds anything.
    const second = makeAccountToken(user.id, 'reset', { createdAt: T + 60 });
    expect(await other.issueAccountToken(second, 60)).toBe(true);
    expect(await store.findAccountToken(second.tokenHash, 'reset', T + 60)).toStrictEqual(second);
    expect(await store.findAccountToken(first.tokenHash, 'reset', T + 60)).toBeNull();
    expect(await countRows(store, 'account_tokens', 'token_hash = ?', [first.tokenHash])).toBe(0);
    expect(await countRows(store, 'account_tokens', 'user_id = ?', [user.id])).toBe(1);

    // notWithin 0: never refused, each link replaces the last, even within one second.
    const third = makeAccountToken(user.id, 'reset', { createdAt: T + 60 });
    expect(await store.issueAccountToken(third, 0)).toBe(true);
    expect(await store.findAccountToken(second.tokenHash, 'reset', T + 60)).toBeNull();
    expect(await store.findAccountToken(third.tokenHash, 'reset', T + 60)).toStrictEqual(third);
    expect(await countRows(store, 'account_tokens', 'user_id = ?', [user.id])).toBe(1);
  });

  it('issueAccountToken: purposes and users are independent; an unknown user gets false and nothing is stored', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const bystander = await newUser();
    const confirm = makeAccountToken(user.id, 'confirm', { createdAt: T });
    const reset = makeAccountToken(user.id, 'reset', { createdAt: T });
    const theirs = makeAccountToken(bystander.id, 'confirm', { createdAt: T });
    expect(await store.issueAccountToken(confirm, 600)).toBe(true);
    // Another purpose in the same second: not held back by the confirmation link, nor replacing it.
    expect(await store.issueAccountToken(reset, 600)).toBe(true);
    // Another user, same purpose, same second.
    expect(await store.issueAccountToken(theirs, 600)).toBe(true);
    expect(await store.findAccountToken(confirm.tokenHash, 'confirm', T)).toStrictEqual(confirm);
    expect(await store.findAccountToken(reset.tokenHash, 'reset', T)).toStrictEqual(reset);
    expect(await store.findAccountToken(theirs.tokenHash, 'confirm', T)).toStrictEqual(theirs);

    // Replacing the user's confirmation link leaves their reset link and the bystander's link alone.
    const newer = makeAccountToken(user.id, 'confirm', { createdAt: T + 600 });
    expect(await store.issueAccountToken(newer, 600)).toBe(true);
    expect(await store.findAccountToken(confirm.tokenHash, 'confirm', T + 600)).toBeNull();
    expect(await store.findAccountToken(reset.tokenHash, 'reset', T + 600)).toStrictEqual(reset);
    expect(await store.findAccountToken(theirs.tokenHash, 'confirm', T + 600)).toStrictEqual(theirs);

    const orphan = makeAccountToken(id('user'), 'reset');
    expect(await store.issueAccountToken(orphan, 0)).toBe(false);
    expect(await countRows(store, 'account_tokens', 'token_hash = ?', [orphan.tokenHash])).toBe(0);
  });

  it('10 concurrent issueAccountToken calls for one user across two store instances with notWithin > 0: exactly one is issued', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const links = Array.from({ length: 10 }, () => makeAccountToken(user.id, 'confirm', { createdAt: T }));
    const results = await Promise.all(links.map((link, i) => [store, other][i % 2]!.issueAccountToken(link, 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = links[results.indexOf(true)]!;
    const rows = await store.driver.all<{ token_hash: string }>(
      'SELECT token_hash FROM account_tokens WHERE user_id = ?',
      [user.id],
    );
    expect(rows.map((row) => row.token_hash)).toEqual([winner.tokenHash]);
  });

  it('confirmAccount enables an account awaiting confirmation, clears the flag, and the link works once', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm', { createdAt: T, expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);

    // A confirmation link is not a reset link, and vice versa.
    expect(await store.resetPassword(link.tokenHash, 'new-hash', T + 10)).toBeNull();
    expect(await store.findUserById(user.id)).toStrictEqual(user);

    expect(await store.confirmAccount(link.tokenHash, T + 3599, user.passwordHash)).toBe(user.id);
    expect(await store.findUserById(user.id)).toStrictEqual({
      ...user,
      enabled: true,
      awaitingConfirmation: false,
      // The link went to the address: it is verified (OIDC email_verified).
      emailVerified: true,
      updatedAt: T + 3599,
    });
    expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 3599)).toBeNull();
    // Single use.
    expect(await other.confirmAccount(link.tokenHash, T + 3599, user.passwordHash)).toBeNull();
    expect(await store.confirmAccount(id('link'), T, user.passwordHash)).toBeNull();

    const resetUser = await newUser({ enabled: false, awaitingConfirmation: true });
    const reset = makeAccountToken(resetUser.id, 'reset');
    expect(await store.issueAccountToken(reset, 0)).toBe(true);
    expect(await store.confirmAccount(reset.tokenHash, T + 1, resetUser.passwordHash)).toBeNull();
    expect(await store.findUserById(resetUser.id)).toStrictEqual(resetUser);
    expect(await store.findAccountToken(reset.tokenHash, 'reset', T + 1)).toStrictEqual(reset);
  });

  it('changeEmail sets the new address verified in the same step; a refused change leaves it as it was (OIDC email_verified)', async () => {
    const user = await newUser({ emailVerified: false, displayName: 'Ann' });
    const link = makeAccountToken(user.id, 'change_email', { newEmail: 'ann@new.example' });
    expect(await store.issueAccountToken(link, 0)).toBe(true);
    const change = { newEmail: 'ann@new.example', emailCanonical: 'ann@new.example', passwordHash: user.passwordHash };
    expect(await store.changeEmail(link.tokenHash, { ...change, passwordHash: 'stale' }, T + 1)).toEqual({
      kind: 'not-usable',
    });
    expect(await other.findUserById(user.id)).toStrictEqual(user);
    expect(await store.changeEmail(link.tokenHash, change, T + 2)).toMatchObject({ kind: 'changed' });
    expect(await other.findUserById(user.id)).toStrictEqual({
      ...user,
      email: 'ann@new.example',
      emailCanonical: 'ann@new.example',
      emailVerified: true,
      updatedAt: T + 2,
    });
  });

  it("confirmAccount with a password hash that is no longer the account's: null, nothing changes, and the link still works with the right hash", async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm', { createdAt: T, expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    // The password of an earlier sign-up, replaced since.
    const replaced = '$argon2id$v=19$m=19456,t=2,p=1$b2xkc2FsdA$c3RyYW5nZXI';

    expect(await store.confirmAccount(link.tokenHash, T + 10, replaced)).toBeNull();
    expect(await other.confirmAccount(link.tokenHash, T + 11, '')).toBeNull();
    expect(await store.findUserById(user.id)).toStrictEqual(user);
    // The link is left as it was: not used up, and still found.
    expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 11)).toStrictEqual(link);
    expect(await countRows(store, 'account_tokens', 'token_hash = ?', [link.tokenHash])).toBe(1);

    expect(await other.confirmAccount(link.tokenHash, T + 12, user.passwordHash)).toBe(user.id);
    expect(await store.findUserById(user.id)).toStrictEqual({
      ...user,
      enabled: true,
      awaitingConfirmation: false,
      // The link went to the address: it is verified (OIDC email_verified).
      emailVerified: true,
      updatedAt: T + 12,
    });
    expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 12)).toBeNull();
  });

  it("confirmAccount follows the account's current password hash: after it changes, only the new hash confirms", async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm');
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    const newHash = '$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$dGFrZW5vdmVy';
    expect(await store.updateUser(user.id, { passwordHash: newHash }, T + 5)).toBe(true);

    expect(await store.confirmAccount(link.tokenHash, T + 10, user.passwordHash)).toBeNull();
    expect(await store.findUserById(user.id)).toMatchObject({
      enabled: false,
      awaitingConfirmation: true,
      passwordHash: newHash,
    });
    expect(await store.confirmAccount(link.tokenHash, T + 11, newHash)).toBe(user.id);
    expect(await store.findUserById(user.id)).toMatchObject({
      enabled: true,
      awaitingConfirmation: false,
      passwordHash: newHash,
      updatedAt: T + 11,
    });
  });

  it('confirmAccount deletes every confirmation link of the user, and nothing else', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const bystander = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm', { createdAt: T + 10 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    // Another confirmation link of the user's, as an older release could have left (stored directly).
    const stray = makeAccountToken(user.id, 'confirm', { createdAt: T + 5 });
    await store.driver.run(
      'INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [stray.tokenHash, stray.userId, stray.purpose, stray.createdAt, stray.expiresAt],
    );
    const reset = makeAccountToken(user.id, 'reset');
    expect(await store.issueAccountToken(reset, 0)).toBe(true);
    const theirs = makeAccountToken(bystander.id, 'confirm');
    expect(await store.issueAccountToken(theirs, 0)).toBe(true);
    expect(await countRows(store, 'account_tokens', 'user_id = ? AND purpose = ?', [user.id, 'confirm'])).toBe(2);

    expect(await store.confirmAccount(link.tokenHash, T + 20, user.passwordHash)).toBe(user.id);
    expect(await countRows(store, 'account_tokens', 'user_id = ? AND purpose = ?', [user.id, 'confirm'])).toBe(0);
    expect(await store.findAccountToken(stray.tokenHash, 'confirm', T + 20)).toBeNull();
    expect(await other.confirmAccount(stray.tokenHash, T + 21, user.passwordHash)).toBeNull();
    // The reset link is not a confirmation link, and the bystander's links are theirs.
    expect(await store.findAccountToken(reset.tokenHash, 'reset', T + 20)).toStrictEqual(reset);
    expect(await store.findAccountToken(theirs.tokenHash, 'confirm', T + 20)).toStrictEqual(theirs);
    expect(await store.findUserById(bystander.id)).toStrictEqual(bystander);
  });

  it('confirmAccount never enables an account an administrator deactivated (nor disables a confirmed one): null', async () => {
    // Signed up, then deactivated by an admin before following the link.
    const deactivated = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(deactivated.id, 'confirm');
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    expect(await store.updateUser(deactivated.id, { enabled: false, awaitingConfirmation: false }, T + 5)).toBe(true);
    const before = await store.findUserById(deactivated.id);

    expect(await store.confirmAccount(link.tokenHash, T + 10, deactivated.passwordHash)).toBeNull();
    expect(await store.findUserById(deactivated.id)).toStrictEqual(before);
    expect(before).toMatchObject({ enabled: false, awaitingConfirmation: false });
    expect(await store.confirmAccount(link.tokenHash, T + 11, deactivated.passwordHash)).toBeNull();
    expect((await store.findUserById(deactivated.id))?.enabled).toBe(false);

    // An account already confirmed with a link left over: stays as it is.
    const confirmed = await newUser();
    const leftover = makeAccountToken(confirmed.id, 'confirm');
    expect(await store.issueAccountToken(leftover, 60)).toBe(true);
    expect(await store.confirmAccount(leftover.tokenHash, T + 10, confirmed.passwordHash)).toBeNull();
    expect(await store.findUserById(confirmed.id)).toStrictEqual(confirmed);
  });

  it('confirmAccount: an expired link is null and the account stays unconfirmed', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm', { expiresAt: T + 3600 });
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    expect(await store.confirmAccount(link.tokenHash, T + 3600, user.passwordHash)).toBeNull();
    expect(await store.confirmAccount(link.tokenHash, FAR_FUTURE, user.passwordHash)).toBeNull();
    expect(await store.findUserById(user.id)).toStrictEqual(user);
  });

  it('10 concurrent confirmAccount calls with one link across two store instances: exactly one succeeds', async () => {
    const user = await newUser({ enabled: false, awaitingConfirmation: true });
    const link = makeAccountToken(user.id, 'confirm');
    expect(await store.issueAccountToken(link, 60)).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        [store, other][i % 2]!.confirmAccount(link.tokenHash, T + 1, user.passwordHash),
      ),
    );
    expect(results.filter((result) => result !== null)).toEqual([user.id]);
    expect(await store.findUserById(user.id)).toMatchObject({ enabled: true, awaitingConfirmation: false });
  });

  it('confirmAccount racing a password change across two store instances: it confirms with the hash it was given only if that hash was still current', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await newUser({ enabled: false, awaitingConfirmation: true });
      const link = makeAccountToken(user.id, 'confirm');
      expect(await store.issueAccountToken(link, 60)).toBe(true);
      const newHash = `$argon2id$v=19$m=19456,t=2,p=1$cmFjZQ$${round}`;
      const [confirmed] = await Promise.all([
        store.confirmAccount(link.tokenHash, T + 1, user.passwordHash),
        other.updateUser(user.id, { passwordHash: newHash }, T + 1),
      ]);
      const after = await store.findUserById(user.id);
      expect(after?.passwordHash).toBe(newHash);
      // Either the confirmation came first (and the link is gone) or the change did (and nothing was confirmed).
      if (confirmed === null) {
        expect(after).toMatchObject({ enabled: false, awaitingConfirmation: true });
        expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 1)).toStrictEqual(link);
      } else {
        expect(confirmed).toBe(user.id);
        expect(after).toMatchObject({ enabled: true, awaitingConfirmation: false });
        expect(await store.findAccountToken(link.tokenHash, 'confirm', T + 1)).toBeNull();
      }
    }
  });
});
