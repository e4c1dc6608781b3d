/**
 * The storage contract for device authorizations (RFC 8628), run unchanged against SQLite and
 * PostgreSQL: the pending cap per client, user-code lookups of pending codes only, answers recorded
 * once, slow_down growing the interval, redemption exactly once, clean-up of expired rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { FAR_FUTURE, id, makeClient, openContractStores, T } from '../../../test/helpers/storage-contract.js';
import type { DeviceCodeRecord } from '../../core/ports.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: device codes', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;
  let other: SqlStore;
  let owner: { clientId: string; userId: string };

  beforeAll(async () => {
    ({ database, store, other, owner } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  function makeDeviceCode(overrides: Partial<DeviceCodeRecord> = {}): DeviceCodeRecord {
    return {
      deviceCodeHash: id('device'),
      userCodeHash: id('user-code'),
      clientId: owner.clientId,
      scope: 'openid profile',
      createdAt: T,
      expiresAt: T + 600,
      interval: 5,
      lastPolledAt: null,
      status: 'pending',
      userId: null,
      decidedAt: null,
      redeemedAt: null,
      ...overrides,
    };
  }

  async function newClient(): Promise<string> {
    const client = makeClient();
    await store.createClient(client);
    return client.id;
  }

  it('saves and finds a device code with every field intact (BIGINTs as numbers)', async () => {
    const record = makeDeviceCode({ expiresAt: FAR_FUTURE });
    expect(await store.deviceCodes.saveDeviceCode(record, 10)).toBe('saved');
    expect(await other.deviceCodes.findDeviceCode(record.deviceCodeHash)).toStrictEqual(record);
    expect(await other.deviceCodes.findDeviceCode('nothing')).toBeNull();
  });

  it('refuses a new code past the pending cap per client; answered and expired codes do not count', async () => {
    const clientId = await newClient();
    expect(await store.deviceCodes.saveDeviceCode(makeDeviceCode({ clientId }), 2)).toBe('saved');
    const second = makeDeviceCode({ clientId, expiresAt: T + 300 });
    expect(await store.deviceCodes.saveDeviceCode(second, 2)).toBe('saved');
    expect(await store.deviceCodes.saveDeviceCode(makeDeviceCode({ clientId }), 2)).toBe('cap');
    expect(await store.deviceCodes.oldestPendingDeviceCodeExpiry(clientId, T)).toBe(T + 300);
    // Another client is not held back by this one's.
    expect(await store.deviceCodes.saveDeviceCode(makeDeviceCode({ clientId: await newClient() }), 2)).toBe('saved');
    // An answered code frees its place.
    expect(
      await store.deviceCodes.decideDeviceCode(second.deviceCodeHash, { status: 'denied', userId: owner.userId }, T),
    ).toBe(true);
    expect(await store.deviceCodes.saveDeviceCode(makeDeviceCode({ clientId }), 2)).toBe('saved');
    // Later, when the first two have expired, there is room again.
    const later = makeDeviceCode({ clientId, createdAt: T + 601, expiresAt: T + 1201 });
    expect(await store.deviceCodes.saveDeviceCode(later, 2)).toBe('saved');
    expect(await store.deviceCodes.oldestPendingDeviceCodeExpiry(await newClient(), T)).toBeNull();
  });

  it('refuses a user code another pending, unexpired code has (collision); an expired one does not block it', async () => {
    const userCodeHash = id('shared');
    expect(await store.deviceCodes.saveDeviceCode(makeDeviceCode({ userCodeHash }), 100)).toBe('saved');
    expect(await store.deviceCodes.saveDeviceCode(makeDeviceCode({ userCodeHash }), 100)).toBe('collision');
    const later = makeDeviceCode({ userCodeHash, createdAt: T + 600, expiresAt: T + 1200 });
    expect(await store.deviceCodes.saveDeviceCode(later, 100)).toBe('saved');
    expect((await other.deviceCodes.findPendingDeviceCodeByUserCode(userCodeHash, T + 600))?.deviceCodeHash).toBe(
      later.deviceCodeHash,
    );
  });

  it('finds by user code only while pending and unexpired', async () => {
    const record = makeDeviceCode();
    await store.deviceCodes.saveDeviceCode(record, 100);
    const find = (now: number) => other.deviceCodes.findPendingDeviceCodeByUserCode(record.userCodeHash, now);
    expect((await find(T))?.deviceCodeHash).toBe(record.deviceCodeHash);
    expect(await find(T + 600)).toBeNull();
    expect(await other.deviceCodes.findPendingDeviceCodeByUserCode('unknown', T)).toBeNull();
    await store.deviceCodes.decideDeviceCode(record.deviceCodeHash, { status: 'approved', userId: owner.userId }, T);
    expect(await find(T)).toBeNull();
  });

  describe('answers and redemption', () => {
    it('records one answer only: the second (either way) and an answer after expiry change nothing', async () => {
      const record = makeDeviceCode();
      await store.deviceCodes.saveDeviceCode(record, 100);
      const approve = { status: 'approved', userId: owner.userId } as const;
      const deny = { status: 'denied', userId: owner.userId } as const;
      const answers = await Promise.all([
        store.deviceCodes.decideDeviceCode(record.deviceCodeHash, approve, T + 1),
        other.deviceCodes.decideDeviceCode(record.deviceCodeHash, deny, T + 1),
      ]);
      expect(answers.filter(Boolean)).toHaveLength(1);
      const found = await store.deviceCodes.findDeviceCode(record.deviceCodeHash);
      expect(found).toMatchObject({ userId: owner.userId, decidedAt: T + 1 });
      expect(found?.status).toBe(answers[0] ? 'approved' : 'denied');

      const expired = makeDeviceCode();
      await store.deviceCodes.saveDeviceCode(expired, 100);
      expect(await store.deviceCodes.decideDeviceCode(expired.deviceCodeHash, approve, T + 600)).toBe(false);
    });

    it('redeems an approved code exactly once, even when two polls race; never a pending, denied or expired one', async () => {
      const approved = makeDeviceCode();
      await store.deviceCodes.saveDeviceCode(approved, 100);
      expect(await store.deviceCodes.redeemDeviceCode(approved.deviceCodeHash, T)).toBe(false);
      await store.deviceCodes.decideDeviceCode(
        approved.deviceCodeHash,
        { status: 'approved', userId: owner.userId },
        T,
      );
      const results = await Promise.all([
        store.deviceCodes.redeemDeviceCode(approved.deviceCodeHash, T + 2),
        other.deviceCodes.redeemDeviceCode(approved.deviceCodeHash, T + 2),
      ]);
      expect(results.sort()).toEqual([false, true]);
      expect((await store.deviceCodes.findDeviceCode(approved.deviceCodeHash))?.redeemedAt).toBe(T + 2);

      const denied = makeDeviceCode();
      await store.deviceCodes.saveDeviceCode(denied, 100);
      await store.deviceCodes.decideDeviceCode(denied.deviceCodeHash, { status: 'denied', userId: owner.userId }, T);
      expect(await store.deviceCodes.redeemDeviceCode(denied.deviceCodeHash, T)).toBe(false);

      const late = makeDeviceCode();
      await store.deviceCodes.saveDeviceCode(late, 100);
      await store.deviceCodes.decideDeviceCode(late.deviceCodeHash, { status: 'approved', userId: owner.userId }, T);
      expect(await store.deviceCodes.redeemDeviceCode(late.deviceCodeHash, T + 600)).toBe(false);
    });
  });

  it('polls: the first is fine, one sooner than the interval is slow_down and adds 5 s, one after it is fine', async () => {
    const record = makeDeviceCode();
    await store.deviceCodes.saveDeviceCode(record, 100);
    const poll = (now: number) => store.deviceCodes.pollDeviceCode(record.deviceCodeHash, now);
    expect(await poll(T)).toBe('pending');
    expect(await poll(T + 4)).toBe('slow_down');
    expect(await other.deviceCodes.findDeviceCode(record.deviceCodeHash)).toMatchObject({
      interval: 10,
      lastPolledAt: T + 4,
    });
    expect(await poll(T + 13)).toBe('slow_down');
    expect((await other.deviceCodes.findDeviceCode(record.deviceCodeHash))?.interval).toBe(15);
    expect(await poll(T + 28)).toBe('pending');
    expect(await other.deviceCodes.findDeviceCode(record.deviceCodeHash)).toMatchObject({
      interval: 15,
      lastPolledAt: T + 28,
    });
  });

  it('the clean-up deletes expired device codes and keeps live ones; deleting the client deletes its codes', async () => {
    const clientId = await newClient();
    const expired = makeDeviceCode({ clientId, createdAt: T - 1000, expiresAt: T - 400 });
    const live = makeDeviceCode({ clientId, expiresAt: T + 600 });
    await store.deviceCodes.saveDeviceCode(expired, 100);
    await store.deviceCodes.saveDeviceCode(live, 100);
    const counts = await store.deleteExpired(T);
    expect(counts.deviceCodes).toBeGreaterThanOrEqual(1);
    expect(await store.deviceCodes.findDeviceCode(expired.deviceCodeHash)).toBeNull();
    expect(await store.deviceCodes.findDeviceCode(live.deviceCodeHash)).not.toBeNull();
    await store.deleteClient(clientId);
    expect(await other.deviceCodes.findDeviceCode(live.deviceCodeHash)).toBeNull();
  });
});
