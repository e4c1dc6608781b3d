/**
 * Brute-force throttling against a real (SQLite) store, time moved by hand: the delay schedule,
 * which counter blocks whom, what a success forgets, and that no block is ever permanent.
 *
 * Unless a test says otherwise: threshold 3 (so the address allows 12 failures and a login from
 * anywhere 30), longest delay 60 s.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { ManualClock } from '../core/clock.js';
import type { SqlStore } from '../storage/sql-store.js';
import { Throttle, type ThrottleKeys } from './throttle.js';

const T = 1_800_000_000;
const THRESHOLD = 3;
const MAX_DELAY = 60;

/** What failed() must answer after the n-th failure in a row (n from 1): 0 up to the threshold, then 2, 4, 8 … capped. */
function expectedWait(n: number, threshold = THRESHOLD, maxDelay = MAX_DELAY): number {
  return n <= threshold ? 0 : Math.min(maxDelay, 2 ** (n - threshold));
}

describe('Throttle', () => {
  let testStore: TestStore;
  let store: SqlStore;
  let clock: ManualClock;
  let throttle: Throttle;

  beforeEach(async () => {
    testStore = await createSqliteStore();
    store = testStore.store;
    clock = new ManualClock(T);
    throttle = new Throttle(store, clock, { threshold: THRESHOLD, maxDelay: MAX_DELAY });
  });

  afterEach(async () => {
    await testStore?.cleanup();
  });

  /** Counts `times` failures at the current time; returns what each failed() answered. */
  async function fail(keys: ThrottleKeys, times = 1): Promise<number[]> {
    const waits: number[] = [];
    for (let i = 0; i < times; i++) waits.push(await throttle.failed(keys));
    return waits;
  }

  /** Every counter row, key → failures. */
  async function counters(): Promise<Record<string, number>> {
    const rows = await store.driver.all<{ throttle_key: string; failures: number }>(
      'SELECT throttle_key, failures FROM throttles ORDER BY throttle_key',
    );
    return Object.fromEntries(rows.map((row) => [row.throttle_key, Number(row.failures)]));
  }

  /** The counters of a sign-in to the account with this id (the tests name accounts by their ids). */
  const login = (who: string, address: string) => throttle.forAccount(who, address);

  describe('clients and people behind one address', () => {
    it("a client's wrong secrets from an address do not hold back the sign-ins from it", async () => {
      // Far past the address budget (4 × 3): a misconfigured service behind the office's NAT.
      await fail(throttle.forClient('billing', true, '203.0.113.9'), 40);
      await fail(throttle.forClient('made-up', false, '203.0.113.9'), 40);
      expect(await throttle.retryAfter(throttle.forClient('billing', true, '203.0.113.9'))).toBeGreaterThan(0);
      expect(await throttle.retryAfter(login('alice', '203.0.113.9'))).toBe(0);
      expect(await throttle.retryAfter(throttle.forUnknownLogin('nobody', '203.0.113.9'))).toBe(0);
    });
  });

  describe('delay()', () => {
    it('is 0 up to the threshold, then 2, 4, 8 … seconds, capped at maxDelay', () => {
      const schedule = Array.from({ length: 12 }, (_, i) => throttle.delay(i, THRESHOLD));
      expect(schedule).toEqual([0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60]);
      // The threshold is the counter's own: the address (4×) and the login from anywhere (10×).
      expect(throttle.delay(12, 12)).toBe(0);
      expect(throttle.delay(13, 12)).toBe(2);
      expect(throttle.delay(30, 30)).toBe(0);
      expect(throttle.delay(33, 30)).toBe(8);
    });

    it('stays a finite number no larger than maxDelay, however many failures', () => {
      for (const failures of [61, 100, 1025, 1_000_000, Number.MAX_SAFE_INTEGER]) {
        expect(throttle.delay(failures, THRESHOLD), `${failures} failures`).toBe(MAX_DELAY);
      }
      const huge = new Throttle(store, clock, { threshold: 1, maxDelay: Number.MAX_SAFE_INTEGER });
      for (const failures of [2, 50, 1000, 1_000_000]) {
        const delay = huge.delay(failures, 1);
        expect(Number.isFinite(delay), `${failures} failures: ${delay}`).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(2);
        expect(delay).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
      }
    });
  });

  describe('the schedule of one login from one address', () => {
    it('failed() and retryAfter() answer 0 for the first T failures, then 2, 4, 8 … capped at maxDelay', async () => {
      const keys = login('alice', '192.0.2.1');
      expect(await throttle.retryAfter(keys)).toBe(0);
      const observed: Array<[number, number]> = [];
      for (let n = 1; n <= 12; n++) observed.push([await throttle.failed(keys), await throttle.retryAfter(keys)]);
      const expected = [0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60, 60];
      expect(observed).toEqual(expected.map((wait) => [wait, wait]));
    });

    it('retryAfter() counts down with the clock and reaches 0 when the block ends', async () => {
      const keys = login('alice', '192.0.2.1');
      expect(await fail(keys, 6)).toEqual([0, 0, 0, 2, 4, 8]);
      clock.advance(3);
      expect(await throttle.retryAfter(keys)).toBe(5);
      clock.advance(4);
      expect(await throttle.retryAfter(keys)).toBe(1);
      clock.advance(1);
      expect(await throttle.retryAfter(keys)).toBe(0);
      clock.advance(1000);
      expect(await throttle.retryAfter(keys)).toBe(0);
    });

    it('an IPv6 address counts as its /64, an IPv4-mapped address as the IPv4 address', async () => {
      await fail(login('alice', '2001:db8:1:2::1'), 4);
      for (const sameNetwork of [
        '2001:db8:1:2::1',
        '2001:db8:1:2:ffff:ffff:ffff:ffff',
        '2001:0DB8:0001:0002:0:0:0:9',
        '[2001:db8:1:2::7]',
        'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::1'),
      ]) {
        expect(await throttle.retryAfter(login('alice', sameNetwork)), sameNetwork).toBe(2);
      }
      for (const otherNetwork of ['2001:db8:1:3::1', '2001:db8:1::1', '2001:db8::1:2:0:1']) {
        expect(await throttle.retryAfter(login('alice', otherNetwork)), otherNetwork).toBe(0);
      }
      await fail(login('bob', '192.0.2.1'), 4);
      expect(await throttle.retryAfter(login('bob', '::ffff:192.0.2.1'))).toBe(2);
      expect(await throttle.retryAfter(login('bob', '::ffff:c000:201'))).toBe(2);
      expect(await throttle.retryAfter(login('bob', '192.0.2.2'))).toBe(0);
      expect(
        Object.keys(await counters())
          .filter((key) => key.startsWith('ip:'))
          .sort(),
      ).toEqual(['ip:192.0.2.1', 'ip:2001:db8:1:2::/64']);
    });

    it('the defaults (threshold 5, 900 s) follow the same schedule', async () => {
      const defaults = new Throttle(store, clock, { threshold: 5, maxDelay: 900 });
      const keys = defaults.forAccount('alice', '192.0.2.1');
      const waits: number[] = [];
      for (let n = 1; n <= 16; n++) waits.push(await defaults.failed(keys));
      expect(waits).toEqual(Array.from({ length: 16 }, (_, i) => expectedWait(i + 1, 5, 900)));
      expect(waits.slice(5)).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    });
  });

  describe('who is blocked', () => {
    it('a blocked pair does not block the same login from another address', async () => {
      await fail(login('alice', '192.0.2.1'), 4);
      expect(await throttle.retryAfter(login('alice', '192.0.2.1'))).toBe(2);
      expect(await throttle.retryAfter(login('alice', '198.51.100.7'))).toBe(0);
      // From there alice starts her own count.
      expect(await fail(login('alice', '198.51.100.7'), 3)).toEqual([0, 0, 0]);
      expect(await throttle.retryAfter(login('alice', '198.51.100.7'))).toBe(0);
      expect(await fail(login('alice', '198.51.100.7'))).toEqual([2]);
    });

    it('a blocked pair does not block another login from that address until the address has 4T failures', async () => {
      const address = '192.0.2.1';
      expect(await fail(login('alice', address), 4)).toEqual([0, 0, 0, 2]);
      expect(await throttle.retryAfter(login('alice', address))).toBe(2);
      expect(await throttle.retryAfter(login('bob', address))).toBe(0);

      // Up to 12 failures (4T) from the address, none past its own pair threshold: nobody else is blocked.
      expect(await fail(login('bob', address), 3)).toEqual([0, 0, 0]);
      expect(await fail(login('carol', address), 3)).toEqual([0, 0, 0]);
      expect(await fail(login('dave', address), 2)).toEqual([0, 0]);
      expect(await throttle.retryAfter(login('erin', address))).toBe(0);
      expect(await throttle.retryAfter(login('bob', address))).toBe(0);

      // The 13th failure from the address blocks everyone there, logins never tried included.
      expect(await fail(login('erin', address))).toEqual([2]);
      expect(await throttle.retryAfter(login('frank', address))).toBe(2);
      expect(await throttle.retryAfter(login('bob', address))).toBe(2);
      // But not those logins from elsewhere.
      expect(await throttle.retryAfter(login('frank', '198.51.100.7'))).toBe(0);
      expect(await throttle.retryAfter(login('bob', '198.51.100.7'))).toBe(0);
    });

    it('10T failures of one login from many addresses block that login everywhere, and only that login', async () => {
      const addresses = Array.from({ length: 31 }, (_, i) => `203.0.113.${i + 1}`);
      for (const address of addresses.slice(0, 30)) expect(await fail(login('alice', address)), address).toEqual([0]);
      expect(await throttle.retryAfter(login('alice', '198.51.100.7'))).toBe(0);

      // The 31st, from yet another address, blocks alice from every address, new ones too.
      expect(await fail(login('alice', addresses[30]!))).toEqual([2]);
      for (const address of ['198.51.100.7', '203.0.113.1', addresses[30]!]) {
        expect(await throttle.retryAfter(login('alice', address)), address).toBe(2);
      }
      // Nobody else: not another login from those addresses.
      expect(await throttle.retryAfter(login('bob', addresses[30]!))).toBe(0);
      expect(await throttle.retryAfter(login('bob', '198.51.100.7'))).toBe(0);

      // And never for good: the block ends like any other.
      clock.advance(2);
      expect(await throttle.retryAfter(login('alice', '198.51.100.7'))).toBe(0);
    });

    it('client counters work the same way, apart from logins (and from the address counter of sign-ins)', async () => {
      const address = '192.0.2.1';
      expect(await fail(throttle.forClient('app', true, address), 5)).toEqual([0, 0, 0, 2, 4]);
      expect(await throttle.retryAfter(throttle.forClient('app', true, address))).toBe(4);
      // Client ids are exact: another id, the same letters in capitals, or a login named "app" are not blocked.
      expect(await throttle.retryAfter(throttle.forClient('APP', true, address))).toBe(0);
      expect(await throttle.retryAfter(throttle.forClient('other-app', true, address))).toBe(0);
      expect(await throttle.retryAfter(login('app', address))).toBe(0);
      expect(await throttle.retryAfter(throttle.forClient('app', true, '198.51.100.7'))).toBe(0);
      // Sign-ins have an address counter of their own: the 5 client failures do not count in it,
      // so 12 sign-in failures are allowed and the 13th blocks.
      for (const who of ['u1', 'u2', 'u3', 'u4']) expect(await fail(login(who, address), 3)).toEqual([0, 0, 0]);
      expect(await fail(login('u5', address))).toEqual([2]);
      expect(await throttle.retryAfter(login('u6', address))).toBe(2);
    });
  });

  describe('success', () => {
    it('clears the pair and login counters, not the address counter', async () => {
      const address = '192.0.2.1';
      await fail(login('alice', address), 3);
      await fail(login('alice', '198.51.100.7'), 2);
      expect(await counters()).toEqual({
        'ip:192.0.2.1': 3,
        'ip:198.51.100.7': 2,
        'user:alice': 5,
        'user:alice|ip:192.0.2.1': 3,
        'user:alice|ip:198.51.100.7': 2,
      });

      await throttle.succeeded(login('alice', address));
      // The other address's pair is someone else's business (maybe the attacker's).
      expect(await counters()).toEqual({ 'ip:192.0.2.1': 3, 'ip:198.51.100.7': 2, 'user:alice|ip:198.51.100.7': 2 });

      // The pair starts again from 0: three more failures are free.
      expect(await fail(login('alice', address), 3)).toEqual([0, 0, 0]);
      await throttle.succeeded(login('alice', address));
      await fail(login('alice', address), 3);
      await throttle.succeeded(login('alice', address));
      await fail(login('alice', address), 3);
      await throttle.succeeded(login('alice', address));
      // 12 failures from the address, each run cleared by a success: the address still counts them all.
      expect((await counters())['ip:192.0.2.1']).toBe(12);
      expect(await fail(login('alice', address))).toEqual([2]);
      expect(await throttle.retryAfter(login('bob', address))).toBe(2);
      // A success does not lift the address's block either.
      await throttle.succeeded(login('alice', address));
      expect(await throttle.retryAfter(login('alice', address))).toBe(2);
    });

    it('clears the login-from-anywhere counter: a distributed attack starts again from 0', async () => {
      for (let i = 1; i <= 30; i++) await fail(login('alice', `203.0.113.${i}`));
      expect((await counters())['user:alice']).toBe(30);
      await throttle.succeeded(login('alice', '198.51.100.7'));
      expect((await counters())['user:alice']).toBeUndefined();
      // Without the success, this 31st failure would block alice everywhere.
      expect(await fail(login('alice', '203.0.113.31'))).toEqual([0]);
      expect(await throttle.retryAfter(login('alice', '198.51.100.8'))).toBe(0);
    });

    it("of one login does not clear another login's counters", async () => {
      await fail(login('alice', '192.0.2.1'), 4);
      await throttle.succeeded(login('bob', '192.0.2.1'));
      expect(await throttle.retryAfter(login('alice', '192.0.2.1'))).toBe(2);
      expect((await counters())['user:alice|ip:192.0.2.1']).toBe(4);
    });
  });

  describe('forgetting', () => {
    it('failures older than maxDelay are forgotten: the count restarts at 1', async () => {
      const keys = login('alice', '192.0.2.1');
      await fail(keys, 3);
      clock.advance(MAX_DELAY + 1);
      expect(await fail(keys)).toEqual([0]);
      expect(await counters()).toEqual({ 'ip:192.0.2.1': 1, 'user:alice': 1, 'user:alice|ip:192.0.2.1': 1 });
      // A fresh count: the threshold applies again in full.
      expect(await fail(keys, 3)).toEqual([0, 0, 2]);
    });

    it('a failure exactly maxDelay after the last one still counts on', async () => {
      const keys = login('alice', '192.0.2.1');
      await fail(keys, 3);
      clock.advance(MAX_DELAY);
      expect(await fail(keys)).toEqual([2]);
      expect((await counters())['user:alice|ip:192.0.2.1']).toBe(4);
    });

    it('a blocked counter is forgotten too once it has been quiet for maxDelay', async () => {
      const keys = login('alice', '192.0.2.1');
      expect(await fail(keys, 10)).toEqual([0, 0, 0, 2, 4, 8, 16, 32, 60, 60]);
      clock.advance(MAX_DELAY + 1);
      expect(await throttle.retryAfter(keys)).toBe(0);
      expect(await fail(keys)).toEqual([0]);
      expect(await throttle.retryAfter(keys)).toBe(0);
    });
  });

  describe('never permanent', () => {
    it('after 100 failures, each waited out, the next attempt is always allowed and no wait exceeds maxDelay', async () => {
      const keys = login('alice', '192.0.2.1');
      const waits: number[] = [];
      for (let n = 1; n <= 100; n++) {
        expect(await throttle.retryAfter(keys), `before failure ${n}`).toBe(0);
        const wait = await throttle.failed(keys);
        expect(wait, `after failure ${n}`).toBeLessThanOrEqual(MAX_DELAY);
        expect(await throttle.retryAfter(keys)).toBe(wait);
        waits.push(wait);
        clock.advance(wait);
      }
      expect(waits).toEqual(Array.from({ length: 100 }, (_, i) => expectedWait(i + 1)));
      // The counters did keep counting (each failure came within maxDelay of the one before).
      expect((await counters())['user:alice|ip:192.0.2.1']).toBe(100);
      expect(await throttle.retryAfter(keys)).toBe(0);
      // Nor is anyone else locked out: the login from elsewhere waits at most maxDelay too.
      expect(await throttle.retryAfter(login('alice', '198.51.100.7'))).toBeLessThanOrEqual(MAX_DELAY);
    });

    it('hammering without waiting: 100 failures in one second still block for maxDelay at most', async () => {
      const keys = login('alice', '192.0.2.1');
      const waits = await fail(keys, 100);
      expect(Math.max(...waits)).toBe(MAX_DELAY);
      const stored = await store.blockedUntil(keys.map((counter) => counter.key));
      expect(stored).toBe(T + MAX_DELAY);
      clock.advance(MAX_DELAY);
      expect(await throttle.retryAfter(keys)).toBe(0);
    });
  });
});
