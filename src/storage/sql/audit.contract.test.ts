/**
 * The AuditStore part of the storage contract (appendAuditEvents, listAuditEvents,
 * deleteAuditEvents) and migration 6, run unchanged against SQLite and PostgreSQL. One fresh
 * database per engine; every test writes events under its own client or user id (or at its
 * own times) and reads only those, so the tests do not see each other's rows.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../../../test/helpers/databases.js';
import { migrations } from '../migrations/index.js';
import type { SqlStore } from '../sql-store.js';
import type { AuditRecord } from '../store.js';

/** A fixed "now" (whole seconds). */
const T = 1_800_000_000;
const ALL_VERSIONS = migrations.map((migration) => migration.version);

/** Ids that sort in the order they are made (like UUIDv7): a prefix per test, then a counter. */
function idMaker() {
  const prefix = randomUUID().slice(0, 8);
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(6, '0')}`;
}

function makeRecord(id: string, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id,
    at: T,
    type: 'token.issued',
    actor: 'client',
    userId: null,
    username: null,
    clientId: null,
    address: '198.51.100.4',
    details: { grant_type: 'client_credentials', scope: 'read' },
    ...overrides,
  };
}

describeEachEngine('audit store contract', (factory) => {
  let database: TestDatabase;
  let store: SqlStore;

  beforeAll(async () => {
    database = await factory.createDatabase();
    store = database.open();
    expect(await store.migrate()).toEqual(ALL_VERSIONS);
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  async function countRows(where = '1 = 1', params: unknown[] = []): Promise<number> {
    const row = await store.driver.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM audit_events WHERE ${where}`,
      params,
    );
    return Number(row?.n);
  }

  // --- migration 6 -------------------------------------------------------------------------

  it('migration 6 creates audit_events with its indexes on a fresh database', async () => {
    expect(ALL_VERSIONS).toContain(6);
    const columns =
      factory.engine === 'sqlite'
        ? (
            await store.driver.all<{ name: string }>("SELECT name FROM pragma_table_info('audit_events') ORDER BY cid")
          ).map((row) => row.name)
        : (
            await store.driver.all<{ column_name: string }>(
              "SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_events' ORDER BY ordinal_position",
            )
          ).map((row) => row.column_name);
    // count and last_at: migration 11 (counted rows, src/storage/sql/audit-counts.contract.test.ts).
    expect(columns).toEqual([
      'id',
      'at',
      'type',
      'actor',
      'user_id',
      'username',
      'client_id',
      'address',
      'details',
      'count',
      'last_at',
    ]);
    const indexes =
      factory.engine === 'sqlite'
        ? (
            await store.driver.all<{ name: string }>(
              "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events' AND sql IS NOT NULL",
            )
          ).map((row) => row.name)
        : (
            await store.driver.all<{ indexname: string }>(
              "SELECT indexname FROM pg_indexes WHERE tablename = 'audit_events' AND indexname NOT LIKE '%pkey'",
            )
          ).map((row) => row.indexname);
    expect(indexes.sort()).toEqual(['audit_events_at_idx', 'audit_events_client_idx', 'audit_events_user_idx']);
  });

  it('a database at version 5 is brought to version 6, and its audit log works', async () => {
    const fresh = await factory.createDatabase();
    try {
      const legacy = fresh.open();
      await legacy.driver.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      for (const migration of migrations.filter((m) => m.version <= 5)) {
        await legacy.driver.script(migration.sql);
        await legacy.driver.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          T,
        ]);
      }
      expect(await legacy.migrate()).toEqual(ALL_VERSIONS.filter((version) => version > 5));
      expect(await legacy.migrate()).toEqual([]);
      const record = makeRecord('legacy-1');
      await legacy.appendAuditEvents([record]);
      expect(await legacy.listAuditEvents({ limit: 10 })).toStrictEqual([record]);
    } finally {
      await fresh.cleanup();
    }
  });

  // --- appendAuditEvents ---------------------------------------------------------------------

  it('appending no events writes nothing and does not fail', async () => {
    const before = await countRows();
    await store.appendAuditEvents([]);
    expect(await countRows()).toBe(before);
  });

  // 1 = one single-row statement; 15 = one of 10 + five of 1; 123 = one of 100 + two of 10 + three of 1.
  it.each([1, 15, 123])('appending %i events stores each exactly once, every field round-tripped', async (count) => {
    const clientId = `client-${randomUUID()}`;
    const nextId = idMaker();
    const records = Array.from({ length: count }, (_, i) =>
      makeRecord(nextId(), {
        at: T + i,
        clientId,
        userId: i % 2 ? `user-${i}` : null,
        username: i % 2 ? `name-${i}` : null,
        address: i % 3 ? '2001:db8::7' : null,
        details: i % 4 ? { grant_type: 'password', n: String(i) } : null,
      }),
    );
    await store.appendAuditEvents(records);
    expect(await countRows('client_id = ?', [clientId])).toBe(count);
    expect(await store.listAuditEvents({ clientId, limit: 1000 })).toStrictEqual(records);
  });

  it('the events of one append are written in one transaction: a bad row leaves none of them', async () => {
    const clientId = `client-${randomUUID()}`;
    const nextId = idMaker();
    const records = Array.from({ length: 123 }, () => makeRecord(nextId(), { clientId }));
    // The last row (in the last single-row statement) repeats the first row's id.
    records[122] = makeRecord(records[0]!.id, { clientId });
    await expect(store.appendAuditEvents(records)).rejects.toThrow();
    expect(await countRows('client_id = ?', [clientId])).toBe(0);
  });

  it('details keep any string content (quotes, newlines, unicode, JSON-looking text); null details stay null', async () => {
    const clientId = `client-${randomUUID()}`;
    const details = {
      scope: 'read write',
      quote: `it's "quoted" \\ back\\slashed`,
      lines: 'one\ntwo\r\n\ttabbed',
      unicode: 'Ünïcødé 名前 🔐',
      json: '{"not":"an object"}',
      'key.with.dots': '',
    };
    await store.appendAuditEvents([
      makeRecord(`d-${randomUUID()}`, { clientId, at: T, details }),
      makeRecord(`d-${randomUUID()}`, { clientId, at: T + 1, details: null }),
    ]);
    const listed = await store.listAuditEvents({ clientId, limit: 10 });
    expect(listed.map((record) => record.details)).toStrictEqual([details, null]);
  });

  it('at comes back as the same JS number, also beyond 2^32', async () => {
    const clientId = `client-${randomUUID()}`;
    await store.appendAuditEvents([makeRecord(`far-${randomUUID()}`, { clientId, at: 5_000_000_000 })]);
    const [listed] = await store.listAuditEvents({ clientId, limit: 1 });
    expect(listed!.at).toBe(5_000_000_000);
  });

  // --- listAuditEvents ---------------------------------------------------------------------

  describeFilters();

  function describeFilters() {
    /** The fixture: one user and one client of their own, so every filter sees only these rows. */
    const ids = { user: '', other: '', client: '', otherClient: '' };
    let all: AuditRecord[];

    beforeAll(async () => {
      ids.user = `user-${randomUUID()}`;
      ids.other = `user-${randomUUID()}`;
      ids.client = `client-${randomUUID()}`;
      ids.otherClient = `client-${randomUUID()}`;
      const nextId = idMaker();
      const base = T + 10_000;
      const rows: Array<[number, string, string | null, string | null]> = [
        // [at offset, type, user, client]
        [0, 'login.failed', ids.user, null],
        [1, 'login.succeeded', ids.user, ids.client],
        [2, 'token.issued', ids.user, ids.client],
        [3, 'token.issued', null, ids.otherClient],
        [4, 'token.revoked', ids.other, ids.client],
        [5, 'login.failed', ids.other, null],
        [6, 'user.deactivated', ids.user, null],
        [7, 'loginx.failed', ids.user, null],
        [8, 'login', ids.user, null],
        [9, 'x_y.one', ids.user, null],
        [10, 'xzy.two', ids.user, null],
      ];
      all = rows.map(([offset, type, userId, clientId]) =>
        makeRecord(nextId(), {
          at: base + offset,
          type,
          userId,
          username: userId ? 'someone' : null,
          clientId,
          actor: clientId ? 'client' : 'user',
        }),
      );
      // Written in two appends, out of time order: the listing orders them.
      await store.appendAuditEvents(all.slice(6));
      await store.appendAuditEvents(all.slice(0, 6));
    });

    const types = (records: AuditRecord[]) => records.map((record) => record.type);
    const at = (offset: number) => T + 10_000 + offset;

    it("by user: only that user's events, oldest first", async () => {
      const listed = await store.listAuditEvents({ userId: ids.user, limit: 100 });
      expect(listed).toStrictEqual(all.filter((record) => record.userId === ids.user));
    });

    it("by client: only that client's events", async () => {
      expect(types(await store.listAuditEvents({ clientId: ids.client, limit: 100 }))).toEqual([
        'login.succeeded',
        'token.issued',
        'token.revoked',
      ]);
      expect(await store.listAuditEvents({ clientId: ids.otherClient, limit: 100 })).toStrictEqual([all[3]]);
      expect(await store.listAuditEvents({ clientId: `client-${randomUUID()}`, limit: 100 })).toEqual([]);
    });

    it('by exact type: that type only (no prefix match without the dot)', async () => {
      expect(types(await store.listAuditEvents({ userId: ids.user, type: 'login.failed', limit: 100 }))).toEqual([
        'login.failed',
      ]);
      expect(types(await store.listAuditEvents({ userId: ids.user, type: 'login', limit: 100 }))).toEqual(['login']);
      expect(await store.listAuditEvents({ userId: ids.user, type: 'login.fail', limit: 100 })).toEqual([]);
    });

    it('by a type prefix ending in a dot: the whole family, nothing else (no LIKE wildcards)', async () => {
      expect(types(await store.listAuditEvents({ userId: ids.user, type: 'login.', limit: 100 }))).toEqual([
        'login.failed',
        'login.succeeded',
      ]);
      expect(types(await store.listAuditEvents({ clientId: ids.client, type: 'token.', limit: 100 }))).toEqual([
        'token.issued',
        'token.revoked',
      ]);
      expect(types(await store.listAuditEvents({ userId: ids.other, type: 'token.', limit: 100 }))).toEqual([
        'token.revoked',
      ]);
      // "_" is not a wildcard: x_y. matches x_y.one only, not xzy.two.
      expect(types(await store.listAuditEvents({ userId: ids.user, type: 'x_y.', limit: 100 }))).toEqual(['x_y.one']);
      expect(await store.listAuditEvents({ userId: ids.user, type: '%.', limit: 100 })).toEqual([]);
    });

    it('since: events at or after that second', async () => {
      const listed = await store.listAuditEvents({ userId: ids.user, since: at(6), limit: 100 });
      expect(listed.map((record) => record.at)).toEqual([at(6), at(7), at(8), at(9), at(10)]);
      expect(await store.listAuditEvents({ userId: ids.user, since: at(11), limit: 100 })).toEqual([]);
    });

    it('filters combine (AND)', async () => {
      expect(
        await store.listAuditEvents({
          userId: ids.user,
          clientId: ids.client,
          type: 'token.',
          since: at(2),
          limit: 100,
        }),
      ).toStrictEqual([all[2]]);
      expect(
        await store.listAuditEvents({ userId: ids.other, type: 'login.', since: at(0), limit: 100 }),
      ).toStrictEqual([all[5]]);
      expect(await store.listAuditEvents({ userId: ids.other, clientId: ids.otherClient, limit: 100 })).toEqual([]);
    });

    it('limit: the newest N that match, listed oldest first', async () => {
      const userEvents = all.filter((record) => record.userId === ids.user);
      expect(await store.listAuditEvents({ userId: ids.user, limit: 3 })).toStrictEqual(userEvents.slice(-3));
      expect(await store.listAuditEvents({ userId: ids.user, limit: 1 })).toStrictEqual(userEvents.slice(-1));
      expect(await store.listAuditEvents({ userId: ids.user, type: 'login.', limit: 1 })).toStrictEqual([all[1]]);
    });
  }

  it('events of the same second are ordered by id, and limit keeps the highest ids', async () => {
    const clientId = `client-${randomUUID()}`;
    const nextId = idMaker();
    const records = Array.from({ length: 12 }, () => makeRecord(nextId(), { clientId, at: T + 50_000 }));
    // Stored in a shuffled order.
    await store.appendAuditEvents([...records.slice(6), ...records.slice(0, 6).reverse()]);
    expect(await store.listAuditEvents({ clientId, limit: 100 })).toStrictEqual(records);
    expect(await store.listAuditEvents({ clientId, limit: 4 })).toStrictEqual(records.slice(-4));
  });

  // --- deleteAuditEvents ---------------------------------------------------------------------

  it('deleteAuditEvents(before) deletes events strictly older than `before`, in batches, and returns how many', async () => {
    // Times far before every other test's, so only these rows are that old.
    const clientId = `client-${randomUUID()}`;
    const nextId = idMaker();
    const old = Array.from({ length: 25 }, (_, i) => makeRecord(nextId(), { clientId, at: 1000 + i }));
    const kept = [makeRecord(nextId(), { clientId, at: 1025 }), makeRecord(nextId(), { clientId, at: 1026 })];
    await store.appendAuditEvents([...old, ...kept]);

    const run = vi.spyOn(store.driver, 'run');
    try {
      expect(await store.deleteAuditEvents(1025, 10)).toBe(25);
      const deletes = run.mock.calls.filter(([sql]) => /DELETE FROM audit_events/.test(sql));
      // 10 + 10 + 5: three statements, none deleting more than the batch size.
      expect(deletes).toHaveLength(3);
    } finally {
      run.mockRestore();
    }
    expect(await store.listAuditEvents({ clientId, limit: 100 })).toStrictEqual(kept);
    expect(await countRows('at < ?', [1025])).toBe(0);
    // Nothing (left) to delete: 0.
    expect(await store.deleteAuditEvents(1025, 10)).toBe(0);
    expect(await store.deleteAuditEvents(0)).toBe(0);
    // The boundary moves on: now the two at 1025 and 1026 go.
    expect(await store.deleteAuditEvents(1027)).toBe(2);
    expect(await countRows('client_id = ?', [clientId])).toBe(0);
  });

  it('deleteAuditEvents with the default batch size deletes more than one batch', async () => {
    const clientId = `client-${randomUUID()}`;
    const nextId = idMaker();
    await store.appendAuditEvents(
      Array.from({ length: 1005 }, (_, i) => makeRecord(nextId(), { clientId, at: 2000 + (i % 7) })),
    );
    expect(await store.deleteAuditEvents(3000)).toBe(1005);
    expect(await countRows('client_id = ?', [clientId])).toBe(0);
  });
});
