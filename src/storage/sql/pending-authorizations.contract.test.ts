/**
 * Pending authorization requests (the consent page's server-side state), against both engines:
 * single-use, bound to a session and a CSRF token hash, expiring, bounded per session, cleaned up.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestStore } from '../../../test/helpers/databases.js';
import type { SqlStore } from '../sql-store.js';
import type { PendingAuthorizationRecord } from '../store.js';

const T = 1_800_000_000;
const PARAMS = {
  response_type: 'code',
  client_id: 'c',
  redirect_uri: 'https://app.example/cb',
  state: 'é &=x',
  scope: 'read write',
};

describeEachEngine('pending authorization requests', (factory) => {
  let db: TestStore;
  let store: SqlStore;

  beforeAll(async () => {
    db = await factory.createStore();
    store = db.store;
  });

  afterAll(async () => {
    await db?.cleanup();
  });

  /** A signed-in session of a new user. */
  async function session(): Promise<string> {
    const suffix = randomUUID().slice(0, 8);
    const userId = `user-${randomUUID()}`;
    await store.createUser({
      id: userId,
      username: `u_${suffix}`,
      usernameCanonical: `u_${suffix}`,
      email: `${suffix}@example.com`,
      emailCanonical: `${suffix}@example.com`,
      passwordHash: '$argon2id$x',
      enabled: true,
      awaitingConfirmation: false,
      roles: [],
      createdAt: T,
      updatedAt: T,
    });
    const idHash = `session-${randomUUID()}`;
    await store.createSession({ idHash, userId, createdAt: T, expiresAt: T + 3600 });
    return idHash;
  }

  function pending(
    sessionHash: string | null,
    overrides: Partial<PendingAuthorizationRecord> = {},
  ): PendingAuthorizationRecord {
    return {
      idHash: `p-${randomUUID()}`,
      sessionHash,
      csrfHash: 'csrf-1',
      addressKey: null,
      clientId: 'c',
      params: PARAMS,
      createdAt: T,
      expiresAt: T + 600,
      ...overrides,
    };
  }

  it('is taken once, with its parameters intact; a second take finds nothing', async () => {
    const s = await session();
    const record = pending(s);
    await store.savePendingAuthorization(record, { perOwner: 20 });
    expect(await store.takePendingAuthorization(record.idHash, s, 'csrf-1', T + 1)).toEqual(record);
    expect(await store.takePendingAuthorization(record.idHash, s, 'csrf-1', T + 2)).toBeNull();
  });

  it('of two concurrent takes exactly one wins', async () => {
    const s = await session();
    const record = pending(s);
    await store.savePendingAuthorization(record, { perOwner: 20 });
    const takes = await Promise.all(
      Array.from({ length: 8 }, () => store.takePendingAuthorization(record.idHash, s, 'csrf-1', T + 1)),
    );
    expect(takes.filter((taken) => taken !== null)).toHaveLength(1);
  });

  it('another session, another CSRF token hash or an unknown id takes nothing, and leaves it for its own session', async () => {
    const s = await session();
    const other = await session();
    const record = pending(s);
    await store.savePendingAuthorization(record, { perOwner: 20 });
    expect(await store.takePendingAuthorization(record.idHash, other, 'csrf-1', T + 1)).toBeNull();
    expect(await store.takePendingAuthorization(record.idHash, s, 'csrf-2', T + 1)).toBeNull();
    expect(await store.takePendingAuthorization('p-unknown', s, 'csrf-1', T + 1)).toBeNull();
    expect(await store.takePendingAuthorization(record.idHash, s, 'csrf-1', T + 1)).not.toBeNull();
  });

  it('an expired request cannot be taken (and is gone)', async () => {
    const s = await session();
    const record = pending(s);
    await store.savePendingAuthorization(record, { perOwner: 20 });
    expect(await store.takePendingAuthorization(record.idHash, s, 'csrf-1', T + 600)).toBeNull();
    expect(await store.takePendingAuthorization(record.idHash, s, 'csrf-1', T + 1)).toBeNull();
  });

  it('a session keeps only its newest `keep` requests, the one just saved always among them', async () => {
    const s = await session();
    const other = await session();
    const others = pending(other);
    await store.savePendingAuthorization(others, { perOwner: 3 });
    // Five in the same second: which older ones go is arbitrary, but never the new one.
    const records = Array.from({ length: 5 }, () => pending(s));
    for (const record of records) await store.savePendingAuthorization(record, { perOwner: 3 });
    const left = [];
    for (const record of records)
      if (await store.takePendingAuthorization(record.idHash, s, 'csrf-1', T + 1)) left.push(record);
    expect(left).toHaveLength(3);
    expect(left).toContainEqual(records[4]);
    // Later ones keep the newest by time.
    const older = pending(s, { createdAt: T + 10 });
    const newer = Array.from({ length: 3 }, (_, i) => pending(s, { createdAt: T + 20 + i }));
    for (const record of [older, ...newer]) await store.savePendingAuthorization(record, { perOwner: 3 });
    expect(await store.takePendingAuthorization(older.idHash, s, 'csrf-1', T + 30)).toBeNull();
    for (const record of newer)
      expect(await store.takePendingAuthorization(record.idHash, s, 'csrf-1', T + 30)).not.toBeNull();
    // Another session's request is untouched.
    expect(await store.takePendingAuthorization(others.idHash, other, 'csrf-1', T + 30)).not.toBeNull();
  });

  it('ends with its session (sign-out) and is deleted by the clean-up once expired', async () => {
    const s = await session();
    const record = pending(s);
    await store.savePendingAuthorization(record, { perOwner: 20 });
    await store.deleteSession(s);
    expect(await store.takePendingAuthorization(record.idHash, s, 'csrf-1', T + 1)).toBeNull();

    const kept = await session();
    const expiring = pending(kept, { expiresAt: T + 600 });
    const live = pending(kept, { expiresAt: T + 10_000 });
    await store.savePendingAuthorization(expiring, { perOwner: 20 });
    await store.savePendingAuthorization(live, { perOwner: 20 });
    const counts = await store.deleteExpired(T + 600);
    expect(counts.pendingAuthorizations).toBeGreaterThanOrEqual(1);
    expect(await store.takePendingAuthorization(expiring.idHash, kept, 'csrf-1', T + 1)).toBeNull();
    expect(await store.takePendingAuthorization(live.idHash, kept, 'csrf-1', T + 601)).not.toBeNull();
  });
  it('sign-in: found (not taken) only with its browser hash while unexpired; never taken as a consent page', async () => {
    const hop = pending(null, { csrfHash: 'browser-1', addressKey: '192.0.2.1', expiresAt: T + 1800 });
    await store.savePendingAuthorization(hop, { perOwner: 10, perAddress: 200 });
    expect(await store.findPendingSignIn(hop.idHash, 'browser-1', T + 1)).toEqual(hop);
    expect(await store.findPendingSignIn(hop.idHash, 'browser-1', T + 2)).toEqual(hop);
    expect(await store.findPendingSignIn(hop.idHash, 'browser-2', T + 1)).toBeNull();
    expect(await store.findPendingSignIn(hop.idHash, 'browser-1', T + 1800)).toBeNull();
    expect(await store.takePendingAuthorization(hop.idHash, 'anything', 'browser-1', T + 1)).toBeNull();
    // A consent page's request is not a sign-in hop either.
    const s = await session();
    const consent = pending(s);
    await store.savePendingAuthorization(consent, { perOwner: 20 });
    expect(await store.findPendingSignIn(consent.idHash, 'csrf-1', T + 1)).toBeNull();
  });

  it('sign-in: at most perOwner per browser and perAddress per address, the newest kept', async () => {
    const hop = (csrfHash: string, addressKey: string, createdAt: number) =>
      pending(null, { csrfHash, addressKey, createdAt, expiresAt: T + 1800 });
    const browserRows = Array.from({ length: 5 }, (_, i) => hop('browser-a', '192.0.2.10', T + i));
    for (const row of browserRows) await store.savePendingAuthorization(row, { perOwner: 3, perAddress: 100 });
    const found = async (rows: PendingAuthorizationRecord[]) =>
      (await Promise.all(rows.map((row) => store.findPendingSignIn(row.idHash, row.csrfHash, T)))).map(
        (row) => row !== null,
      );
    expect(await found(browserRows)).toEqual([false, false, true, true, true]);
    // Cookie-less requests: a new browser each time, one address.
    const addressRows = Array.from({ length: 6 }, (_, i) => hop(`browser-x${i}`, '192.0.2.20', T + i));
    for (const row of addressRows) await store.savePendingAuthorization(row, { perOwner: 3, perAddress: 4 });
    expect(await found(addressRows)).toEqual([false, false, true, true, true, true]);
    // The other address's rows are untouched.
    expect(await found(browserRows)).toEqual([false, false, true, true, true]);
  });

  it('sign-in: at most `total` across every browser and address, the newest kept; consent pages untouched', async () => {
    const own = await factory.createStore();
    try {
      const userId = `user-${randomUUID()}`;
      await own.store.createUser({
        id: userId,
        username: 'total_u',
        usernameCanonical: 'total_u',
        email: 'total@example.com',
        emailCanonical: 'total@example.com',
        passwordHash: '$argon2id$x',
        enabled: true,
        awaitingConfirmation: false,
        roles: [],
        createdAt: T,
        updatedAt: T,
      });
      await own.store.createSession({ idHash: 'total-session', userId, createdAt: T, expiresAt: T + 3600 });
      const consent = pending('total-session', { createdAt: T - 10 });
      await own.store.savePendingAuthorization(consent, { perOwner: 20 });
      // A flood from many addresses, each a new browser: only the global bound holds it.
      const flood = Array.from({ length: 8 }, (_, i) =>
        pending(null, { csrfHash: `b-${i}`, addressKey: `198.51.100.${i}`, createdAt: T + i, expiresAt: T + 1800 }),
      );
      for (const row of flood)
        await own.store.savePendingAuthorization(row, { perOwner: 10, perAddress: 50, total: 5 });
      const found = await Promise.all(flood.map((row) => own.store.findPendingSignIn(row.idHash, row.csrfHash, T)));
      expect(found.map((row) => row !== null)).toEqual([false, false, false, true, true, true, true, true]);
      expect(await own.store.takePendingAuthorization(consent.idHash, 'total-session', 'csrf-1', T)).toEqual(consent);
    } finally {
      await own.cleanup();
    }
  });
});
