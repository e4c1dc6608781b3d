/**
 * Brute-force counters in Redis (rate_limit.redis_url) end to end: the real app in the test's
 * process (test/harness) on SQLite with GATEHOUSE_RATE_LIMIT_REDIS_URL=redis://127.0.0.1:6379
 * and threshold 2, so after three wrong passwords of one login from one address the next
 * attempt is refused: 429 on the sign-in form, invalid_grant with Retry-After at the token
 * endpoint. The counters are in Redis under gatehouse:throttle:, and the database's throttles
 * table stays empty.
 *
 * The Redis server may be shared (other runs, other projects), so everything counted here is
 * unique to this run: the usernames, the client, and the client address, given by
 * X-Forwarded-For through a trusted proxy (127.0.0.1). Every key this run made is deleted at the end.
 *
 * Redis is probed once. With CI=true an unreachable Redis fails this file loudly; elsewhere it
 * is skipped with a warning. That `gatehouse serve` closes its Redis connection and exits 0 on
 * SIGTERM is a property of the process: test/cli/redis-throttling-cli.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertOf, csrfTokenOf, HttpBrowser } from '../helpers/browser-http.js';
import { queryRows } from '../helpers/cli.js';
import { addressKey } from '../../src/core/addresses.js';
import { systemClock } from '../../src/core/clock.js';
import { tokenRequest } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { probeRedis, REDIS_URL, requireRedis } from '../harness/redis.js';

const PREFIX = 'gatehouse:throttle:';
const PASSWORD = 'correct horse battery staple';
const WRONG = 'not the password at all';
const BLOCKED_GRANT = /^too many failed sign-in attempts; retry in (\d+) seconds$/;
const BLOCKED_PAGE = /^Too many failed sign-in attempts\. Please wait (\d+) seconds, then try again\.$/;

const redisProblem = await probeRedis();
if (redisProblem && !requireRedis) {
  console.warn(
    `[gatehouse tests] skipping the Redis throttling e2e test: Redis at ${REDIS_URL} is unreachable (${redisProblem}); set CI=true to make this a failure`,
  );
}

describe.skipIf(redisProblem !== null && !requireRedis)('brute-force throttling with counters in Redis (e2e)', () => {
  const run = randomBytes(4).toString('hex');
  /** One login per scenario, unique to this run (lower case: the counters use the canonical form). */
  const grantUser = `redis-grant-${run}`;
  const formUser = `redis-form-${run}`;
  /** This run's client address, as the trusted proxy reports it (IPv6 documentation range). */
  const address = `2001:db8:${run.slice(0, 4)}:${run.slice(4)}::7`;
  /** Another /64: an IPv6 address counts as its /64. */
  const otherAddress = `2001:db8:${run.slice(4)}:${run.slice(0, 4)}::9`;
  /** What the counters name: the address's /64. */
  const network = addressKey(address);
  const otherNetwork = addressKey(otherAddress);
  /** The users' ids, which the counters name (not the login typed). */
  const userIds: Record<string, string> = {};
  const forwarded = { 'x-forwarded-for': address };

  let redis: Redis;
  let server: TestServer;
  let client: CreatedClient & { client_secret: string };

  beforeAll(async () => {
    if (redisProblem)
      throw new Error(
        `Redis at ${REDIS_URL} is unreachable and CI=true: ${redisProblem} Start redis-server (or point GATEHOUSE_TEST_REDIS_URL at one).`,
      );
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    server = await startTestServer({
      engine: 'sqlite',
      env: {
        GATEHOUSE_RATE_LIMIT_REDIS_URL: REDIS_URL,
        GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '2',
        GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1',
      },
      // Redis expires the counters on its own (real) time, which the checks below compare with.
      clock: systemClock,
    });
    [client] = (await Promise.all([
      server.createClient(['--name', `redis-${run}`, '--grant-type', 'password']),
      server.createUser(grantUser, `${grantUser}@example.com`, PASSWORD),
      server.createUser(formUser, `${formUser}@example.com`, PASSWORD),
    ])) as [CreatedClient & { client_secret: string }, unknown, unknown];
    const users = await queryRows(server.database.location, 'SELECT id, username FROM users');
    for (const row of users) userIds[String(row.username)] = String(row.id);
  });

  afterAll(async () => {
    await server?.close();
    try {
      if (redis) {
        const mine = await keysOfThisRun();
        if (mine.length > 0) await redis.del(...mine);
        expect(await keysOfThisRun()).toEqual([]);
      }
    } finally {
      redis?.disconnect();
    }
  });

  /** Every gatehouse:throttle: key that names this run's users, client or address. */
  async function keysOfThisRun(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      const marks = [run, network, otherNetwork, client?.client_id, ...Object.values(userIds)];
      found.push(...keys.filter((key) => marks.some((mark) => mark && key.includes(mark))));
    } while (cursor !== '0');
    return found.sort();
  }

  const passwordGrant = (username: string, password: string) =>
    tokenRequest(
      server.url,
      { grant_type: 'password', username, password },
      { basic: [client.client_id, client.client_secret], headers: forwarded },
    );

  /** The Retry-After header as whole seconds, between 1 and the first block (2 s). */
  function retryAfterOf(res: { headers: Headers }): number {
    const header = res.headers.get('retry-after');
    expect(header, 'Retry-After').toMatch(/^\d+$/);
    const seconds = Number(header);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(2);
    return seconds;
  }

  it('token endpoint: three wrong passwords are plain invalid_grant; the next attempt is refused with Retry-After', async () => {
    for (const n of [1, 2, 3]) {
      const wrong = await passwordGrant(grantUser, WRONG);
      expect(
        { status: wrong.status, error: wrong.json?.error, description: wrong.json?.error_description },
        `wrong password ${n}`,
      ).toEqual({
        status: 400,
        error: 'invalid_grant',
        description: 'invalid username or password',
      });
      expect(wrong.headers.get('retry-after')).toBeNull();
    }
    // Even the right password: refused before it is looked at.
    const blocked = await passwordGrant(grantUser, PASSWORD);
    expect(blocked.status, blocked.text).toBe(400);
    expect(blocked.json.error).toBe('invalid_grant');
    const match = BLOCKED_GRANT.exec(blocked.json.error_description);
    expect(match, blocked.json.error_description).not.toBeNull();
    expect(Number(match![1])).toBe(retryAfterOf(blocked));
  });

  it('sign-in form: three wrong passwords are answered 400; the next attempt is 429 with Retry-After, and no session', async () => {
    const browser = new HttpBrowser(server.url);
    const page = await browser.request('/login', { headers: forwarded, withoutCookies: false });
    expect(page.status).toBe(200);
    let csrfToken = csrfTokenOf(page.text);
    for (const n of [1, 2, 3]) {
      const wrong = await browser.post(
        '/login',
        [
          ['csrf_token', csrfToken],
          ['username', formUser],
          ['password', WRONG],
        ],
        forwarded,
      );
      expect(wrong.status, `wrong password ${n}: ${wrong.text.slice(0, 300)}`).toBe(400);
      expect(alertOf(wrong.text)).toBe('The username or password is incorrect.');
      expect(wrong.headers.get('retry-after')).toBeNull();
      csrfToken = csrfTokenOf(wrong.text);
    }
    const blocked = await browser.post(
      '/login',
      [
        ['csrf_token', csrfToken],
        ['username', formUser],
        ['password', PASSWORD],
      ],
      forwarded,
    );
    expect(blocked.status, blocked.text.slice(0, 300)).toBe(429);
    expect(blocked.headers.get('content-type')).toMatch(/^text\/html/);
    const match = BLOCKED_PAGE.exec(alertOf(blocked.text) ?? '');
    expect(match, alertOf(blocked.text)).not.toBeNull();
    expect(Number(match![1])).toBe(retryAfterOf(blocked));
    expect(
      blocked.setCookies.find((cookie) => /gatehouse_session$/.test(cookie.name) && cookie.value !== ''),
    ).toBeUndefined();
  });

  it('the counters are in Redis under gatehouse:throttle:, keyed on the account and the /64, and not in the database', async () => {
    const keys = await keysOfThisRun();
    for (const user of [grantUser, formUser]) {
      const id = userIds[user]!;
      expect(keys).toContain(`${PREFIX}user:${id}|ip:${network}`);
      expect(keys).toContain(`${PREFIX}user:${id}`);
    }
    expect(keys).toContain(`${PREFIX}ip:${network}`);
    // Never the login typed, nor the full address.
    expect(keys.filter((key) => key.includes(grantUser) || key.includes(formUser) || key.includes(address))).toEqual(
      [],
    );

    for (const user of [grantUser, formUser]) {
      const key = `${PREFIX}user:${userIds[user]}|ip:${network}`;
      const counter = await redis.hgetall(key);
      expect(Number(counter.f), `${user} failures`).toBe(3);
      expect(Number(counter.b), `${user} blocked until`).toBeGreaterThan(Math.floor(Date.now() / 1000) - 5);
      // Kept only as long as it matters (login_throttle_max_delay 900 s + a minute), never forever.
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(960);
    }
    // Six failures of two logins from this address; the refused attempts were not counted.
    expect(Number(await redis.hget(`${PREFIX}ip:${network}`, 'f'))).toBe(6);

    expect(await queryRows(server.database.location, 'SELECT * FROM throttles')).toEqual([]);
  });

  it('another address is not blocked: the owner signs in from elsewhere', async () => {
    const elsewhere = await tokenRequest(
      server.url,
      { grant_type: 'password', username: grantUser, password: PASSWORD },
      { basic: [client.client_id, client.client_secret], headers: { 'x-forwarded-for': otherAddress } },
    );
    expect(elsewhere.status, elsewhere.text).toBe(200);
    expect(typeof elsewhere.json.access_token).toBe('string');
    expect(await queryRows(server.database.location, 'SELECT * FROM throttles')).toEqual([]);
  });
});
