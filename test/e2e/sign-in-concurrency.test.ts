/**
 * Right passwords are never refused as failures, however many sign-ins are in flight: 50
 * password-grant sign-ins of one user with the right password, all at once, through the HTTP
 * server in this process (app.inject), with real argon2, on both engines. And when attempts stay
 * queued past login_throttle_max_wait the answer is 503 temporarily_unavailable with Retry-After
 * (token endpoint) or a 503 page (sign-in form), never invalid_grant or "incorrect".
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAccounts } from '../../src/accounts/users.js';
import type { PasswordVerifier } from '../../src/accounts/passwords.js';
import { validateConfig } from '../../src/config/load.js';
import { ClientRegistry } from '../../src/core/clients.js';
import { ManualClock } from '../../src/core/clock.js';
import { composeServices, type Services } from '../../src/start.js';
import { buildHttpServer } from '../../src/http/server.js';
import { alertOf, csrfTokenOf } from '../helpers/browser-http.js';
import { createSqliteStore, describeEachEngine, type TestStore } from '../helpers/databases.js';

const T = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachEngine('50 concurrent right-password sign-ins of one user', (factory) => {
  let db: TestStore;
  let gatehouse: Services;
  let app: FastifyInstance;
  let publicClient: string;
  let confidential: { id: string; secret: string };

  beforeAll(async () => {
    db = await factory.createStore();
    const clock = new ManualClock(T);
    // The default threshold (5); a generous wait bound, since argon2 on a busy machine is slow.
    const config = validateConfig({ issuer: 'http://127.0.0.1:8080', login_throttle_max_wait: 60 });
    gatehouse = composeServices({ config, store: db.store, clock, auditLog: false });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await new UserAccounts(db.store, { clock }).create({ username: 'alice', email: 'alice@example.com', password: PASSWORD });
    const registry = new ClientRegistry(db.store, clock);
    publicClient = (await registry.create({ name: 'Public', grantTypes: ['password'], isPublic: true })).client.id;
    const made = await registry.create({ name: 'Confidential', grantTypes: ['password'] });
    confidential = { id: made.client.id, secret: made.secret! };
  });

  afterAll(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  const grant = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/oauth/token', headers: { ...FORM, ...headers }, payload: new URLSearchParams({ grant_type: 'password', ...params }).toString() });

  it('through a public client (address and account counters): all 50 get 200 with tokens, and nothing is counted', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => grant({ client_id: publicClient, username: 'alice', password: PASSWORD })));
    const statuses = answers.map((answer) => `${answer.statusCode} ${answer.statusCode === 200 ? '' : answer.body}`.trim());
    expect(statuses).toEqual(Array.from({ length: 50 }, () => '200'));
    for (const answer of answers) expect(typeof answer.json().access_token).toBe('string');
    const rows = await db.store.driver.all<{ throttle_key: string }>('SELECT throttle_key FROM throttles');
    expect(rows).toEqual([]);
  });

  it('through a confidential client (its known account after the first): all 50 get 200 with tokens', async () => {
    const basic = `Basic ${Buffer.from(`${confidential.id}:${confidential.secret}`).toString('base64')}`;
    const answers = await Promise.all(Array.from({ length: 50 }, () => grant({ username: 'alice@example.com', password: PASSWORD }, { authorization: basic })));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array.from({ length: 50 }, () => 200));
  });
});

describe('overload: attempts queued past login_throttle_max_wait (SQLite)', () => {
  let db: TestStore;
  let gatehouse: Services;
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
    db = await createSqliteStore();
    const clock = new ManualClock(T);
    // Threshold 2: 3 attempts of one account from one address may be in flight; 0 s: no waiting.
    const config = validateConfig({ issuer: 'http://127.0.0.1:8080', login_throttle_threshold: 2, login_throttle_max_wait: 0 });
    gatehouse = composeServices({ config, store: db.store, clock, passwords: gated, auditLog: false });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await db.store.createUser({
      id: 'id-alice', username: 'alice', usernameCanonical: 'alice', email: 'alice@example.com', emailCanonical: 'alice@example.com',
      passwordHash: `plain:${PASSWORD}`, enabled: true, awaitingConfirmation: false, roles: [], createdAt: T, updatedAt: T,
    });
    publicClient = (await new ClientRegistry(db.store, clock).create({ name: 'Public', grantTypes: ['password'], isPublic: true })).client.id;
  });

  afterAll(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  async function untilPending(n: number): Promise<void> {
    for (let i = 0; i < 1000 && pending.length < n; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(pending.length).toBe(n);
  }

  it('the token endpoint answers 503 {"error":"temporarily_unavailable"} with Retry-After, and the sign-in page a 503 page with Retry-After', async () => {
    const grant = () =>
      app.inject({ method: 'POST', url: '/oauth/token', headers: FORM, payload: new URLSearchParams({ grant_type: 'password', client_id: publicClient, username: 'alice', password: PASSWORD }).toString() });
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
      payload: new URLSearchParams({ csrf_token: csrfTokenOf(page.body), username: 'alice', password: PASSWORD }).toString(),
    });
    expect(form.statusCode).toBe(503);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.headers['retry-after']).toMatch(/^\d+$/);
    expect(alertOf(form.body)).toMatch(/try again/i);
    expect(form.body).toContain('action="/login"');

    // The attempts in flight finish normally: right passwords, tokens, nothing counted.
    while (pending.length > 0) pending.shift()!();
    expect((await Promise.all(inFlight)).map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(await db.store.driver.all('SELECT * FROM throttles')).toEqual([]);
  });
});
