/**
 * Self-service sign-up end to end (issue 5): /register and the e-mailed confirmation link
 * (/register/confirm), against the app in the test's process (../harness), with a real SMTP server
 * in the test process receiving the messages (../helpers/mail.ts). Links are aged and throttles
 * waited out on the servers' manual clocks. What `gatehouse serve` itself says about broken
 * mail templates is in test/cli/mail-templates.test.ts.
 *
 * The core flow (sign up → cannot sign in → follow the link → sign in) runs once per engine;
 * everything else on SQLite. Sign-up is throttled per address (4 × login_throttle_threshold
 * requests): the servers here raise the threshold so the many sign-ups from 127.0.0.1 are not
 * slowed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_LOGIN,
  CONFIRMED_NOTICE,
  execSql,
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
  requestReset,
  sessionCookieOf,
  signUp,
  SUBJECT,
  tokenOf,
} from '../helpers/account-pages.js';
import { alertOf, csrfTokenOf, decodeHtml, hiddenField, HttpBrowser } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { linkIn, startMailServer, type MailServer } from '../helpers/mail.js';
import { cleanUp } from '../../src/storage/cleanup-schedule.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { showUser } from '../harness/users.js';

const PASSWORD = 'correct horse battery staple';
const UNCONFIRMED =
  'Your e-mail address is not confirmed yet. Follow the link we sent you, or use "Forgot your password?" to get a new one.';
/** Registration on, mail through the test's SMTP server, and room for many sign-ups from one address. */
const openEnv = (mail: MailServer, extra: Record<string, string> = {}) => ({
  GATEHOUSE_REGISTRATION_ENABLED: 'true',
  GATEHOUSE_MAIL_URL: mail.url,
  GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '100',
  ...extra,
});
const PASSWORD_GRANTS = ['--name', 'Password App', '--grant-type', 'password', '--grant-type', 'refresh_token'];

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The notice (role="status") of a page, decoded. */
const noticeOf = (page: string) => {
  const text = /<p class="notice"[^>]*>([\s\S]*?)<\/p>/.exec(page)?.[1];
  return text === undefined ? undefined : decodeHtml(text);
};

// --- both engines: the core flow ------------------------------------------------------

describeEachEngine('sign-up → e-mail confirmation → sign-in (e2e)', (factory) => {
  let mail: MailServer;
  let server: TestServer;
  let client: CreatedClient;

  beforeAll(async () => {
    mail = await startMailServer();
    server = await startTestServer({ engine: factory.engine, env: openEnv(mail) });
    client = await server.createClient(PASSWORD_GRANTS);
  });

  afterAll(async () => {
    await server?.close();
    await mail?.close();
  });

  it('the account cannot be used until the link is followed with its password; the button then signs the user in; the link works once', async () => {
    const browser = new HttpBrowser(server.url);
    const signedUp = await signUp(browser, { username: 'Nadia', email: 'nadia@example.com', password: PASSWORD });
    expect(signedUp.status, signedUp.text.slice(0, 500)).toBe(303);
    expect(signedUp.location).toBe('/register/sent');
    expect(sessionCookieOf(signedUp)).toBeUndefined();
    const sent = await browser.get('/register/sent');
    expectHtmlPage(sent, 200);
    expect(sent.text).toContain('Check your e-mail');
    expect(sent.text).toContain('24 hours');
    // The account is stored just after the answer, then the link goes out.
    const message = await mail.waitFor('nadia@example.com', SUBJECT.confirmation);

    // Awaiting confirmation: refused by the sign-in form and the password grant. Only whoever
    // knows the password learns why; a wrong password gets the usual answer.
    for (const login of ['Nadia', 'nadia@example.com']) {
      const refused = await new HttpBrowser(server.url).signIn(login, PASSWORD);
      expect(refused.status).toBe(400);
      expect(alertOf(refused.text)).toBe(UNCONFIRMED);
      expect(sessionCookieOf(refused)).toBeUndefined();
      const wrong = await new HttpBrowser(server.url).signIn(login, 'not the password');
      expect(wrong.status).toBe(400);
      expect(alertOf(wrong.text)).toBe(BAD_LOGIN);
    }
    const grant = await passwordGrant(server.url, client, 'Nadia', PASSWORD);
    expectInvalidGrant(grant, 'before confirmation');
    expect(grant.json.access_token).toBeUndefined();
    expect(grant.json.error_description).toBe('the e-mail address of this account is not confirmed yet');
    expect((await passwordGrant(server.url, client, 'Nadia', 'not the password')).json.error_description).toBe(
      'invalid username or password',
    );
    expect(await showUser(server, 'nadia')).toMatchObject({ enabled: false, awaiting_confirmation: true });

    expect(message.subject).toBe(`Confirm your e-mail address for 127.0.0.1:${server.port}`);
    expect(message.text).toContain('Hello Nadia,');
    expect(message.text).toContain('The link works for 24 hours, once.');
    const link = linkIn(message, '/register/confirm');
    expect(link.startsWith(`${server.url}/register/confirm?token=`)).toBe(true);
    const token = tokenOf(link);
    expect(message.html).toContain(escapeHtml(link));

    // Opening the link (a mail scanner does) shows a form asking for the password, and changes nothing.
    const scanner = new HttpBrowser(server.url);
    for (let i = 0; i < 2; i++) {
      const page = await scanner.get(link);
      expectHtmlPage(page, 200);
      expect(page.text).toContain('Confirm your e-mail address');
      expect(page.text).toContain('<strong>Nadia</strong>');
      expect(page.text).toContain('action="/register/confirm"');
      expect(page.text).toContain(
        '<input id="password" name="password" type="password" autocomplete="current-password" required',
      );
      expect(hiddenField(page.text, 'token')).toBe(token);
      expect(sessionCookieOf(page)).toBeUndefined();
    }
    expectInvalidGrant(await passwordGrant(server.url, client, 'Nadia', PASSWORD), 'after the link was opened');

    // Pressing the button without the password, or with a wrong one: the form again, nothing confirmed.
    const page = await browser.get(link);
    expectWrongConfirmationPassword(
      await browser.post('/register/confirm', { csrf_token: csrfTokenOf(page.text), token }),
      token,
      '',
    );
    const wrong = await browser.post('/register/confirm', {
      csrf_token: csrfTokenOf(page.text),
      token,
      password: 'not the password',
    });
    expectWrongConfirmationPassword(wrong, token, 'not the password');
    expect(wrong.text).toContain('<strong>Nadia</strong>');
    expect(await showUser(server, 'nadia')).toMatchObject({ enabled: false, awaiting_confirmation: true });
    expectInvalidGrant(
      await passwordGrant(server.url, client, 'Nadia', PASSWORD),
      'after a wrong confirmation password',
    );

    // The re-rendered form, with the right password: confirmed and signed in, on the account page.
    const confirmed = await browser.post('/register/confirm', {
      csrf_token: csrfTokenOf(wrong.text),
      token,
      password: PASSWORD,
    });
    expectConfirmed(confirmed);
    const account = await browser.get(confirmed.location!);
    expectHtmlPage(account, 200);
    expect(noticeOf(account.text)).toBe(CONFIRMED_NOTICE);
    expect(account.text).toContain('<strong>Nadia</strong>');
    expect(account.text).toContain('action="/account/profile"');
    // The sign-in page no longer has a "confirmed" notice.
    expect(noticeOf((await new HttpBrowser(server.url).get('/login?done=confirmed')).text)).toBeUndefined();

    await new HttpBrowser(server.url).signInOrFail('nadia', PASSWORD);
    expectTokens(await passwordGrant(server.url, client, 'nadia@example.com', PASSWORD), 'after confirmation');
    expect(await showUser(server, 'nadia')).toMatchObject({ enabled: true, awaiting_confirmation: false });

    // Single use: neither the page nor the button works again, even with the password.
    expectLinkNotUsable(await scanner.get(link));
    expectLinkNotUsable(
      await browser.post('/register/confirm', { csrf_token: csrfTokenOf(page.text), token, password: PASSWORD }),
    );
  });
});

// --- SQLite: everything else -------------------------------------------------------------

describe('sign-up and confirmation pages (e2e, SQLite)', () => {
  let mail: MailServer;
  let client: CreatedClient;
  /** Default settings: registration off. */
  let closed: TestServer;
  /** Registration on, with confirmation (the default). Owns the database the others share. */
  let server: TestServer;
  /** Registration on, GATEHOUSE_REGISTRATION_CONFIRMATION=false. */
  let instant: TestServer;
  /** GATEHOUSE_REGISTRATION_TOKEN_TTL=60. */
  let shortLinks: TestServer;
  let templatesDir: string;
  /** GATEHOUSE_MAIL_TEMPLATES replacing the confirmation message. */
  let templated: TestServer;

  beforeAll(async () => {
    mail = await startMailServer();
    templatesDir = mkdtempSync(join(tmpdir(), 'gatehouse-templates-'));
    writeFileSync(
      join(templatesDir, 'confirmation.txt'),
      'Subject: Welcome to {{site}}, {{ username }}\n\nHi {{username}}! Activate your account here: {{link}} (valid for {{expires_in}})\n',
    );
    writeFileSync(
      join(templatesDir, 'confirmation.html'),
      '<p class="custom">Hi {{username}}! <a href="{{link}}">Activate</a></p>\n',
    );
    server = await startTestServer({ engine: 'sqlite', env: openEnv(mail) });
    const { database } = server;
    const created = await Promise.all([
      server.createClient(PASSWORD_GRANTS),
      server.createUser('olga', 'olga@example.com', PASSWORD),
      server.createUser('ruth', 'ruth@example.com', PASSWORD),
      server.createUser('sam', 'sam@example.com', PASSWORD),
      server.createUser('tina', 'tina@example.com', PASSWORD),
    ]);
    client = created[0];
    closed = await startTestServer({ database, env: { GATEHOUSE_MAIL_URL: mail.url } });
    instant = await startTestServer({ database, env: openEnv(mail, { GATEHOUSE_REGISTRATION_CONFIRMATION: 'false' }) });
    shortLinks = await startTestServer({ database, env: openEnv(mail, { GATEHOUSE_REGISTRATION_TOKEN_TTL: '60' }) });
    templated = await startTestServer({ database, env: openEnv(mail, { GATEHOUSE_MAIL_TEMPLATES: templatesDir }) });
  });

  afterAll(async () => {
    // The servers sharing the database first: `server` removes it.
    await Promise.all([closed, instant, shortLinks, templated].map((shared) => shared?.close()));
    await server?.close();
    await mail?.close();
    if (templatesDir) rmSync(templatesDir, { recursive: true, force: true });
  });

  /** A confirmed account `name` (name@example.com, PASSWORD) signed up on `server`. */
  async function confirmedAccount(name: string): Promise<void> {
    const browser = new HttpBrowser(server.url);
    expect((await signUp(browser, { username: name, email: `${name}@example.com`, password: PASSWORD })).location).toBe(
      '/register/sent',
    );
    const link = linkIn(await mail.waitFor(`${name}@example.com`, SUBJECT.confirmation), '/register/confirm');
    expectConfirmed((await followConfirmation(browser, link, PASSWORD)).res);
  }

  describe('registration.enabled off (the default)', () => {
    it('GET and POST /register are a 404 page; the sign-in page offers no sign-up', async () => {
      const browser = new HttpBrowser(closed.url);
      const page = await browser.get('/register');
      expectHtmlPage(page, 404);
      expect(page.text).toContain('Sign-up is closed');
      expect(page.text).not.toContain('action="/register"');

      // Even a well-formed post (CSRF token from the sign-in page's cookie) creates nothing.
      const { csrfToken } = await browser.loginForm();
      const posted = await browser.post('/register', {
        csrf_token: csrfToken,
        username: 'sneaky',
        email: 'sneaky@example.com',
        password: PASSWORD,
        password_again: PASSWORD,
      });
      expectHtmlPage(posted, 404);
      expect(posted.text).toContain('Sign-up is closed');
      expect(await showUser(server, 'sneaky')).toBeNull();

      const login = await browser.get('/login');
      expect(login.text).not.toContain('href="/register');
      expect(login.text).toContain('href="/reset"');
    });
  });

  describe('the sign-up form', () => {
    it('is a page with a CSRF token; the sign-in page links to it, return_to included', async () => {
      const browser = new HttpBrowser(server.url);
      const page = await browser.get('/register');
      expectHtmlPage(page, 200);
      expect(page.text).toContain('Create an account');
      expect(csrfTokenOf(page.text).length).toBeGreaterThan(20);
      for (const field of ['username', 'email', 'password', 'password_again'])
        expect(page.text).toContain(`name="${field}"`);
      expect(page.text).toMatch(/Use at least 8 characters/);

      const login = await browser.get('/login');
      expect(login.text).toContain('href="/register"');
      // An authorization request comes back by the opaque id of the request kept on the server.
      const returnTo = `/oauth/authorize?pending=${'A'.repeat(43)}`;
      const withReturn = await browser.get(`/login?${new URLSearchParams({ return_to: returnTo })}`);
      expect(withReturn.text).toContain(`href="/register?return_to=${encodeURIComponent(returnTo)}"`);
      const registerWithReturn = await browser.get(`/register?${new URLSearchParams({ return_to: returnTo })}`);
      expect(hiddenField(registerWithReturn.text, 'return_to')).toBe(returnTo);
    });

    const cases: { label: string; username: string; email: string; password: string; again?: string; alert: string }[] =
      [
        {
          label: 'a bad username',
          username: 'bad "name"!',
          email: 'bad-name@example.com',
          password: 'pw-bad-username-1',
          alert: 'Username must be 1–64 letters, digits, ".", "_" or "-".',
        },
        {
          label: 'a bad e-mail address',
          username: 'bademail',
          email: 'not-an-e-mail',
          password: 'pw-bad-email-12',
          alert: 'E-mail address is not valid.',
        },
        {
          label: 'a short password',
          username: 'shorty',
          email: 'shorty@example.com',
          password: 'Sh0rt!x',
          alert: 'Password must be at least 8 characters.',
        },
        {
          label: 'the password is the username',
          username: 'SamePassword',
          email: 'same@example.com',
          password: 'samepassword',
          alert: 'Password must not be the username or e-mail address.',
        },
        {
          label: 'the password is the e-mail',
          username: 'samemail',
          email: 'same.mail@example.com',
          password: 'SAME.MAIL@example.com',
          alert: 'Password must not be the username or e-mail address.',
        },
        {
          label: 'the passwords differ',
          username: 'differ',
          email: 'differ@example.com',
          password: 'pw-differ-first-1',
          again: 'pw-differ-second-2',
          alert: 'The two passwords do not match.',
        },
        {
          label: 'the username is taken',
          username: 'OLGA',
          email: 'someone-new@example.com',
          password: 'pw-taken-name-1',
          alert: 'A user with this username already exists.',
        },
      ];
    for (const c of cases) {
      it(`${c.label}: 400, the form again with the message and the typed username and e-mail, never the password`, async () => {
        const browser = new HttpBrowser(server.url);
        const res = await signUp(browser, {
          username: c.username,
          email: c.email,
          password: c.password,
          password_again: c.again,
        });
        expectHtmlPage(res, 400);
        expect(res.location).toBeNull();
        expect(sessionCookieOf(res)).toBeUndefined();
        expect(alertOf(res.text)).toBe(c.alert);
        expect(res.text).toContain('action="/register"');
        expect(res.text).toContain(`value="${escapeHtml(c.username)}"`);
        expect(res.text).toContain(`value="${escapeHtml(c.email)}"`);
        expect(res.text).not.toContain(c.password);
        expect(res.text).not.toContain(escapeHtml(c.password));
        if (c.again) expect(res.text).not.toContain(c.again);
        // Nothing was created, and no e-mail sent.
        if (c.username !== 'OLGA') expect(await showUser(server, c.username)).toBeNull();
        expect(mail.messagesTo(c.email)).toEqual([]);
      });
    }

    it('the re-rendered form works: fixing the mistake signs up', async () => {
      const browser = new HttpBrowser(server.url);
      const wrong = await signUp(browser, {
        username: 'fixer',
        email: 'fixer@example.com',
        password: PASSWORD,
        password_again: 'something else entirely',
      });
      expect(wrong.status).toBe(400);
      const fixed = await browser.post('/register', {
        csrf_token: csrfTokenOf(wrong.text),
        username: 'fixer',
        email: 'fixer@example.com',
        password: PASSWORD,
        password_again: PASSWORD,
      });
      expect(fixed.status, fixed.text.slice(0, 300)).toBe(303);
      expect(fixed.location).toBe('/register/sent');
      await mail.waitFor('fixer@example.com', SUBJECT.confirmation);
    });

    it('CSRF: a post without the token, or with another browser’s, is refused with 403 and creates nothing', async () => {
      const browser = new HttpBrowser(server.url);
      const page = await browser.get('/register');
      const fields = {
        username: 'csrfvictim',
        email: 'csrfvictim@example.com',
        password: PASSWORD,
        password_again: PASSWORD,
      };
      expectCsrfFailure(await browser.post('/register', fields));
      expectCsrfFailure(await browser.post('/register', { ...fields, csrf_token: 'x'.repeat(43) }));
      // A token from another browser (another CSRF cookie).
      const other = new HttpBrowser(server.url);
      const otherPage = await other.get('/register');
      expectCsrfFailure(await browser.post('/register', { ...fields, csrf_token: csrfTokenOf(otherPage.text) }));
      // A token made for another form of the same browser.
      const { csrfToken: loginToken } = await browser.loginForm();
      expectCsrfFailure(await browser.post('/register', { ...fields, csrf_token: loginToken }));
      expect(csrfTokenOf(page.text)).not.toBe(loginToken);
      expect(await showUser(server, 'csrfvictim')).toBeNull();
    });
  });

  describe('no account enumeration', () => {
    it('a second sign-up with a registered e-mail gets exactly the answer of a new sign-up; the owner is told, and nothing is created', async () => {
      const fresh = await signUp(new HttpBrowser(server.url), {
        username: 'newcomer',
        email: 'newcomer@example.com',
        password: PASSWORD,
      });
      const taken = await signUp(new HttpBrowser(server.url), {
        username: 'olga-again',
        email: 'olga@example.com',
        password: PASSWORD,
      });
      const takenOtherCase = await signUp(new HttpBrowser(server.url), {
        username: 'olga-third',
        email: 'OLGA@Example.COM',
        password: PASSWORD,
      });
      const view = (res: typeof fresh) => ({
        status: res.status,
        location: res.location,
        text: res.text,
        contentType: res.headers.get('content-type'),
        cookies: res.setCookies.map((cookie) => cookie.name).sort(),
      });
      expect(view(fresh)).toMatchObject({ status: 303, location: '/register/sent', cookies: [] });
      expect(view(taken)).toEqual(view(fresh));
      expect(view(takenOtherCase)).toEqual(view(fresh));

      // The owner hears of it (once per sign-up, the first two at once), by the address on the
      // account, with a way to reset the password.
      const notice = await mail.waitFor('olga@example.com', SUBJECT.alreadyRegistered);
      expect(notice.text).toContain('whose username is olga');
      expect(linkIn(notice, '/reset')).toBe(`${server.url}/reset`);
      await mail.waitFor('olga@example.com', SUBJECT.alreadyRegistered);
      await mail.waitFor('newcomer@example.com', SUBJECT.confirmation);

      // The last username tried is held (unusable) as a sign-up with a free address would hold
      // it, so a second sign-up cannot tell the two apart; the one before is free again.
      expect(await showUser(server, 'olga-again')).toBeNull();
      expect(await showUser(server, 'olga-third')).toMatchObject({
        enabled: false,
        awaiting_confirmation: true,
        email: expect.stringMatching(/@reserved\.invalid$/),
      });
      expect(await showUser(server, 'olga')).toMatchObject({
        enabled: true,
        awaiting_confirmation: false,
        email: 'olga@example.com',
      });
      // Olga's account is as it was: her password still works, and she got no confirmation link.
      expectTokens(await passwordGrant(server.url, client, 'olga', PASSWORD));
      expect(mail.messagesTo('olga@example.com').filter((m) => SUBJECT.confirmation.test(m.subject))).toEqual([]);
    });

    it('many sign-ups with a registered address do not flood its owner with notices', async () => {
      const answers = [];
      for (let i = 0; i < 5; i++)
        answers.push(
          await signUp(new HttpBrowser(server.url), {
            username: `ruth-again-${i}`,
            email: 'ruth@example.com',
            password: PASSWORD,
          }),
        );
      for (const res of answers) expect(res.location).toBe('/register/sent');
      await mail.waitFor('ruth@example.com', SUBJECT.alreadyRegistered);
      const received = await mailAfter(mail, 'ruth@example.com', async () => {
        await requestReset(new HttpBrowser(server.url), 'sam');
        return mail.waitFor('sam@example.com', SUBJECT.resetting);
      });
      const notices = received.filter((m) => SUBJECT.alreadyRegistered.test(m.subject));
      expect(notices.length).toBeGreaterThanOrEqual(1);
      expect(notices.length).toBeLessThan(answers.length);
    });

    it('with mismatched passwords, a registered e-mail gets the same answer as a new one (400: the passwords differ)', async () => {
      const fields = { password: 'pw-mismatch-first-1', password_again: 'pw-mismatch-second-2' };
      const fresh = await signUp(new HttpBrowser(server.url), {
        username: 'mismatch-new',
        email: 'mismatch-new@example.com',
        ...fields,
      });
      const taken = await signUp(new HttpBrowser(server.url), {
        username: 'mismatch-old',
        email: 'ruth@example.com',
        ...fields,
      });
      expect(fresh.status).toBe(400);
      expect(alertOf(fresh.text)).toBe('The two passwords do not match.');
      // Otherwise the form tells whether ruth@example.com has an account, without a valid sign-up.
      expect({ status: taken.status, location: taken.location, alert: alertOf(taken.text) }).toEqual({
        status: fresh.status,
        location: fresh.location,
        alert: alertOf(fresh.text),
      });
    });

    it('signing up again with an address still awaiting confirmation gets the same answer too (and takes the account over)', async () => {
      const first = await signUp(new HttpBrowser(server.url), {
        username: 'waiting',
        email: 'waiting@example.com',
        password: PASSWORD,
      });
      const second = await signUp(new HttpBrowser(server.url), {
        username: 'waiting2',
        email: 'waiting@example.com',
        password: PASSWORD,
      });
      expect({
        status: second.status,
        location: second.location,
        text: second.text,
        cookies: second.setCookies.map((c) => c.name).sort(),
      }).toEqual({
        status: first.status,
        location: first.location,
        text: first.text,
        cookies: first.setCookies.map((c) => c.name).sort(),
      });
      expect(first.location).toBe('/register/sent');
      await mail.waitFor('waiting@example.com', SUBJECT.confirmation);
      await mail.waitFor('waiting@example.com', SUBJECT.confirmation);
      // Still one account, now with the latest sign-up's username.
      expect(await showUser(server, 'waiting')).toBeNull();
      expect(await showUser(server, 'waiting2')).toMatchObject({
        email: 'waiting@example.com',
        enabled: false,
        awaiting_confirmation: true,
      });
    });
  });

  describe('an address someone else signed up with', () => {
    it('once its owner signs up and confirms, the account is hers: her password works, the stranger’s does not', async () => {
      // A stranger signs up first with Vera's address and a password of their own (pre-account hijacking).
      const strangerPassword = 'the stranger knows this one';
      expect(
        (
          await signUp(new HttpBrowser(server.url), {
            username: 'squatter',
            email: 'vera@example.com',
            password: strangerPassword,
          })
        ).location,
      ).toBe('/register/sent');
      const strangersMessage = await mail.waitFor('vera@example.com', SUBJECT.confirmation);
      expect(strangersMessage.text).toContain('Hello squatter,');
      const strangersLink = linkIn(strangersMessage, '/register/confirm');

      // Vera signs up herself, with her own username: the same answer as any sign-up.
      const vera = new HttpBrowser(server.url);
      const signedUp = await signUp(vera, { username: 'vera', email: 'Vera@Example.com', password: PASSWORD });
      expect(signedUp.status).toBe(303);
      expect(signedUp.location).toBe('/register/sent');
      expect(sessionCookieOf(signedUp)).toBeUndefined();
      // A new link, greeting her and needing her password, replaces the stranger's.
      const verasMessage = await mail.waitFor('vera@example.com', SUBJECT.confirmation);
      // The account is hers now (still waiting for the link): her username, spelling and password.
      expect(await showUser(server, 'squatter')).toBeNull();
      expect(await showUser(server, 'vera')).toMatchObject({
        username: 'vera',
        email: 'Vera@Example.com',
        enabled: false,
        awaiting_confirmation: true,
      });
      for (const login of ['vera', 'vera@example.com']) {
        expect(alertOf((await new HttpBrowser(server.url).signIn(login, PASSWORD)).text), login).toBe(UNCONFIRMED);
        expect(alertOf((await new HttpBrowser(server.url).signIn(login, strangerPassword)).text), login).toBe(
          BAD_LOGIN,
        );
      }
      expect(alertOf((await new HttpBrowser(server.url).signIn('squatter', strangerPassword)).text)).toBe(BAD_LOGIN);

      expect(verasMessage.text).toContain('Hello vera,');
      const link = linkIn(verasMessage, '/register/confirm');
      expect(link).not.toBe(strangersLink);
      expectLinkNotUsable(await new HttpBrowser(server.url).get(strangersLink));

      // Even with that link, the stranger's password is "incorrect" and confirms nothing.
      const stranger = new HttpBrowser(server.url);
      const { page: strangersPage, res: refused } = await followConfirmation(stranger, link, strangerPassword);
      expect(strangersPage.text).toContain('<strong>vera</strong>');
      expectWrongConfirmationPassword(refused, tokenOf(link), strangerPassword);
      expect(await showUser(server, 'vera')).toMatchObject({ enabled: false, awaiting_confirmation: true });

      // Vera, with the link and her password: confirmed, signed in as vera.
      const { res: confirmed } = await followConfirmation(vera, link, PASSWORD);
      expectConfirmed(confirmed);
      const account = await vera.get('/account?done=confirmed');
      expectHtmlPage(account, 200);
      expect(noticeOf(account.text)).toBe(CONFIRMED_NOTICE);
      expect(account.text).toContain('<strong>vera</strong>');
      expect(account.text).toContain('value="Vera@Example.com"');
      expect(await showUser(server, 'vera')).toMatchObject({
        username: 'vera',
        email: 'Vera@Example.com',
        enabled: true,
        awaiting_confirmation: false,
      });
      expect(await showUser(server, 'squatter')).toBeNull();

      // The confirmed account must not open with the password the stranger chose.
      for (const login of ['vera@example.com', 'vera', 'squatter']) {
        expectInvalidGrant(
          await passwordGrant(server.url, client, login, strangerPassword),
          `the stranger's password as ${login}`,
        );
        expect(alertOf((await new HttpBrowser(server.url).signIn(login, strangerPassword)).text), login).toBe(
          BAD_LOGIN,
        );
      }
      expectTokens(await passwordGrant(server.url, client, 'vera@example.com', PASSWORD), "Vera's password");
      await new HttpBrowser(server.url).signInOrFail('vera', PASSWORD);
      // And the link is used up, for either of them.
      expectLinkNotUsable(await stranger.get(link));
      expectLinkNotUsable(
        await stranger.post('/register/confirm', {
          csrf_token: csrfTokenOf(refused.text),
          token: tokenOf(link),
          password: strangerPassword,
        }),
      );
    });

    it('a takeover with another username sends a new link greeting it; the stranger’s older link stops working', async () => {
      const strangerPassword = 'another stranger passphrase';
      expect(
        (
          await signUp(new HttpBrowser(server.url), {
            username: 'squatter2',
            email: 'wilma@example.com',
            password: strangerPassword,
          })
        ).location,
      ).toBe('/register/sent');
      const strangersLink = linkIn(await mail.waitFor('wilma@example.com', SUBJECT.confirmation), '/register/confirm');
      const wilma = new HttpBrowser(server.url);
      expect(
        (await signUp(wilma, { username: 'Wilma', email: 'wilma@example.com', password: PASSWORD })).location,
      ).toBe('/register/sent');
      const message = await mail.waitFor('wilma@example.com', SUBJECT.confirmation);
      expect(message.text).toContain('Hello Wilma,');
      expect(message.text).not.toContain('squatter2');
      const link = linkIn(message, '/register/confirm');
      expect(link).not.toBe(strangersLink);

      expectLinkNotUsable(await new HttpBrowser(server.url).get(strangersLink));
      const stranger = new HttpBrowser(server.url);
      const { page, res: refused } = await followConfirmation(stranger, link, strangerPassword);
      expect(page.text).toContain('<strong>Wilma</strong>');
      expectWrongConfirmationPassword(refused, tokenOf(link), strangerPassword);
      expectConfirmed((await followConfirmation(wilma, link, PASSWORD)).res);
      expect(await showUser(server, 'wilma')).toMatchObject({
        username: 'Wilma',
        enabled: true,
        awaiting_confirmation: false,
      });
      expect(await showUser(server, 'squatter2')).toBeNull();
      expectInvalidGrant(await passwordGrant(server.url, client, 'wilma@example.com', strangerPassword));
      expectTokens(await passwordGrant(server.url, client, 'wilma@example.com', PASSWORD));
    });

    it('a takeover cannot take someone else’s username: 400 "username taken", and the account stays as it was', async () => {
      const strangerPassword = 'yet another stranger passphrase';
      expect(
        (
          await signUp(new HttpBrowser(server.url), {
            username: 'squatter3',
            email: 'xenia@example.com',
            password: strangerPassword,
          })
        ).location,
      ).toBe('/register/sent');
      await mail.waitFor('xenia@example.com', SUBJECT.confirmation);
      const res = await signUp(new HttpBrowser(server.url), {
        username: 'olga',
        email: 'xenia@example.com',
        password: PASSWORD,
      });
      expectHtmlPage(res, 400);
      expect(alertOf(res.text)).toBe('A user with this username already exists.');
      expect(await showUser(server, 'squatter3')).toMatchObject({
        email: 'xenia@example.com',
        awaiting_confirmation: true,
      });
      expect(await showUser(server, 'olga')).toMatchObject({ email: 'olga@example.com', enabled: true });
      expectTokens(await passwordGrant(server.url, client, 'olga', PASSWORD));
    });

    it('a confirmed account is never taken over: its username and password stay, its owner gets the notice', async () => {
      await confirmedAccount('yvonne');
      const strangerPassword = 'a stranger tries again';
      // Her username is "taken" whatever the address: the answer never depends on who has it.
      for (const username of ['yvonne', 'YVONNE']) {
        const res = await signUp(new HttpBrowser(server.url), {
          username,
          email: 'Yvonne@example.com',
          password: strangerPassword,
        });
        expectHtmlPage(res, 400);
        expect(alertOf(res.text), username).toBe('A user with this username already exists.');
      }
      const res = await signUp(new HttpBrowser(server.url), {
        username: 'squatter4',
        email: 'Yvonne@example.com',
        password: strangerPassword,
      });
      expect(res.status).toBe(303);
      expect(res.location).toBe('/register/sent');
      expect(sessionCookieOf(res)).toBeUndefined();
      const notice = await mail.waitFor('yvonne@example.com', SUBJECT.alreadyRegistered);
      expect(notice.text).toContain('whose username is yvonne');
      expect(await showUser(server, 'yvonne')).toMatchObject({
        username: 'yvonne',
        email: 'yvonne@example.com',
        enabled: true,
        awaiting_confirmation: false,
      });
      // squatter4 is held by a reservation that can never be used.
      expect(await showUser(server, 'squatter4')).toMatchObject({
        enabled: false,
        awaiting_confirmation: true,
        email: expect.stringMatching(/@reserved\.invalid$/),
      });
      expect(alertOf((await new HttpBrowser(server.url).signIn('squatter4', strangerPassword)).text)).toBe(UNCONFIRMED);
      expectTokens(await passwordGrant(server.url, client, 'yvonne', PASSWORD));
      expectInvalidGrant(await passwordGrant(server.url, client, 'yvonne', strangerPassword));
      const received = await mailAfter(mail, 'yvonne@example.com', async () => {
        await signUp(new HttpBrowser(server.url), {
          username: 'sentinel-y',
          email: 'sentinel-y@example.com',
          password: PASSWORD,
        });
        return mail.waitFor('sentinel-y@example.com', SUBJECT.confirmation);
      });
      // Only the one confirmation link of her own sign-up, already used.
      expect(received.filter((m) => SUBJECT.confirmation.test(m.subject))).toHaveLength(1);
    });
  });

  describe('the confirmation link', () => {
    it('does not re-enable an account an administrator deactivated', async () => {
      const browser = new HttpBrowser(server.url);
      await signUp(browser, { username: 'pavel', email: 'pavel@example.com', password: PASSWORD });
      const link = linkIn(await mail.waitFor('pavel@example.com', SUBJECT.confirmation), '/register/confirm');
      // The page is opened (the button is there) before the administrator acts.
      const page = await browser.get(link);
      expect(page.status).toBe(200);

      // `gatehouse user deactivate pavel`
      const deactivated = await server.accounts().setEnabled('pavel', false);
      expect(deactivated.enabled).toBe(false);
      expect(await showUser(server, 'pavel')).toMatchObject({ enabled: false, awaiting_confirmation: false });

      expectLinkNotUsable(
        await browser.post('/register/confirm', {
          csrf_token: csrfTokenOf(page.text),
          token: tokenOf(link),
          password: PASSWORD,
        }),
      );
      expectLinkNotUsable(await browser.get(link));
      expect(await showUser(server, 'pavel')).toMatchObject({ enabled: false });
      const refused = await new HttpBrowser(server.url).signIn('pavel', PASSWORD);
      expect(alertOf(refused.text)).toBe(BAD_LOGIN);
      expectInvalidGrant(await passwordGrant(server.url, client, 'pavel', PASSWORD));
    });

    it('CSRF: pressing the button without the form’s token is refused and the link still works', async () => {
      const browser = new HttpBrowser(server.url);
      await signUp(browser, { username: 'csrfconfirm', email: 'csrfconfirm@example.com', password: PASSWORD });
      const link = linkIn(await mail.waitFor('csrfconfirm@example.com', SUBJECT.confirmation), '/register/confirm');
      const token = tokenOf(link);
      expectCsrfFailure(await browser.post('/register/confirm', { token, password: PASSWORD }));
      const other = new HttpBrowser(server.url);
      const otherPage = await other.get(link);
      expectCsrfFailure(
        await browser.post('/register/confirm', { token, password: PASSWORD, csrf_token: csrfTokenOf(otherPage.text) }),
      );
      expect(await showUser(server, 'csrfconfirm')).toMatchObject({ enabled: false, awaiting_confirmation: true });
      const confirmed = await other.post('/register/confirm', {
        token,
        password: PASSWORD,
        csrf_token: csrfTokenOf(otherPage.text),
      });
      expectConfirmed(confirmed);
    });

    it('a made-up, truncated or missing token is the "does not work" page', async () => {
      const browser = new HttpBrowser(server.url);
      for (const path of [
        '/register/confirm',
        '/register/confirm?token=',
        `/register/confirm?token=${'A'.repeat(43)}`,
        `/register/confirm?token=${'A'.repeat(5000)}`,
      ]) {
        expectLinkNotUsable(await browser.get(path));
      }
      // The CSRF token of another form (sign-up) does not do for the confirmation button.
      const page = await browser.get('/register');
      expectCsrfFailure(
        await browser.post('/register/confirm', {
          csrf_token: csrfTokenOf(page.text),
          token: 'A'.repeat(43),
          password: PASSWORD,
        }),
      );
      // With the confirmation form's own CSRF token, a made-up token is the "does not work" page, password or not.
      await signUp(browser, { username: 'madeup', email: 'madeup@example.com', password: PASSWORD });
      const real = linkIn(await mail.waitFor('madeup@example.com', SUBJECT.confirmation), '/register/confirm');
      const confirmPage = await browser.get(real);
      for (const token of ['', 'A'.repeat(43), 'A'.repeat(5000)]) {
        for (const password of ['', PASSWORD]) {
          expectLinkNotUsable(
            await browser.post('/register/confirm', { csrf_token: csrfTokenOf(confirmPage.text), token, password }),
          );
        }
      }
      expect(await showUser(server, 'madeup')).toMatchObject({ enabled: false, awaiting_confirmation: true });
      expectConfirmed((await followConfirmation(browser, real, PASSWORD)).res);
    });

    it('a wrong password: 400, the form again saying so, the account still inactive; the link then works with the right one', async () => {
      const browser = new HttpBrowser(server.url);
      await signUp(browser, { username: 'wrongpw', email: 'wrongpw@example.com', password: PASSWORD });
      const link = linkIn(await mail.waitFor('wrongpw@example.com', SUBJECT.confirmation), '/register/confirm');
      const token = tokenOf(link);
      let form = (await browser.get(link)).text;
      for (const wrong of ['not my password', PASSWORD.toUpperCase(), `${PASSWORD}!`]) {
        const res = await browser.post('/register/confirm', { csrf_token: csrfTokenOf(form), token, password: wrong });
        expectWrongConfirmationPassword(res, token, wrong);
        expect(res.text).toContain('<strong>wrongpw</strong>');
        form = res.text;
        expect(await showUser(server, 'wrongpw')).toMatchObject({ enabled: false, awaiting_confirmation: true });
      }
      expectInvalidGrant(await passwordGrant(server.url, client, 'wrongpw', PASSWORD));
      // The page still opens, and the re-rendered form takes the right password.
      expect((await browser.get(link)).status).toBe(200);
      const confirmed = await browser.post('/register/confirm', {
        csrf_token: csrfTokenOf(form),
        token,
        password: PASSWORD,
      });
      expectConfirmed(confirmed);
      expect(noticeOf((await browser.get('/account?done=confirmed')).text)).toBe(CONFIRMED_NOTICE);
      expectTokens(await passwordGrant(server.url, client, 'wrongpw', PASSWORD));
    });

    it('an expired link no longer works; asking for a reset then e-mails a fresh confirmation link', async () => {
      const browser = new HttpBrowser(server.url);
      await signUp(browser, { username: 'expiring', email: 'expiring@example.com', password: PASSWORD });
      const link = linkIn(await mail.waitFor('expiring@example.com', SUBJECT.confirmation), '/register/confirm');
      const page = await browser.get(link);
      expect(page.status).toBe(200);
      // The link was sent a day and a bit ago (a test cannot wait 24 hours).
      const now = server.clock.now();
      const aged = await execSql(
        server.database.location,
        "UPDATE account_tokens SET created_at = ?, expires_at = ? WHERE purpose = 'confirm' AND user_id = (SELECT id FROM users WHERE username_canonical = ?)",
        [now - 86_400 - 60, now - 60, 'expiring'],
      );
      expect(aged).toBe(1);
      expectLinkNotUsable(await browser.get(link));
      expectLinkNotUsable(
        await browser.post('/register/confirm', {
          csrf_token: csrfTokenOf(page.text),
          token: tokenOf(link),
          password: PASSWORD,
        }),
      );
      expect(await showUser(server, 'expiring')).toMatchObject({ enabled: false, awaiting_confirmation: true });

      // As the page says: "Forgot your password?" sends a new confirmation link, not a reset link.
      expect((await requestReset(browser, 'expiring')).location).toBe('/reset/sent');
      const fresh = linkIn(await mail.waitFor('expiring@example.com', SUBJECT.confirmation), '/register/confirm');
      expect(fresh).not.toBe(link);
      expectConfirmed((await followConfirmation(browser, fresh, PASSWORD)).res);
      expect(mail.messagesTo('expiring@example.com').filter((m) => SUBJECT.resetting.test(m.subject))).toEqual([]);
      await new HttpBrowser(server.url).signInOrFail('expiring', PASSWORD);
    });

    it('an account whose link expired unused is removed by `gatehouse tokens clean`, freeing its username and address', async () => {
      expect(
        (
          await signUp(new HttpBrowser(server.url), {
            username: 'ghostly',
            email: 'ghostly@example.com',
            password: PASSWORD,
          })
        ).location,
      ).toBe('/register/sent');
      await mail.waitFor('ghostly@example.com', SUBJECT.confirmation);
      const now = server.clock.now();
      expect(
        await execSql(
          server.database.location,
          "UPDATE account_tokens SET created_at = ?, expires_at = ? WHERE purpose = 'confirm' AND user_id = (SELECT id FROM users WHERE username_canonical = ?)",
          [now - 86_400 - 60, now - 60, 'ghostly'],
        ),
      ).toBe(1);
      // The account too was created back then.
      expect(
        await execSql(server.database.location, 'UPDATE users SET created_at = ? WHERE username_canonical = ?', [
          now - 86_400 - 60,
          'ghostly',
        ]),
      ).toBe(1);
      // What `gatehouse tokens clean --json` runs and prints.
      const cleaned = await cleanUp(server.store, server.clock.now(), server.config.audit.retention);
      expect(cleaned).toMatchObject({ unconfirmedUsers: 1 });
      expect(await showUser(server, 'ghostly')).toBeNull();
      // Accounts still waiting on a live link, and confirmed ones, are kept.
      expect(await showUser(server, 'newcomer')).toMatchObject({ awaiting_confirmation: true });
      expect(await showUser(server, 'olga')).toMatchObject({ enabled: true });

      const browser = new HttpBrowser(server.url);
      expect(
        (
          await signUp(browser, {
            username: 'ghostly',
            email: 'ghostly@example.com',
            password: 'a different passphrase',
          })
        ).location,
      ).toBe('/register/sent');
      const link = linkIn(await mail.waitFor('ghostly@example.com', SUBJECT.confirmation), '/register/confirm');
      expectConfirmed((await followConfirmation(browser, link, 'a different passphrase')).res);
      expectTokens(await passwordGrant(server.url, client, 'ghostly', 'a different passphrase'));
    });

    it('says how long it works: "1 minute" with GATEHOUSE_REGISTRATION_TOKEN_TTL=60', async () => {
      const browser = new HttpBrowser(shortLinks.url);
      const res = await signUp(browser, { username: 'quick', email: 'quick@example.com', password: PASSWORD });
      expect(res.location).toBe('/register/sent');
      const sent = await browser.get('/register/sent');
      expect(sent.text).toContain('The link works for 1 minute.');
      const message = await mail.waitFor('quick@example.com', SUBJECT.confirmation);
      expect(message.text).toContain('The link works for 1 minute, once.');
      expect(message.html).toContain('The link works for 1 minute, once.');
    });
  });

  describe('registration.confirmation off', () => {
    it('a sign-up signs the user in and goes to /account; no confirmation e-mail', async () => {
      const browser = new HttpBrowser(instant.url);
      const res = await signUp(browser, { username: 'quinn', email: 'quinn@example.com', password: PASSWORD });
      expect(res.status, res.text.slice(0, 300)).toBe(303);
      expect(res.location).toBe('/account');
      expect(sessionCookieOf(res)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const account = await browser.get('/account');
      expectHtmlPage(account, 200);
      expect(account.text).toContain('<strong>quinn</strong>');
      expect(account.text).toContain('value="quinn@example.com"');
      expectTokens(await passwordGrant(instant.url, client, 'quinn', PASSWORD));
      expect(await showUser(server, 'quinn')).toMatchObject({ enabled: true, awaiting_confirmation: false });

      // A message the same server sends afterwards arrives; no confirmation link came before it.
      const received = await mailAfter(mail, 'quinn@example.com', async () => {
        await requestReset(new HttpBrowser(instant.url), 'quinn');
        return mail.waitFor('quinn@example.com', SUBJECT.resetting);
      });
      expect(received.map((m) => m.subject).filter((s) => SUBJECT.confirmation.test(s))).toEqual([]);
    });

    it('goes back to a safe return_to (an authorization request), never to another site', async () => {
      const returnTo = `/oauth/authorize?pending=${'B'.repeat(43)}`;
      const back = await signUp(new HttpBrowser(instant.url), {
        username: 'rosa',
        email: 'rosa@example.com',
        password: PASSWORD,
        return_to: returnTo,
      });
      expect(back.status).toBe(303);
      expect(back.location).toBe(returnTo);
      for (const [i, unsafe] of [
        'https://evil.example/',
        '//evil.example/x',
        '/\\evil.example',
        'javascript:alert(1)',
      ].entries()) {
        const browser = new HttpBrowser(instant.url);
        const page = await browser.get('/register');
        const res = await browser.post('/register', {
          csrf_token: csrfTokenOf(page.text),
          username: `unsafe${i}`,
          email: `unsafe${i}@example.com`,
          password: PASSWORD,
          password_again: PASSWORD,
          return_to: unsafe,
        });
        expect(res.status, unsafe).toBe(303);
        expect(res.location, unsafe).toBe('/account');
      }
    });
  });

  describe('mail.templates', () => {
    it('a folder with confirmation.txt and confirmation.html replaces the built-in message; the others stay built in', async () => {
      const browser = new HttpBrowser(templated.url);
      await signUp(browser, { username: 'tess', email: 'tess@example.com', password: PASSWORD });
      const message = await mail.waitFor('tess@example.com');
      expect(message.subject).toBe(`Welcome to 127.0.0.1:${templated.port}, tess`);
      const link = linkIn(message, '/register/confirm');
      expect(message.text.trim()).toBe(`Hi tess! Activate your account here: ${link} (valid for 24 hours)`);
      expect(message.html).toContain('<p class="custom">Hi tess! <a href="');
      expect(message.html).toContain(escapeHtml(link));
      expect(message.html).not.toContain('Confirm my e-mail address');
      // The link works as usual.
      expectConfirmed((await followConfirmation(browser, link, PASSWORD)).res);

      expect((await requestReset(new HttpBrowser(templated.url), 'ruth')).location).toBe('/reset/sent');
      const reset = await mail.waitFor('ruth@example.com', SUBJECT.resetting);
      expect(reset.text).toContain('To choose a new password, open this link:');
    });
    // Broken or missing templates stopping `gatehouse serve`: test/cli/mail-templates.test.ts.
  });

  describe('throttling', () => {
    it('wrong confirmation passwords are throttled like sign-ins: 429 with Retry-After, even for the right one; after the wait it confirms', async () => {
      const throttled = await startTestServer({
        env: {
          GATEHOUSE_REGISTRATION_ENABLED: 'true',
          GATEHOUSE_MAIL_URL: mail.url,
          GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '2',
        },
      });
      const browser = new HttpBrowser(throttled.url);
      expect(
        (await signUp(browser, { username: 'guarded', email: 'guarded@example.com', password: PASSWORD })).location,
      ).toBe('/register/sent');
      const link = linkIn(await mail.waitFor('guarded@example.com', SUBJECT.confirmation), '/register/confirm');
      const token = tokenOf(link);
      let form = (await browser.get(link)).text;

      // threshold (2) + 1 wrong passwords are checked; the next attempt is held back.
      const statuses: number[] = [];
      let blocked: Awaited<ReturnType<typeof browser.post>> | undefined;
      for (let i = 0; i < 6 && !blocked; i++) {
        const wrong = `wrong guess number ${i}`;
        const res = await browser.post('/register/confirm', { csrf_token: csrfTokenOf(form), token, password: wrong });
        statuses.push(res.status);
        if (res.status === 429) blocked = res;
        else expectWrongConfirmationPassword(res, token, wrong);
        form = res.text;
      }
      expect(statuses).toEqual([400, 400, 400, 429]);
      expectHtmlPage(blocked!, 429);
      const retryAfter = Number(blocked!.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(2);
      expect(alertOf(blocked!.text)).toBe(
        `Too many wrong passwords. Please wait ${retryAfter} seconds, then try again.`,
      );
      // The form again, still usable, naming the account; nobody signed in.
      expect(blocked!.text).toContain('<form method="post" action="/register/confirm"');
      expect(hiddenField(blocked!.text, 'token')).toBe(token);
      expect(blocked!.text).toContain('<strong>guarded</strong>');
      expect(sessionCookieOf(blocked!)).toBeUndefined();

      // While blocked, even the right password is not checked.
      const tooSoon = await browser.post('/register/confirm', {
        csrf_token: csrfTokenOf(form),
        token,
        password: PASSWORD,
      });
      expect(tooSoon.status).toBe(429);
      expect(tooSoon.headers.get('retry-after')).toMatch(/^[12]$/);
      expect(sessionCookieOf(tooSoon)).toBeUndefined();
      // The same counters as the sign-in form.
      expect((await new HttpBrowser(throttled.url).signIn('guarded', PASSWORD)).status).toBe(429);
      expect(await showUser(throttled, 'guarded')).toMatchObject({ enabled: false, awaiting_confirmation: true });

      // After the wait the right password confirms, and the failures are forgotten.
      throttled.clock.advance(Number(tooSoon.headers.get('retry-after')) + 1);
      expectConfirmed((await followConfirmation(browser, link, PASSWORD)).res);
      expect(await showUser(throttled, 'guarded')).toMatchObject({ enabled: true, awaiting_confirmation: false });
      const again = new HttpBrowser(throttled.url);
      expect((await again.signIn('guarded', 'one more wrong guess')).status).toBe(400);
      await again.signInOrFail('guarded', PASSWORD);
      await throttled.close();
    });

    it('sign-ups from one address are throttled: 429 with Retry-After, the form again with what was typed (never the password)', async () => {
      const throttled = await startTestServer({
        env: {
          GATEHOUSE_REGISTRATION_ENABLED: 'true',
          GATEHOUSE_MAIL_URL: mail.url,
          GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '1',
        },
      });
      const browser = new HttpBrowser(throttled.url);
      const statuses: number[] = [];
      let blocked: Awaited<ReturnType<typeof signUp>> | undefined;
      // 4 × threshold sign-up requests pass (valid or not: every one counts); the block follows.
      for (let i = 0; i < 8 && !blocked; i++) {
        const res = await signUp(browser, {
          username: `flood${i}`,
          email: `flood${i}@example.com`,
          password: `flood-password-${i}`,
          password_again: i % 2 ? 'mismatch!!' : undefined,
        });
        statuses.push(res.status);
        if (res.status === 429) blocked = res;
      }
      expect(statuses.slice(0, 4)).toEqual([303, 400, 303, 400]);
      expect(blocked, statuses.join(',')).toBeDefined();
      expect(statuses.length).toBeLessThanOrEqual(6);
      expectHtmlPage(blocked!, 429);
      const retryAfter = Number(blocked!.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(2);
      expect(alertOf(blocked!.text)).toBe(
        `Too many requests from your network. Please wait ${retryAfter} seconds, then try again.`,
      );
      const n = statuses.length - 1;
      expect(blocked!.text).toContain(`value="flood${n}"`);
      expect(blocked!.text).toContain(`value="flood${n}@example.com"`);
      expect(blocked!.text).not.toContain(`flood-password-${n}`);
      expect(await showUser(throttled, `flood${n}`)).toBeNull();
      await throttled.close();
    });
  });

  describe('methods', () => {
    it('other methods get an HTML 405 naming the allowed ones', async () => {
      const browser = new HttpBrowser(server.url);
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        await expectMethodNotAllowed(browser, method, '/register', 'GET, POST');
        await expectMethodNotAllowed(browser, method, '/register/confirm', 'GET, POST');
      }
      await expectMethodNotAllowed(browser, 'POST', '/register/sent', 'GET');
      await expectMethodNotAllowed(browser, 'DELETE', '/register/sent', 'GET');
      // Registration off: still 405 for a wrong method (the page exists, it is just closed).
      await expectMethodNotAllowed(new HttpBrowser(closed.url), 'PUT', '/register', 'GET, POST');
    });
  });

  it('a user signed up and confirmed through the pages can use the password grant and the account page', async () => {
    await confirmedAccount('uma');
    expectTokens(await passwordGrant(server.url, client, 'uma', PASSWORD));
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail('uma', PASSWORD);
    const account = await browser.get('/account');
    expect(account.status).toBe(200);
    expect(account.text).toContain('<strong>uma</strong>');
  });
});
