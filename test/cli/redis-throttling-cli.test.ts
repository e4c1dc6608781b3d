/**
 * `gatehouse serve` with brute-force counters in Redis (GATEHOUSE_RATE_LIMIT_REDIS_URL) stops
 * cleanly on SIGTERM: it connects to Redis at start-up, and closes that connection so the process
 * exits 0. A property of the process, so the server is spawned. Moved from
 * test/e2e/redis-throttling.test.ts, where the counters themselves are tested in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { migrateDatabase, startServer, stopAllServers, type RunningServer } from '../helpers/server.js';
import { probeRedis, REDIS_URL, requireRedis } from '../harness/redis.js';

const redisProblem = await probeRedis();
if (redisProblem && !requireRedis) {
  console.warn(
    `[gatehouse tests] skipping the Redis serve test: Redis at ${REDIS_URL} is unreachable (${redisProblem}); ` +
      'set CI=true to make this a failure',
  );
}

describe.skipIf(redisProblem !== null && !requireRedis)('gatehouse serve with counters in Redis', () => {
  let db: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    if (redisProblem) {
      throw new Error(
        `Redis at ${REDIS_URL} is unreachable and CI=true: ${redisProblem} ` +
          'Start redis-server (or point GATEHOUSE_TEST_REDIS_URL at one).',
      );
    }
    db = await createSqliteDatabase();
    const database = await migrateDatabase(db);
    server = await startServer({
      database,
      env: {
        GATEHOUSE_RATE_LIMIT_REDIS_URL: REDIS_URL,
        GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '2',
        GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1',
      },
    });
  });

  afterAll(async () => {
    await stopAllServers();
    await db?.cleanup();
  });

  it('stops cleanly on SIGTERM, closing its Redis connection (runs last)', async () => {
    const exit = await server.stop('SIGTERM');
    expect(exit, server.logs()).toEqual({ code: 0, signal: null });
  });
});
