/**
 * Counted audit rows (AuditRecord.count / lastAt, migration 11), run unchanged against SQLite
 * and PostgreSQL: appendAuditEvents adds a counted row's count to a stored row of the same id
 * (another flush, another node) and widens its times; single events are untouched and list
 * without a count; a database holding events from before migration 11 keeps them as single
 * events. Each test writes under its own client id and reads only those rows.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { countedRowId } from '../../audit/failure-counts.js';
import { migrations } from '../migrations/index.js';
import type { SqlStore } from '../sql-store.js';
import type { AuditRecord } from '../store.js';

const T = 1_800_000_000 - (1_800_000_000 % 60);

function counted(clientId: string, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: countedRowId(T, `source-${clientId}`),
    at: T + 5,
    type: 'client.authentication_failed',
    actor: 'client',
    userId: null,
    username: null,
    clientId,
    address: '198.51.100.7',
    details: { method: 'client_secret_basic', reason: 'wrong_secret' },
    count: 3,
    lastAt: T + 9,
    ...overrides,
  };
}

describeEachEngine('counted audit rows', (factory) => {
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

  it('a counted row is stored and listed with its count and last time', async () => {
    const clientId = `client-${randomUUID()}`;
    const row = counted(clientId);
    await store.appendAuditEvents([row]);
    expect(await store.listAuditEvents({ clientId, limit: 10 })).toStrictEqual([row]);
  });

  it('the same id again (another flush or node) adds its count to the one row and widens first and last time', async () => {
    const clientId = `client-${randomUUID()}`;
    await store.appendAuditEvents([counted(clientId, { at: T + 5, lastAt: T + 9, count: 3 })]);
    await store.appendAuditEvents([counted(clientId, { at: T + 20, lastAt: T + 40, count: 4 })]);
    // A node whose clock is behind: an earlier first time, a last time inside the range.
    await store.appendAuditEvents([counted(clientId, { at: T + 1, lastAt: T + 30, count: 1 })]);
    expect(await store.listAuditEvents({ clientId, limit: 10 })).toStrictEqual([
      counted(clientId, { at: T + 1, lastAt: T + 40, count: 8 }),
    ]);
  });

  it('one append holding the same id twice counts both (merged before the write)', async () => {
    const clientId = `client-${randomUUID()}`;
    await store.appendAuditEvents([
      counted(clientId, { count: 2, at: T + 3, lastAt: T + 3 }),
      counted(clientId, { count: 5, at: T + 7, lastAt: T + 11 }),
    ]);
    expect(await store.listAuditEvents({ clientId, limit: 10 })).toStrictEqual([
      counted(clientId, { count: 7, at: T + 3, lastAt: T + 11 }),
    ]);
  });

  it('single events and counted rows in one append: each kind stored as such, in one transaction', async () => {
    const clientId = `client-${randomUUID()}`;
    const single: AuditRecord = {
      id: `single-${randomUUID()}`,
      at: T + 2,
      type: 'token.issued',
      actor: 'client',
      userId: null,
      username: null,
      clientId,
      address: '198.51.100.7',
      details: { grant_type: 'client_credentials' },
    };
    // 123 counted rows of distinct sources (statements of 100, 10 and 1 rows) beside the single event.
    const many = Array.from({ length: 123 }, (_, i) =>
      counted(clientId, { id: countedRowId(T, `${clientId}-${i}`), at: T + 3, lastAt: T + 3, count: i + 1 }),
    );
    await store.appendAuditEvents([single, ...many]);
    const listed = await store.listAuditEvents({ clientId, limit: 1000 });
    expect(listed.find((row) => row.id === single.id)).toStrictEqual(single);
    expect(
      listed
        .filter((row) => row.count !== undefined)
        .map((row) => row.count)
        .sort((a, b) => a! - b!),
    ).toEqual(Array.from({ length: 123 }, (_, i) => i + 1));

    // A bad single row (a repeated id) leaves none of the counted rows either.
    const otherClient = `client-${randomUUID()}`;
    await expect(
      store.appendAuditEvents([counted(otherClient), { ...single, clientId: otherClient }]),
    ).rejects.toThrow();
    expect(await store.listAuditEvents({ clientId: otherClient, limit: 10 })).toEqual([]);
  });

  it('migration 11 keeps the events stored before it as single events (count 1, no last time)', async () => {
    const fresh = await factory.createDatabase();
    try {
      const legacy = fresh.open();
      await legacy.driver.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      for (const migration of migrations.filter((m) => m.version < 11)) {
        await legacy.driver.script(migration.sql);
        await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          T,
        ]);
      }
      await legacy.driver.run(
        "INSERT INTO audit_events (id, at, type, actor, user_id, username, client_id, address, details) VALUES ('old-1', ?, 'login.failed', 'user', NULL, NULL, NULL, '192.0.2.1', NULL)",
        [T],
      );
      expect(await legacy.migrate()).toContain(11);
      expect(await legacy.listAuditEvents({ limit: 10 })).toStrictEqual([
        {
          id: 'old-1',
          at: T,
          type: 'login.failed',
          actor: 'user',
          userId: null,
          username: null,
          clientId: null,
          address: '192.0.2.1',
          details: null,
        },
      ]);
      const row = await legacy.driver.get<{ count: number | string; last_at: unknown }>(
        "SELECT count, last_at FROM audit_events WHERE id = 'old-1'",
      );
      expect([Number(row!.count), row!.last_at]).toEqual([1, null]);
    } finally {
      await fresh.cleanup();
    }
  });
});
