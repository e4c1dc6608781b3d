/**
 * The boundary of the browser plugins (plugins/browser-session.ts, plugins/csrf.ts), in process
 * on SQLite with every store call recorded: a page form whose CSRF token is missing or wrong is
 * refused before its route runs (nothing read, nothing changed); the session is looked up once
 * per request; the API routes never read the session cookie nor ask for a token.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertOf, authorizePath, csrfTokenOf, HttpBrowser, pkcePair } from '../../test/helpers/browser-http.js';
import { recordStoreCalls } from '../../test/helpers/store-recorder.js';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { freePort } from '../../test/helpers/server.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { ClientRegistry, type RegisteredClient } from '../core/clients.js';
import { ManualClock } from '../core/clock.js';
import { composeServices, type Services } from '../compose.js';
import { BrowserSupport, PAGE_ROUTE } from './browser.js';
import { registerCsrfProtection } from './plugins/csrf.js';
import { buildHttpServer } from './server.js';

const T = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase here';
const CALLBACK = 'https://app.example/callback';
const SESSION_READS = ['findSession', 'findUserById'];

describe('the browser plugins: CSRF and the session on the page routes only (in-process, SQLite)', () => {
  let db: TestStore;
  const clock = new ManualClock(T);
  let gatehouse: Services;
  let app: FastifyInstance;
  let origin: string;
  let api: RegisteredClient;
  /** Every store method called, in order. */
  const storeCalls: string[] = [];

  beforeAll(async () => {
    db = await createSqliteStore();
    const recorded = recordStoreCalls(db.store, storeCalls);
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const config = validateConfig({ issuer: origin, supported_scopes: ['read'], default_scope: 'read' });
    gatehouse = composeServices({ passwords: cheapPasswords, config, store: recorded, clock, auditLog: false });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await app.listen({ port, host: '127.0.0.1' });
    await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username: 'bob',
      email: 'bob@example.com',
      password: PASSWORD,
    });
    const registry = new ClientRegistry(db.store, clock);
    api = await registry.create({
      name: 'API',
      redirectUris: [CALLBACK],
      grantTypes: ['authorization_code', 'client_credentials'],
    });
  });

  beforeEach(() => {
    storeCalls.length = 0;
  });

  afterAll(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  /** A browser signed in as bob, its store calls forgotten. */
  async function signedIn(): Promise<HttpBrowser> {
    const browser = new HttpBrowser(origin);
    await browser.signInOrFail('bob', PASSWORD);
    storeCalls.length = 0;
    return browser;
  }

  describe('a page form without a valid CSRF token is refused before its route runs', () => {
    it('sign-in: 403 without a token and with a wrong one, and no account is looked up', async () => {
      const browser = new HttpBrowser(origin);
      const token = csrfTokenOf((await browser.get('/login')).text);
      storeCalls.length = 0;
      const forms: Record<string, string>[] = [
        { username: 'bob', password: PASSWORD },
        { csrf_token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, username: 'bob', password: PASSWORD },
        { csrf_token: 'x', username: 'bob', password: PASSWORD },
      ];
      for (const form of forms) {
        const refused = await browser.post('/login', form);
        expect(refused.status).toBe(403);
        expect(refused.text).toContain('This form has expired or was not sent from this site.');
        expect(refused.setCookies.filter((cookie) => /gatehouse_session$/.test(cookie.name))).toEqual([]);
      }
      expect(storeCalls).toEqual([]);
    });

    it('a token made for another form (purpose) is refused', async () => {
      const browser = new HttpBrowser(origin);
      const resetToken = csrfTokenOf((await browser.get('/reset')).text);
      storeCalls.length = 0;
      const refused = await browser.post('/login', { csrf_token: resetToken, username: 'bob', password: PASSWORD });
      expect(refused.status).toBe(403);
      expect(storeCalls).toEqual([]);
    });

    it('account: a wrong token changes no password; the session is looked up once for hook and route', async () => {
      const browser = await signedIn();
      const page = await browser.get('/account');
      const token = csrfTokenOf(page.text);
      expect(storeCalls.filter((call) => call === 'findSession')).toHaveLength(1);
      storeCalls.length = 0;
      const refused = await browser.post('/account/password', {
        csrf_token: csrfTokenOf((await browser.get('/reset')).text),
        current_password: PASSWORD,
        password: NEW_PASSWORD,
        password_again: NEW_PASSWORD,
      });
      expect(refused.status).toBe(403);
      // The session lookup of the CSRF check, and nothing of the route (no password checked or written).
      expect(storeCalls).toEqual(SESSION_READS);
      expect((await new HttpBrowser(origin).signIn('bob', PASSWORD)).status).toBe(303);

      // With the page's token the same form goes through, and the hook's lookup serves the route too.
      storeCalls.length = 0;
      const revoked = await browser.post('/account/apps/revoke', { csrf_token: token, client_id: 'no-such-app' });
      expect(revoked.status, alertOf(revoked.text)).toBe(303);
      expect(revoked.location).toBe('/account?done=revoked');
      expect(storeCalls.filter((call) => call === 'findSession')).toHaveLength(1);
    });

    it('account, signed out: sent to sign in (303) before the token or the form is looked at', async () => {
      const refused = await new HttpBrowser(origin).post('/account/profile', { username: 'mallory' });
      expect(refused.status).toBe(303);
      expect(refused.location).toBe('/login?return_to=%2Faccount');
      expect(storeCalls).toEqual([]);
    });

    it('sign-out: refused without the token when signed in (still signed in); no token needed when signed out', async () => {
      const browser = await signedIn();
      const refused = await browser.post('/logout', {});
      expect(refused.status).toBe(403);
      expect(storeCalls).not.toContain('deleteSession');
      expect((await browser.get('/account')).status).toBe(200);

      const signedOut = await new HttpBrowser(origin).post('/logout', {});
      expect(signedOut.status).toBe(303);
      expect(signedOut.location).toBe('/logout');
    });

    it('consent: a forged answer is refused and issues no code; a malformed one is a 400 page first', async () => {
      const browser = await signedIn();
      const { challenge } = pkcePair();
      const consent = await browser.get(
        authorizePath({
          response_type: 'code',
          client_id: api.client.id,
          redirect_uri: CALLBACK,
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(consent.status).toBe(200);
      const consentId = /name="consent_id" value="([^"]+)"/.exec(consent.text)![1]!;
      storeCalls.length = 0;
      const forged = await browser.post('/oauth/authorize', {
        consent_id: consentId,
        csrf_token: 'forged',
        decision: 'allow',
      });
      expect(forged.status).toBe(403);
      expect(forged.headers.get('cache-control')).toContain('no-store');
      expect(storeCalls).toEqual(SESSION_READS);

      // The form's own checks come before the token's, as they always did.
      const malformed = await browser.post('/oauth/authorize', { consent_id: consentId, decision: 'maybe' });
      expect(malformed.status).toBe(400);
      expect(malformed.text).toContain('decision must be allow or deny');
      const unexpected = await browser.post('/oauth/authorize', {
        consent_id: consentId,
        decision: 'allow',
        scope: 'read',
      });
      expect(unexpected.status).toBe(400);

      // The consent request is still waiting: the real answer goes through.
      const answered = await browser.post('/oauth/authorize', {
        consent_id: consentId,
        csrf_token: csrfTokenOf(consent.text),
        decision: 'allow',
      });
      expect(answered.status, alertOf(answered.text)).toBe(303);
      expect(answered.location).toMatch(/^https:\/\/app\.example\/callback\?code=/);
    });
  });

  describe('the API routes get none of the browser plugins', () => {
    it('no session cookie is read, no CSRF token asked for, no cookie set', async () => {
      const browser = await signedIn();
      await browser.get('/login');
      const cookie = browser.jar.header()!;
      expect(cookie).toMatch(/gatehouse_session=/);
      expect(cookie).toMatch(/gatehouse_csrf=/);
      storeCalls.length = 0;
      const basic = `Basic ${Buffer.from(`${api.client.id}:${api.secret}`).toString('base64')}`;
      const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic, cookie };
      const answers = [
        await app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: form,
          payload: 'grant_type=client_credentials',
        }),
        await app.inject({ method: 'POST', url: '/oauth/revoke', headers: form, payload: 'token=unknown' }),
        await app.inject({ method: 'POST', url: '/oauth/introspect', headers: form, payload: 'token=unknown' }),
        ...(await Promise.all(
          ['/.well-known/oauth-authorization-server', '/.well-known/jwks.json', '/healthz', '/metrics'].map((url) =>
            app.inject({ method: 'GET', url, headers: { cookie } }),
          ),
        )),
      ];
      for (const answer of answers) {
        expect(answer.statusCode, `${answer.raw.req.url}: ${answer.body}`).toBeLessThan(400);
        expect(answer.headers['set-cookie']).toBeUndefined();
      }
      expect(storeCalls.filter((call) => SESSION_READS.includes(call))).toEqual([]);
    });

    it('their requests are not decorated with the session or the form', async () => {
      expect(app.hasRequestDecorator('browserSession')).toBe(false);
      expect(app.hasRequestDecorator('pageForm')).toBe(false);
      expect(app.hasReplyDecorator('csrfToken')).toBe(false);
    });
  });

  it('a POST page route that declares no form stops start-up', async () => {
    const bare = Fastify();
    bare.register(async (pages) => {
      registerCsrfProtection(pages, new BrowserSupport(gatehouse));
      pages.post('/unprotected', PAGE_ROUTE, async () => 'changed');
    });
    await expect(bare.ready()).rejects.toThrow(/POST \/unprotected .*declare its form/);
    await bare.close();
  });
});
