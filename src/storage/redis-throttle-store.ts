import { Redis } from 'ioredis';
import type { BlockRule, ThrottleState, ThrottleStore } from './store.js';

/**
 * Brute-force counters in Redis (rate_limit.redis_url), for deployments that would rather not
 * write a row per failed sign-in to the database. Same contract as the SQL store: each step is
 * one Lua script, so it is atomic for every node sharing the Redis server. A counter is a hash
 * {f: failures, l: last failure, b: blocked until} that expires once it no longer matters, so
 * no clean-up is needed.
 */

/**
 * KEYS: the counters. ARGV: now, windowStart, mode ('attempt' refuses while any key is
 * blocked; 'failure' always counts), then threshold and maxDelay for each key.
 * Returns {blockedUntil} when refused, else {0, count1, count2, …}.
 */
const COUNT_SCRIPT = `
local now = tonumber(ARGV[1])
local windowStart = tonumber(ARGV[2])
if ARGV[3] == 'attempt' then
  local blocked = 0
  for _, key in ipairs(KEYS) do
    local until_ = tonumber(redis.call('HGET', key, 'b') or '0')
    if until_ > blocked then blocked = until_ end
  end
  if blocked > now then return {blocked} end
end
local result = {0}
for i, key in ipairs(KEYS) do
  local threshold = tonumber(ARGV[2 + 2 * i])
  local maxDelay = tonumber(ARGV[3 + 2 * i])
  local failures = tonumber(redis.call('HGET', key, 'f') or '0')
  local last = tonumber(redis.call('HGET', key, 'l') or '0')
  if last < windowStart then failures = 1 else failures = failures + 1 end
  local blockedUntil = tonumber(redis.call('HGET', key, 'b') or '0')
  if failures > threshold then
    blockedUntil = now + math.min(maxDelay, 2 ^ math.min(failures - threshold, 30))
  end
  redis.call('HSET', key, 'f', failures, 'l', now, 'b', blockedUntil)
  -- Kept while it blocks or may still count toward a block; a minute's margin for clock skew.
  redis.call('EXPIRE', key, math.max(blockedUntil - now, now - windowStart) + 60)
  result[i + 1] = failures
end
return result
`;

export class RedisThrottleStore implements ThrottleStore {
  private readonly redis: Redis;
  /** The connection's own error ("connect ECONNREFUSED 127.0.0.1:6379"), clearer than the command's. */
  private lastError: Error | null = null;

  /** `prefix` keeps these keys apart from anything else in the Redis database. */
  constructor(
    url: string,
    private readonly prefix = 'gatehouse:throttle:',
  ) {
    // Fail a command at once while Redis is down (the request gets a 503) rather than queueing it.
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on('error', (error: Error) => {
      // Reported by the failing command; ioredis reconnects by itself.
      this.lastError = error;
    });
  }

  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (error) {
      throw this.lastError ?? error;
    }
  }

  private keyOf(key: string): string {
    return this.prefix + key;
  }

  private async count(
    counters: ReadonlyArray<{ key: string; rule: BlockRule }>,
    now: number,
    windowStart: number,
    mode: 'attempt' | 'failure',
  ): Promise<number[]> {
    const args = counters.flatMap((counter) => [counter.rule.threshold, counter.rule.maxDelay]);
    return (await this.redis.eval(
      COUNT_SCRIPT,
      counters.length,
      ...counters.map((counter) => this.keyOf(counter.key)),
      now,
      windowStart,
      mode,
      ...args,
    )) as number[];
  }

  async blockedUntil(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hget(this.keyOf(key), 'b');
    const results = (await pipeline.exec()) ?? [];
    let latest = 0;
    for (const [error, value] of results) {
      if (error) throw error;
      latest = Math.max(latest, Number(value ?? 0));
    }
    return latest;
  }

  async readThrottles(keys: readonly string[], windowStart: number): Promise<ThrottleState[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hmget(this.keyOf(key), 'f', 'l', 'b');
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      const [failures, last, blocked] = (value as Array<string | null>).map((field) => Number(field ?? 0)) as [
        number,
        number,
        number,
      ];
      return { failures: last < windowStart ? 0 : failures, blockedUntil: blocked };
    });
  }

  async recordFailure(key: string, now: number, windowStart: number, rule: BlockRule): Promise<number> {
    const [, failures] = await this.count([{ key, rule }], now, windowStart, 'failure');
    return Number(failures);
  }

  async countAttempt(
    counters: ReadonlyArray<{ key: string; rule: BlockRule }>,
    now: number,
    windowStart: number,
  ): Promise<number> {
    const [blockedUntil] = await this.count(counters, now, windowStart, 'attempt');
    return Number(blockedUntil);
  }

  async clearThrottles(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys.map((key) => this.keyOf(key)));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
