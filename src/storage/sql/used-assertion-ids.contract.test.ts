/**
 * The storage contract for used assertion ids (migration 13), run unchanged against SQLite and
 * PostgreSQL: an id is accepted once until it expires, on every store instance sharing the
 * database, with exactly one winner when two race; the clean-up deletes it after its expiry.
 * Also: clients that existed before migration 13 keep authenticating as they did.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { ALL_VERSIONS, id, makeClient, openContractStores, T } from '../../../test/helpers/storage-contract.js';
import { migrations } from '../migrations/index.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: used assertion ids', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;
  /** A second instance on the same database: another node. */
  let other: SqlStore;

  beforeAll(async () => {
    ({ database, store, other } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  it('accepts an id once; a replay is refused on this node and on another until the id expires', async () => {
    const jti = id('jti');
    expect(await store.useAssertionId(jti, T + 300, T)).toBe(true);
    expect(await store.useAssertionId(jti, T + 300, T + 1)).toBe(false);
    expect(await other.useAssertionId(jti, T + 600, T + 299)).toBe(false);
    // The refused replay did not move the expiry forward.
    const row = await store.driver.get<{ expires_at: number | string }>(
      'SELECT expires_at FROM used_assertion_ids WHERE jti_hash = ?',
      [jti],
    );
    expect(Number(row?.expires_at)).toBe(T + 300);
    // Once the first assertion has expired, the id may be used by a new one (not cleaned up yet).
    expect(await other.useAssertionId(jti, T + 700, T + 300)).toBe(true);
    expect(await store.useAssertionId(jti, T + 800, T + 400)).toBe(false);
  });

  it('of two nodes using one id at once, exactly one succeeds', async () => {
    for (let round = 0; round < 5; round++) {
      const jti = id('race');
      const outcomes = await Promise.all([
        store.useAssertionId(jti, T + 60, T),
        other.useAssertionId(jti, T + 60, T),
        store.useAssertionId(jti, T + 60, T),
        other.useAssertionId(jti, T + 60, T),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    }
  });

  it('the clean-up deletes ids whose assertion has expired, and only those', async () => {
    const expired = id('old');
    const live = id('live');
    await store.useAssertionId(expired, T + 10, T);
    await store.useAssertionId(live, T + 1000, T);
    const counts = await store.deleteExpired(T + 500);
    expect(counts.usedAssertionIds).toBeGreaterThanOrEqual(1);
    const remaining = await store.driver.all<{ jti_hash: string }>('SELECT jti_hash FROM used_assertion_ids');
    expect(remaining.map((row) => row.jti_hash)).toContain(live);
    expect(remaining.map((row) => row.jti_hash)).not.toContain(expired);
    // A live id stays refused after the clean-up.
    expect(await other.useAssertionId(live, T + 1000, T + 500)).toBe(false);
  });

  it('migration 13: existing confidential clients keep secret authentication, public ones none', async () => {
    const fresh = await factory.createDatabase();
    try {
      const legacy = fresh.open();
      await legacy.driver.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      for (const migration of migrations.filter((m) => m.version < 13)) {
        await legacy.driver.script(migration.sql);
        await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          T,
        ]);
      }
      const confidential = makeClient();
      const publicClient = makeClient({ isPublic: true, secretHash: null });
      for (const client of [confidential, publicClient]) {
        await legacy.driver.run(
          `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, trusted, can_introspect, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            client.id,
            client.name,
            client.secretHash,
            client.isPublic,
            JSON.stringify(client.redirectUris),
            JSON.stringify(client.grantTypes),
            JSON.stringify(client.scopes),
            false,
            false,
            client.createdAt,
          ],
        );
      }
      expect(await legacy.migrate()).toEqual(ALL_VERSIONS.filter((version) => version >= 13));
      expect(await legacy.findClient(confidential.id)).toStrictEqual({
        ...confidential,
        authMethod: 'client_secret_basic',
      });
      expect(await legacy.findClient(publicClient.id)).toStrictEqual({ ...publicClient, authMethod: 'none' });
    } finally {
      await fresh.cleanup();
    }
  });
});
