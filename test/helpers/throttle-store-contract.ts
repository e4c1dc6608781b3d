/**
 * The throttle part of the storage contract (ThrottleStore), as one suite that every
 * implementation registers: src/storage/sql/throttle.contract.test.ts for SQLite and PostgreSQL, and
 * redis-throttle-store.test.ts for Redis. What only one implementation does (the SQL store's
 * clean-up by deleteExpired and its lock ordering, Redis's key expiry and prefix) stays in that
 * implementation's own test file.
 *
 * Not a test file by itself (vitest runs only *.test.ts), and kept under test/ so the build
 * (tsconfig.build.json compiles src/) never ships it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { blockSeconds, type BlockRule, type ThrottleStore } from '../../src/storage/store.js';

/** A counter as the backend stores it, numbers as numbers. */
export interface StoredCounter {
  failures: number;
  lastFailureAt: number;
  blockedUntil: number;
}

export interface ThrottleStoreContractSetup {
  /** The instance most checks go through. */
  store: ThrottleStore;
  /** A second instance on the same backend with its own connection(s), as another node would have. */
  other: ThrottleStore;
  /** A key no other test uses (nor any earlier run on the same backend), starting with `prefix`. */
  uniqueKey(prefix: string): string;
  /** The stored counter of `key`, read straight from the backend; null when there is none. */
  counter(key: string): Promise<StoredCounter | null>;
}

/** A fixed "now" (whole seconds). */
const T = 1_800_000_000;
/** Beyond 2^32: must come back as this exact number (BIGINT columns, Redis hash fields). */
const FAR_FUTURE = 5_000_000_000;
/** Never blocks in these tests: the count is all that changes. */
const NEVER: BlockRule = { threshold: 1000, maxDelay: 900 };

/**
 * Registers the suite `name`. `setup` is called once, in a beforeAll that runs after the
 * enclosing suites' own beforeAll hooks, so it may hand over instances those hooks opened.
 */
export function describeThrottleStoreContract(
  name: string,
  setup: () => ThrottleStoreContractSetup | Promise<ThrottleStoreContractSetup>,
): void {
  describe(name, () => {
    let store: ThrottleStore;
    let other: ThrottleStore;
    let id: (prefix: string) => string;
    let counter: (key: string) => Promise<StoredCounter | null>;

    beforeAll(async () => {
      const given = await setup();
      ({ store, other, counter } = given);
      id = (prefix) => given.uniqueKey(prefix);
    });

    it('recordFailure counts 1, 2, 3 … per key, applies the rule to each count, and keeps keys apart', async () => {
      const key = id('login:alice|ip:192.0.2.1');
      const bystander = id('ip:192.0.2.1');
      const rule: BlockRule = { threshold: 2, maxDelay: 900 };
      const counts = [];
      const blocks = [];
      const stored = [];
      for (let i = 0; i < 5; i++) {
        counts.push(await store.recordFailure(key, T + i, T - 900, rule));
        blocks.push(await store.blockedUntil([key]));
        stored.push((await counter(key))?.blockedUntil);
      }
      expect(counts).toEqual([1, 2, 3, 4, 5]);
      // Nothing up to the threshold, then 2, 4, 8 s from each failure's own time.
      expect(blocks).toEqual([0, 0, T + 2 + 2, T + 3 + 4, T + 4 + 8]);
      expect(stored).toEqual(blocks);
      expect(await store.recordFailure(bystander, T + 5, T - 900, rule)).toBe(1);
      expect(await counter(key)).toEqual({ failures: 5, lastFailureAt: T + 4, blockedUntil: T + 12 });
      expect(await counter(bystander)).toEqual({ failures: 1, lastFailureAt: T + 5, blockedUntil: 0 });
    });

    it('recordFailure starts again at 1 when the last failure is older than windowStart (not when it is at windowStart)', async () => {
      const key = id('login:bob|ip:192.0.2.1');
      expect(await store.recordFailure(key, T, T - 900, NEVER)).toBe(1);
      expect(await store.recordFailure(key, T + 10, T - 890, NEVER)).toBe(2);
      // The last failure (T + 10) is exactly at windowStart: it still counts.
      expect(await store.recordFailure(key, T + 910, T + 10, NEVER)).toBe(3);
      // Now it (T + 910) is one second before windowStart: forgotten. The rule sees the restarted
      // count: 1 blocks for 2 s (a count of 4 would have blocked for 16 s).
      expect(await store.recordFailure(key, T + 1811, T + 911, { threshold: 0, maxDelay: 30 })).toBe(1);
      expect(await counter(key)).toEqual({ failures: 1, lastFailureAt: T + 1811, blockedUntil: T + 1813 });
      expect(await store.recordFailure(key, T + 1812, T + 912, NEVER)).toBe(2);
      expect(await counter(key)).toMatchObject({ failures: 2, lastFailureAt: T + 1812 });
    });

    it('recordFailure blocks until now + blockSeconds(count, rule), 2, 4, 8 … capped at maxDelay and at 2^30', async () => {
      const capped = id('ip:capped');
      const rule: BlockRule = { threshold: 3, maxDelay: 100 };
      const seen = [];
      for (let count = 1; count <= 10; count++) {
        const now = T + count * 1000;
        expect(await store.recordFailure(capped, now, now - 2000, rule)).toBe(count);
        const until = await store.blockedUntil([capped]);
        expect(until, `count ${count}`).toBe(count <= rule.threshold ? 0 : now + blockSeconds(count, rule));
        seen.push(until === 0 ? 0 : until - now);
      }
      // 2, 4, 8, 16, 32, 64, then 100 (not 128).
      expect(seen).toEqual([0, 0, 0, 2, 4, 8, 16, 32, 64, 100]);
      expect(await counter(capped)).toEqual({ failures: 10, lastFailureAt: T + 10_000, blockedUntil: T + 10_100 });

      // The exponent stops at 30: a huge maxDelay still gives 2^30 s, an exact number.
      const huge = id('ip:huge');
      const hugeRule: BlockRule = { threshold: 0, maxDelay: 2 ** 40 };
      for (let i = 0; i < 35; i++) await store.recordFailure(huge, T, T - 900, hugeRule);
      expect(await counter(huge)).toEqual({ failures: 35, lastFailureAt: T, blockedUntil: T + 2 ** 30 });
      expect(await store.blockedUntil([huge])).toBe(T + 2 ** 30);
    });

    it('blockedUntil gives the latest blocked_until of the keys, 0 for none', async () => {
      const [a, b, c, unblocked, unknown] = ['a', 'b', 'c', 'unblocked', 'unknown'].map((name) => id(`ip:${name}`)) as [
        string,
        string,
        string,
        string,
        string,
      ];
      const upTo30: BlockRule = { threshold: 0, maxDelay: 30 };
      // Five failures: 2, 4, 8, 16, then 30 (32 capped).
      for (let i = 0; i < 5; i++) await store.recordFailure(a, T, T - 900, upTo30);
      await store.recordFailure(b, T + 5, T - 900, upTo30);
      // Far in the future, beyond 2^32 (ten failures: 1024, capped at 900).
      for (let i = 0; i < 10; i++)
        await store.recordFailure(c, FAR_FUTURE, FAR_FUTURE - 900, { threshold: 0, maxDelay: 900 });
      await store.recordFailure(unblocked, T, T - 900, NEVER);

      expect(await counter(a)).toEqual({ failures: 5, lastFailureAt: T, blockedUntil: T + 30 });
      expect(await counter(c)).toEqual({ failures: 10, lastFailureAt: FAR_FUTURE, blockedUntil: FAR_FUTURE + 900 });
      expect(await store.blockedUntil([a])).toBe(T + 30);
      expect(await other.blockedUntil([b])).toBe(T + 7);
      expect(await store.blockedUntil([a, b, unknown])).toBe(T + 30);
      expect(await store.blockedUntil([b, a])).toBe(T + 30);
      expect(await store.blockedUntil([unknown, b, c, a])).toBe(FAR_FUTURE + 900);
      // A counter with failures but no block, an unknown key, no key at all: 0, a number.
      expect(await store.blockedUntil([unblocked])).toBe(0);
      expect(await store.blockedUntil([unknown])).toBe(0);
      expect(await store.blockedUntil([unblocked, unknown])).toBe(0);
      expect(await store.blockedUntil([])).toBe(0);
      expect(typeof (await store.blockedUntil([a]))).toBe('number');

      // A later failure that blocks for longer moves blocked_until (the sixth: 64 s); one that does not block leaves it.
      await store.recordFailure(a, T + 10, T - 890, { threshold: 0, maxDelay: 900 });
      expect(await store.blockedUntil([a])).toBe(T + 74);
      await store.recordFailure(a, T + 11, T - 889, NEVER);
      expect(await counter(a)).toEqual({ failures: 7, lastFailureAt: T + 11, blockedUntil: T + 74 });
    });

    it('clearThrottles forgets exactly the given keys, for every instance; their count starts again at 1', async () => {
      const [a, b, kept] = ['a', 'b', 'kept'].map((name) => id(`login:${name}`)) as [string, string, string];
      const rule: BlockRule = { threshold: 0, maxDelay: 100 };
      for (const key of [a, b, kept]) {
        for (let i = 0; i < 3; i++) await store.recordFailure(key, T, T - 900, rule);
      }
      // Cleared through the other instance: gone for this one too.
      await other.clearThrottles([a, b, id('never-seen')]);
      expect(await counter(a)).toBeNull();
      expect(await counter(b)).toBeNull();
      expect(await store.blockedUntil([a, b])).toBe(0);
      expect(await counter(kept)).toEqual({ failures: 3, lastFailureAt: T, blockedUntil: T + 8 });
      expect(await store.blockedUntil([a, kept])).toBe(T + 8);
      expect(await store.recordFailure(a, T + 1, T - 899, NEVER)).toBe(1);

      // No keys: nothing happens.
      await store.clearThrottles([]);
      expect(await counter(kept)).toMatchObject({ failures: 3 });
    });

    it('10 concurrent recordFailure calls on one key across two store instances count exactly 1 to 10 (no lost update)', async () => {
      const key = id('login:carol');
      // Counts 6 to 10 block for 2, 4, 8, 16 and 32 s: each count leaves a different blocked_until.
      const rule: BlockRule = { threshold: 5, maxDelay: 900 };
      const counts = await Promise.all(
        Array.from({ length: 10 }, (_, i) => [store, other][i % 2]!.recordFailure(key, T + 1, T - 900, rule)),
      );
      expect([...counts].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // The stored block is the one the tenth failure asked for, not an earlier one written last.
      expect(await counter(key)).toEqual({ failures: 10, lastFailureAt: T + 1, blockedUntil: T + 1 + 32 });
      expect(await store.recordFailure(key, T + 2, T - 900, NEVER)).toBe(11);
    });

    it('countAttempt, while nothing blocks, counts one failure under every key by its own rule and returns 0', async () => {
      const [strict, lenient] = [id('login:dave|ip:192.0.2.9'), id('ip:192.0.2.9')];
      const counters = [
        { key: strict, rule: { threshold: 0, maxDelay: 30 } },
        { key: lenient, rule: NEVER },
      ];
      expect(await store.countAttempt(counters, T, T - 900)).toBe(0);
      expect(await counter(strict)).toEqual({ failures: 1, lastFailureAt: T, blockedUntil: T + 2 });
      expect(await counter(lenient)).toEqual({ failures: 1, lastFailureAt: T, blockedUntil: 0 });
    });

    it('countAttempt refuses while any key is blocked: returns the latest blocked_until and counts nothing', async () => {
      const [a, b, c] = ['a', 'b', 'c'].map((name) => id(`login:${name}`)) as [string, string, string];
      const counters = [
        { key: a, rule: { threshold: 0, maxDelay: 900 } },
        { key: b, rule: NEVER },
      ];
      expect(await store.countAttempt(counters, T, T - 900)).toBe(0);
      // a blocks until T + 2.
      expect(await store.countAttempt(counters, T + 1, T - 899)).toBe(T + 2);
      expect(await other.countAttempt([...counters].reverse(), T + 1, T - 899)).toBe(T + 2);
      expect(await counter(a)).toEqual({ failures: 1, lastFailureAt: T, blockedUntil: T + 2 });
      expect(await counter(b)).toEqual({ failures: 1, lastFailureAt: T, blockedUntil: 0 });
      // b alone is not blocked.
      expect(await store.countAttempt([{ key: b, rule: NEVER }], T + 1, T - 899)).toBe(0);
      expect(await counter(b)).toMatchObject({ failures: 2, lastFailureAt: T + 1 });

      // The block has ended at blocked_until itself: the attempt is counted (a's second failure: 4 s).
      expect(await store.countAttempt(counters, T + 2, T - 898)).toBe(0);
      expect(await counter(a)).toEqual({ failures: 2, lastFailureAt: T + 2, blockedUntil: T + 6 });
      expect(await counter(b)).toMatchObject({ failures: 3, lastFailureAt: T + 2 });

      // The latest block of all the keys is reported, whichever key it is.
      for (let i = 0; i < 7; i++) await store.recordFailure(c, T + 2, T - 898, { threshold: 0, maxDelay: 900 });
      expect(await store.blockedUntil([c])).toBe(T + 2 + 128);
      expect(await store.countAttempt([...counters, { key: c, rule: NEVER }], T + 3, T - 897)).toBe(T + 130);
      expect(await counter(a)).toEqual({ failures: 2, lastFailureAt: T + 2, blockedUntil: T + 6 });
      expect(await counter(c)).toEqual({ failures: 7, lastFailureAt: T + 2, blockedUntil: T + 130 });
    });

    it('countAttempt starts a counter again at 1 when its last failure is older than windowStart', async () => {
      const key = id('login:erin');
      const rule: BlockRule = { threshold: 2, maxDelay: 900 };
      for (let i = 0; i < 2; i++) expect(await store.countAttempt([{ key, rule }], T, T - 900)).toBe(0);
      expect(await counter(key)).toEqual({ failures: 2, lastFailureAt: T, blockedUntil: 0 });
      expect(await store.countAttempt([{ key, rule }], T + 901, T + 1)).toBe(0);
      expect(await counter(key)).toEqual({ failures: 1, lastFailureAt: T + 901, blockedUntil: 0 });
    });

    it('readThrottles gives each key its failures within the window and its blocked_until, in the order asked, writing nothing', async () => {
      const [a, b, old, unknown] = ['a', 'b', 'old', 'unknown'].map((name) => id(`user:${name}|ip:192.0.2.60`)) as [
        string,
        string,
        string,
        string,
      ];
      const rule: BlockRule = { threshold: 1, maxDelay: 900 };
      for (let i = 0; i < 3; i++) await store.recordFailure(a, T, T - 900, rule);
      await store.recordFailure(b, T + 5, T - 895, NEVER);
      await store.recordFailure(old, T - 1000, T - 1900, NEVER);
      expect(await other.readThrottles([unknown, b, a, old], T - 900)).toEqual([
        { failures: 0, blockedUntil: 0 },
        { failures: 1, blockedUntil: 0 },
        { failures: 3, blockedUntil: T + 4 },
        // Its last failure is older than the window: forgotten, though the row is still there.
        { failures: 0, blockedUntil: 0 },
      ]);
      // At exactly the window start, the failure still counts.
      expect(await store.readThrottles([old], T - 1000)).toEqual([{ failures: 1, blockedUntil: 0 }]);
      expect(await store.readThrottles([], T)).toEqual([]);
      expect(await counter(unknown)).toBeNull();
      expect(await counter(a)).toEqual({ failures: 3, lastFailureAt: T, blockedUntil: T + 4 });
      // Numbers beyond 2^32 come back exact.
      const far = id('ip:far');
      for (let i = 0; i < 2; i++)
        await store.recordFailure(far, FAR_FUTURE, FAR_FUTURE - 900, { threshold: 1, maxDelay: 900 });
      expect(await store.readThrottles([far], FAR_FUTURE - 900)).toEqual([
        { failures: 2, blockedUntil: FAR_FUTURE + 2 },
      ]);
    });

    it('countAttempt on a blocked key writes nothing: no new counter for the other keys, no count, same block', async () => {
      const blocked = id('ip:192.0.2.61');
      const fresh = id('unknown-client:7');
      await store.recordFailure(blocked, T, T - 900, { threshold: 0, maxDelay: 900 });
      const before = await counter(blocked);
      for (let i = 0; i < 5; i++) {
        expect(
          await [store, other][i % 2]!.countAttempt(
            [
              { key: fresh, rule: NEVER },
              { key: blocked, rule: NEVER },
            ],
            T + 1,
            T - 899,
          ),
        ).toBe(T + 2);
      }
      expect(await counter(fresh)).toBeNull();
      expect(await counter(blocked)).toEqual(before);
    });

    /** `attempts` concurrent countAttempt calls on one key, alternating between the two instances. */
    async function attemptConcurrently(counters: Array<{ key: string; rule: BlockRule }>, now: number, attempts = 10) {
      const settled = await Promise.allSettled(
        Array.from({ length: attempts }, (_, i) => [store, other][i % 2]!.countAttempt(counters, now, now - 900)),
      );
      const results = settled.map((result) => {
        if (result.status === 'rejected') throw result.reason;
        return result.value;
      });
      return { allowed: results.filter((r) => r === 0).length, refused: results.filter((r) => r !== 0) };
    }

    it('10 concurrent countAttempt calls on a new key across two store instances: exactly threshold + 1 are allowed', async () => {
      const key = id('login:grace');
      const rule: BlockRule = { threshold: 3, maxDelay: 900 };
      const { allowed, refused } = await attemptConcurrently([{ key, rule }], T);
      expect(allowed, 'attempts allowed').toBe(rule.threshold + 1);
      // Counts 1 to 4 are allowed; the fourth failure blocks for 2 s and every later attempt is refused, unwritten.
      expect(refused).toEqual(Array.from({ length: 10 - rule.threshold - 1 }, () => T + 2));
      expect(await counter(key)).toEqual({ failures: 4, lastFailureAt: T, blockedUntil: T + 2 });
    });

    it('10 concurrent countAttempt calls on an existing counter across two store instances: only those up to the first block are allowed', async () => {
      const key = id('login:frank');
      const rule: BlockRule = { threshold: 3, maxDelay: 900 };
      expect(await store.recordFailure(key, T, T - 900, rule)).toBe(1);
      const { allowed, refused } = await attemptConcurrently([{ key, rule }], T + 1);
      // Counts 2, 3 and 4 are allowed; the fourth failure blocks for 2 s and every later attempt is refused.
      expect(allowed).toBe(3);
      expect(refused).toEqual(Array.from({ length: 7 }, () => T + 3));
      expect(await counter(key)).toEqual({ failures: 4, lastFailureAt: T + 1, blockedUntil: T + 3 });
    });

    it('concurrent countAttempt calls with overlapping keys in any order complete and count every attempt', async () => {
      const login = id('login:heidi');
      const addresses = [id('ip:a'), id('ip:b')];
      const counters = (i: number) => {
        const address = addresses[i % 2]!;
        const keys = [`${login}|${address}`, address, login].map((key) => ({ key, rule: NEVER }));
        return i % 3 === 0 ? keys.reverse() : keys;
      };
      /** Every attempt settled (a failed one must not leave the others running into the next test). */
      const round = async (now: number) =>
        (
          await Promise.allSettled(
            Array.from({ length: 12 }, (_, i) => [store, other][i % 2]!.countAttempt(counters(i), now, now - 900)),
          )
        ).map((result) => (result.status === 'fulfilled' ? result.value : String(result.reason)));
      expect(await round(T)).toEqual(Array.from({ length: 12 }, () => 0));
      expect(await counter(login)).toMatchObject({ failures: 12 });
      for (const address of addresses) {
        expect(await counter(address)).toMatchObject({ failures: 6 });
        expect(await counter(`${login}|${address}`)).toMatchObject({ failures: 6 });
      }
      // A second round, now that every counter exists (in SQL, rows are locked rather than inserted).
      expect(await round(T + 1)).toEqual(Array.from({ length: 12 }, () => 0));
      expect(await counter(login)).toMatchObject({ failures: 24 });
    });
  });
}
