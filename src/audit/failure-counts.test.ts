/**
 * Failures anybody can cause (failed sign-ins, failed client authentications) in the audit
 * log: one counted row per source and window instead of a row per attempt, at most
 * `maxFailureRows` new rows per window, the rest dropped and reported (for the metric), while
 * successes and administrators' events are always written. AuditLog with a recording store;
 * vitest's fake timers (the flush interval), event times chosen by the test.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../storage/store.js';
import { AuditLog, type AuditDropReason } from './audit-log.js';
import type { SecurityEvent } from './events.js';
import { addressKey } from '../core/addresses.js';
import { addressSource, countedRowId } from './failure-counts.js';

/** The start of a failure window (5 minutes by default). */
const T = 1_800_000_000 - (1_800_000_000 % 300);

const failedSignIn = (at: number, address: string, overrides: Partial<SecurityEvent> = {}): SecurityEvent => ({
  type: 'login.failed',
  at,
  actor: 'user',
  address,
  details: { via: 'sign_in_form', reason: 'unknown_login' },
  ...overrides,
});

const failedClient = (at: number, address: string, clientId?: string): SecurityEvent => ({
  type: 'client.authentication_failed',
  at,
  actor: 'client',
  ...(clientId ? { clientId } : {}),
  address,
  details: { method: 'client_secret_basic', reason: clientId ? 'wrong_secret' : 'unknown_client' },
});

function recordingStore() {
  const calls: AuditRecord[][] = [];
  const state = { failing: false };
  return {
    calls,
    state,
    appendAuditEvents: async (records: readonly AuditRecord[]) => {
      if (state.failing) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      calls.push([...records]);
    },
    written: () => calls.flat(),
  };
}

function setUp(options: { failureWindow?: number; maxFailureRows?: number } = {}) {
  const store = recordingStore();
  const warnings: Array<{ fields: object; message: string }> = [];
  let n = 0;
  const log = new AuditLog(
    store,
    { warn: (fields, message) => void warnings.push({ fields, message }) },
    { flushIntervalMs: 200, ...options },
    () => `single-${++n}`,
  );
  const drops: Array<[AuditDropReason, number]> = [];
  log.onDropped((reason, count) => drops.push([reason, count]));
  const dropped = (reason: AuditDropReason) =>
    drops.filter(([r]) => r === reason).reduce((sum, [, count]) => sum + count, 0);
  return { store, log, warnings, dropped };
}

describe('counted failures in the audit log', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('N failed sign-ins from one address in one window are one row with count N, first and last time', async () => {
    const { store, log } = setUp();
    for (let i = 0; i < 250; i++) log.record(failedSignIn(T + Math.floor(i / 5), '203.0.113.9'));
    await log.close();
    const rows = store.written();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toStrictEqual({
      id: countedRowId(
        T,
        JSON.stringify([
          'login.failed',
          'user',
          '203.0.113.9',
          null,
          null,
          [
            ['reason', 'unknown_login'],
            ['via', 'sign_in_form'],
          ],
        ]),
      ),
      at: T,
      type: 'login.failed',
      actor: 'user',
      userId: null,
      username: null,
      clientId: null,
      address: '203.0.113.9',
      details: { via: 'sign_in_form', reason: 'unknown_login' },
      count: 250,
      lastAt: T + 49,
    });
  });

  it('the counts of one source go on in the same row across flushes (the store adds them up under one id)', async () => {
    const { store, log } = setUp();
    for (let i = 0; i < 3; i++) log.record(failedClient(T + 1, '198.51.100.1', 'client-a'));
    await vi.advanceTimersByTimeAsync(200);
    for (let i = 0; i < 4; i++) log.record(failedClient(T + 30, '198.51.100.1', 'client-a'));
    await log.close();
    expect(store.calls.map((call) => call.map((row) => [row.count, row.at, row.lastAt]))).toEqual([
      [[3, T + 1, T + 1]],
      [[4, T + 30, T + 30]],
    ]);
    expect(store.calls[0]![0]!.id).toBe(store.calls[1]![0]!.id);
  });

  it('sources are told apart by type, address, account, client and details; a new window starts new rows', async () => {
    const { store, log } = setUp();
    log.record(failedSignIn(T, '203.0.113.9'));
    log.record(failedSignIn(T, '203.0.113.10'));
    log.record(
      failedSignIn(T, '203.0.113.9', {
        userId: 'u-1',
        username: 'alice',
        details: { via: 'sign_in_form', reason: 'wrong_password' },
      }),
    );
    log.record(
      failedSignIn(T, '203.0.113.9', {
        details: { via: 'password_grant', reason: 'unknown_login' },
        clientId: 'client-a',
      }),
    );
    log.record(failedClient(T, '203.0.113.9'));
    log.record(failedClient(T, '203.0.113.9', 'client-a'));
    // The next window: the same source, a new row.
    log.record(failedSignIn(T + 300, '203.0.113.9'));
    await log.close();
    const rows = store.written();
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((row) => row.id)).size).toBe(7);
    expect(rows.every((row) => row.count === 1)).toBe(true);
  });

  it('IPv6 addresses are counted by their /64; an IPv4 address mapped into IPv6 is the IPv4 address', async () => {
    expect(addressSource('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressSource('2001:0db8:0001:0002:ffff:eeee:dddd:cccc')).toBe('2001:db8:1:2::/64');
    expect(addressSource('::1')).toBe('0::/64');
    expect(addressSource('fe80::1%eth0')).toBe('fe80::/64');
    // Written as the brute-force counters write it: one network, one name.
    expect(addressSource('2001:db8::7')).toBe(addressKey('2001:db8::9'));
    expect(addressSource('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressSource('192.0.2.7')).toBe('192.0.2.7');

    const { store, log } = setUp();
    for (let i = 1; i <= 500; i++) log.record(failedSignIn(T, `2001:db8:1:2:${i.toString(16)}::${i.toString(16)}`));
    log.record(failedSignIn(T, '2001:db8:1:3::1'));
    await log.close();
    expect(store.written().map((row) => [row.address, row.count])).toEqual([
      ['2001:db8:1:2::/64', 500],
      ['2001:db8:1:3::/64', 1],
    ]);
  });

  it('over the cap: failures from new sources are dropped and reported, the rows already started keep counting, a success is always written', async () => {
    const { store, log, warnings, dropped } = setUp({ maxFailureRows: 3 });
    // Three addresses start the window's three rows.
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) log.record(failedClient(T, address));
    // 97 more addresses, 10 failures each: all dropped.
    for (let i = 4; i <= 100; i++) for (let k = 0; k < 10; k++) log.record(failedClient(T + 1, `192.0.2.${i}`));
    // The first three go on counting.
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3'])
      for (let k = 0; k < 9; k++) log.record(failedClient(T + 2, address));
    // Successes and administrators' events are never capped.
    log.record({
      type: 'login.succeeded',
      at: T + 3,
      actor: 'user',
      userId: 'u-1',
      username: 'alice',
      address: '192.0.2.50',
      details: { via: 'sign_in_form' },
    });
    log.record({ type: 'user.deactivated', at: T + 3, actor: 'admin', userId: 'u-2', username: 'bob' });
    await log.close();

    const rows = store.written();
    expect(rows.filter((row) => row.count !== undefined).map((row) => [row.address, row.count])).toEqual([
      ['192.0.2.1', 10],
      ['192.0.2.2', 10],
      ['192.0.2.3', 10],
    ]);
    expect(rows.filter((row) => row.count === undefined).map((row) => row.type)).toEqual([
      'login.succeeded',
      'user.deactivated',
    ]);
    expect(dropped('cap')).toBe(970);
    // One warning for the window, not one per drop; it names no address.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/audit\.failure_rows/);
    expect(JSON.stringify(warnings)).not.toContain('192.0.2.');

    // The next window has room again.
    log.record(failedClient(T + 300, '192.0.2.99'));
    await log.flush();
    expect(store.written().at(-1)).toMatchObject({ address: '192.0.2.99', count: 1 });
    expect(dropped('cap')).toBe(970);
  });

  it('a failed write keeps the counts: they are written once, added to what was counted meanwhile', async () => {
    const { store, log } = setUp();
    store.state.failing = true;
    for (let i = 0; i < 5; i++) log.record(failedSignIn(T, '203.0.113.9'));
    await vi.advanceTimersByTimeAsync(200);
    expect(store.calls).toEqual([]);
    for (let i = 0; i < 2; i++) log.record(failedSignIn(T + 10, '203.0.113.9'));
    store.state.failing = false;
    await log.close();
    expect(store.written().map((row) => [row.count, row.at, row.lastAt])).toEqual([[7, T, T + 10]]);
  });

  it('every node gives one source in one window the same row id', () => {
    const source = JSON.stringify(['login.failed', 'user', '203.0.113.9', null, null, []]);
    expect(countedRowId(T, source)).toBe(countedRowId(T, source));
    expect(countedRowId(T, source)).not.toBe(countedRowId(T + 300, source));
    expect(countedRowId(T, source)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // It sorts by time like the UUIDv7s of single events.
    expect(countedRowId(T, source).slice(0, 13).replace('-', '')).toBe((T * 1000).toString(16).padStart(12, '0'));
  });
});
