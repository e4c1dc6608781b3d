/**
 * RedisThrottleStore: the shared ThrottleStore contract (test/helpers/throttle-store-contract.ts,
 * which sql/throttle.contract.test.ts runs on the SQL engines), plus what is Redis's own (the key
 * prefix, keys that expire).
 *
 * Redis is `GATEHOUSE_TEST_REDIS_URL` (default redis://127.0.0.1:6379). Its reachability is
 * probed once when this file loads: with CI=true an unreachable server fails the suite loudly;
 * elsewhere the suite is skipped with a warning (as test/helpers/databases.ts does for PostgreSQL).
 * Each run uses its own random key prefix and deletes every key under it afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeThrottleStoreContract } from '../../test/helpers/throttle-store-contract.js';
import { RedisThrottleStore } from './redis-throttle-store.js';
import type { BlockRule } from './store.js';

const redisUrl: string = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** In CI the Redis suite must run: an unreachable server is a failure, not a skip. */
const requireRedis: boolean = process.env.CI === 'true';

/** `host:port` of the URL, for messages (never the password). */
function redisAddress(): string {
  try {
    const url = new URL(redisUrl);
    return `${url.hostname}:${url.port || '6379'}`;
  } catch {
    return '(unparsable GATEHOUSE_TEST_REDIS_URL)';
  }
}

/** A plain client that gives up at once instead of retrying (for the probe and the raw checks). */
function rawClient(): Redis {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // A server going away while the client idles must not crash the test process.
  client.on('error', () => {});
  return client;
}

/** Null when Redis answers, else the (clear) reason it does not. */
async function probeRedis(): Promise<Error | null> {
  const client = rawClient();
  // ioredis rejects connect() with a bare "Connection is closed"; the socket error says why.
  let socketError: unknown;
  client.on('error', (error: unknown) => {
    socketError ??= error;
  });
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    const base = `Redis at ${redisAddress()} is unreachable`;
    const cause = socketError ?? error;
    const reason = (cause instanceof Error ? cause.message || cause.name : String(cause)).replace(/\.$/, '');
    const hint = 'Start Redis or point GATEHOUSE_TEST_REDIS_URL at one.';
    return new Error(`${requireRedis ? `${base} and CI=true` : base}: ${reason}. ${hint}`, { cause });
  } finally {
    client.disconnect();
  }
}

// Decided at load time so `describe.skipIf` can use it while tests are collected.
const redisProblem = await probeRedis();
const skipRedis = redisProblem !== null && !requireRedis;
if (redisProblem && !requireRedis) {
  console.warn(
    `[gatehouse tests] skipping the Redis throttle suite: ${redisProblem.message} (set CI=true to make this a failure)`,
  );
}

/** A fixed "now" (whole seconds). */
const T = 1_800_000_000;
/** Never blocks in these tests: the count is all that changes. */
const NEVER: BlockRule = { threshold: 1000, maxDelay: 900 };

const id = (prefix: string) => `${prefix}-${randomUUID()}`;

describe.skipIf(skipRedis)('RedisThrottleStore', () => {
  /** This run's keys, apart from anything else in the Redis database. */
  const prefix = `gatehouse-test:${randomBytes(8).toString('hex')}:`;
  let store: RedisThrottleStore;
  /** A second instance: its own connection, as another node would have. */
  let other: RedisThrottleStore;
  let raw: Redis;

  beforeAll(async () => {
    if (redisProblem) throw redisProblem;
    raw = rawClient();
    await raw.connect();
    store = new RedisThrottleStore(redisUrl, prefix);
    other = new RedisThrottleStore(redisUrl, prefix);
    await store.connect();
    await other.connect();
  });

  afterAll(async () => {
    try {
      if (raw?.status === 'ready') {
        const leftover = await keysOfThisRun();
        if (leftover.length > 0) await raw.del(...leftover);
        expect(await keysOfThisRun()).toEqual([]);
      }
    } finally {
      await Promise.allSettled([store?.close(), other?.close()]);
      raw?.disconnect();
    }
  });

  async function keysOfThisRun(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  /** The stored counter of a key, numbers as numbers; null when there is none. */
  async function counter(key: string) {
    const hash = await raw.hgetall(prefix + key);
    if (Object.keys(hash).length === 0) return null;
    return { failures: Number(hash.f), lastFailureAt: Number(hash.l), blockedUntil: Number(hash.b) };
  }

  it('keeps its keys under the prefix it was given', async () => {
    const key = id('login:prefix');
    await store.recordFailure(key, T, T - 900, NEVER);
    expect(await raw.exists(prefix + key)).toBe(1);
    expect(await raw.exists(key)).toBe(0);
    // Another prefix is another set of counters.
    const elsewhere = new RedisThrottleStore(redisUrl, `${prefix}elsewhere:`);
    await elsewhere.connect();
    try {
      expect(await elsewhere.recordFailure(key, T, T - 900, NEVER)).toBe(1);
      expect(await store.recordFailure(key, T, T - 900, NEVER)).toBe(2);
    } finally {
      await elsewhere.close();
    }
  });

  // The behaviours every ThrottleStore must show (sql/throttle.contract.test.ts runs them on SQLite and
  // PostgreSQL), read back from the Redis hashes. What is Redis's own (the prefix above, the
  // expiry below) stays here.
  describeThrottleStoreContract('ThrottleStore contract', () => ({ store, other, uniqueKey: id, counter }));

  it('readThrottles and a refused countAttempt create no key and leave the expiry alone', async () => {
    const key = id('ip:192.0.2.50');
    for (let i = 0; i < 3; i++) await store.recordFailure(key, T, T - 900, { threshold: 1, maxDelay: 900 });
    const ttl = await raw.ttl(prefix + key);
    expect(ttl).toBeGreaterThan(0);
    // Blocked until T + 4: the attempt is refused, and the counter is not touched (nor its expiry extended).
    const unknown = id('ip:unknown');
    expect(
      await other.countAttempt(
        [
          { key, rule: NEVER },
          { key: unknown, rule: NEVER },
        ],
        T + 1,
        T - 899,
      ),
    ).toBe(T + 4);
    expect(await store.readThrottles([key, unknown], T - 900)).toEqual([
      { failures: 3, blockedUntil: T + 4 },
      { failures: 0, blockedUntil: 0 },
    ]);
    expect(await raw.exists(prefix + unknown)).toBe(0);
    expect(await raw.ttl(prefix + key)).toBeLessThanOrEqual(ttl);
    expect(await counter(key)).toEqual({ failures: 3, lastFailureAt: T, blockedUntil: T + 4 });
  });

  it('a counter expires once it no longer matters: its TTL covers the window and the block, with a minute to spare', async () => {
    const windowOnly = id('login:window');
    await store.recordFailure(windowOnly, T, T - 900, NEVER);
    // Not blocking: kept for the window (900 s) plus 60 s.
    const windowTtl = await raw.ttl(prefix + windowOnly);
    expect(windowTtl).toBeGreaterThan(955);
    expect(windowTtl).toBeLessThanOrEqual(960);

    const longBlock = id('login:long-block');
    const rule: BlockRule = { threshold: 0, maxDelay: 3600 };
    for (let i = 0; i < 12; i++) await store.recordFailure(longBlock, T, T - 900, rule);
    expect(await store.blockedUntil([longBlock])).toBe(T + 3600);
    // Blocking longer than the window: kept while it blocks (3600 s) plus 60 s.
    const blockTtl = await raw.ttl(prefix + longBlock);
    expect(blockTtl).toBeGreaterThan(3655);
    expect(blockTtl).toBeLessThanOrEqual(3660);

    // countAttempt sets the expiry too, on every key it counts.
    const [x, y] = [id('ip:x'), id('ip:y')];
    expect(
      await store.countAttempt(
        [
          { key: x, rule: NEVER },
          { key: y, rule },
        ],
        T,
        T - 300,
      ),
    ).toBe(0);
    for (const key of [x, y]) {
      const ttl = await raw.ttl(prefix + key);
      expect(ttl, key).toBeGreaterThan(355);
      expect(ttl, key).toBeLessThanOrEqual(360);
    }

    // Once expired, the counter is gone: nothing blocks and counting starts again at 1.
    // An expiry time in the past ends the key at once (as its TTL running out would), without waiting.
    await raw.pexpireat(prefix + longBlock, 1);
    expect(await raw.exists(prefix + longBlock)).toBe(0);
    expect(await store.blockedUntil([longBlock])).toBe(0);
    expect(await store.countAttempt([{ key: longBlock, rule }], T + 1, T - 899)).toBe(0);
    expect(await counter(longBlock)).toEqual({ failures: 1, lastFailureAt: T + 1, blockedUntil: T + 3 });
  });
});
