/**
 * The storage contract for sessions, run unchanged against SQLite and PostgreSQL (a fresh database per
 * engine). Browser sessions.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  FAR_FUTURE,
  id,
  makeSession,
  makeUser,
  openContractStores,
  T,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: sessions', (factory) => {
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

  // --- sessions ------------------------------------------------------------------

  it('creates, finds and deletes sessions', async () => {
    const session = makeSession(owner.userId, { createdAt: T + 1, expiresAt: FAR_FUTURE });
    await store.createSession(session);

    const found = await other.findSession(session.idHash);
    expect(found).toStrictEqual(session);
    expect(found?.expiresAt).toBe(FAR_FUTURE);
    expect(await store.findSession(id('session'))).toBeNull();

    expect(await store.deleteSession(session.idHash)).toBe(true);
    expect(await other.findSession(session.idHash)).toBeNull();
    expect(await store.deleteSession(session.idHash)).toBe(false);
    expect(await store.deleteSession(id('session'))).toBe(false);
  });

  it('deleteUserSessions ends every session of that user, counts them, and leaves other users signed in', async () => {
    const user = makeUser();
    const bystander = makeUser();
    await store.createUser(user);
    await store.createUser(bystander);
    const mine = [makeSession(user.id), makeSession(user.id), makeSession(user.id, { expiresAt: FAR_FUTURE })];
    for (const session of mine) await store.createSession(session);
    const theirs = makeSession(bystander.id);
    await store.createSession(theirs);

    expect(await store.deleteUserSessions(user.id)).toBe(3);
    for (const session of mine) expect(await store.findSession(session.idHash)).toBeNull();
    expect(await store.findSession(theirs.idHash)).toStrictEqual(theirs);

    expect(await store.deleteUserSessions(user.id)).toBe(0);
    expect(await store.deleteUserSessions(id('user'))).toBe(0);
  });
});
