/**
 * The Redis the throttling tests point servers at, probed once per file: with CI=true an
 * unreachable Redis is a failure, elsewhere the suite is skipped with a warning.
 */
import { Redis } from 'ioredis';

/** The Redis the server is pointed at (GATEHOUSE_TEST_REDIS_URL to use another). */
export const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const requireRedis = process.env.CI === 'true';

/** Null when Redis answers PING, else why not. */
export async function probeRedis(): Promise<string | null> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const pong = await redis.ping();
    return pong === 'PONG' ? null : `PING answered ${pong}`;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    redis.disconnect();
  }
}
