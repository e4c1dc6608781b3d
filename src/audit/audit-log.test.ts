/**
 * AuditLog (./audit-log.ts): security events queued and written to the store in batches.
 * The store is a recording fake and the timers are vitest's fake timers, so "after the flush
 * interval" is exact; one test at the end uses a real SQLite store and real ids.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSqliteStore } from '../../test/helpers/databases.js';
import type { AuditRecord } from '../storage/store.js';
import { AuditLog, toAuditRecord } from './audit-log.js';
import { SecurityEvents, type SecurityEvent } from './events.js';

const T = 1_800_000_000;

/** Ids 000001, 000002, … so the records a test expects are predictable. */
function countingIds(): () => string {
  let n = 0;
  return () => String(++n).padStart(6, '0');
}

/** An event numbered `n` (its number is in details, so order is visible in every record). */
const event = (n: number, overrides: Partial<SecurityEvent> = {}): SecurityEvent => ({
  type: 'login.succeeded',
  at: T + n,
  actor: 'user',
  address: '203.0.113.7',
  details: { via: 'sign_in_form', n: String(n) },
  ...overrides,
});

const numbers = (records: readonly AuditRecord[]) => records.map((record) => Number(record.details?.n));

/** A store that records every appendAuditEvents call, and fails while `failing` is set. */
function recordingStore() {
  const calls: AuditRecord[][] = [];
  const attempts: AuditRecord[][] = [];
  const state = { failing: false };
  return {
    calls,
    attempts,
    state,
    appendAuditEvents: async (records: readonly AuditRecord[]) => {
      attempts.push([...records]);
      if (state.failing)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      calls.push([...records]);
    },
    /** Every record written so far, in the order written. */
    written: () => calls.flat(),
  };
}

function recordingLogger() {
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  return {
    warnings,
    warn: (fields: object, message: string) =>
      void warnings.push({ fields: fields as Record<string, unknown>, message }),
  };
}

describe('AuditLog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes nothing at once; after the flush interval, everything queued in one appendAuditEvents call, in order', async () => {
    const store = recordingStore();
    const log = new AuditLog(store, recordingLogger(), { flushIntervalMs: 200 }, countingIds());
    log.record(event(1));
    log.record(event(2));
    log.record(event(3));
    await vi.advanceTimersByTimeAsync(199);
    expect(store.attempts).toEqual([]);

    await vi.advanceTimersByTimeAsync(1);
    expect(store.calls).toHaveLength(1);
    expect(numbers(store.calls[0]!)).toEqual([1, 2, 3]);
    expect(store.calls[0]!.map((record) => record.id)).toEqual(['000001', '000002', '000003']);

    // Nothing more queued: the timer does not write empty batches.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(store.attempts).toHaveLength(1);

    // A later event starts a new interval.
    log.record(event(4));
    await vi.advanceTimersByTimeAsync(200);
    expect(store.calls.map(numbers)).toEqual([[1, 2, 3], [4]]);
    await log.close();
  });

  it('writes at once when batchSize events are waiting, in one call; the rest wait for the interval', async () => {
    const store = recordingStore();
    const log = new AuditLog(store, recordingLogger(), { flushIntervalMs: 60_000, batchSize: 4 }, countingIds());
    for (let n = 1; n <= 3; n++) log.record(event(n));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.attempts).toEqual([]);

    log.record(event(4));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.calls.map(numbers)).toEqual([[1, 2, 3, 4]]);

    log.record(event(5));
    log.record(event(6));
    await vi.advanceTimersByTimeAsync(59_999);
    expect(store.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.calls.map(numbers)).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    await log.close();
  });

  it('events recorded while a batch is being written go into the next batch, none lost or written twice', async () => {
    let release!: () => void;
    const calls: AuditRecord[][] = [];
    const store = {
      appendAuditEvents: (records: readonly AuditRecord[]) => {
        calls.push([...records]);
        // The first write hangs until released.
        return calls.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
    };
    const log = new AuditLog(store, recordingLogger(), { flushIntervalMs: 100, batchSize: 2 }, countingIds());
    log.record(event(1));
    log.record(event(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map(numbers)).toEqual([[1, 2]]);

    for (let n = 3; n <= 7; n++) log.record(event(n));
    await vi.advanceTimersByTimeAsync(1000);
    // Still one write in flight: no second write overlaps it.
    expect(calls).toHaveLength(1);

    release();
    await log.close();
    expect(calls.flat().map((record) => Number(record.details?.n))).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('close() writes what is still queued, before the interval, and leaves no timer behind', async () => {
    const store = recordingStore();
    const log = new AuditLog(store, recordingLogger(), { flushIntervalMs: 200 }, countingIds());
    log.record(event(1));
    log.record(event(2));
    expect(vi.getTimerCount()).toBe(1);

    await log.close();
    expect(store.calls.map(numbers)).toEqual([[1, 2]]);
    expect(vi.getTimerCount()).toBe(0);

    // Closing again writes nothing more.
    await log.close();
    expect(store.attempts).toHaveLength(1);
  });

  it('a failing store keeps the events and writes them, once and in order, when it works again', async () => {
    const store = recordingStore();
    const logger = recordingLogger();
    const log = new AuditLog(store, logger, { flushIntervalMs: 200 }, countingIds());
    store.state.failing = true;
    log.record(event(1));
    log.record(event(2));
    await vi.advanceTimersByTimeAsync(200);
    expect(store.attempts.map(numbers)).toEqual([[1, 2]]);
    expect(store.calls).toEqual([]);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.message).toMatch(/write failed/);
    expect(logger.warnings[0]!.fields).toMatchObject({ err: { code: 'ECONNREFUSED' }, queued: 2 });
    // The warning says why, never what: no event contents in it.
    expect(JSON.stringify(logger.warnings)).not.toContain('203.0.113.7');

    // More events while the database is away, then a second failed attempt.
    log.record(event(3));
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.attempts.length).toBeGreaterThanOrEqual(2);
    expect(numbers(store.attempts.at(-1)!)).toEqual([1, 2, 3]);
    expect(store.calls).toEqual([]);

    store.state.failing = false;
    log.record(event(4));
    await vi.advanceTimersByTimeAsync(1000);
    expect(numbers(store.written())).toEqual([1, 2, 3, 4]);
    expect(store.written().map((record) => record.id)).toEqual(['000001', '000002', '000003', '000004']);

    await log.close();
    expect(numbers(store.written())).toEqual([1, 2, 3, 4]);
    // No "dropped" warning: nothing was dropped.
    expect(logger.warnings.filter((warning) => 'dropped' in warning.fields)).toEqual([]);
  });

  it('a close() while the store fails keeps the events for a later flush (nothing is thrown, nothing lost)', async () => {
    const store = recordingStore();
    const log = new AuditLog(store, recordingLogger(), { flushIntervalMs: 200 }, countingIds());
    store.state.failing = true;
    log.record(event(1));
    await expect(log.close()).resolves.toBeUndefined();
    expect(store.calls).toEqual([]);
    // Closed: no retry timer keeps the process alive.
    expect(vi.getTimerCount()).toBe(0);
    store.state.failing = false;
    await log.flush();
    expect(numbers(store.written())).toEqual([1]);
  });

  it('beyond maxQueued the oldest events are dropped; the count is warned about once the writes succeed again', async () => {
    const store = recordingStore();
    const logger = recordingLogger();
    const log = new AuditLog(store, logger, { flushIntervalMs: 200, maxQueued: 3 }, countingIds());
    store.state.failing = true;
    log.record(event(1));
    log.record(event(2));
    await vi.advanceTimersByTimeAsync(200);
    for (let n = 3; n <= 6; n++) log.record(event(n));
    // Still failing: warnings about failed writes only, none about drops yet.
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.calls).toEqual([]);
    expect(logger.warnings.length).toBeGreaterThan(0);
    expect(logger.warnings.every((warning) => /write failed/.test(warning.message))).toBe(true);

    store.state.failing = false;
    await vi.advanceTimersByTimeAsync(1000);
    // The newest three survive, in order.
    expect(numbers(store.written())).toEqual([4, 5, 6]);
    const drops = logger.warnings.filter((warning) => 'dropped' in warning.fields);
    expect(drops).toHaveLength(1);
    expect(drops[0]!.fields).toEqual({ dropped: 3 });
    expect(drops[0]!.message).toMatch(/dropped/);

    // Reported once: later successful writes say nothing more.
    log.record(event(7));
    await log.close();
    expect(numbers(store.written())).toEqual([4, 5, 6, 7]);
    expect(logger.warnings.filter((warning) => 'dropped' in warning.fields)).toHaveLength(1);
  });

  it('listens on SecurityEvents: every emitted event is recorded', async () => {
    const store = recordingStore();
    const log = new AuditLog(store, recordingLogger(), {}, countingIds());
    const events = new SecurityEvents();
    events.on(log.record);
    events.emit(event(1));
    events.emit(
      event(2, {
        type: 'token.issued',
        actor: 'client',
        clientId: 'c1',
        details: { grant_type: 'client_credentials', n: '2' },
      }),
    );
    await log.close();
    expect(store.written().map((record) => record.type)).toEqual(['login.succeeded', 'token.issued']);
  });
});

describe('toAuditRecord', () => {
  it('maps every field of an event to its column', () => {
    const full: SecurityEvent = {
      type: 'token.reuse_detected',
      at: T,
      actor: 'client',
      userId: 'u-1',
      username: 'alice',
      clientId: 'c-1',
      address: '2001:db8::1',
      details: { family_id: 'f-1' },
    };
    expect(toAuditRecord(full, 'id-1')).toStrictEqual({
      id: 'id-1',
      at: T,
      type: 'token.reuse_detected',
      actor: 'client',
      userId: 'u-1',
      username: 'alice',
      clientId: 'c-1',
      address: '2001:db8::1',
      details: { family_id: 'f-1' },
    });
  });

  it('missing fields become null, and empty details are stored as null, not {}', () => {
    const bare: SecurityEvent = { type: 'key.rotated', at: T, actor: 'admin' };
    const expected = {
      id: 'id-2',
      at: T,
      type: 'key.rotated',
      actor: 'admin',
      userId: null,
      username: null,
      clientId: null,
      address: null,
      details: null,
    };
    expect(toAuditRecord(bare, 'id-2')).toStrictEqual(expected);
    expect(toAuditRecord({ ...bare, details: {} }, 'id-2')).toStrictEqual(expected);
  });
});

describe('AuditLog with a real store (SQLite) and real ids', () => {
  it('events recorded in one burst (same second, same millisecond) are listed in the order they happened', async () => {
    const db = await createSqliteStore();
    try {
      const log = new AuditLog(db.store, recordingLogger());
      // As one password grant does: login.succeeded then token.issued, within a millisecond; here 40 of them.
      for (let n = 1; n <= 40; n++) log.record(event(n, { at: T }));
      await log.close();
      const listed = await db.store.listAuditEvents({ limit: 100 });
      expect(numbers(listed)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    } finally {
      await db.cleanup();
    }
  });
});
