/**
 * The consent page against a forged request (issue 14 "Deny becomes Allow"), through the real
 * HTTP server in this process: the form carries one opaque id of a request kept on the server,
 * the CSRF token and the button pressed, nothing else; repeated parameters are refused on the
 * authorization request and on every page form; a Deny stores and revokes nothing; a public
 * client at a loopback or app-scheme redirect URI is always asked (RFC 8252 §8.6).
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizePath,
  hiddenFields,
  HttpBrowser,
  pkcePair,
  type BrowserResponse,
} from '../../test/helpers/browser-http.js';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { freePort } from '../../test/helpers/server.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { ClientRegistry, type RegisteredClient } from '../core/clients.js';
import { ManualClock } from '../core/clock.js';
import { tokenKey } from '../core/secrets.js';
import { composeServices, type Services } from '../compose.js';
import { buildHttpServer } from './server.js';

const T = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';
const CALLBACK = 'https://app.example/callback';
const STATE = 'st-1';

describe('the consent page against forged requests (in-process)', () => {
  let db: TestStore;
  const clock = new ManualClock(T);
  let gatehouse: Services;
  let app: FastifyInstance;
  let origin: string;
  let web: RegisteredClient;
  let users = 0;
  const clients = {} as Record<
    'loopback' | 'loopbackTrusted' | 'localhost' | 'appScheme' | 'publicHttps' | 'confidentialLoopback',
    RegisteredClient
  >;

  beforeAll(async () => {
    db = await createSqliteStore();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const config = validateConfig({
      issuer: origin,
      supported_scopes: ['read', 'write'],
      default_scope: 'read',
      registration: { enabled: true },
    });
    gatehouse = composeServices({ passwords: cheapPasswords, config, store: db.store, clock });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await app.listen({ port, host: '127.0.0.1' });
    const registry = new ClientRegistry(db.store, clock);
    web = await registry.create({
      name: 'Web App',
      redirectUris: [CALLBACK],
      allowedResources: ['https://a.example/', 'https://b.example/'],
    });
    clients.loopback = await registry.create({ name: 'CLI', isPublic: true, redirectUris: ['http://127.0.0.1/cb'] });
    clients.loopbackTrusted = await registry.create({
      name: 'Trusted CLI',
      isPublic: true,
      trusted: true,
      redirectUris: ['http://[::1]/cb'],
    });
    clients.localhost = await registry.create({
      name: 'Desktop',
      isPublic: true,
      redirectUris: ['http://localhost:8400/cb'],
    });
    clients.appScheme = await registry.create({
      name: 'Phone',
      isPublic: true,
      redirectUris: ['com.example.app:/oauth/cb'],
    });
    clients.publicHttps = await registry.create({
      name: 'SPA',
      isPublic: true,
      redirectUris: ['https://spa.example/cb'],
    });
    clients.confidentialLoopback = await registry.create({
      name: 'Local Server',
      redirectUris: ['http://127.0.0.1:9000/cb'],
    });
  });

  afterAll(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  /** A new user, signed in in a new browser. */
  async function signedIn(): Promise<{ browser: HttpBrowser; userId: string }> {
    const username = `user${++users}`;
    const user = await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
    });
    const browser = new HttpBrowser(origin);
    await browser.signInOrFail(username, PASSWORD);
    return { browser, userId: user.id };
  }

  function request(client: RegisteredClient = web, overrides: Record<string, string | undefined> = {}) {
    return {
      response_type: 'code',
      client_id: client.client.id,
      redirect_uri: client.client.redirectUris[0],
      scope: 'read',
      state: STATE,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      ...overrides,
    };
  }

  function expectConsentPage(res: BrowserResponse): void {
    expect(res.status, `${res.status} ${res.location ?? ''}`).toBe(200);
    expect(res.text).toContain('wants to access your account');
  }

  function expectErrorPage(res: BrowserResponse, status = 400): void {
    expect(res.status, res.text).toBe(status);
    expect(res.location).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  }

  /** The query of a redirect to `redirectUri`. */
  function redirectQuery(res: BrowserResponse, redirectUri = CALLBACK): URLSearchParams {
    expect([302, 303], res.text).toContain(res.status);
    expect(res.location!.startsWith(`${redirectUri}?`), res.location!).toBe(true);
    return new URL(res.location!).searchParams;
  }

  const post = (browser: HttpBrowser, path: string, body: string) =>
    browser.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  describe('Deny becomes Allow', () => {
    it('a link padded with decision=allow (and other fields): Deny still denies, no code, and the next request asks again', async () => {
      const { browser, userId } = await signedIn();
      const padded = `${authorizePath(request())}&decision=allow&csrf_token=forged&consent_id=forged&client_secret=x`;
      const consent = await browser.get(padded);
      expectConsentPage(consent);
      // The form carries the CSRF token and one opaque id, no copy of the request.
      const fields = hiddenFields(consent.text);
      expect(fields.map(([name]) => name).sort()).toEqual(['consent_id', 'csrf_token']);
      expect(fields.find(([name]) => name === 'consent_id')![1]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(consent.text).not.toContain('forged');

      const denied = await browser.answerConsent(consent.text, 'deny');
      const query = redirectQuery(denied);
      expect(denied.status).toBe(303);
      expect(query.get('error')).toBe('access_denied');
      expect(query.get('state')).toBe(STATE);
      expect(query.has('code')).toBe(false);
      expect(await db.store.findConsent(userId, web.client.id)).toBeNull();
      expectConsentPage(await browser.get(authorizePath(request())));
    });

    it('a second decision in the form, before or after the button, is refused (400 page) and issues nothing', async () => {
      const { browser, userId } = await signedIn();
      const consent = await browser.get(authorizePath(request()));
      expectConsentPage(consent);
      const hidden = new URLSearchParams(hiddenFields(consent.text)).toString();
      for (const body of [
        `decision=allow&${hidden}&decision=deny`,
        `${hidden}&decision=deny&decision=allow`,
        `${hidden}&decision=allow&decision=allow`,
      ]) {
        const res = await post(browser, '/oauth/authorize', body);
        expectErrorPage(res);
        expect(res.text).toContain('decision');
      }
      expect(await db.store.findConsent(userId, web.client.id)).toBeNull();
      // The refused posts did not use up the page: the user's own answer still counts.
      expect(redirectQuery(await browser.answerConsent(consent.text, 'deny')).get('error')).toBe('access_denied');
    });

    it('any field but consent_id, csrf_token and decision is refused: no request parameter is read from the form', async () => {
      const { browser } = await signedIn();
      const consent = await browser.get(authorizePath(request()));
      for (const [name, value] of [
        ['redirect_uri', 'https://evil.example/cb'],
        ['scope', 'read write'],
        ['client_id', web.client.id],
        ['state', 'x'],
        ['other', '1'],
      ]) {
        expectErrorPage(await browser.answerConsent(consent.text, 'allow', (fields) => [...fields, [name!, value!]]));
      }
      for (const missing of ['consent_id', 'csrf_token']) {
        const res = await browser.answerConsent(consent.text, 'allow', (fields) =>
          fields.filter(([name]) => name !== missing),
        );
        expect(res.location).toBeNull();
        expect([400, 403]).toContain(res.status);
      }
      const allowed = redirectQuery(await browser.answerConsent(consent.text, 'allow'));
      expect(allowed.get('code')).toBeTruthy();
    });

    it('a consent page is answered once: the same form again is a 400 page, nothing more issued', async () => {
      const { browser } = await signedIn();
      const consent = await browser.get(authorizePath(request()));
      expect(redirectQuery(await browser.answerConsent(consent.text, 'allow')).get('code')).toBeTruthy();
      for (const decision of ['allow', 'deny']) {
        const again = await browser.answerConsent(consent.text, decision);
        expectErrorPage(again);
        expect(again.text).toContain('This page has expired');
      }
    });

    it('expires after ten minutes', async () => {
      const { browser } = await signedIn();
      const consent = await browser.get(authorizePath(request()));
      clock.advance(601);
      expectErrorPage(await browser.answerConsent(consent.text, 'allow'));
    });

    it("another session's consent id is useless, even with that browser's own valid CSRF token", async () => {
      const victim = await signedIn();
      const attacker = await signedIn();
      const victimPage = await victim.browser.get(authorizePath(request()));
      const attackerPage = await attacker.browser.get(authorizePath(request()));
      const victimId = new Map(hiddenFields(victimPage.text)).get('consent_id')!;
      const res = await attacker.browser.answerConsent(attackerPage.text, 'allow', (fields) =>
        fields.map(([name, value]): [string, string] => [name, name === 'consent_id' ? victimId : value]),
      );
      expectErrorPage(res);
      expect(await db.store.findConsent(attacker.userId, web.client.id)).toBeNull();
      // The victim's page still works for the victim.
      expect(redirectQuery(await victim.browser.answerConsent(victimPage.text, 'deny')).get('error')).toBe(
        'access_denied',
      );
    });

    it('a Deny stores nothing and revokes nothing: an earlier consent and its tokens stay, and the wider request asks again', async () => {
      const { browser, userId } = await signedIn();
      const first = await browser.get(authorizePath(request(web, { scope: 'read' })));
      const code = redirectQuery(await browser.answerConsent(first.text, 'allow')).get('code')!;
      const stored = await db.store.findAuthorizationCode(tokenKey(code));
      const consentBefore = await db.store.findConsent(userId, web.client.id);
      expect(consentBefore?.scopes).toEqual(['read']);

      const wider = await browser.get(authorizePath(request(web, { scope: 'read write' })));
      expectConsentPage(wider);
      expect(redirectQuery(await browser.answerConsent(wider.text, 'deny')).get('error')).toBe('access_denied');
      expect(await db.store.findConsent(userId, web.client.id)).toEqual(consentBefore);
      expect((await db.store.findAuthorizationCode(tokenKey(code)))?.consumedAt).toBe(stored?.consumedAt);
      expectConsentPage(await browser.get(authorizePath(request(web, { scope: 'read write' }))));
      // The narrower request is still remembered.
      expect(redirectQuery(await browser.get(authorizePath(request(web, { scope: 'read' })))).get('code')).toBeTruthy();
    });

    it('the client is checked again when the form is answered: deleted since, an error page and nothing issued', async () => {
      const { browser, userId } = await signedIn();
      const doomed = await new ClientRegistry(db.store, clock).create({ name: 'Doomed', redirectUris: [CALLBACK] });
      const consent = await browser.get(authorizePath(request(doomed)));
      expectConsentPage(consent);
      await db.store.deleteClient(doomed.client.id);
      const res = await browser.answerConsent(consent.text, 'allow');
      expectErrorPage(res);
      expect(await db.store.findConsent(userId, doomed.client.id)).toBeNull();
    });
  });

  describe('repeated parameters (RFC 6749 §3.1)', () => {
    it('a repeated client_id or redirect_uri: the error page, never a redirect', async () => {
      const { browser } = await signedIn();
      const path = authorizePath(request());
      for (const extra of [
        `client_id=${web.client.id}`,
        `client_id=other`,
        `redirect_uri=${encodeURIComponent(CALLBACK)}`,
        'redirect_uri=https%3A%2F%2Fevil.example%2F',
      ]) {
        expectErrorPage(await browser.get(`${path}&${extra}`));
      }
      // Before the first value too: never "last wins" either.
      expectErrorPage(await browser.get(`/oauth/authorize?client_id=evil&${path.slice('/oauth/authorize?'.length)}`));
    });

    it('any other repeated parameter: invalid_request at the redirect URI', async () => {
      const { browser } = await signedIn();
      const path = authorizePath(request());
      for (const extra of [
        'response_type=code',
        'scope=write',
        'code_challenge=x',
        'code_challenge_method=S256',
        'decision=allow&decision=deny',
        'prompt=none&prompt=login',
      ]) {
        const query = redirectQuery(await browser.get(`${path}&${extra}`));
        expect(query.get('error'), extra).toBe('invalid_request');
        expect(query.has('code')).toBe(false);
      }
      const state = redirectQuery(await browser.get(`${path}&state=other`));
      expect(state.get('error')).toBe('invalid_request');
      expect(state.has('state')).toBe(false);
    });

    it('resource (RFC 8707, each registered for the client) and audience may repeat', async () => {
      const { browser } = await signedIn();
      const path = authorizePath(request());
      expectConsentPage(
        await browser.get(`${path}&resource=https%3A%2F%2Fa.example%2F&resource=https%3A%2F%2Fb.example%2F`),
      );
      expectConsentPage(await browser.get(`${path}&audience=a&audience=b`));
    });

    it('every page form refuses a repeated field with a 400 page', async () => {
      const browser = new HttpBrowser(origin);
      const { csrfToken } = await browser.loginForm();
      const login = await post(
        browser,
        '/login',
        new URLSearchParams([
          ['csrf_token', csrfToken],
          ['username', 'nobody'],
          ['username', 'user1'],
          ['password', PASSWORD],
        ]).toString(),
      );
      expectErrorPage(login);
      expect(login.text).toContain('sent more than once');
      expect(login.setCookies.some((cookie) => cookie.name === 'gatehouse_session')).toBe(false);

      const { browser: signedInBrowser } = await signedIn();
      for (const path of [
        '/login',
        '/logout',
        '/register',
        '/register/confirm',
        '/reset',
        '/reset/password',
        '/account/profile',
        '/account/password',
        '/account/apps/revoke',
        '/oauth/authorize',
      ]) {
        for (const b of [browser, signedInBrowser]) {
          const res = await post(b, path, 'csrf_token=a&csrf_token=b');
          expectErrorPage(res);
          expect(res.text, path).toContain('sent more than once');
        }
      }
    });
  });

  describe('public clients at loopback or app-scheme redirect URIs are always asked (RFC 8252 §8.6)', () => {
    it('remembered consent and the trusted flag are ignored for them', async () => {
      const { browser } = await signedIn();
      for (const client of [clients.loopback, clients.loopbackTrusted, clients.localhost, clients.appScheme]) {
        const redirectUri = client.client.redirectUris[0]!;
        for (let round = 0; round < 2; round++) {
          const consent = await browser.get(authorizePath(request(client)));
          expectConsentPage(consent);
          expect(consent.text).toContain('You will be asked again next time');
          expect(
            redirectQuery(await browser.answerConsent(consent.text, 'allow'), redirectUri).get('code'),
          ).toBeTruthy();
        }
        // Any loopback port matches the registration (RFC 8252 §7.3): still asked.
        if (redirectUri.startsWith('http://127.0.0.1/')) {
          expectConsentPage(
            await browser.get(authorizePath(request(client, { redirect_uri: 'http://127.0.0.1:5555/cb' }))),
          );
        }
      }
    });

    it('a public client at an https redirect URI, and a confidential one at a loopback URI, are remembered as before', async () => {
      const { browser } = await signedIn();
      for (const client of [clients.publicHttps, clients.confidentialLoopback]) {
        const redirectUri = client.client.redirectUris[0]!;
        const consent = await browser.get(authorizePath(request(client)));
        expectConsentPage(consent);
        expect(consent.text).toContain('You will not be asked again');
        redirectQuery(await browser.answerConsent(consent.text, 'allow'), redirectUri);
        expect(redirectQuery(await browser.get(authorizePath(request(client))), redirectUri).get('code')).toBeTruthy();
      }
    });
  });
});
