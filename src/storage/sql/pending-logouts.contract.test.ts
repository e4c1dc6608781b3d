/**
 * End-session requests awaiting the confirmation page, against both engines: single use, bound to
 * the session, expiring, bounded per session, cleaned up.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { id, openContractStores, T } from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';
import type { PendingLogoutRecord } from '../store.js';

describeEachEngine('storage contract: pending logouts', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;
  let other: SqlStore;
  let clientId: string;

  beforeAll(async () => {
    let owner: { clientId: string };
    ({ database, store, other, owner } = await openContractStores(factory));
    clientId = owner.clientId;
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  const request = (sessionHash: string, overrides: Partial<PendingLogoutRecord> = {}): PendingLogoutRecord => ({
    idHash: id('logout'),
    sessionHash,
    clientId,
    postLogoutRedirectUri: 'https://app.example/bye',
    state: 'é &=x',
    createdAt: T,
    expiresAt: T + 600,
    ...overrides,
  });

  it('is taken once, by its own session only, and not after it expired', async () => {
    const session = id('session');
    const kept = request(session);
    await store.pendingLogouts.savePendingLogout(kept, 5);
    expect(await store.pendingLogouts.takePendingLogout(kept.idHash, id('session'), T + 1)).toBeNull();
    const [a, b] = await Promise.all([
      store.pendingLogouts.takePendingLogout(kept.idHash, session, T + 1),
      other.pendingLogouts.takePendingLogout(kept.idHash, session, T + 1),
    ]);
    expect([a, b].filter(Boolean)).toEqual([kept]);
    const expired = request(session, { clientId: null, postLogoutRedirectUri: null, state: null });
    await store.pendingLogouts.savePendingLogout(expired, 5);
    expect(await store.pendingLogouts.takePendingLogout(expired.idHash, session, T + 600)).toBeNull();
  });

  it('keeps only the newest few of a session, and the clean-up deletes the expired', async () => {
    const session = id('session');
    const saved: PendingLogoutRecord[] = [];
    for (let i = 0; i < 4; i++) {
      saved.push(request(session, { createdAt: T + i, expiresAt: T + i + 600 }));
      await store.pendingLogouts.savePendingLogout(saved[i]!, 2);
    }
    expect(await store.pendingLogouts.takePendingLogout(saved[0]!.idHash, session, T + 10)).toBeNull();
    expect(await store.pendingLogouts.takePendingLogout(saved[1]!.idHash, session, T + 10)).toBeNull();
    expect(await store.pendingLogouts.takePendingLogout(saved[3]!.idHash, session, T + 10)).toEqual(saved[3]);
    const counts = await store.deleteExpired(T + 10_000);
    expect(counts.pendingLogouts).toBeGreaterThanOrEqual(1);
    expect(await store.pendingLogouts.takePendingLogout(saved[2]!.idHash, session, T)).toBeNull();
  });
});
