/**
 * "Forgot your password?" end to end (issue 5): /reset asks for a username or e-mail address
 * and always answers the same; the e-mailed /reset/password?token=… link sets a new password,
 * which ends every session and kills every token of the account. Against the app in the test's
 * process (../harness), with a real SMTP server in the test process.
 *
 * The core flow runs once per engine; everything else on SQLite. Reset requests are throttled
 * per address (4 × login_throttle_threshold, counted in the database): the servers sharing a
 * database raise the threshold, and the throttling scenario has a database of its own.
 */
import httpRaw from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_LOGIN,
  expectConfirmed,
  expectCsrfFailure,
  expectHtmlPage,
  expectInvalidGrant,
  expectLinkNotUsable,
  expectMethodNotAllowed,
  expectTokens,
  expectWrongConfirmationPassword,
  followConfirmation,
  mailAfter,
  passwordGrant,
  refreshGrant,
  requestReset,
  sessionCookieOf,
  signUp,
  SUBJECT,
  tokenOf,
} from '../helpers/account-pages.js';
import {
  alertOf,
  authorizePath,
  csrfTokenOf,
  decodeHtml,
  hiddenField,
  HttpBrowser,
  pkcePair,
  type BrowserResponse,
} from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { linkIn, startMailServer, type MailServer, type ReceivedMail } from '../helpers/mail.js';
import { httpRequest, tokenRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { showUser } from '../harness/users.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase 42';
const PASSWORD_GRANTS = ['--name', 'Password App', '--grant-type', 'password', '--grant-type', 'refresh_token'];
const mailEnv = (mail: MailServer, extra: Record<string, string> = {}) => ({
  GATEHOUSE_MAIL_URL: mail.url,
  GATEHOUSE_REGISTRATION_ENABLED: 'true',
  GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '100',
  ...extra,
});

const noticeOf = (page: string) => {
  const text = /<p class="notice"[^>]*>([\s\S]*?)<\/p>/.exec(page)?.[1];
  return text === undefined ? undefined : decodeHtml(text);
};

/** POST /oauth/introspect as `client` (its own tokens). */
function introspect(url: string, client: CreatedClient, token: string): Promise<HttpResult> {
  return httpRequest(`${url}/oauth/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token,
      client_id: client.client_id,
      client_secret: client.client_secret ?? '',
    }).toString(),
  });
}

/** Opens the reset link and posts the new password with the page's form. */
async function choosePassword(
  browser: HttpBrowser,
  link: string,
  password: string,
  again = password,
): Promise<{ page: BrowserResponse; res: BrowserResponse }> {
  const page = await browser.get(link);
  expectHtmlPage(page, 200);
  const res = await browser.post('/reset/password', {
    csrf_token: csrfTokenOf(page.text),
    token: tokenOf(link),
    password,
    password_again: again,
  });
  return { page, res };
}

// --- both engines: the core flow ------------------------------------------------------

describeEachEngine('password reset by e-mail (e2e)', (factory) => {
  let mail: MailServer;
  let server: TestServer;
  let client: CreatedClient;

  beforeAll(async () => {
    mail = await startMailServer();
    server = await startTestServer({ engine: factory.engine, env: mailEnv(mail) });
    [client] = await Promise.all([
      server.createClient(PASSWORD_GRANTS),
      server.createUser('walter', 'walter@example.com', PASSWORD),
    ]);
  });

  afterAll(async () => {
    await server?.close();
    await mail?.close();
  });

  it('the link sets a new password: the old one stops working, every token dies, every session ends; the link works once', async () => {
    // Before: an app holds tokens, and two browsers are signed in.
    const before = expectTokens(await passwordGrant(server.url, client, 'walter', PASSWORD), 'before');
    expect(before.refresh_token).toBeDefined();
    const elsewhere = new HttpBrowser(server.url);
    await elsewhere.signInOrFail('walter', PASSWORD);
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail('walter', PASSWORD);
    expect((await elsewhere.get('/account')).status).toBe(200);

    const asked = await requestReset(browser, 'walter');
    expect(asked.status, asked.text.slice(0, 300)).toBe(303);
    expect(asked.location).toBe('/reset/sent');
    const sent = await browser.get('/reset/sent');
    expectHtmlPage(sent, 200);
    expect(sent.text).toContain('Check your e-mail');
    expect(sent.text).toContain('The link works for 24 hours.');

    const message = await mail.waitFor('walter@example.com', SUBJECT.resetting);
    expect(message.subject).toBe(`Reset your password for 127.0.0.1:${server.port}`);
    expect(message.text).toContain('Hello walter,');
    expect(message.text).toContain('The link works for 24 hours, once.');
    const link = linkIn(message, '/reset/password');
    expect(link.startsWith(`${server.url}/reset/password?token=`)).toBe(true);
    const token = tokenOf(link);

    // The page names the account and changes nothing by itself.
    const page = await browser.get(link);
    expectHtmlPage(page, 200);
    expect(page.text).toContain('Choose a new password');
    expect(page.text).toContain('for <strong>walter</strong>');
    expect(hiddenField(page.text, 'token')).toBe(token);
    expect((await browser.get(link)).status).toBe(200);
    expectTokens(await refreshGrant(server.url, client, before.refresh_token!), 'refresh before the reset');
    const stillBefore = expectTokens(
      await passwordGrant(server.url, client, 'walter', PASSWORD),
      'old password before the reset',
    );

    // A policy error shows the form again; the link is not used up.
    const weak = await browser.post('/reset/password', {
      csrf_token: csrfTokenOf(page.text),
      token,
      password: 'Sh0rt!x',
      password_again: 'Sh0rt!x',
    });
    expectHtmlPage(weak, 400);
    expect(alertOf(weak.text)).toBe('Password must be at least 8 characters.');

    const done = await browser.post('/reset/password', {
      csrf_token: csrfTokenOf(weak.text),
      token,
      password: NEW_PASSWORD,
      password_again: NEW_PASSWORD,
    });
    expect(done.status, done.text.slice(0, 300)).toBe(303);
    expect(done.location).toBe('/login?done=reset');
    // This browser's session cookie is cleared.
    expect(
      done.setCookies.some(
        (cookie) =>
          /gatehouse_session$/.test(cookie.name) && (cookie.value === '' || cookie.attributes.get('max-age') === '0'),
      ),
    ).toBe(true);
    const login = await browser.get('/login?done=reset');
    expect(noticeOf(login.text)).toBe('Your password has been changed. Sign in with your new password.');

    // Every session ended: the other browser is signed out too.
    const signedOut = await elsewhere.get('/account');
    expect(signedOut.status).toBe(302);
    expect(signedOut.location).toBe('/login?return_to=%2Faccount');

    // Old password out, new password in.
    const old = await new HttpBrowser(server.url).signIn('walter', PASSWORD);
    expect(old.status).toBe(400);
    expect(alertOf(old.text)).toBe(BAD_LOGIN);
    expectInvalidGrant(await passwordGrant(server.url, client, 'walter', PASSWORD), 'old password');
    await new HttpBrowser(server.url).signInOrFail('walter', NEW_PASSWORD);
    expectTokens(await passwordGrant(server.url, client, 'walter@example.com', NEW_PASSWORD), 'new password');

    // The tokens issued before are dead.
    for (const tokens of [before, stillBefore]) {
      expectInvalidGrant(
        await refreshGrant(server.url, client, tokens.refresh_token!),
        'refresh token issued before the reset',
      );
      for (const value of [tokens.access_token, tokens.refresh_token!]) {
        const info = await introspect(server.url, client, value);
        expect(info.status, info.text).toBe(200);
        expect(info.json).toEqual({ active: false });
      }
    }

    // Single use.
    expectLinkNotUsable(await browser.get(link));
    expectLinkNotUsable(
      await browser.post('/reset/password', {
        csrf_token: csrfTokenOf(page.text),
        token,
        password: 'yet another passphrase',
        password_again: 'yet another passphrase',
      }),
    );
    await new HttpBrowser(server.url).signInOrFail('walter', NEW_PASSWORD);
  });
});

// --- SQLite: everything else -------------------------------------------------------------

describe('password reset pages (e2e, SQLite)', () => {
  let mail: MailServer;
  let client: CreatedClient;
  /** Default resetting settings (retry_ttl 2 hours). Owns the database retry0 shares. */
  let server: TestServer;
  /** GATEHOUSE_RESETTING_RETRY_TTL=0. */
  let retry0: TestServer;
  /** Threshold 1: the 5th request from one address blocks (own database). */
  let throttled: TestServer;

  const USERS = [
    'erin',
    'frank',
    'gina',
    'hugo',
    'ivy',
    'kathleen',
    'leo',
    'mia',
    'nils',
    'omar',
    'pia',
    'sentinel1',
    'sentinel2',
    'sentinel3',
    'sentinel4',
  ];
  const WEB_CB = 'https://photos.example/cb';
  let web: CreatedClient & { client_secret: string };

  beforeAll(async () => {
    mail = await startMailServer();
    server = await startTestServer({ engine: 'sqlite', env: mailEnv(mail) });
    [retry0, throttled] = await Promise.all([
      startTestServer({ database: server.database, env: mailEnv(mail, { GATEHOUSE_RESETTING_RETRY_TTL: '0' }) }),
      startTestServer({ env: { GATEHOUSE_MAIL_URL: mail.url, GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '1' } }),
    ]);
    let created: CreatedClient;
    [client, created] = await Promise.all([
      server.createClient(PASSWORD_GRANTS),
      server.createClient(['--name', 'Photo App', '--redirect-uri', WEB_CB]),
      ...USERS.map((name) => server.createUser(name, `${name}@example.com`, PASSWORD)),
      throttled.createUser('pat', 'pat@example.com', PASSWORD),
    ]);
    web = created as typeof web;
  });

  afterAll(async () => {
    // retry0 first: `server` removes the database they share.
    await Promise.allSettled([retry0?.close(), throttled?.close()]);
    await server?.close();
    await mail?.close();
  });

  /** Makes `target` send a reset e-mail to `name` and waits for it (retry_ttl 0 server: any user, any number of times). */
  const sentinel =
    (name: string, target: TestServer = retry0) =>
    async (): Promise<ReceivedMail> => {
      expect((await requestReset(new HttpBrowser(target.url), name)).location).toBe('/reset/sent');
      return mail.waitFor(`${name}@example.com`, SUBJECT.resetting);
    };
  const resetMails = () => mail.messages.filter((m) => SUBJECT.resetting.test(m.subject));
  const view = (res: BrowserResponse) => ({
    status: res.status,
    location: res.location,
    text: res.text,
    cookies: res.setCookies.map((cookie) => cookie.name).sort(),
  });

  it('GET /reset is the form, linked from the sign-in page', async () => {
    const browser = new HttpBrowser(server.url);
    const page = await browser.get('/reset');
    expectHtmlPage(page, 200);
    expect(page.text).toContain('Reset your password');
    expect(page.text).toContain('action="/reset"');
    expect(csrfTokenOf(page.text).length).toBeGreaterThan(20);
    expect((await browser.get('/login')).text).toContain('href="/reset"');
  });

  it('answers the same redirect for a username, an e-mail address and an unknown name; only the accounts get an e-mail', async () => {
    const countBefore = resetMails().length;
    const byName = await requestReset(new HttpBrowser(server.url), 'erin');
    const byEmail = await requestReset(new HttpBrowser(server.url), 'FRANK@Example.com');
    const unknownName = await requestReset(new HttpBrowser(server.url), 'nobody-at-all');
    const unknownEmail = await requestReset(new HttpBrowser(server.url), 'nobody@example.com');
    const tooLong = await requestReset(new HttpBrowser(server.url), `${'x'.repeat(400)}@example.com`);
    expect(view(byName)).toMatchObject({ status: 303, location: '/reset/sent', cookies: [] });
    for (const res of [byEmail, unknownName, unknownEmail, tooLong]) expect(view(res)).toEqual(view(byName));

    const erin = await mail.waitFor('erin@example.com', SUBJECT.resetting);
    expect(erin.text).toContain('Hello erin,');
    const frank = await mail.waitFor('frank@example.com', SUBJECT.resetting);
    expect(frank.text).toContain('Hello frank,');
    await mailAfter(mail, 'nobody@example.com', sentinel('sentinel1'));
    // erin, frank and the sentinel: nothing else.
    expect(resetMails().length - countBefore).toBe(3);
    expect(mail.messagesTo('nobody@example.com')).toEqual([]);
  });

  it('an empty name is a 400 form', async () => {
    const browser = new HttpBrowser(server.url);
    const page = await browser.get('/reset');
    const res = await browser.post('/reset', { csrf_token: csrfTokenOf(page.text), username: '   ' });
    expectHtmlPage(res, 400);
    expect(alertOf(res.text)).toBe('Enter your username or e-mail address.');
  });

  it('a second request within resetting.retry_ttl sends no second e-mail; the first link keeps working', async () => {
    const first = await requestReset(new HttpBrowser(server.url), 'gina');
    const second = await requestReset(new HttpBrowser(server.url), 'gina@example.com');
    expect(view(second)).toEqual(view(first));
    const message = await mail.waitFor('gina@example.com', SUBJECT.resetting);
    const received = await mailAfter(mail, 'gina@example.com', sentinel('sentinel2'));
    expect(received).toHaveLength(1);
    const { res } = await choosePassword(new HttpBrowser(server.url), linkIn(message, '/reset/password'), NEW_PASSWORD);
    expect(res.location).toBe('/login?done=reset');
    expectTokens(await passwordGrant(server.url, client, 'gina', NEW_PASSWORD));
  });

  it('with GATEHOUSE_RESETTING_RETRY_TTL=0 a second request sends a new link, and the first one stops working', async () => {
    expect((await requestReset(new HttpBrowser(retry0.url), 'ivy')).location).toBe('/reset/sent');
    const firstLink = linkIn(await mail.waitFor('ivy@example.com', SUBJECT.resetting), '/reset/password');
    expect((await requestReset(new HttpBrowser(retry0.url), 'ivy')).location).toBe('/reset/sent');
    const secondLink = linkIn(await mail.waitFor('ivy@example.com', SUBJECT.resetting), '/reset/password');
    expect(tokenOf(secondLink)).not.toBe(tokenOf(firstLink));

    const browser = new HttpBrowser(retry0.url);
    expectLinkNotUsable(await browser.get(firstLink));
    const { res } = await choosePassword(browser, secondLink, NEW_PASSWORD);
    expect(res.location).toBe('/login?done=reset');
    expectTokens(await passwordGrant(retry0.url, client, 'ivy', NEW_PASSWORD));
  });

  it('policy errors re-render the form with 400, the username and the message, never the password; the link still works', async () => {
    expect((await requestReset(new HttpBrowser(server.url), 'kathleen')).location).toBe('/reset/sent');
    const link = linkIn(await mail.waitFor('kathleen@example.com', SUBJECT.resetting), '/reset/password');
    const token = tokenOf(link);
    const browser = new HttpBrowser(server.url);
    const page = await browser.get(link);
    let csrf = csrfTokenOf(page.text);
    const cases: [string, string, string][] = [
      ['Sh0rt!x', 'Sh0rt!x', 'Password must be at least 8 characters.'],
      ['KATHLEEN', 'KATHLEEN', 'Password must not be the username or e-mail address.'],
      ['Kathleen@Example.com', 'Kathleen@Example.com', 'Password must not be the username or e-mail address.'],
      ['first-new-passphrase', 'second-new-passphrase', 'The two passwords do not match.'],
    ];
    for (const [password, again, alert] of cases) {
      const res = await browser.post('/reset/password', { csrf_token: csrf, token, password, password_again: again });
      expectHtmlPage(res, 400);
      expect(alertOf(res.text)).toBe(alert);
      expect(res.text).toContain('for <strong>kathleen</strong>');
      expect(hiddenField(res.text, 'token')).toBe(token);
      expect(res.text).not.toContain(password);
      expect(res.text).not.toContain(again);
      csrf = csrfTokenOf(res.text);
    }
    expectTokens(await passwordGrant(server.url, client, 'kathleen', PASSWORD), 'password unchanged');
    const done = await browser.post('/reset/password', {
      csrf_token: csrf,
      token,
      password: NEW_PASSWORD,
      password_again: NEW_PASSWORD,
    });
    expect(done.location).toBe('/login?done=reset');
  });

  it('CSRF: both forms refuse a missing or foreign token with 403; nothing is sent or changed', async () => {
    const browser = new HttpBrowser(server.url);
    const other = new HttpBrowser(server.url);
    const otherPage = await other.get('/reset');
    await browser.get('/reset');
    expectCsrfFailure(await browser.post('/reset', { username: 'nils' }));
    expectCsrfFailure(await browser.post('/reset', { username: 'nils', csrf_token: csrfTokenOf(otherPage.text) }));
    expect(await mailAfter(mail, 'nils@example.com', sentinel('sentinel3'))).toEqual([]);

    expect((await requestReset(browser, 'nils')).location).toBe('/reset/sent');
    const link = linkIn(await mail.waitFor('nils@example.com', SUBJECT.resetting), '/reset/password');
    const token = tokenOf(link);
    await browser.get(link);
    const otherLinkPage = await other.get(link);
    const fields = { token, password: NEW_PASSWORD, password_again: NEW_PASSWORD };
    expectCsrfFailure(await browser.post('/reset/password', fields));
    expectCsrfFailure(
      await browser.post('/reset/password', { ...fields, csrf_token: csrfTokenOf(otherLinkPage.text) }),
    );
    // The reset-request form's token does not do either.
    expectCsrfFailure(
      await browser.post('/reset/password', { ...fields, csrf_token: csrfTokenOf((await browser.get('/reset')).text) }),
    );
    expectTokens(await passwordGrant(server.url, client, 'nils', PASSWORD), 'password unchanged');
    expect((await choosePassword(browser, link, NEW_PASSWORD)).res.location).toBe('/login?done=reset');
  });

  it('made-up, missing and oversized tokens are the "does not work" page', async () => {
    const browser = new HttpBrowser(server.url);
    for (const path of [
      '/reset/password',
      '/reset/password?token=',
      `/reset/password?token=${'B'.repeat(43)}`,
      `/reset/password?token=${'B'.repeat(5000)}`,
    ]) {
      expectLinkNotUsable(await browser.get(path));
    }
    // A real CSRF token of the reset-password form needs a page, which needs a working link: use
    // one of another account and swap the token.
    expect((await requestReset(browser, 'omar')).location).toBe('/reset/sent');
    const link = linkIn(await mail.waitFor('omar@example.com', SUBJECT.resetting), '/reset/password');
    const page = await browser.get(link);
    const forged = await browser.post('/reset/password', {
      csrf_token: csrfTokenOf(page.text),
      token: 'B'.repeat(43),
      password: NEW_PASSWORD,
      password_again: NEW_PASSWORD,
    });
    expectLinkNotUsable(forged);
    expectTokens(await passwordGrant(server.url, client, 'omar', PASSWORD), 'password unchanged');
  });

  it('an account an administrator deactivated gets no e-mail, and a link sent before cannot re-enable or change it', async () => {
    // `gatehouse user deactivate leo`
    expect((await server.accounts().setEnabled('leo', false)).enabled).toBe(false);
    const asked = await requestReset(new HttpBrowser(server.url), 'leo');
    expect(asked.location).toBe('/reset/sent');
    expect(await mailAfter(mail, 'leo@example.com', sentinel('sentinel4'))).toEqual([]);
    expect(await showUser(server, 'leo')).toMatchObject({ enabled: false });

    // mia asks first; the administrator deactivates her before she uses the link.
    const browser = new HttpBrowser(server.url);
    expect((await requestReset(browser, 'mia')).location).toBe('/reset/sent');
    const link = linkIn(await mail.waitFor('mia@example.com', SUBJECT.resetting), '/reset/password');
    const page = await browser.get(link);
    expect(page.status).toBe(200);
    expect((await server.accounts().setEnabled('mia', false)).enabled).toBe(false);
    expectLinkNotUsable(await browser.get(link));
    expectLinkNotUsable(
      await browser.post('/reset/password', {
        csrf_token: csrfTokenOf(page.text),
        token: tokenOf(link),
        password: NEW_PASSWORD,
        password_again: NEW_PASSWORD,
      }),
    );
    expect(await showUser(server, 'mia')).toMatchObject({ enabled: false, awaiting_confirmation: false });
    const refused = await new HttpBrowser(server.url).signIn('mia', NEW_PASSWORD);
    expect(alertOf(refused.text)).toBe(BAD_LOGIN);
    // Re-activated by the administrator: her password is the one she had.
    expect((await server.accounts().setEnabled('mia', true)).enabled).toBe(true);
    expectInvalidGrant(await passwordGrant(server.url, client, 'mia', NEW_PASSWORD));
    expectTokens(await passwordGrant(server.url, client, 'mia', PASSWORD));
  });

  it('an account awaiting e-mail confirmation gets a fresh confirmation link instead (retry_ttl 0)', async () => {
    const browser = new HttpBrowser(retry0.url);
    expect(
      (await signUp(browser, { username: 'pending', email: 'pending@example.com', password: PASSWORD })).location,
    ).toBe('/register/sent');
    const firstLink = linkIn(await mail.waitFor('pending@example.com', SUBJECT.confirmation), '/register/confirm');

    const asked = await requestReset(new HttpBrowser(retry0.url), 'pending@example.com');
    expect(asked.location).toBe('/reset/sent');
    const fresh = await mail.waitFor('pending@example.com', SUBJECT.confirmation);
    const freshLink = linkIn(fresh, '/register/confirm');
    expect(tokenOf(freshLink)).not.toBe(tokenOf(firstLink));
    expect(mail.messagesTo('pending@example.com').filter((m) => SUBJECT.resetting.test(m.subject))).toEqual([]);

    // The new link replaces the old one, and confirms the account with the password chosen at sign-up.
    expectLinkNotUsable(await browser.get(firstLink));
    // A reset request does not change the password: the new link still needs the one chosen at sign-up.
    expectWrongConfirmationPassword(
      (await followConfirmation(browser, freshLink, NEW_PASSWORD)).res,
      tokenOf(freshLink),
      NEW_PASSWORD,
    );
    expectConfirmed((await followConfirmation(browser, freshLink, PASSWORD)).res);
    await new HttpBrowser(retry0.url).signInOrFail('pending', PASSWORD);
  });

  it('with the default retry_ttl, a reset request right after sign-up sends no second confirmation e-mail', async () => {
    const browser = new HttpBrowser(server.url);
    expect(
      (await signUp(browser, { username: 'pending2', email: 'pending2@example.com', password: PASSWORD })).location,
    ).toBe('/register/sent');
    await mail.waitFor('pending2@example.com', SUBJECT.confirmation);
    expect((await requestReset(browser, 'pending2')).location).toBe('/reset/sent');
    const received = await mailAfter(mail, 'pending2@example.com', async () => {
      expect((await requestReset(new HttpBrowser(retry0.url), 'hugo')).location).toBe('/reset/sent');
      return mail.waitFor('hugo@example.com', SUBJECT.resetting);
    });
    expect(received).toHaveLength(1);
  });

  it('requests from one address are throttled: 429 with Retry-After and the form again', async () => {
    const browser = new HttpBrowser(throttled.url);
    const answers: BrowserResponse[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await requestReset(browser, i % 2 ? 'pat' : `unknown${i}`);
      answers.push(res);
      if (res.status === 429) break;
    }
    const statuses = answers.map((res) => res.status);
    // 4 × threshold (1) requests go through at least; the block follows right after.
    expect(statuses.slice(0, 4)).toEqual([303, 303, 303, 303]);
    const blocked = answers.at(-1)!;
    expect(blocked.status, statuses.join(',')).toBe(429);
    expect(statuses.length).toBeLessThanOrEqual(6);
    expectHtmlPage(blocked, 429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(alertOf(blocked.text)).toBe(
      `Too many requests from your network. Please wait ${retryAfter} seconds, then try again.`,
    );
    expect(blocked.text).toContain('action="/reset"');
    // pat got one e-mail at most (the retry_ttl), however many requests were made.
    expect(mail.messagesTo('pat@example.com').length).toBeLessThanOrEqual(1);
  });

  it('after a reset, apps must be allowed again (as the page says): consents are forgotten and codes not yet exchanged are dead', async () => {
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail('pia', PASSWORD);
    const authorize = () => {
      const { verifier, challenge } = pkcePair();
      const path = authorizePath({
        response_type: 'code',
        client_id: web.client_id,
        redirect_uri: WEB_CB,
        state: 'r',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      return { verifier, res: browser.get(path) };
    };
    const exchange = (code: string, verifier: string) =>
      tokenRequest(
        server.url,
        { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier },
        { basic: [web.client_id, web.client_secret] },
      );
    const codeOf = (res: BrowserResponse) => new URL(res.location!).searchParams.get('code')!;

    const first = authorize();
    const consent = await first.res;
    expect(consent.status, consent.location ?? '').toBe(200);
    expect(consent.text).toContain('wants to access your account');
    const allowed = await browser.answerConsent(consent.text, 'allow');
    expectTokens(await exchange(codeOf(allowed), first.verifier), 'first code');
    // Consent remembered: a code straight away, kept for later.
    const second = authorize();
    const pending = await second.res;
    expect(pending.status).toBe(302);

    expect((await requestReset(new HttpBrowser(server.url), 'pia')).location).toBe('/reset/sent');
    const link = linkIn(await mail.waitFor('pia@example.com', SUBJECT.resetting), '/reset/password');
    const { page, res } = await choosePassword(new HttpBrowser(server.url), link, NEW_PASSWORD);
    expect(page.text).toContain('apps using your account will have to be allowed again');
    expect(res.location).toBe('/login?done=reset');

    expectInvalidGrant(await exchange(codeOf(pending), second.verifier), 'a code issued before the reset');
    await browser.signInOrFail('pia', NEW_PASSWORD);
    const again = await authorize().res;
    expect(again.status, again.location ?? '').toBe(200);
    expect(again.text).toContain('wants to access your account');
  });

  it('links are built from the configured issuer, never from the request’s Host or X-Forwarded-Host', async () => {
    const browser = new HttpBrowser(retry0.url);
    const page = await browser.get('/reset');
    const res = await browser.post(
      '/reset',
      { csrf_token: csrfTokenOf(page.text), username: 'omar' },
      { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example;proto=https' },
    );
    expect(res.location).toBe('/reset/sent');
    // A raw request with a forged Host header (fetch keeps the real one).
    const forged = await new Promise<number>((resolve, reject) => {
      const body = new URLSearchParams({ csrf_token: csrfTokenOf(page.text), username: 'omar' }).toString();
      const req = httpRaw.request(
        `${retry0.url}/reset`,
        {
          method: 'POST',
          headers: {
            host: 'evil.example',
            cookie: browser.jar.header() ?? '',
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(forged).toBe(303);
    for (let i = 0; i < 2; i++) {
      const message = await mail.waitFor('omar@example.com', SUBJECT.resetting);
      expect(message.text).not.toContain('evil.example');
      expect(message.html).not.toContain('evil.example');
      expect(linkIn(message, '/reset/password').startsWith(`${retry0.url}/reset/password?token=`)).toBe(true);
    }
  });

  it('a confirmation token does not work as a reset link, nor a reset token as a confirmation link', async () => {
    const browser = new HttpBrowser(retry0.url);
    expect(
      (await signUp(browser, { username: 'crossed', email: 'crossed@example.com', password: PASSWORD })).location,
    ).toBe('/register/sent');
    const confirmLink = linkIn(await mail.waitFor('crossed@example.com', SUBJECT.confirmation), '/register/confirm');
    expect((await requestReset(browser, 'erin')).location).toBe('/reset/sent');
    const resetLink = linkIn(await mail.waitFor('erin@example.com', SUBJECT.resetting), '/reset/password');

    expectLinkNotUsable(await browser.get(`/reset/password?token=${tokenOf(confirmLink)}`));
    expectLinkNotUsable(await browser.get(`/register/confirm?token=${tokenOf(resetLink)}`));
    const confirmPage = await browser.get(confirmLink);
    const resetPage = await browser.get(resetLink);
    // Not even with the password of the account the reset link is for.
    expectLinkNotUsable(
      await browser.post('/register/confirm', {
        csrf_token: csrfTokenOf(confirmPage.text),
        token: tokenOf(resetLink),
        password: PASSWORD,
      }),
    );
    expectLinkNotUsable(
      await browser.post('/reset/password', {
        csrf_token: csrfTokenOf(resetPage.text),
        token: tokenOf(confirmLink),
        password: NEW_PASSWORD,
        password_again: NEW_PASSWORD,
      }),
    );
    expect(await showUser(server, 'crossed')).toMatchObject({ enabled: false, awaiting_confirmation: true });
    // Both still work for what they are.
    expectConfirmed(
      await browser.post('/register/confirm', {
        csrf_token: csrfTokenOf(confirmPage.text),
        token: tokenOf(confirmLink),
        password: PASSWORD,
      }),
    );
    expect((await choosePassword(browser, resetLink, NEW_PASSWORD)).res.location).toBe('/login?done=reset');
  });

  it('other methods get an HTML 405 naming the allowed ones', async () => {
    const browser = new HttpBrowser(server.url);
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      await expectMethodNotAllowed(browser, method, '/reset', 'GET, POST');
      await expectMethodNotAllowed(browser, method, '/reset/password', 'GET, POST');
    }
    await expectMethodNotAllowed(browser, 'POST', '/reset/sent', 'GET');
    await expectMethodNotAllowed(browser, 'PUT', '/reset/sent', 'GET');
  });

  it('the reset page sends no Referer and keeps the token out of links on the page', async () => {
    expect((await requestReset(new HttpBrowser(retry0.url), 'hugo')).location).toBe('/reset/sent');
    const link = linkIn(await mail.waitFor('hugo@example.com', SUBJECT.resetting), '/reset/password');
    const page = await new HttpBrowser(retry0.url).get(link);
    expectHtmlPage(page, 200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const token = tokenOf(link);
    // Only in the hidden field (posted to this server), never in an href or the form's action.
    expect(page.text.split(token).length - 1).toBe(1);
    expect(page.text).not.toMatch(new RegExp(`href="[^"]*${token}`));
    expect(sessionCookieOf(page)).toBeUndefined();
  });
});
