/**
 * The storage contract for consents, run unchanged against SQLite and PostgreSQL (a fresh database per
 * engine). Consents: one per user and client.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  countRows,
  FAR_FUTURE,
  makeClient,
  makeUser,
  openContractStores,
  T,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: consents', (factory) => {
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

  // --- consents --------------------------------------------------------------

  it('saveConsent creates, then replaces the scopes and grant time of, the one consent per user and client', async () => {
    const client = makeClient();
    const user = makeUser();
    await store.createClient(client);
    await store.createUser(user);
    expect(await store.findConsent(user.id, client.id)).toBeNull();

    const initial = { userId: user.id, clientId: client.id, scopes: ['profile', 'openid'], grantedAt: T };
    await store.saveConsent(initial);
    // Scope order round-trips.
    expect(await other.findConsent(user.id, client.id)).toStrictEqual(initial);

    const replaced = {
      userId: user.id,
      clientId: client.id,
      scopes: ['email', 'openid', 'profile'],
      grantedAt: FAR_FUTURE,
    };
    await store.saveConsent(replaced);
    expect(await store.findConsent(user.id, client.id)).toStrictEqual(replaced);
    expect(await countRows(store, 'consents', 'user_id = ? AND client_id = ?', [user.id, client.id])).toBe(1);

    // Replacing with fewer scopes narrows it (the store does not merge).
    const narrowed = { userId: user.id, clientId: client.id, scopes: ['openid'], grantedAt: T + 9 };
    await store.saveConsent(narrowed);
    expect(await store.findConsent(user.id, client.id)).toStrictEqual(narrowed);

    const empty = { userId: user.id, clientId: client.id, scopes: [], grantedAt: T + 10 };
    await store.saveConsent(empty);
    expect(await store.findConsent(user.id, client.id)).toStrictEqual(empty);
  });

  it('consents are kept apart per user and per client', async () => {
    const appA = makeClient();
    const appB = makeClient();
    const alice = makeUser();
    const bob = makeUser();
    for (const client of [appA, appB]) await store.createClient(client);
    for (const user of [alice, bob]) await store.createUser(user);

    const aliceA = { userId: alice.id, clientId: appA.id, scopes: ['openid'], grantedAt: T + 1 };
    const aliceB = { userId: alice.id, clientId: appB.id, scopes: ['profile'], grantedAt: T + 2 };
    const bobA = { userId: bob.id, clientId: appA.id, scopes: ['openid', 'profile'], grantedAt: T + 3 };
    for (const consent of [aliceA, aliceB, bobA]) await store.saveConsent(consent);

    expect(await store.findConsent(alice.id, appA.id)).toStrictEqual(aliceA);
    expect(await store.findConsent(alice.id, appB.id)).toStrictEqual(aliceB);
    expect(await store.findConsent(bob.id, appA.id)).toStrictEqual(bobA);
    expect(await store.findConsent(bob.id, appB.id)).toBeNull();

    // Replacing one leaves the others alone.
    await store.saveConsent({ ...aliceA, scopes: ['email'], grantedAt: T + 4 });
    expect(await store.findConsent(alice.id, appB.id)).toStrictEqual(aliceB);
    expect(await store.findConsent(bob.id, appA.id)).toStrictEqual(bobA);
  });
});
