/**
 * The client cache (./client-cache.ts) against both engines: lookups are answered from memory,
 * yet a change made through another store instance (another connection or pool, as another
 * process or node has) is seen on the very next lookup.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../test/helpers/databases.js';
import type { SqlStore } from './sql-store.js';
import type { ClientRecord } from './store.js';

const T = 1_800_000_000;
const OPEN_STORE = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/storage/open.js');

function makeClient(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    id: `client-${randomUUID()}`,
    name: 'Cached client',
    secretHash: 'a'.repeat(64),
    isPublic: false,
    redirectUris: ['https://app.example/callback'],
    grantTypes: ['client_credentials', 'refresh_token'],
    scopes: ['read'],
    trusted: false,
    canIntrospect: false,
    allowedResources: null,
    createdAt: T,
    authMethod: 'client_secret_basic',
    ...overrides,
  };
}

/** Looks the client up until an answer comes from memory (PostgreSQL: once the listener is up). */
async function warm(store: SqlStore, id: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const before = store.clientCacheHits;
      await store.findClient(id);
      expect(store.clientCacheHits).toBeGreaterThan(before);
    },
    { timeout: 10_000, interval: 20 },
  );
}

/** Runs `code` (an async function body with `openStore` and `location` in scope) in a child process, against the built dist/. */
function inAnotherProcess(location: TestDatabase['location'], code: string): Promise<void> {
  const script = `const { openStore } = await import(${JSON.stringify(OPEN_STORE)});
const location = ${JSON.stringify(location)};
${code}`;
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolveRun() : reject(new Error(`child exited with ${code}: ${output}`)),
    );
  });
}

describeEachEngine('client cache', (factory) => {
  let database: TestDatabase;
  /** The store under test. */
  let store: SqlStore;
  /** Another instance on the same database: its own connection (SQLite) or pool and listener (PostgreSQL). */
  let other: SqlStore;

  beforeAll(async () => {
    database = await factory.createDatabase();
    store = database.open();
    await store.migrate();
    other = database.open();
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  it('answers repeated lookups from memory with the stored record, which nobody can change', async () => {
    const client = makeClient();
    await store.createClient(client);
    await warm(store, client.id);
    const hit = await store.findClient(client.id);
    expect(hit).toStrictEqual(client);
    expect(Object.isFrozen(hit)).toBe(true);
    expect(Object.isFrozen(hit!.grantTypes)).toBe(true);
    expect(() => (hit!.grantTypes as string[]).push('password')).toThrow();
  });

  it('an unknown client is never cached: creating it later is seen at once', async () => {
    const client = makeClient();
    expect(await store.findClient(client.id)).toBeNull();
    await other.createClient(client);
    expect(await store.findClient(client.id)).toStrictEqual(client);
  });

  it('keeps answering from memory while this store writes tokens (its own commits do not empty it)', async () => {
    const client = makeClient();
    await store.createClient(client);
    await warm(store, client.id);
    for (let i = 0; i < 3; i++) {
      await store.issueTokens({
        accessToken: {
          tokenHash: `at-${randomUUID()}`,
          jti: randomUUID(),
          familyId: randomUUID(),
          clientId: client.id,
          userId: null,
          scope: 'read',
          issuedAt: T,
          expiresAt: T + 3600,
          revokedAt: null,
        },
      });
      const before = store.clientCacheHits;
      await store.findClient(client.id);
      expect(store.clientCacheHits).toBe(before + 1);
    }
  });

  it('a secret rotated through another store instance is refused on the very next lookup', async () => {
    const client = makeClient();
    await store.createClient(client);
    await warm(store, client.id);
    await warm(other, client.id);

    expect(await other.updateClientSecret(client.id, 'b'.repeat(64))).toBe(true);
    expect((await store.findClient(client.id))?.secretHash).toBe('b'.repeat(64));
    expect((await other.findClient(client.id))?.secretHash).toBe('b'.repeat(64));

    // And the other way round, each time at once.
    await warm(store, client.id);
    expect(await store.updateClientSecret(client.id, 'c'.repeat(64))).toBe(true);
    expect((await other.findClient(client.id))?.secretHash).toBe('c'.repeat(64));
    expect((await store.findClient(client.id))?.secretHash).toBe('c'.repeat(64));
  });

  it('a client deleted through another store instance is gone on the very next lookup', async () => {
    const client = makeClient();
    await store.createClient(client);
    await warm(store, client.id);
    expect(await other.deleteClient(client.id)).toBe(true);
    expect(await store.findClient(client.id)).toBeNull();
  });

  it('a secret rotated by another process is refused on the very next lookup', async () => {
    const client = makeClient();
    await store.createClient(client);
    await warm(store, client.id);
    await inAnotherProcess(
      database.location,
      `const store = openStore(location);
       try { if (!(await store.updateClientSecret(${JSON.stringify(client.id)}, 'e'.repeat(64)))) process.exit(3); } finally { await store.close(); }`,
    );
    expect((await store.findClient(client.id))?.secretHash).toBe('e'.repeat(64));

    await warm(store, client.id);
    await inAnotherProcess(
      database.location,
      `const store = openStore(location);
       try { if (!(await store.deleteClient(${JSON.stringify(client.id)}))) process.exit(3); } finally { await store.close(); }`,
    );
    expect(await store.findClient(client.id)).toBeNull();
  });

  if (factory.engine === 'sqlite') {
    it('a change written by hand on another connection (no Gatehouse code at all) is seen on the very next lookup', async () => {
      const client = makeClient();
      await store.createClient(client);
      await warm(store, client.id);
      const raw = new Database((database.location as { path: string }).path);
      try {
        raw.prepare('UPDATE clients SET secret_hash = ? WHERE id = ?').run('f'.repeat(64), client.id);
      } finally {
        raw.close();
      }
      expect((await store.findClient(client.id))?.secretHash).toBe('f'.repeat(64));
    });
  }

  if (factory.engine === 'postgres') {
    it('while its listener is disconnected the cache is bypassed; it answers again once the listener is back', async () => {
      const client = makeClient();
      await store.createClient(client);
      await warm(store, client.id);
      const url = (database.location as { url: string }).url;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        // Kill every cache listener on this database; then change the row by hand, without any
        // announcement: only a cache that stopped answering can see it.
        const { rowCount } = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gatehouse client cache'",
        );
        expect(rowCount).toBeGreaterThan(0);
        await vi.waitFor(async () => {
          const before = store.clientCacheHits;
          await store.findClient(client.id);
          expect(store.clientCacheHits).toBe(before);
        });
        await admin.query('UPDATE clients SET secret_hash = $1 WHERE id = $2', ['g'.repeat(64), client.id]);
        expect((await store.findClient(client.id))?.secretHash).toBe('g'.repeat(64));
      } finally {
        await admin.end();
      }
      // It reconnects by itself and answers from memory again, starting from what the database says now.
      await warm(store, client.id);
      expect((await store.findClient(client.id))?.secretHash).toBe('g'.repeat(64));
    });

    it('a store instance that never looked a client up opens no listener connection', async () => {
      const quiet = database.open();
      const url = (database.location as { url: string }).url;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const listeners = async () =>
          Number(
            (
              await admin.query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gatehouse client cache'",
              )
            ).rows[0].n,
          );
        const before = await listeners();
        await quiet.ping();
        expect(await listeners()).toBe(before);
      } finally {
        await admin.end();
      }
    });
  }

  it('with clientCache: false every lookup reads the database', async () => {
    const { openStore } = await import('./open.js');
    const uncached = openStore(database.location, { clientCache: false });
    try {
      const client = makeClient();
      await store.createClient(client);
      await uncached.findClient(client.id);
      await uncached.findClient(client.id);
      expect(uncached.clientCacheHits).toBe(0);
    } finally {
      await uncached.close();
    }
  });
});

if (!existsSync(OPEN_STORE)) throw new Error(`${OPEN_STORE} does not exist: run \`npm run build\` first`);
