/**
 * Right passwords are never refused as failures, however many sign-ins are in flight: 50
 * password-grant sign-ins of one user with the right password, all at once, through the real app
 * in this process (test/harness, app.inject), on both engines: beyond the threshold, attempts
 * queue behind the ones in flight, and none may come back as a failure. And when attempts stay
 * queued past login_throttle_max_wait the answer is 503 temporarily_unavailable with Retry-After
 * (token endpoint) or a 503 page (sign-in form), never invalid_grant or "incorrect".
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PasswordVerifier } from '../../src/accounts/passwords.js';
import { ManualClock } from '../../src/core/clock.js';
import { alertOf, csrfTokenOf } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../harness/index.js';

const T = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachEngine('50 concurrent right-password sign-ins of one user', (factory) => {
  let fx: TestServer;
  let app: FastifyInstance;
  let publicClient: string;
  let confidential: { id: string; secret: string };

  beforeAll(async () => {
    // The default threshold (5); a generous wait bound, since a busy machine is slow.
    fx = await startTestServer({
      engine: factory.engine,
      listen: false,
      clock: new ManualClock(T),
      config: { login_throttle_max_wait: 60 },
      auditLog: false,
    });
    app = fx.app;
    await fx.createUser('alice', 'alice@example.com', PASSWORD);
    publicClient = (await fx.createClient(['--name', 'Public', '--grant-type', 'password', '--public'])).client_id;
    const made = await fx.createClient(['--name', 'Confidential', '--grant-type', 'password']);
    confidential = { id: made.client_id, secret: made.client_secret! };
  });

  afterAll(() => fx?.close());

  const grant = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...FORM, ...headers },
      payload: new URLSearchParams({ grant_type: 'password', ...params }).toString(),
    });

  it('through a public client (address and account counters): all 50 get 200 with tokens, and nothing is counted', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => grant({ client_id: publicClient, username: 'alice', password: PASSWORD })),
    );
    const statuses = answers.map((answer) =>
      `${answer.statusCode} ${answer.statusCode === 200 ? '' : answer.body}`.trim(),
    );
    expect(statuses).toEqual(Array.from({ length: 50 }, () => '200'));
    for (const answer of answers) expect(typeof answer.json().access_token).toBe('string');
    const rows = await fx.store.driver.all<{ throttle_key: string }>('SELECT throttle_key FROM throttles');
    expect(rows).toEqual([]);
  });

  it('through a confidential client (its known account after the first): all 50 get 200 with tokens', async () => {
    const basic = `Basic ${Buffer.from(`${confidential.id}:${confidential.secret}`).toString('base64')}`;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        grant({ username: 'alice@example.com', password: PASSWORD }, { authorization: basic }),
      ),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array.from({ length: 50 }, () => 200));
  });
});

describe('overload: attempts queued past login_throttle_max_wait (SQLite)', () => {
  let fx: TestServer;
  let app: FastifyInstance;
  let publicClient: string;
  /** Checks wait here until released: "in flight" is exact. */
  const pending: Array<() => void> = [];
  const gated: PasswordVerifier = {
    verify: async (hashed, password) => {
      await new Promise<void>((resolve) => pending.push(resolve));
      return hashed === `plain:${password}`;
    },
  };

  beforeAll(async () => {
    // Threshold 2: 3 attempts of one account from one address may be in flight; 0 s: no waiting.
    fx = await startTestServer({
      engine: 'sqlite',
      listen: false,
      clock: new ManualClock(T),
      config: { login_throttle_threshold: 2, login_throttle_max_wait: 0 },
      passwords: gated,
      auditLog: false,
    });
    app = fx.app;
    await fx.store.createUser({
      id: 'id-alice',
      username: 'alice',
      usernameCanonical: 'alice',
      email: 'alice@example.com',
      emailCanonical: 'alice@example.com',
      passwordHash: `plain:${PASSWORD}`,
      enabled: true,
      awaitingConfirmation: false,
      roles: [],
      createdAt: T,
      updatedAt: T,
    });
    publicClient = (await fx.createClient(['--name', 'Public', '--grant-type', 'password', '--public'])).client_id;
  });

  afterAll(() => fx?.close());

  async function untilPending(n: number): Promise<void> {
    for (let i = 0; i < 1000 && pending.length < n; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(pending.length).toBe(n);
  }

  it('the token endpoint answers 503 {"error":"temporarily_unavailable"} with Retry-After, and the sign-in page a 503 page with Retry-After', async () => {
    const grant = () =>
      app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: FORM,
        payload: new URLSearchParams({
          grant_type: 'password',
          client_id: publicClient,
          username: 'alice',
          password: PASSWORD,
        }).toString(),
      });
    const inFlight = [grant(), grant(), grant()];
    await untilPending(3);

    const overloaded = await grant();
    expect(overloaded.statusCode, overloaded.body).toBe(503);
    expect(overloaded.json().error).toBe('temporarily_unavailable');
    expect(overloaded.headers['retry-after']).toMatch(/^\d+$/);
    expect(overloaded.headers['cache-control']).toBe('no-store');

    const page = await app.inject({ method: 'GET', url: '/login' });
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const form = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { ...FORM, cookie },
      payload: new URLSearchParams({
        csrf_token: csrfTokenOf(page.body),
        username: 'alice',
        password: PASSWORD,
      }).toString(),
    });
    expect(form.statusCode).toBe(503);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.headers['retry-after']).toMatch(/^\d+$/);
    expect(alertOf(form.body)).toMatch(/try again/i);
    expect(form.body).toContain('action="/login"');

    // The attempts in flight finish normally: right passwords, tokens, nothing counted.
    while (pending.length > 0) pending.shift()!();
    expect((await Promise.all(inFlight)).map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(await fx.store.driver.all('SELECT * FROM throttles')).toEqual([]);
  });
});
