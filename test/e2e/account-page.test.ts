/**
 * The account page end to end (issue 5): /account with its three forms (profile, password,
 * remove an app's access), against the app in the test's process (../harness) on SQLite, with a real SMTP
 * server in the test process for the notices it sends.
 *
 * Every change asks for the current password, checked under the sign-in throttle; the
 * throttling scenario runs on a database of its own (the counters live in the database and the
 * per-address one is shared by everything from 127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountPage,
  BAD_LOGIN,
  expectCsrfFailure,
  expectHtmlPage,
  expectInvalidGrant,
  expectMethodNotAllowed,
  expectTokens,
  mailAfter,
  passwordGrant,
  refreshGrant,
  requestReset,
  sessionCookieOf,
  SUBJECT,
} from '../helpers/account-pages.js';
import {
  alertOf,
  authorizePath,
  csrfTokenOf,
  decodeHtml,
  hiddenFields,
  HttpBrowser,
  pkcePair,
  type BrowserResponse,
} from '../helpers/browser-http.js';
import { linkIn, startMailServer, type MailServer } from '../helpers/mail.js';
import { httpRequest, tokenRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { showUser } from '../harness/users.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase 42';
const WRONG = 'not the password at all';
const SCOPES = { GATEHOUSE_SUPPORTED_SCOPES: 'read write', GATEHOUSE_DEFAULT_SCOPE: 'read' };
const WEB_CB = 'https://photos.example/cb';
const WRONG_CURRENT = 'The current password is incorrect.';

type Confidential = CreatedClient & { client_secret: string };

const noticeOf = (page: string) => {
  const text = /<p class="notice"[^>]*>([\s\S]*?)<\/p>/.exec(page)?.[1];
  return text === undefined ? undefined : decodeHtml(text);
};

/** The alerts of the page in order (profile form first, then password form). */
const alertsOf = (page: string) =>
  [...page.matchAll(/<p class="alert"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => decodeHtml(m[1]!));

/** The section of the account page from heading `id` to the next <h2>. */
function section(page: string, id: 'profile' | 'password' | 'apps'): string {
  const start = page.indexOf(`<h2 id="${id}">`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  const end = page.indexOf('<h2', start + 4);
  return page.slice(start, end < 0 ? undefined : end);
}

interface AppEntry {
  name: string;
  detail: string;
  clientId: string;
}

/** The "Apps with access" list. */
function appsOf(page: string): AppEntry[] {
  return [...section(page, 'apps').matchAll(/<li>([\s\S]*?)<\/li>/g)].map(([, item]) => ({
    name: decodeHtml(/<strong>([\s\S]*?)<\/strong>/.exec(item!)?.[1] ?? ''),
    detail: decodeHtml(/<small>([\s\S]*?)<\/small>/.exec(item!)?.[1] ?? ''),
    clientId: new Map(hiddenFields(item!)).get('client_id') ?? '',
  }));
}

/** The CSRF token of the account forms (the first on the page: the profile form's, shared by the three). */
function accountCsrf(page: string): string {
  const tokens = new Set(
    ['profile', 'password', 'apps/revoke'].flatMap((action) =>
      [...page.matchAll(new RegExp(`<form method="post" action="/account/${action}">([\\s\\S]*?)</form>`, 'g'))].map(
        (m) => new Map(hiddenFields(m[1]!)).get('csrf_token'),
      ),
    ),
  );
  expect(tokens.size).toBe(1);
  return [...tokens][0]!;
}

/** The logout form's token (another purpose). */
function logoutCsrf(page: string): string {
  const form = /<form method="post" action="\/logout">([\s\S]*?)<\/form>/.exec(page)?.[1] ?? '';
  return new Map(hiddenFields(form)).get('csrf_token')!;
}

function expectSignInRedirect(res: BrowserResponse): void {
  expect([302, 303], res.text.slice(0, 300)).toContain(res.status);
  expect(res.location).toBe('/login?return_to=%2Faccount');
}

describe('the account page (e2e, SQLite)', () => {
  let mail: MailServer;
  let server: TestServer;
  /** Threshold 2, own database. */
  let strict: TestServer;
  let web: Confidential;
  let pwApp: Confidential;
  const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'fay', 'gus', 'hal', 'sentinel'];

  beforeAll(async () => {
    mail = await startMailServer();
    [server, strict] = await Promise.all([
      startTestServer({ env: { ...SCOPES, GATEHOUSE_MAIL_URL: mail.url, GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '50' } }),
      startTestServer({ env: { GATEHOUSE_MAIL_URL: mail.url, GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '2' } }),
    ]);
    const [w, p] = await Promise.all([
      server.createClient(['--name', 'Photo App', '--redirect-uri', WEB_CB]),
      server.createClient(['--name', 'Password App', '--grant-type', 'password', '--grant-type', 'refresh_token']),
      ...USERS.map((name) => server.createUser(name, `${name}@example.com`, PASSWORD)),
      strict.createUser('tom', 'tom@example.com', PASSWORD),
    ]);
    web = w as Confidential;
    pwApp = p as Confidential;
  });

  afterAll(async () => {
    await Promise.allSettled([server?.close(), strict?.close()]);
    await mail?.close();
  });

  async function signedIn(user: string, password = PASSWORD, target: TestServer = server): Promise<HttpBrowser> {
    const browser = new HttpBrowser(target.url);
    await browser.signInOrFail(user, password);
    return browser;
  }

  /** Posts one of the account forms with the page's CSRF token. */
  async function submit(
    browser: HttpBrowser,
    action: 'profile' | 'password' | 'apps/revoke',
    fields: Record<string, string>,
  ): Promise<BrowserResponse> {
    const page = await accountPage(browser);
    return browser.post(`/account/${action}`, { csrf_token: accountCsrf(page.text), ...fields });
  }

  describe('signed out', () => {
    it('GET /account goes to the sign-in page, which comes back to /account', async () => {
      const browser = new HttpBrowser(server.url);
      const res = await browser.get('/account');
      expect(res.status).toBe(302);
      expectSignInRedirect(res);
      const back = await browser.signIn('alice', PASSWORD, '/account');
      expect(back.status).toBe(303);
      expect(back.location).toBe('/account');
      const page = await accountPage(browser);
      expectHtmlPage(page, 200);
    });

    it('the forms go to the sign-in page too, and change nothing', async () => {
      const browser = new HttpBrowser(server.url);
      const forged = {
        csrf_token: 'x'.repeat(43),
        username: 'hijacked',
        email: 'hijacked@example.com',
        current_password: PASSWORD,
      };
      expectSignInRedirect(await browser.post('/account/profile', forged));
      expectSignInRedirect(
        await browser.post('/account/password', {
          csrf_token: 'x',
          current_password: PASSWORD,
          password: NEW_PASSWORD,
          password_again: NEW_PASSWORD,
        }),
      );
      expectSignInRedirect(await browser.post('/account/apps/revoke', { csrf_token: 'x', client_id: web.client_id }));
      expect(await showUser(server, 'hijacked')).toBeNull();
    });
  });

  it('shows the username, the e-mail address, the three forms and a sign-out button', async () => {
    const browser = await signedIn('bob');
    const page = await accountPage(browser);
    expectHtmlPage(page, 200);
    expect(page.text).toContain('Signed in as <strong>bob</strong>');
    expect(section(page.text, 'profile')).toContain('value="bob"');
    expect(section(page.text, 'profile')).toContain('value="bob@example.com"');
    expect(page.text).toContain('action="/account/password"');
    expect(section(page.text, 'apps')).toContain('No app has access to your account.');
    expect(page.text).toContain('action="/logout"');
    expect(alertsOf(page.text)).toEqual([]);
    // Signing in with the e-mail address shows the same account.
    const byEmail = await signedIn('BOB@example.com');
    expect((await accountPage(byEmail)).text).toContain('Signed in as <strong>bob</strong>');
  });

  describe('profile', () => {
    it('a wrong current password is refused with 400 and the message; what was typed stays in the form', async () => {
      const browser = await signedIn('alice');
      const res = await submit(browser, 'profile', {
        username: 'alice-typed',
        email: 'typed@example.org',
        current_password: WRONG,
      });
      expectHtmlPage(res, 400);
      expect(alertsOf(res.text)).toEqual([WRONG_CURRENT]);
      expect(section(res.text, 'profile')).toContain(WRONG_CURRENT);
      expect(section(res.text, 'profile')).toContain('value="alice-typed"');
      expect(section(res.text, 'profile')).toContain('value="typed@example.org"');
      expect(res.text).not.toContain(WRONG);
      expect(res.text).toContain('Signed in as <strong>alice</strong>');
      expect(await showUser(server, 'alice')).toMatchObject({ username: 'alice', email: 'alice@example.com' });
      // An empty current password too.
      const empty = await submit(browser, 'profile', { username: 'alice-typed', email: 'alice@example.com' });
      expectHtmlPage(empty, 400);
      expect(alertsOf(empty.text)).toEqual([WRONG_CURRENT]);
    });

    it('a taken username, or a malformed name or address, is refused with 400 with the right password; a taken address is answered like a free one', async () => {
      const browser = await signedIn('erin');
      const cases: [Record<string, string>, string][] = [
        [{ username: 'BOB', email: 'erin@example.com' }, 'A user with this username already exists.'],
        [
          { username: 'bad name', email: 'erin@example.com' },
          'Username must be 1–64 letters, digits, ".", "_" or "-".',
        ],
        [
          { username: 'p\u0430ypal', email: 'erin@example.com' },
          'Username mixes letters of different scripts (Cyrillic, Latin), which can imitate another name: use one script.',
        ],
        [{ username: 'erin', email: 'nope' }, 'E-mail address is not valid.'],
      ];
      for (const [fields, alert] of cases) {
        const res = await submit(browser, 'profile', { ...fields, current_password: PASSWORD });
        expectHtmlPage(res, 400);
        expect(alertsOf(res.text), JSON.stringify(fields)).toEqual([alert]);
        expect(section(res.text, 'profile')).toContain(`value="${fields.username}"`);
      }
      // Bob's address: the same answer as a free one; Bob gets a notice, Erin's old address too.
      const taken = await submit(browser, 'profile', {
        username: 'erin',
        email: 'Bob@Example.com',
        current_password: PASSWORD,
      });
      const free = await submit(browser, 'profile', {
        username: 'erin',
        email: 'erin.free@example.com',
        current_password: PASSWORD,
      });
      for (const res of [taken, free]) {
        expect(res.status, res.text.slice(0, 300)).toBe(303);
        expect(res.location).toBe('/account?done=email');
      }
      expect(taken.text).toBe(free.text);
      const inUse = await mail.waitFor('bob@example.com', /was given for another account/);
      expect(inUse.text).not.toContain('/account/email/confirm');
      await mail.waitFor('erin.free@example.com', /^Confirm your new e-mail address/);
      expect(await showUser(server, 'erin')).toMatchObject({ username: 'erin', email: 'erin@example.com' });
      expect(await showUser(server, 'bob')).toMatchObject({ username: 'bob', email: 'bob@example.com' });
    });

    it('with a wrong password, a taken username gets the same answer as a free one', async () => {
      const browser = await signedIn('hal');
      const csrf = accountCsrf((await accountPage(browser)).text);
      const taken = await browser.post('/account/profile', {
        csrf_token: csrf,
        username: 'bob',
        email: 'hal@example.com',
        current_password: WRONG,
      });
      const free = await browser.post('/account/profile', {
        csrf_token: csrf,
        username: 'bob',
        email: 'hal@example.com',
        current_password: WRONG,
      });
      for (const res of [taken, free]) {
        expectHtmlPage(res, 400);
        expect(alertsOf(res.text)).toEqual([WRONG_CURRENT]);
      }
    });

    it('with the right password a new username is saved; a new e-mail address changes only when the link sent there is followed', async () => {
      const browser = await signedIn('alice');
      const res = await submit(browser, 'profile', {
        username: 'alicia',
        email: 'alicia@example.net',
        current_password: PASSWORD,
      });
      expect(res.status, res.text.slice(0, 300)).toBe(303);
      expect(res.location).toBe('/account?done=email');
      const page = await browser.get('/account?done=email');
      expect(noticeOf(page.text)).toBe(
        'Your profile has been saved. To change your e-mail address, follow the link we sent to the new address: until then your current address stays.',
      );
      expect(page.text).toContain('Signed in as <strong>alicia</strong>');
      expect(section(page.text, 'profile')).toContain('value="alice@example.com"');

      const asked = await mail.waitFor('alice@example.com', /was asked for/);
      expect(asked.text).toContain('Hello alicia,');
      expect(asked.text).toContain('to alicia@example.net');
      const link = linkIn(
        await mail.waitFor('alicia@example.net', /^Confirm your new e-mail address/),
        '/account/email/confirm',
      );
      expect(await showUser(server, 'alicia')).toMatchObject({ email: 'alice@example.com' });

      // Opened without a session: a form; the password confirms; the link works once.
      const reader = new HttpBrowser(server.url);
      const form = await reader.get(link);
      expectHtmlPage(form, 200);
      expect(form.text).toContain('action="/account/email/confirm"');
      expect(await showUser(server, 'alicia')).toMatchObject({ email: 'alice@example.com' });
      const token = new URL(link).searchParams.get('token')!;
      const done = await reader.post('/account/email/confirm', {
        csrf_token: csrfTokenOf(form.text),
        token,
        password: PASSWORD,
      });
      expectHtmlPage(done, 200);
      expect(done.text).toContain('E-mail address changed');
      const again = await reader.post('/account/email/confirm', {
        csrf_token: csrfTokenOf(form.text),
        token,
        password: PASSWORD,
      });
      expectHtmlPage(again, 400);

      const notice = await mail.waitFor('alice@example.com', SUBJECT.emailChanged);
      expect(notice.text).toContain('Hello alicia,');
      expect(notice.text).toContain('was changed to alicia@example.net');

      // The new name and address sign in; the old ones do not.
      await signedIn('alicia');
      expectTokens(await passwordGrant(server.url, pwApp, 'alicia@example.net', PASSWORD));
      for (const old of ['alice', 'alice@example.com']) {
        const refused = await new HttpBrowser(server.url).signIn(old, PASSWORD);
        expect(alertOf(refused.text)).toBe(BAD_LOGIN);
      }
      // The old name is free again.
      expect(await showUser(server, 'alice')).toBeNull();
    });

    it('changing only the username (or the case of the address) sends no e-mail', async () => {
      const browser = await signedIn('fay');
      expect(
        (await submit(browser, 'profile', { username: 'Fay.R', email: 'FAY@example.com', current_password: PASSWORD }))
          .location,
      ).toBe('/account?done=profile');
      expect(await showUser(server, 'fay.r')).toMatchObject({ username: 'Fay.R', email: 'FAY@example.com' });
      const received = await mailAfter(mail, 'fay@example.com', async () => {
        await requestReset(new HttpBrowser(server.url), 'sentinel');
        return mail.waitFor('sentinel@example.com', SUBJECT.resetting);
      });
      expect(received).toEqual([]);
    });
  });

  describe('change password', () => {
    it('refuses a wrong current password, two different new ones and a weak one, with 400 and the message on that form', async () => {
      const browser = await signedIn('gus');
      const cases: [Record<string, string>, string][] = [
        [{ current_password: WRONG, password: NEW_PASSWORD, password_again: NEW_PASSWORD }, WRONG_CURRENT],
        [
          { current_password: PASSWORD, password: NEW_PASSWORD, password_again: `${NEW_PASSWORD}!` },
          'The two passwords do not match.',
        ],
        [
          { current_password: PASSWORD, password: 'Sh0rt!x', password_again: 'Sh0rt!x' },
          'Password must be at least 8 characters.',
        ],
        [
          { current_password: PASSWORD, password: 'GUS@example.com', password_again: 'GUS@example.com' },
          'Password must not be the username or e-mail address.',
        ],
      ];
      for (const [fields, alert] of cases) {
        const res = await submit(browser, 'password', fields);
        expectHtmlPage(res, 400);
        expect(alertsOf(res.text)).toEqual([alert]);
        expect(section(res.text, 'password')).toContain(alert);
        for (const value of Object.values(fields)) expect(res.text).not.toContain(value);
      }
      expectTokens(await passwordGrant(server.url, pwApp, 'gus', PASSWORD), 'password unchanged');
      expect(mail.messagesTo('gus@example.com')).toEqual([]);
    });

    it('success keeps this browser signed in, signs out the others, and sends a notice; the old password stops working', async () => {
      const browser = await signedIn('carol');
      const other = await signedIn('carol');
      const before = browser.jar.get('gatehouse_session')!;
      const res = await submit(browser, 'password', {
        current_password: PASSWORD,
        password: NEW_PASSWORD,
        password_again: NEW_PASSWORD,
      });
      expect(res.status, res.text.slice(0, 300)).toBe(303);
      expect(res.location).toBe('/account?done=password');
      const after = sessionCookieOf(res);
      expect(after).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(after).not.toBe(before);

      const page = await browser.get('/account?done=password');
      expect(page.status).toBe(200);
      expect(noticeOf(page.text)).toBe('Your password has been changed. Your other devices have been signed out.');
      expectSignInRedirect(await other.get('/account'));
      // The session this browser had before is over too (it got a new one).
      const stale = new HttpBrowser(server.url);
      stale.jar.set('gatehouse_session', before);
      expectSignInRedirect(await stale.get('/account'));

      const notice = await mail.waitFor('carol@example.com', SUBJECT.passwordChanged);
      expect(notice.text).toContain('Hello carol,');
      expect(notice.text).not.toContain(NEW_PASSWORD);

      const refused = await new HttpBrowser(server.url).signIn('carol', PASSWORD);
      expect(alertOf(refused.text)).toBe(BAD_LOGIN);
      expectInvalidGrant(await passwordGrant(server.url, pwApp, 'carol', PASSWORD));
      await signedIn('carol', NEW_PASSWORD);
      expectTokens(await passwordGrant(server.url, pwApp, 'carol', NEW_PASSWORD));
    });
  });

  it('repeated wrong current passwords are throttled like sign-ins: 429 with Retry-After, even with the right one', async () => {
    const browser = await signedIn('tom', PASSWORD, strict);
    // The form's token, once: the block after the 3rd failure lasts 2 seconds, so no time is lost on pages.
    const csrf = accountCsrf((await accountPage(browser)).text);
    for (let i = 1; i <= 3; i++) {
      const res = await browser.post('/account/profile', {
        csrf_token: csrf,
        username: 'tommy',
        email: 'tom@example.com',
        current_password: WRONG,
      });
      expect(res.status, `wrong password ${i}`).toBe(400);
      expect(alertsOf(res.text)).toEqual([WRONG_CURRENT]);
      expect(res.headers.get('retry-after')).toBeNull();
    }
    for (const [action, fields] of [
      ['profile', { username: 'tommy', email: 'tom@example.com', current_password: PASSWORD }],
      ['password', { current_password: PASSWORD, password: NEW_PASSWORD, password_again: NEW_PASSWORD }],
    ] as const) {
      const blocked = await browser.post(`/account/${action}`, { csrf_token: csrf, ...fields });
      expectHtmlPage(blocked, 429);
      const retryAfter = Number(blocked.headers.get('retry-after'));
      expect(retryAfter, action).toBeGreaterThanOrEqual(1);
      expect(retryAfter, action).toBeLessThanOrEqual(2);
      expect(alertsOf(blocked.text)).toEqual([
        `Too many wrong passwords. Please wait ${retryAfter} seconds, then try again.`,
      ]);
      expect(section(blocked.text, action === 'profile' ? 'profile' : 'password')).toContain(
        'Too many wrong passwords',
      );
    }
    // Nothing changed, and the browser is still signed in.
    expect((await accountPage(browser)).text).toContain('Signed in as <strong>tom</strong>');
  });

  describe('apps with access', () => {
    /** Runs the authorization code flow for `browser` (consenting when asked); returns the tokens. */
    async function authorizeWebApp(
      browser: HttpBrowser,
    ): Promise<{ tokens: { access_token: string; refresh_token: string }; consentShown: boolean }> {
      const { verifier, challenge } = pkcePair();
      const res = await browser.get(
        authorizePath({
          response_type: 'code',
          client_id: web.client_id,
          redirect_uri: WEB_CB,
          scope: 'read write',
          state: 's1',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      );
      let redirect = res;
      const consentShown = res.status === 200;
      if (consentShown) {
        expect(res.text).toContain('<strong>Photo App</strong> wants to access your account');
        redirect = await browser.answerConsent(res.text, 'allow');
      }
      expect([302, 303]).toContain(redirect.status);
      const code = new URL(redirect.location!).searchParams.get('code')!;
      expect(code).toBeTruthy();
      const exchanged = await tokenRequest(
        server.url,
        { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier },
        { basic: [web.client_id, web.client_secret] },
      );
      expect(exchanged.status, exchanged.text).toBe(200);
      return { tokens: exchanged.json, consentShown };
    }

    const introspect = (client: Confidential, token: string): Promise<HttpResult> =>
      httpRequest(`${server.url}/oauth/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token,
          client_id: client.client_id,
          client_secret: client.client_secret,
        }).toString(),
      });

    it('lists an app the user consented to and one that used the password grant; "Remove access" revokes its tokens and forgets the consent', async () => {
      const browser = await signedIn('dave');
      const first = await authorizeWebApp(browser);
      expect(first.consentShown).toBe(true);
      // Consent remembered: the next authorization goes straight through.
      expect((await authorizeWebApp(browser)).consentShown).toBe(false);
      const pw = expectTokens(await passwordGrant(server.url, pwApp, 'dave', PASSWORD));
      // Another user's access to the same app is not dave's to remove.
      const erinBrowser = await signedIn('erin');
      const erins = await authorizeWebApp(erinBrowser);

      const page = await accountPage(browser);
      const apps = appsOf(page.text);
      expect(apps.map((app) => app.name)).toEqual(['Password App', 'Photo App']);
      const photo = apps.find((app) => app.name === 'Photo App')!;
      expect(photo.clientId).toBe(web.client_id);
      expect(photo.detail).toMatch(/^read write · allowed [A-Z][a-z]{2} \d{1,2}, \d{4}$/);
      const password = apps.find((app) => app.name === 'Password App')!;
      expect(password.clientId).toBe(pwApp.client_id);
      expect(password.detail).toMatch(/ · signed in [A-Z][a-z]{2} \d{1,2}, \d{4}$/);
      expect(page.text).toContain('aria-label="Remove access for Photo App"');

      const removed = await browser.post('/account/apps/revoke', {
        csrf_token: accountCsrf(page.text),
        client_id: web.client_id,
      });
      expect(removed.status, removed.text.slice(0, 300)).toBe(303);
      expect(removed.location).toBe('/account?done=revoked');
      const after = await browser.get('/account?done=revoked');
      expect(noticeOf(after.text)).toBe('The app no longer has access to your account.');
      expect(appsOf(after.text).map((app) => app.name)).toEqual(['Password App']);

      // Its tokens are dead, and it must ask again.
      for (const token of [first.tokens.refresh_token])
        expectInvalidGrant(
          await tokenRequest(
            server.url,
            { grant_type: 'refresh_token', refresh_token: token },
            { basic: [web.client_id, web.client_secret] },
          ),
        );
      expect((await introspect(web, first.tokens.access_token)).json).toEqual({ active: false });
      expect((await authorizeWebApp(browser)).consentShown).toBe(true);

      // The password-grant app still works, and erin's access to the photo app is untouched.
      expectTokens(await refreshGrant(server.url, pwApp, pw.refresh_token!), 'password app refresh');
      expectTokens(
        await tokenRequest(
          server.url,
          { grant_type: 'refresh_token', refresh_token: erins.tokens.refresh_token },
          { basic: [web.client_id, web.client_secret] },
        ),
        'erin',
      );
      expect((await authorizeWebApp(erinBrowser)).consentShown).toBe(false);
    });

    it('removing an app also kills a code it has not exchanged yet', async () => {
      const browser = await signedIn('gus');
      const { verifier, challenge } = pkcePair();
      const path = authorizePath({
        response_type: 'code',
        client_id: web.client_id,
        redirect_uri: WEB_CB,
        scope: 'read',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const consent = await browser.get(path);
      expect(consent.status).toBe(200);
      const code = new URL((await browser.answerConsent(consent.text, 'allow')).location!).searchParams.get('code')!;
      expect((await submit(browser, 'apps/revoke', { client_id: web.client_id })).location).toBe(
        '/account?done=revoked',
      );
      expectInvalidGrant(
        await tokenRequest(
          server.url,
          { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier },
          { basic: [web.client_id, web.client_secret] },
        ),
        'a code issued before the access was removed',
      );
      expect(appsOf((await accountPage(browser)).text).map((app) => app.name)).not.toContain('Photo App');
    });

    it('removing a password-grant app kills its refresh token; removing it again is harmless; the list ends empty', async () => {
      const browser = await signedIn('hal');
      const pw = expectTokens(await passwordGrant(server.url, pwApp, 'hal', PASSWORD));
      expect(appsOf((await accountPage(browser)).text).map((app) => app.name)).toEqual(['Password App']);
      for (let i = 0; i < 2; i++) {
        const res = await submit(browser, 'apps/revoke', { client_id: pwApp.client_id });
        expect(res.status).toBe(303);
        expect(res.location).toBe('/account?done=revoked');
      }
      expectInvalidGrant(await refreshGrant(server.url, pwApp, pw.refresh_token!));
      expect((await introspect(pwApp, pw.access_token)).json).toEqual({ active: false });
      const page = await accountPage(browser);
      expect(appsOf(page.text)).toEqual([]);
      expect(section(page.text, 'apps')).toContain('No app has access to your account.');
      // An absurd client_id is a 400 page, not an error.
      const absurd = await submit(browser, 'apps/revoke', { client_id: 'x'.repeat(300) });
      expectHtmlPage(absurd, 400);
    });
  });

  it('CSRF: each form refuses a missing token, another session’s token and the sign-out token, changing nothing', async () => {
    const browser = await signedIn('bob');
    const other = await signedIn('bob');
    const pw = expectTokens(await passwordGrant(server.url, pwApp, 'bob', PASSWORD));
    const page = await accountPage(browser);
    const otherPage = await accountPage(other);
    expect(accountCsrf(otherPage.text)).not.toBe(accountCsrf(page.text));
    const forms: [string, Record<string, string>][] = [
      ['/account/profile', { username: 'bob-hijacked', email: 'evil@example.org', current_password: PASSWORD }],
      ['/account/password', { current_password: PASSWORD, password: NEW_PASSWORD, password_again: NEW_PASSWORD }],
      ['/account/apps/revoke', { client_id: pwApp.client_id }],
    ];
    for (const [path, fields] of forms) {
      expectCsrfFailure(await browser.post(path, fields));
      expectCsrfFailure(await browser.post(path, { ...fields, csrf_token: '' }));
      expectCsrfFailure(await browser.post(path, { ...fields, csrf_token: accountCsrf(otherPage.text) }));
      expectCsrfFailure(await browser.post(path, { ...fields, csrf_token: logoutCsrf(page.text) }));
    }
    expect(await showUser(server, 'bob')).toMatchObject({ username: 'bob', email: 'bob@example.com' });
    expectTokens(await refreshGrant(server.url, pwApp, pw.refresh_token!), 'not revoked');
    expect((await accountPage(browser)).status).toBe(200);
    expect((await accountPage(other)).status).toBe(200);
  });

  it('other methods get an HTML 405 naming the allowed one', async () => {
    const browser = await signedIn('bob');
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
      await expectMethodNotAllowed(browser, method, '/account', 'GET');
    for (const path of ['/account/profile', '/account/password', '/account/apps/revoke']) {
      for (const method of ['GET', 'PUT', 'DELETE']) await expectMethodNotAllowed(browser, method, path, 'POST');
    }
  });
});
