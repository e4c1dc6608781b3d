/**
 * The storage contract for CORS origins (migration 18), run unchanged against SQLite and PostgreSQL:
 * a client's origins round-trip, a preflight's "did any client register this origin?" is answered
 * by every store instance at once (client caches included), deleting the client takes its origins,
 * and a database migrated from version 17 counts its public clients' redirect URI origins.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { makeClient, openContractStores, T } from '../../../test/helpers/storage-contract.js';
import { migrations } from '../migrations/index.js';
import type { SqlStore } from '../sql-store.js';

describeEachEngine('storage contract: client origins', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;
  /** A second instance on the same database, with its own client cache. */
  let other: SqlStore;

  beforeAll(async () => {
    ({ database, store, other } = await openContractStores(factory));
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  it('explicit origins round-trip; a client without them reads back without allowedOrigins', async () => {
    const withOrigins = makeClient({ allowedOrigins: ['https://rt.example', 'http://localhost:5173'] });
    const without = makeClient();
    await store.createClient(withOrigins);
    await store.createClient(without);
    expect(await other.findClient(withOrigins.id)).toStrictEqual(withOrigins);
    expect(await other.findClient(without.id)).toStrictEqual(without);
    expect((await other.listClients()).find((c) => c.id === withOrigins.id)?.allowedOrigins).toEqual([
      'https://rt.example',
      'http://localhost:5173',
    ]);
  });

  it('an origin is registered by an explicit origin, or by a public client redirect URI; a confidential client redirect URI does not count', async () => {
    await store.createClient(makeClient({ allowedOrigins: ['https://explicit.example'] }));
    await store.createClient(
      makeClient({ isPublic: true, secretHash: null, redirectUris: ['https://spa.example/cb'] }),
    );
    await store.createClient(makeClient({ redirectUris: ['https://server-side.example/cb'] }));
    for (const s of [store, other]) {
      expect(await s.originRegistered('https://explicit.example')).toBe(true);
      expect(await s.originRegistered('https://spa.example')).toBe(true);
      expect(await s.originRegistered('https://server-side.example')).toBe(false);
      // Exact comparison: no prefix, suffix or path confusion.
      expect(await s.originRegistered('https://spa.example.evil.com')).toBe(false);
      expect(await s.originRegistered('https://evil-spa.example')).toBe(false);
      expect(await s.originRegistered('https://spa.example/')).toBe(false);
      expect(await s.originRegistered('http://spa.example')).toBe(false);
      expect(await s.originRegistered('null')).toBe(false);
    }
  });

  it('an origin asked about before its client existed is known to every store instance once the client is created', async () => {
    const origin = 'https://late.example';
    // Both instances ask (and may remember the answer) first.
    expect(await store.originRegistered(origin)).toBe(false);
    expect(await other.originRegistered(origin)).toBe(false);
    expect(await other.originRegistered(origin)).toBe(false);
    const client = makeClient({ allowedOrigins: [origin] });
    await store.createClient(client);
    expect(await other.originRegistered(origin)).toBe(true);
    expect(await store.originRegistered(origin)).toBe(true);
    // Deleting the client takes its origins, on every instance.
    expect(await store.deleteClient(client.id)).toBe(true);
    expect(await other.originRegistered(origin)).toBe(false);
    expect(await store.originRegistered(origin)).toBe(false);
  });

  it('an origin two clients registered stays registered when one of them is deleted', async () => {
    const a = makeClient({ allowedOrigins: ['https://shared.example'] });
    const b = makeClient({ isPublic: true, secretHash: null, redirectUris: ['https://shared.example/callback'] });
    await store.createClient(a);
    await store.createClient(b);
    await store.deleteClient(a.id);
    expect(await other.originRegistered('https://shared.example')).toBe(true);
  });

  it('a database at version 17 is brought to 18: its public clients count their redirect URI origins, confidential ones none', async () => {
    const fresh = await factory.createDatabase();
    try {
      const legacy = fresh.open();
      await legacy.driver.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      for (const migration of migrations.filter((m) => m.version <= 17)) {
        await legacy.driver.script(migration.sql);
        await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          T,
        ]);
      }
      const insert = (id: string, isPublic: boolean, redirectUris: string[]) =>
        legacy.driver.run(
          `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, trusted, can_introspect, created_at, auth_method)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            id,
            id,
            isPublic ? null : 'a'.repeat(64),
            isPublic,
            JSON.stringify(redirectUris),
            '[]',
            null,
            false,
            false,
            T,
            isPublic ? 'none' : 'client_secret_basic',
          ],
        );
      await insert('old-spa', true, [
        'https://old-spa.example/cb',
        'HTTPS://Old-Spa.Example:443/other',
        'com.example.app:/cb',
      ]);
      await insert('old-web', false, ['https://old-web.example/cb']);

      const migrated = fresh.open();
      expect(await migrated.migrate()).toContain(18);
      expect(await migrated.originRegistered('https://old-spa.example')).toBe(true);
      expect(await migrated.originRegistered('https://old-web.example')).toBe(false);
      expect((await migrated.findClient('old-spa'))?.allowedOrigins).toBeUndefined();
    } finally {
      await fresh.cleanup();
    }
  });
});
