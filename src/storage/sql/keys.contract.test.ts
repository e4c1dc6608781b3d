/**
 * The storage contract for signing keys, run unchanged against SQLite and PostgreSQL (a fresh database
 * per engine). The signing key ring: one current key, retirement and publication times, concurrent
 * rotations.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { FAR_FUTURE, makeSigningKey, openContractStores, T } from '../../../test/helpers/storage-contract.js';
import type { SqlStore } from '../sql-store.js';
import type { SigningKeyRecord } from '../store.js';

describeEachEngine('storage contract: signing keys', (factory) => {
  let database: TestDatabase;
  /** The main store instance. */
  let store: SqlStore;

  beforeAll(async () => {
    ({ database, store } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  // --- signing keys ------------------------------------------------------------

  it('addSigningKey stores every field; listSigningKeys lists every key, current first, then by retirement', async () => {
    const fresh = await factory.createDatabase();
    try {
      const db = fresh.open();
      await db.migrate();
      const reader = fresh.open();
      expect(await db.listSigningKeys()).toEqual([]);
      const first = makeSigningKey({ createdAt: T });
      const second = makeSigningKey({ createdAt: T + 10 });
      const third = makeSigningKey({ createdAt: FAR_FUTURE });
      // With no current key there is nothing to retire: the times apply to nothing.
      await db.addSigningKey(first, { retireAt: T, publishUntil: T + 100 });
      expect(await reader.listSigningKeys()).toStrictEqual([first]);
      // The retirement is whatever the caller says, not the new key's creation time: here a
      // future one (the key ring pre-publishes the new key 90 s before it signs).
      await db.addSigningKey(second, { retireAt: T + 100, publishUntil: T + 200 });
      await db.addSigningKey(third, { retireAt: FAR_FUTURE, publishUntil: FAR_FUTURE + 300 });

      const expected = [
        third,
        { ...second, retiredAt: FAR_FUTURE, publishUntil: FAR_FUTURE + 300 },
        { ...first, retiredAt: T + 100, publishUntil: T + 200 },
      ];
      expect(await db.listSigningKeys()).toStrictEqual(expected);
      // Another instance (own connection or pool) reads the same, numbers as numbers.
      const listed = await reader.listSigningKeys();
      expect(listed).toStrictEqual(expected);
      for (const key of listed) {
        expect(typeof key.createdAt).toBe('number');
        if (key.retiredAt !== null) expect(typeof key.retiredAt).toBe('number');
        if (key.publishUntil !== null) expect(typeof key.publishUntil).toBe('number');
      }
      // The shared test database is untouched by keys on another database.
      expect(await store.listSigningKeys()).toEqual([]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('addSigningKey retires every current key at the given time, each published until the given time; the new key is the only current one', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const old = makeSigningKey({ createdAt: T });
      // With no current key, the retirement and publication times have nothing to apply to.
      await db.addSigningKey(old, { retireAt: T, publishUntil: T + 1 });
      expect(await db.listSigningKeys()).toStrictEqual([old]);
      const current = makeSigningKey({ createdAt: T + 10 });
      await db.addSigningKey(current, { retireAt: T + 10, publishUntil: T + 50 });
      // A second current key (as a race could leave): rotation must retire it as well.
      const stray = makeSigningKey({ createdAt: T + 11 });
      await db.driver.run(
        `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
         VALUES (?, ?, ?, ?, ?, NULL, NULL)`,
        [stray.kid, stray.algorithm, stray.publicJwk, stray.privateKeyEncrypted, stray.createdAt],
      );

      const next = makeSigningKey({ createdAt: T + 20 });
      // Retiring 90 s after the rotation (a time in the future), published until then + 3610.
      await db.addSigningKey(next, { retireAt: T + 110, publishUntil: T + 110 + 3610 });
      const byKid = new Map((await db.listSigningKeys()).map((key) => [key.kid, key]));
      expect(byKid.get(next.kid)).toStrictEqual(next);
      expect(byKid.get(current.kid)).toStrictEqual({ ...current, retiredAt: T + 110, publishUntil: T + 3720 });
      expect(byKid.get(stray.kid)).toStrictEqual({ ...stray, retiredAt: T + 110, publishUntil: T + 3720 });
      // A key retired earlier keeps its own retirement and publication times.
      expect(byKid.get(old.kid)).toStrictEqual({ ...old, retiredAt: T + 10, publishUntil: T + 50 });
      expect([...byKid.values()].filter((key) => key.retiredAt === null).map((key) => key.kid)).toEqual([next.kid]);

      // An immediate rotation (retireAt now) also stops a key whose retirement was still to come:
      // no key signs after retireAt but the new one.
      const last = makeSigningKey({ createdAt: T + 30 });
      await db.addSigningKey(last, { retireAt: T + 30, publishUntil: T + 3640 });
      const after = new Map((await db.listSigningKeys()).map((key) => [key.kid, key]));
      expect(after.get(current.kid)).toStrictEqual({ ...current, retiredAt: T + 30, publishUntil: T + 3640 });
      expect(after.get(old.kid)).toStrictEqual({ ...old, retiredAt: T + 10, publishUntil: T + 50 });
      expect(after.get(next.kid)).toStrictEqual({ ...next, retiredAt: T + 30, publishUntil: T + 3640 });
      expect([...after.values()].filter((key) => key.retiredAt === null).map((key) => key.kid)).toEqual([last.kid]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('each algorithm is a ring of its own: a rotation retires only keys of its algorithm, and a first key of another algorithm is stored', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const eddsa = makeSigningKey({ createdAt: T });
      expect(await db.addFirstSigningKey(eddsa)).toBe(true);
      // The ID tokens' RS256 ring has no key yet: its first key is stored beside the EdDSA one.
      const rsa = makeSigningKey({ createdAt: T + 1, algorithm: 'RS256' });
      expect(await db.addFirstSigningKey(rsa)).toBe(true);
      expect(await db.addFirstSigningKey(makeSigningKey({ createdAt: T + 2, algorithm: 'RS256' }))).toBe(false);
      const nextRsa = makeSigningKey({ createdAt: T + 5, algorithm: 'RS256' });
      await db.addSigningKey(nextRsa, { retireAt: T + 95, publishUntil: T + 4000 });
      const byKid = new Map((await db.listSigningKeys()).map((key) => [key.kid, key]));
      expect(byKid.get(rsa.kid)).toMatchObject({ retiredAt: T + 95, publishUntil: T + 4000 });
      expect(byKid.get(eddsa.kid)).toMatchObject({ retiredAt: null, publishUntil: null });
    } finally {
      await fresh.cleanup();
    }
  });

  it('addSigningKey is one transaction: a key that cannot be stored retires nothing', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const current = makeSigningKey({ createdAt: T });
      await db.addSigningKey(current, { retireAt: T, publishUntil: T + 1 });
      // Same kid again: the insert fails, so the current key must stay current.
      await expect(
        db.addSigningKey(makeSigningKey({ kid: current.kid, createdAt: T + 5 }), {
          retireAt: T + 95,
          publishUntil: T + 100,
        }),
      ).rejects.toThrow();
      expect(await db.listSigningKeys()).toStrictEqual([current]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('listSigningKeys: of two keys added in the same second, the one added last (the current one) is listed first', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      // kids are thumbprints, random as far as ordering goes: the later key may sort before the earlier one.
      const earlier = makeSigningKey({ kid: 'zzzz-first-key', createdAt: T });
      const later = makeSigningKey({ kid: 'aaaa-second-key', createdAt: T });
      await db.addSigningKey(earlier, { retireAt: T, publishUntil: T + 100 });
      await db.addSigningKey(later, { retireAt: T + 90, publishUntil: T + 100 });
      expect((await db.listSigningKeys()).map((key) => [key.kid, key.retiredAt])).toEqual([
        [later.kid, null],
        [earlier.kid, T + 90],
      ]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('listSigningKeys: the current key first, however old; then retired_at DESC, created_at DESC, kid DESC', async () => {
    const fresh = await factory.createStore();
    try {
      const db = fresh.store;
      const insert = async (key: SigningKeyRecord) =>
        db.driver.run(
          `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [
            key.kid,
            key.algorithm,
            key.publicJwk,
            key.privateKeyEncrypted,
            key.createdAt,
            key.retiredAt,
            key.publishUntil,
          ],
        );
      // Inserted in an order that matches none of the sort keys.
      const rows = [
        makeSigningKey({ kid: 'kid-b', createdAt: T + 4, retiredAt: T + 50, publishUntil: T + 500 }),
        makeSigningKey({ kid: 'kid-c', createdAt: T + 1, retiredAt: T + 100, publishUntil: T + 700 }),
        makeSigningKey({ kid: 'kid-current', createdAt: T - 1000, retiredAt: null, publishUntil: null }),
        makeSigningKey({ kid: 'kid-a', createdAt: T + 3, retiredAt: T + 100, publishUntil: T + 600 }),
        makeSigningKey({ kid: 'kid-d', createdAt: T + 1, retiredAt: T + 100, publishUntil: T + 700 }),
        makeSigningKey({ kid: 'kid-future', createdAt: T, retiredAt: FAR_FUTURE, publishUntil: FAR_FUTURE + 10 }),
      ];
      for (const row of rows) await insert(row);
      const listed = await db.listSigningKeys();
      expect(listed.map((key) => key.kid)).toEqual(['kid-current', 'kid-future', 'kid-a', 'kid-d', 'kid-c', 'kid-b']);
      expect(listed).toStrictEqual(
        ['kid-current', 'kid-future', 'kid-a', 'kid-d', 'kid-c', 'kid-b'].map((kid) =>
          rows.find((row) => row.kid === kid),
        ),
      );
    } finally {
      await fresh.cleanup();
    }
  });

  it('10 concurrent addSigningKey calls across two store instances leave exactly one current key', async () => {
    const fresh = await factory.createDatabase();
    try {
      const a = fresh.open();
      const b = fresh.open();
      await a.migrate();
      const keys = Array.from({ length: 10 }, (_, i) => makeSigningKey({ createdAt: T + i }));
      await Promise.all(
        keys.map((key, i) => (i % 2 ? a : b).addSigningKey(key, { retireAt: T + 90, publishUntil: T + 1000 })),
      );
      const listed = await a.listSigningKeys();
      expect(listed).toHaveLength(10);
      const current = listed.filter((key) => key.retiredAt === null);
      expect(
        current.map((key) => key.kid),
        'keys left current',
      ).toHaveLength(1);
      expect(listed[0]!.kid).toBe(current[0]!.kid);
      // Each call retired exactly the key the previous one added.
      for (const key of listed.filter((k) => k.retiredAt !== null))
        expect(key).toMatchObject({ retiredAt: T + 90, publishUntil: T + 1000 });
    } finally {
      await fresh.cleanup();
    }
  });
});
