/**
 * The back-channel logout queue, against both engines: bounded per client and in total, claimed
 * atomically (of two stores on one database exactly one gets an attempt), retried, given up,
 * deleted when delivered, cleaned up once given up.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import {
  createUserIn,
  id,
  makeClient,
  makeSession,
  openContractStores,
  T,
} from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: logout deliveries', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;
  let other: SqlStore;

  beforeAll(async () => {
    ({ database, store, other } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  async function newClient(): Promise<string> {
    const client = makeClient();
    await store.createClient(client);
    return client.id;
  }

  const delivery = (clientId: string, at = T) => ({
    id: id('jti'),
    clientId,
    uri: 'https://app.example/backchannel',
    claims: { sub: 'user-1', sid: 'sid-1', jti: 'j', events: { e: {} } },
    nextAttemptAt: at,
    createdAt: at,
  });

  it('keeps the claims as given, and refuses a delivery beyond the per-client and the total bound', async () => {
    const clientId = await newClient();
    const first = delivery(clientId);
    expect(await store.logoutDeliveries.enqueueLogoutDelivery(first, { perClient: 2, total: 1000 })).toBe(true);
    expect(await store.logoutDeliveries.enqueueLogoutDelivery(delivery(clientId), { perClient: 2, total: 1000 })).toBe(
      true,
    );
    expect(await store.logoutDeliveries.enqueueLogoutDelivery(delivery(clientId), { perClient: 2, total: 1000 })).toBe(
      false,
    );
    const rows = await store.logoutDeliveries.listLogoutDeliveries(clientId);
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => row.id === first.id)).toEqual({
      ...first,
      attempts: 0,
      lastError: null,
      givenUpAt: null,
    });
    // Another client is bounded by the total too.
    const another = await newClient();
    const total = (await store.driver.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM logout_deliveries'))!.n;
    expect(
      await store.logoutDeliveries.enqueueLogoutDelivery(delivery(another), { perClient: 10, total: Number(total) }),
    ).toBe(false);
    expect(await store.logoutDeliveries.listLogoutDeliveries(another)).toEqual([]);
  });

  it('claims only due rows, counts the attempt and moves the next one; two stores never claim the same attempt', async () => {
    const clientId = await newClient();
    const due = delivery(clientId, T + 100);
    const later = delivery(clientId, T + 500);
    await store.logoutDeliveries.enqueueLogoutDelivery(due, { perClient: 10, total: 100_000 });
    await store.logoutDeliveries.enqueueLogoutDelivery(later, { perClient: 10, total: 100_000 });
    const now = T + 200;
    const [a, b] = await Promise.all([
      store.logoutDeliveries.claimDueLogoutDeliveries(now, 50, (attempt) => now + attempt * 10),
      other.logoutDeliveries.claimDueLogoutDeliveries(now, 50, (attempt) => now + attempt * 10),
    ]);
    const claimed = [...a, ...b].filter((row) => row.clientId === clientId);
    expect(claimed.map((row) => row.id)).toEqual([due.id]);
    expect(claimed[0]).toMatchObject({ attempts: 1, nextAttemptAt: now + 10 });
    // Not due again before its next attempt.
    const again = await store.logoutDeliveries.claimDueLogoutDeliveries(now + 9, 50, () => now + 1000);
    expect(again.filter((row) => row.clientId === clientId)).toEqual([]);
    const second = await store.logoutDeliveries.claimDueLogoutDeliveries(
      now + 10,
      50,
      (attempt) => now + attempt * 100,
    );
    expect(second.filter((row) => row.clientId === clientId).map((row) => [row.id, row.attempts])).toEqual([
      [due.id, 2],
    ]);
  });

  it('a failure is recorded; a given-up row is never claimed again and the clean-up deletes it; a delivered row goes', async () => {
    const clientId = await newClient();
    const failing = delivery(clientId);
    const delivered = delivery(clientId);
    await store.logoutDeliveries.enqueueLogoutDelivery(failing, { perClient: 10, total: 100_000 });
    await store.logoutDeliveries.enqueueLogoutDelivery(delivered, { perClient: 10, total: 100_000 });
    await store.logoutDeliveries.logoutDeliveryFailed(failing.id, 'app.example: answered 500', null);
    const rowOf = async (deliveryId: string) =>
      (await store.logoutDeliveries.listLogoutDeliveries(clientId)).find((row) => row.id === deliveryId);
    expect(await rowOf(failing.id)).toMatchObject({
      lastError: 'app.example: answered 500',
      givenUpAt: null,
    });
    await store.logoutDeliveries.logoutDeliveryFailed(failing.id, 'app.example: answered 502', T + 5);
    expect(await rowOf(failing.id)).toMatchObject({ lastError: 'app.example: answered 502', givenUpAt: T + 5 });
    const claimed = await store.logoutDeliveries.claimDueLogoutDeliveries(T + 10_000, 100, () => T + 20_000);
    expect(claimed.map((row) => row.id)).not.toContain(failing.id);
    expect(claimed.map((row) => row.id)).toContain(delivered.id);
    await store.logoutDeliveries.deleteLogoutDelivery(delivered.id);
    expect((await store.logoutDeliveries.listLogoutDeliveries(clientId)).map((row) => row.id)).toEqual([failing.id]);
    const counts = await store.deleteExpired(T + 10);
    expect(counts.logoutDeliveries).toBeGreaterThanOrEqual(1);
    expect(await store.logoutDeliveries.listLogoutDeliveries(clientId)).toEqual([]);
  });

  it('deleting the client deletes what it was owed', async () => {
    const clientId = await newClient();
    await store.logoutDeliveries.enqueueLogoutDelivery(delivery(clientId), { perClient: 10, total: 100_000 });
    await store.deleteClient(clientId);
    expect(await store.logoutDeliveries.listLogoutDeliveries(clientId)).toEqual([]);
  });

  it("liveSessionSids names the sids of the user's unexpired sessions only", async () => {
    const user = await createUserIn(store);
    const someoneElse = await createUserIn(store);
    const live = makeSession(user.id, { expiresAt: T + 100 });
    const sameSid = makeSession(user.id, { sid: live.sid, expiresAt: T + 200 });
    const expired = makeSession(user.id, { expiresAt: T });
    await Promise.all(
      [live, sameSid, expired, makeSession(someoneElse.id, { expiresAt: T + 100 })].map((s) => store.createSession(s)),
    );
    expect(await store.logoutDeliveries.liveSessionSids(user.id, T)).toEqual([live.sid]);
    expect(await store.logoutDeliveries.liveSessionSids(user.id, T + 200)).toEqual([]);
  });
});
