/**
 * A full password queue is an overload, not a wrong password: the token endpoint answers 503
 * temporarily_unavailable with Retry-After (never invalid_grant), the sign-in page a 503 page
 * with Retry-After, and the refused attempts are not counted by the brute-force throttle.
 *
 * In process (buildHttpServer + inject). The Gatehouse's verifier checks passwords through a
 * ConcurrencyLimit of one slot with no room to wait, whose timers are driven by hand: a test
 * holds the slot with a task of its own to make the queue full, and lets it go.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenOf } from '../../test/helpers/browser-http.js';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { argon2Verifier, ConcurrencyLimit, type PasswordVerifier, type StartTimer } from '../accounts/passwords.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { ClientRegistry } from '../core/clients.js';
import { ManualClock } from '../core/clock.js';
import { composeServices } from '../compose.js';
import { buildHttpServer } from './server.js';

const T = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';
const THRESHOLD = 2;

describe('an overloaded password queue', () => {
  let db: TestStore;
  let app: ReturnType<typeof buildHttpServer>;
  let client: { id: string; secret: string };
  const clock = new ManualClock(T);
  /** Timers of the queue, fired by hand. */
  const timers: Array<() => void> = [];
  const startTimer: StartTimer = (_ms, fire) => {
    timers.push(fire);
    return () => timers.splice(timers.indexOf(fire), 1);
  };
  let queue: ConcurrencyLimit;
  /** Releases the slot the test holds, if any. */
  let releaseSlot: (() => void) | null = null;

  /** Takes the queue's one slot until releaseSlot() (nothing else can wait: maxWaiting 0). */
  function fillQueue(maxWaiting = 0) {
    queue.setLimits({ maxWaiting, maxWaitMs: 3000 });
    let release!: () => void;
    void queue.run(() => new Promise<void>((resolve) => (release = resolve)));
    releaseSlot = () => {
      release();
      releaseSlot = null;
    };
  }

  const passwordGrant = (password: string, address = '198.51.100.20') =>
    app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress: address,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'password',
        client_id: client.id,
        client_secret: client.secret,
        username: 'alice',
        password,
      }).toString(),
    });

  beforeAll(async () => {
    db = await createSqliteStore();
    queue = new ConcurrencyLimit(1, { maxWaiting: 0, maxWaitMs: 3000 }, startTimer);
    const passwords: PasswordVerifier = {
      verify: (hashed, password) => queue.run(() => argon2Verifier.verify(hashed, password)),
    };
    const config = validateConfig({
      issuer: 'http://127.0.0.1',
      login_throttle_threshold: THRESHOLD,
      login_throttle_max_delay: 60,
    });
    const gatehouse = composeServices({ config, store: db.store, clock, passwords, auditLog: false });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await app.ready();
    await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username: 'alice',
      email: 'alice@example.com',
      password: PASSWORD,
    });
    const registered = await new ClientRegistry(db.store, clock).create({ name: 'App', grantTypes: ['password'] });
    client = { id: registered.client.id, secret: registered.secret! };
  });

  beforeEach(() => {
    releaseSlot?.();
    // Every throttle counter of an earlier test is forgotten.
    clock.advance(61);
  });

  afterAll(async () => {
    releaseSlot?.();
    await app.close();
    await db.cleanup();
  });

  it('the token endpoint answers 503 temporarily_unavailable with Retry-After, not invalid_grant, even for the right password', async () => {
    fillQueue();
    const response = await passwordGrant(PASSWORD);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'too many passwords are being checked right now; retry in 3 seconds',
    });
    expect(response.headers['retry-after']).toBe('3');
    expect(response.headers['cache-control']).toBe('no-store');

    releaseSlot!();
    const after = await passwordGrant(PASSWORD);
    expect(after.statusCode).toBe(200);
    expect(after.json().access_token).toEqual(expect.any(String));
  });

  it('a sign-in waiting in the queue past the time limit gets the same 503', async () => {
    fillQueue(1);
    const waiting = passwordGrant(PASSWORD);
    // The request reaches the queue and waits; then its time is up.
    while (timers.length === 0) await new Promise((resolve) => setImmediate(resolve));
    timers.shift()!();
    const response = await waiting;
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toBe('temporarily_unavailable');
    expect(response.headers['retry-after']).toBe('3');
  });

  it('refused attempts are not counted as failed passwords: after many, the right password still works at once', async () => {
    fillQueue();
    for (let i = 0; i < THRESHOLD * 5; i++) {
      const response = await passwordGrant(i % 2 ? PASSWORD : 'a wrong password guess');
      expect(response.statusCode).toBe(503);
      expect(response.json().error).toBe('temporarily_unavailable');
    }
    releaseSlot!();
    const after = await passwordGrant(PASSWORD);
    expect(after.json()).toMatchObject({ token_type: 'Bearer' });
    expect(after.statusCode).toBe(200);
  });

  it('the sign-in page answers a 503 page with Retry-After, and signs in once the queue has room', async () => {
    const address = '198.51.100.21';
    const form = await app.inject({ method: 'GET', url: '/login', remoteAddress: address });
    const cookies = ([] as string[])
      .concat(form.headers['set-cookie'] ?? [])
      .map((header) => header.split(';')[0])
      .join('; ');
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/login',
        remoteAddress: address,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
        payload: new URLSearchParams({
          csrf_token: csrfTokenOf(form.body),
          username: 'alice',
          password: PASSWORD,
        }).toString(),
      });

    fillQueue();
    for (let i = 0; i < THRESHOLD * 3; i++) {
      const busy = await post();
      expect(busy.statusCode).toBe(503);
      expect(busy.headers['content-type']).toMatch(/^text\/html/);
      expect(busy.headers['retry-after']).toBe('3');
      expect(busy.body).toContain('too busy to check your password right now. Please try again in 3 seconds.');
      expect(busy.body).not.toContain('incorrect');
    }

    releaseSlot!();
    const signedIn = await post();
    expect(signedIn.statusCode).toBe(303);
  });

  it("another password form (the account page's password change) answers the same 503 page", async () => {
    const address = '198.51.100.22';
    const jar = new Map<string, string>();
    const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>) => {
      const response = await app.inject({
        method,
        url,
        remoteAddress: address,
        headers: {
          cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
      });
      for (const header of ([] as string[]).concat(response.headers['set-cookie'] ?? [])) {
        const [pair = ''] = header.split(';');
        jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      return response;
    };
    const login = await send('GET', '/login');
    expect(
      (await send('POST', '/login', { csrf_token: csrfTokenOf(login.body), username: 'alice', password: PASSWORD }))
        .statusCode,
    ).toBe(303);
    const account = await send('GET', '/account');
    expect(account.statusCode).toBe(200);

    fillQueue();
    const busy = await send('POST', '/account/password', {
      csrf_token: csrfTokenOf(account.body),
      current_password: PASSWORD,
      password: 'a brand new passphrase',
      password_again: 'a brand new passphrase',
    });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['content-type']).toMatch(/^text\/html/);
    expect(busy.headers['retry-after']).toBe('3');
    expect(busy.body).toContain('too busy to check your password right now');
    releaseSlot!();
  });
});
