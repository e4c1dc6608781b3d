/**
 * The authorization request across sign-in (in-process): the sign-in page's return_to carries
 * one opaque id of the request kept on the server — bound to the browser's CSRF cookie,
 * short-lived, bounded per browser and per address — never a copy of the request's parameters.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizePath,
  hiddenField,
  HttpBrowser,
  pkcePair,
  type BrowserResponse,
} from '../../test/helpers/browser-http.js';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { freePort } from '../../test/helpers/server.js';
import { PENDING_SIGN_INS_PER_ADDRESS, PENDING_SIGN_INS_PER_BROWSER } from '../accounts/pending-authorizations.js';
import { addressKey } from '../core/addresses.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { ClientRegistry, type RegisteredClient } from '../core/clients.js';
import { ManualClock } from '../core/clock.js';
import { composeServices, type Services } from '../compose.js';
import { buildHttpServer } from './server.js';

const T = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';
const CALLBACK = 'https://app.example/callback';
const STATE = 'a-state-value-41';
const RETURN_TO = /^\/oauth\/authorize\?pending=[A-Za-z0-9_-]{43}$/;

describe('the authorization request across sign-in (in-process)', () => {
  let db: TestStore;
  const clock = new ManualClock(T);
  let gatehouse: Services;
  let app: FastifyInstance;
  let origin: string;
  let web: RegisteredClient;
  let users = 0;
  /** A new user (consent is remembered per user): its username. */
  async function newUser(): Promise<string> {
    const username = `user${++users}`;
    await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
    });
    return username;
  }

  beforeAll(async () => {
    db = await createSqliteStore();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({ issuer: origin, supported_scopes: ['read', 'write'], default_scope: 'read' }),
      store: db.store,
      clock,
    });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await app.listen({ port, host: '127.0.0.1' });
    web = await new ClientRegistry(db.store, clock).create({ name: 'Web App', redirectUris: [CALLBACK] });
    const accounts = new UserAccounts(db.store, { clock, passwords: cheapPasswords });
    await accounts.create({ username: 'alice', email: 'alice@example.com', password: PASSWORD });
    await accounts.create({ username: 'bob', email: 'bob@example.com', password: PASSWORD });
  });

  afterAll(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  const request = (overrides: Record<string, string> = {}) =>
    authorizePath({
      response_type: 'code',
      client_id: web.client.id,
      redirect_uri: CALLBACK,
      scope: 'read write',
      state: STATE,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      ...overrides,
    });

  /** The return_to of a redirect to the sign-in page. */
  function returnToOf(res: BrowserResponse): string {
    expect(res.status, res.text).toBe(302);
    const location = new URL(res.location!, origin);
    expect(location.pathname).toBe('/login');
    const returnTo = location.searchParams.get('return_to')!;
    expect(returnTo).toMatch(RETURN_TO);
    return returnTo;
  }

  const pendingRows = async (where = '1 = 1', params: unknown[] = []) =>
    Number(
      (
        await db.store.driver.get<{ n: number }>(
          `SELECT COUNT(*) AS n FROM pending_authorizations WHERE session_hash IS NULL AND ${where}`,
          params,
        )
      )?.n,
    );

  it('signed out: the sign-in page carries an opaque id, no copy of the request; after sign-in the request goes on', async () => {
    const browser = new HttpBrowser(origin);
    const padded = `${request()}&decision=allow&consent_id=forged`;
    const returnTo = returnToOf(await browser.get(padded));
    const { page } = await browser.loginForm(returnTo);
    expect(hiddenField(page.text, 'return_to')).toBe(returnTo);
    for (const value of [STATE, CALLBACK, 'read write', 'forged', 'decision']) expect(page.text).not.toContain(value);
    // The app is still named from the request kept on the server.
    expect(page.text).toContain('to continue to <strong>Web App</strong>');

    const signedIn = await browser.signIn('alice', PASSWORD, returnTo);
    expect(signedIn.status, signedIn.text).toBe(303);
    expect(signedIn.location).toBe(returnTo);
    const consent = await browser.get(returnTo);
    expect(consent.status, consent.text).toBe(200);
    expect(consent.text).toContain('Web App</strong> wants to access your account');
    const allowed = await browser.answerConsent(consent.text, 'allow');
    const query = new URL(allowed.location!).searchParams;
    expect(query.get('state')).toBe(STATE);
    expect(query.get('code')).toBeTruthy();
  });

  it('another browser cannot use the id: it is bound to the CSRF cookie of the browser that made the request', async () => {
    const victim = new HttpBrowser(origin);
    const returnTo = returnToOf(await victim.get(request()));
    const attacker = new HttpBrowser(origin);
    await attacker.signInOrFail('bob', PASSWORD);
    const res = await attacker.get(returnTo);
    expect(res.status).toBe(400);
    expect(res.location).toBeNull();
    expect(res.text).toContain('This sign-in link has expired');
    // The sign-in page of another browser does not name the app either.
    expect((await attacker.loginForm(returnTo)).page.text).not.toContain('Web App');
  });

  it('the id must come alone, once, and expires after 15 minutes', async () => {
    const browser = new HttpBrowser(origin);
    const returnTo = returnToOf(await browser.get(request()));
    await browser.signInOrFail(await newUser(), PASSWORD);
    for (const target of [
      `${returnTo}&scope=admin`,
      `${returnTo}&${returnTo.slice('/oauth/authorize?'.length)}`,
      `${returnTo}&client_id=${web.client.id}`,
    ]) {
      const res = await browser.get(target);
      expect(res.status, target).toBe(400);
      expect(res.location).toBeNull();
    }
    // Short-lived, not single-use: a reload of the page works.
    expect((await browser.get(returnTo)).status).toBe(200);
    expect((await browser.get(returnTo)).status).toBe(200);
    clock.advance(901);
    expect((await browser.get(returnTo)).status).toBe(400);
  });

  it('once its request is answered on the consent page, the sign-in link that led there is spent', async () => {
    const browser = new HttpBrowser(origin);
    const returnTo = returnToOf(await browser.get(request()));
    await browser.signInOrFail(await newUser(), PASSWORD);
    const consent = await browser.get(returnTo);
    expect(consent.status).toBe(200);
    const answered = await browser.post('/oauth/authorize', [
      ['consent_id', hiddenField(consent.text, 'consent_id')!],
      ['csrf_token', hiddenField(consent.text, 'csrf_token')!],
      ['decision', 'allow'],
    ]);
    expect(answered.status).toBe(303);
    // A replay (the consent is remembered by now) would answer again without asking anything.
    const replay = await browser.get(returnTo);
    expect(replay.status).toBe(400);
    expect(replay.location).toBeNull();
  });

  it('"Not you?" signs out and in as someone else with the same request, still by its id', async () => {
    const browser = new HttpBrowser(origin);
    await browser.signInOrFail(await newUser(), PASSWORD);
    const consent = await browser.get(request());
    expect(consent.status).toBe(200);
    const notYou = /href="\/logout\?return_to=([^"]+)"/.exec(consent.text)?.[1];
    const returnTo = decodeURIComponent(notYou!);
    expect(returnTo).toMatch(RETURN_TO);
    const logout = await browser.get(`/logout?return_to=${encodeURIComponent(returnTo)}`);
    expect(hiddenField(logout.text, 'return_to')).toBe(returnTo);
    const out = await browser.post('/logout', [
      ['csrf_token', hiddenField(logout.text, 'csrf_token')!],
      ['return_to', returnTo],
    ]);
    expect(out.status).toBe(303);
    const other = await newUser();
    expect((await browser.signIn(other, PASSWORD, returnTo)).location).toBe(returnTo);
    const again = await browser.get(returnTo);
    expect(again.status).toBe(200);
    expect(again.text).toContain(`Signed in as <strong>${other}</strong>`);
  });

  it('bounded: a browser keeps its newest few; requests without cookies from one address keep a fixed number of rows', async () => {
    const browser = new HttpBrowser(origin);
    const first = returnToOf(await browser.get(request()));
    for (let i = 0; i < PENDING_SIGN_INS_PER_BROWSER; i++) {
      clock.advance(1);
      returnToOf(await browser.get(request()));
    }
    await browser.signInOrFail(await newUser(), PASSWORD);
    expect((await browser.get(first)).status).toBe(400);

    await db.store.driver.run('DELETE FROM pending_authorizations WHERE session_hash IS NULL');
    const requests = PENDING_SIGN_INS_PER_ADDRESS + 50;
    for (let i = 0; i < requests; i++) {
      const res = await app.inject({ method: 'GET', url: request(), remoteAddress: '198.51.100.7' });
      expect(res.statusCode).toBe(302);
    }
    expect(await pendingRows('address_key = ?', ['198.51.100.7'])).toBe(PENDING_SIGN_INS_PER_ADDRESS);
    // IPv6 counts by /64: another address of the same /64 shares the budget.
    for (let i = 0; i < requests; i++) {
      await app.inject({ method: 'GET', url: request(), remoteAddress: `2001:db8:1:2::${(i % 50).toString(16)}` });
    }
    expect(await pendingRows('address_key = ?', ['2001:db8:1:2::/64'])).toBe(PENDING_SIGN_INS_PER_ADDRESS);
  });

  it('address keys: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by /64', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:0:0:1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8::/64');
    expect(addressKey('::ffff:c000:201')).toBe('192.0.2.1');
  });
});
