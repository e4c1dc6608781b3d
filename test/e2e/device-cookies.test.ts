/**
 * Device cookies and known accounts (OWASP's "device cookies"), through the real HTTP server in
 * this process (../harness), with the clock moved by hand and a cheap password check (argon2
 * would make 1,000 attempts slow). Everything comes from 127.0.0.1: one address, as behind a NAT or proxy.
 *
 * Threshold 5 (the default): an account from one address allows 5 failures, the address 20, an
 * account from anywhere 50, a device cookie (or a client's known account) 5.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../src/core/clients.js';
import { ManualClock } from '../../src/core/clock.js';
import type { PasswordVerifier } from '../../src/accounts/passwords.js';
import type { Store, UserRecord } from '../../src/storage/store.js';
import { alertOf, csrfTokenOf, HttpBrowser, type BrowserResponse } from '../helpers/browser-http.js';
import { tokenRequest } from '../helpers/server.js';
import { startTestServer, type TestServer } from '../harness/index.js';

const T = 1_800_000_000;
const MAX_DELAY = 900;
/** Passwords are stored as "plain:<password>" here: checking one costs nothing. */
const cheapPasswords: PasswordVerifier = {
  verify: async (hashed, password) => hashed !== null && hashed === `plain:${password}`,
};

async function addUser(store: Store, username: string, password: string): Promise<UserRecord> {
  const user: UserRecord = {
    id: `id-${username}`,
    username,
    usernameCanonical: username,
    email: `${username}@example.com`,
    emailCanonical: `${username}@example.com`,
    passwordHash: `plain:${password}`,
    enabled: true,
    awaitingConfirmation: false,
    roles: [],
    createdAt: T,
    updatedAt: T,
  };
  await store.createUser(user);
  return user;
}

type Server = TestServer;

/** The issuer is the server's own URL unless given. Logs are off: thousands of attempts would fill them. */
function startServer(issuer?: string): Promise<Server> {
  return startTestServer({
    clock: new ManualClock(T),
    passwords: cheapPasswords,
    auditLog: false,
    env: { GATEHOUSE_LOG_LEVEL: 'silent' },
    config: { login_throttle_max_delay: MAX_DELAY, ...(issuer ? { issuer } : {}) },
  });
}

const deviceCookieOf = (res: BrowserResponse) => res.setCookies.find((cookie) => /gatehouse_device$/.test(cookie.name));

/** A browser that signed in to `username` (and got its device cookie), then signed out of the session only. */
async function knownBrowser(url: string, username: string, password: string): Promise<HttpBrowser> {
  const browser = new HttpBrowser(url);
  const res = await browser.signInOrFail(username, password);
  expect(deviceCookieOf(res), 'a device cookie after the first sign-in').toBeDefined();
  browser.jar.delete('gatehouse_session');
  return browser;
}

/** Posts the sign-in form `times` times with one CSRF token, as a script would; returns the statuses seen. */
async function hammer(url: string, logins: (i: number) => string, times: number): Promise<Map<number, number>> {
  const attacker = new HttpBrowser(url);
  let { csrfToken } = await attacker.loginForm();
  const statuses = new Map<number, number>();
  for (let i = 0; i < times; i++) {
    const res = await attacker.post('/login', { csrf_token: csrfToken, username: logins(i), password: `guess ${i}` });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    csrfToken = csrfTokenOf(res.text);
  }
  return statuses;
}

describe('device cookies (in-process HTTP, SQLite)', () => {
  let server: Server;
  const PASSWORD = 'owner password';

  beforeAll(async () => {
    server = await startServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(() => {
    // Every counter forgets failures older than max_delay: each test starts unthrottled.
    server.clock.advance(MAX_DELAY + 1);
  });

  it("an attacker's 1,000 failures from the owner's address: the owner's browser, with its device cookie, signs in at once", async () => {
    await addUser(server.gatehouse.store, 'owner', PASSWORD);
    await addUser(server.gatehouse.store, 'colleague', 'colleague password');
    const owner = await knownBrowser(server.url, 'owner', PASSWORD);
    const colleague = await knownBrowser(server.url, 'colleague', 'colleague password');

    // Half against the owner's account, half against made-up names, all from 127.0.0.1, no time passing.
    const statuses = await hammer(server.url, (i) => (i % 2 === 0 ? 'owner' : `made-up-${i}`), 1000);
    expect([...statuses.keys()].sort()).toEqual([400, 429]);
    expect(statuses.get(400)).toBeLessThanOrEqual(21);

    // The attack worked: a browser without a device cookie is held back, even with the right password.
    const stranger = await new HttpBrowser(server.url).signIn('owner', PASSWORD);
    expect(stranger.status).toBe(429);
    expect(stranger.headers.get('retry-after')).toMatch(/^\d+$/);

    // The owner and a colleague behind the same address are not.
    const signedIn = await owner.signIn('owner', PASSWORD);
    expect(signedIn.status, alertOf(signedIn.text)).toBe(303);
    expect(signedIn.setCookies.some((cookie) => /gatehouse_session$/.test(cookie.name) && cookie.value)).toBe(true);
    // It already had a valid cookie: no new one.
    expect(deviceCookieOf(signedIn)).toBeUndefined();
    expect((await colleague.signIn('colleague', 'colleague password')).status).toBe(303);
  });

  it("after the same attack, the signed-in owner's browser can still change the password on /account (its device cookie counts there too)", async () => {
    await addUser(server.gatehouse.store, 'keeper', PASSWORD);
    const owner = new HttpBrowser(server.url);
    await owner.signInOrFail('keeper', PASSWORD);
    await hammer(server.url, (i) => (i % 2 === 0 ? 'keeper' : `made-up-${i}`), 200);
    // Without a device cookie the account's and the address's counters hold the current password back…
    const stranger = await new HttpBrowser(server.url).signIn('keeper', PASSWORD);
    expect(stranger.status).toBe(429);
    // …but the owner, signed in with its device cookie, proves it on the account page at once.
    const page = await owner.get('/account');
    expect(page.status).toBe(200);
    const changed = await owner.post('/account/password', {
      csrf_token: csrfTokenOf(page.text),
      current_password: PASSWORD,
      password: 'a brand new passphrase',
      password_again: 'a brand new passphrase',
    });
    expect(changed.status, alertOf(changed.text)).toBe(303);
  });

  it('a device cookie exempts only for its own account, and a stolen cookie has only its own small budget', async () => {
    await addUser(server.gatehouse.store, 'victim', PASSWORD);
    await addUser(server.gatehouse.store, 'bystander', 'bystander password');
    const owner = await knownBrowser(server.url, 'victim', PASSWORD);
    await hammer(server.url, (i) => `made-up-${i}`, 100);

    // The victim's cookie does nothing for another account: the address is blocked.
    expect((await owner.signIn('bystander', 'bystander password')).status).toBe(429);

    // A thief with a copy of the cookie gets 6 guesses (the sixth failure, past the threshold of 5,
    // blocks the cookie); then the cookie is blocked like any counter, and gives no second budget.
    const thief = new HttpBrowser(server.url);
    thief.jar.set('gatehouse_device', owner.jar.get('gatehouse_device')!);
    const guesses: number[] = [];
    for (let i = 0; i < 20; i++) guesses.push((await thief.signIn('victim', `guess ${i}`)).status);
    expect(guesses.slice(0, 6)).toEqual(Array.from({ length: 6 }, () => 400));
    expect(guesses.slice(6)).toEqual(Array.from({ length: 14 }, () => 429));
  });

  it('the cookie is random, HttpOnly, SameSite=Lax, long-lived, stored only as its SHA-256; an account keeps its newest 10', async () => {
    await addUser(server.gatehouse.store, 'many', PASSWORD);
    const cookies: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await new HttpBrowser(server.url).signInOrFail('many', PASSWORD);
      const cookie = deviceCookieOf(res)!;
      expect(cookie.name).toBe('gatehouse_device');
      expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookie.attributes.get('httponly')).toBe(true);
      expect(cookie.attributes.get('samesite')).toBe('Lax');
      expect(cookie.attributes.get('path')).toBe('/');
      expect(Number(cookie.attributes.get('max-age'))).toBeGreaterThanOrEqual(90 * 86_400);
      cookies.push(cookie.value);
      server.clock.advance(1);
    }
    expect(new Set(cookies).size).toBe(12);
    const rows = await server.store.driver.all<{ id_hash: string }>(
      "SELECT id_hash FROM trusted_devices WHERE user_id = 'id-many'",
    );
    const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
    // The newest 10, by hash only.
    expect(rows.map((row) => row.id_hash).sort()).toEqual(cookies.slice(2).map(sha256).sort());
    const everything = JSON.stringify(await server.store.driver.all('SELECT * FROM trusted_devices'));
    for (const value of cookies) expect(everything).not.toContain(value);
  });

  it('over https the cookie is __Host-gatehouse_device, Secure', async () => {
    const secure = await startServer('https://auth.example');
    try {
      await addUser(secure.gatehouse.store, 'secure', PASSWORD);
      const browser = new HttpBrowser(secure.url);
      const { csrfToken } = await browser.loginForm();
      const res = await browser.post('/login', { csrf_token: csrfToken, username: 'secure', password: PASSWORD });
      expect(res.status).toBe(303);
      const cookie = deviceCookieOf(res)!;
      expect(cookie.name).toBe('__Host-gatehouse_device');
      expect(cookie.attributes.get('secure')).toBe(true);
      expect(cookie.attributes.get('httponly')).toBe(true);
      expect(cookie.attributes.has('domain')).toBe(false);
    } finally {
      await secure.close();
    }
  });

  describe('password grant: a confidential client and its known accounts', () => {
    let confidential: { id: string; secret: string };
    let otherConfidential: { id: string; secret: string };
    let publicClient: string;

    beforeAll(async () => {
      const registry = new ClientRegistry(server.gatehouse.store, server.clock);
      const made = await registry.create({ name: 'App', grantTypes: ['password'] });
      confidential = { id: made.client.id, secret: made.secret! };
      const other = await registry.create({ name: 'Other app', grantTypes: ['password'] });
      otherConfidential = { id: other.client.id, secret: other.secret! };
      publicClient = (await registry.create({ name: 'Public app', grantTypes: ['password'], isPublic: true })).client
        .id;
    });

    const grant = (client: { id: string; secret: string } | string, username: string, password: string) =>
      typeof client === 'string'
        ? tokenRequest(server.url, { grant_type: 'password', client_id: client, username, password })
        : tokenRequest(
            server.url,
            { grant_type: 'password', username, password },
            { basic: [client.id, client.secret] },
          );

    it("after an attacker's 1,000 failures from its address, a known account still signs in at once; others wait", async () => {
      await addUser(server.gatehouse.store, 'api-user', PASSWORD);
      expect((await grant(confidential, 'api-user', PASSWORD)).status).toBe(200);

      const codes = new Map<string, number>();
      for (let i = 0; i < 1000; i++) {
        const res = await grant(publicClient, i % 2 === 0 ? 'api-user' : `made-up-${i}`, 'guess');
        const description = String(res.json?.error_description);
        const kind = description.startsWith('too many') ? 'throttled' : description;
        codes.set(kind, (codes.get(kind) ?? 0) + 1);
      }
      expect(codes.get('invalid username or password')).toBeLessThanOrEqual(21);
      expect(codes.get('throttled')).toBeGreaterThanOrEqual(979);

      const known = await grant(confidential, 'api-user', PASSWORD);
      expect(known.status, known.text).toBe(200);
      expect(typeof known.json.access_token).toBe('string');

      // Not known: the same account through another client, or through a public client, waits.
      for (const client of [otherConfidential, publicClient]) {
        const held = await grant(client, 'api-user', PASSWORD);
        expect(held.status, held.text).toBe(400);
        expect(held.json.error_description).toMatch(/^too many failed sign-in attempts; retry in \d+ seconds$/);
      }
    });

    it('a known account has its own budget (5 failures, the sixth blocks it), and is then blocked itself', async () => {
      await addUser(server.gatehouse.store, 'api-user-2', PASSWORD);
      expect((await grant(confidential, 'api-user-2', PASSWORD)).status).toBe(200);
      for (let i = 0; i < 30; i++) await grant(publicClient, `made-up-${i}`, 'guess');
      const answers: string[] = [];
      for (let i = 0; i < 10; i++)
        answers.push(String((await grant(confidential, 'api-user-2', `guess ${i}`)).json.error_description));
      expect(answers.slice(0, 6)).toEqual(Array.from({ length: 6 }, () => 'invalid username or password'));
      for (const answer of answers.slice(6)) expect(answer).toMatch(/^too many failed sign-in attempts/);
    });
  });
});
