/**
 * The TrustedDeviceStore part of the storage contract (device cookies and confidential clients'
 * known accounts, migration 8), run unchanged against SQLite and PostgreSQL: lookups by hash
 * that stop at expiry, renewal, the bound of browser devices per user, the clean-up, and that the
 * rows go with their user or client.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import type { SqlStore } from '../sql-store.js';
import type { TrustedDeviceRecord, UserRecord } from '../store.js';

const T = 1_800_000_000;

describeEachEngine('trusted device store contract', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;

  beforeAll(async () => {
    database = await factory.createDatabase();
    store = database.open();
    await store.migrate();
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  async function newUser(): Promise<UserRecord> {
    const id = randomUUID();
    const user: UserRecord = {
      id,
      username: `u-${id}`,
      usernameCanonical: `u-${id}`,
      email: `${id}@example.com`,
      emailCanonical: `${id}@example.com`,
      passwordHash: 'x',
      enabled: true,
      awaitingConfirmation: false,
      roles: [],
      createdAt: T,
      updatedAt: T,
    };
    await store.createUser(user);
    return user;
  }

  async function newClient(): Promise<string> {
    const id = randomUUID();
    await store.createClient({
      id,
      name: id,
      secretHash: 'h',
      isPublic: false,
      redirectUris: [],
      grantTypes: ['password'],
      scopes: null,
      trusted: false,
      canIntrospect: false,
      allowedResources: null,
      createdAt: T,
    });
    return id;
  }

  const device = (userId: string, overrides: Partial<TrustedDeviceRecord> = {}): TrustedDeviceRecord => ({
    idHash: randomUUID().replace(/-/g, '').repeat(2),
    userId,
    clientId: null,
    createdAt: T,
    expiresAt: T + 100,
    ...overrides,
  });

  it('finds a device by its hash until it expires (expires_at is the first second it no longer works)', async () => {
    const user = await newUser();
    const saved = device(user.id, { expiresAt: 5_000_000_000 });
    await store.saveTrustedDevice(saved, 10);
    expect(await store.findTrustedDevice(saved.idHash, T)).toStrictEqual(saved);
    expect(await store.findTrustedDevice(saved.idHash, 4_999_999_999)).toStrictEqual(saved);
    expect(await store.findTrustedDevice(saved.idHash, 5_000_000_000)).toBeNull();
    expect(await store.findTrustedDevice('f'.repeat(64), T)).toBeNull();
  });

  it('saving the same id again renews its expiry only', async () => {
    const user = await newUser();
    const client = await newClient();
    const known = device(user.id, { clientId: client });
    await store.saveTrustedDevice(known, 10);
    await store.saveTrustedDevice({ ...known, createdAt: T + 50, expiresAt: T + 500 }, 10);
    expect(await store.findTrustedDevice(known.idHash, T + 200)).toStrictEqual({ ...known, expiresAt: T + 500 });
  });

  it("keeps a user's newest browser devices only; clients' known accounts and other users are not trimmed", async () => {
    const [user, other] = [await newUser(), await newUser()];
    const client = await newClient();
    const known = device(user.id, { clientId: client, createdAt: T - 100 });
    await store.saveTrustedDevice(known, 3);
    const othersDevice = device(other.id, { createdAt: T - 100 });
    await store.saveTrustedDevice(othersDevice, 3);
    const browsers = Array.from({ length: 5 }, (_, i) => device(user.id, { createdAt: T + i }));
    for (const browser of browsers) await store.saveTrustedDevice(browser, 3);
    const found = await Promise.all(browsers.map((browser) => store.findTrustedDevice(browser.idHash, T)));
    expect(found.map((record) => record !== null)).toEqual([false, false, true, true, true]);
    expect(await store.findTrustedDevice(known.idHash, T)).not.toBeNull();
    expect(await store.findTrustedDevice(othersDevice.idHash, T)).not.toBeNull();
  });

  it('deleteExpired deletes expired devices, counted, and keeps live ones', async () => {
    const user = await newUser();
    const expired = [device(user.id, { expiresAt: T - 1 }), device(user.id, { expiresAt: T })];
    const live = device(user.id, { expiresAt: T + 1 });
    for (const record of [...expired, live]) await store.saveTrustedDevice(record, 10);
    const counts = await store.deleteExpired(T);
    expect(counts.trustedDevices).toBeGreaterThanOrEqual(2);
    const left = await store.driver.all<{ id_hash: string }>('SELECT id_hash FROM trusted_devices WHERE user_id = ?', [
      user.id,
    ]);
    expect(left.map((row) => row.id_hash)).toEqual([live.idHash]);
  });

  it('the devices go with their user, and a known account with its client', async () => {
    const [user, kept] = [await newUser(), await newUser()];
    const client = await newClient();
    const browser = device(user.id, { expiresAt: T + 10_000 });
    const known = device(kept.id, { clientId: client, expiresAt: T + 10_000 });
    await store.saveTrustedDevice(browser, 10);
    await store.saveTrustedDevice(known, 10);
    expect(await store.deleteUser(user.id)).toBe(true);
    expect(await store.findTrustedDevice(browser.idHash, T)).toBeNull();
    expect(await store.deleteClient(client)).toBe(true);
    expect(await store.findTrustedDevice(known.idHash, T)).toBeNull();
  });
});
