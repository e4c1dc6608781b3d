/**
 * The account pages against the enumeration and takeover findings of issue 14, in process
 * (buildHttpServer on a real port, SQLite, an injected clock, a Mailer that only collects):
 * /reset does the same work before answering for a known and an unknown account; the e-mail
 * change link works without a session and ignores another user's; mixed-script usernames are
 * refused on the sign-up and account pages.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertOf, csrfTokenOf, HttpBrowser, type BrowserResponse } from '../../test/helpers/browser-http.js';
import { recordStoreCalls } from '../../test/helpers/store-recorder.js';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { freePort } from '../../test/helpers/server.js';
import type { Mailer, MailMessage } from '../accounts/mail/mailer.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { ManualClock } from '../core/clock.js';
import { composeServices, type Services } from '../compose.js';
import { buildHttpServer } from './server.js';

const T = 1_800_000_000;
const PASSWORD = 'correct horse battery staple';
const CAROL_PASSWORD = 'carols very own passphrase';
const MAX_DELAY = 60;

/** Collects messages; while `hold` is set, send() does not return until it is released. */
class HoldingMailer implements Mailer {
  readonly messages: MailMessage[] = [];
  private held: Array<() => void> = [];
  hold = false;
  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
  }
  release(): void {
    for (const resume of this.held.splice(0)) resume();
  }
  async close(): Promise<void> {
    this.release();
  }
}

describe('account pages: equal work, e-mail change links, usernames (in-process, SQLite)', () => {
  let db: TestStore;
  const clock = new ManualClock(T);
  const mailer = new HoldingMailer();
  let gatehouse: Services;
  let app: FastifyInstance;
  let origin: string;
  /** Every store method called, in order (the store seen by the Gatehouse). */
  const storeCalls: string[] = [];

  beforeAll(async () => {
    db = await createSqliteStore();
    const counted = recordStoreCalls(db.store, storeCalls);
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({
        issuer: origin,
        login_throttle_threshold: 5,
        login_throttle_max_delay: MAX_DELAY,
        registration: { enabled: true, confirmation: true },
      }),
      store: counted,
      clock,
      mailer,
      auditLog: false,
    });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await app.listen({ port, host: '127.0.0.1' });
    const accounts = new UserAccounts(db.store, { clock, passwords: cheapPasswords });
    await accounts.create({ username: 'bob', email: 'bob@example.com', password: PASSWORD });
    await accounts.create({ username: 'carol', email: 'carol@example.com', password: CAROL_PASSWORD });
  });

  beforeEach(async () => {
    // Throttle counters forget everything older than max_delay.
    clock.advance(MAX_DELAY + 1);
    await gatehouse.resetting.idle();
    await gatehouse.mail.idle();
    mailer.messages.length = 0;
  });

  afterAll(async () => {
    mailer.release();
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  /** What a client can see of an answer, but the Date header and the request's own id. */
  const visible = (res: BrowserResponse) => ({
    status: res.status,
    headers: [...res.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'),
    body: res.text,
  });

  describe('/account without a CSRF cookie', () => {
    it('gives the browser one CSRF secret, so every form on the page works the first time', async () => {
      const browser = new HttpBrowser(origin);
      await browser.signInOrFail('carol', CAROL_PASSWORD);
      // Cookies cleared but the session's (or a CSRF cookie that expired on its own).
      browser.jar.delete('gatehouse_csrf');
      const page = await browser.get('/account');
      expect(page.status).toBe(200);
      expect(page.setCookies.filter((cookie) => /gatehouse_csrf$/.test(cookie.name))).toHaveLength(1);
      // Both forms' tokens were made with that one secret: the profile form is accepted (303),
      // not refused as a stale form (403).
      const saved = await browser.post('/account/profile', {
        csrf_token: csrfTokenOf(page.text),
        username: 'carol',
        email: 'carol@example.com',
        current_password: CAROL_PASSWORD,
      });
      expect(saved.status, alertOf(saved.text)).toBe(303);
    });
  });

  describe('/reset', () => {
    it('a known and an unknown login get the same answer after the same store calls; the lookup, the link and the e-mail come after it', async () => {
      const browser = new HttpBrowser(origin);
      const csrf = csrfTokenOf((await browser.get('/reset')).text);
      gatehouse.resetting.tasks.pause();
      try {
        storeCalls.length = 0;
        const known = await browser.post('/reset', { csrf_token: csrf, username: 'bob' });
        const knownCalls = storeCalls.splice(0);
        const unknown = await browser.post('/reset', { csrf_token: csrf, username: 'nobody' });
        const unknownCalls = storeCalls.splice(0);

        expect(known.status).toBe(303);
        expect(known.location).toBe('/reset/sent');
        expect(visible(unknown)).toEqual(visible(known));
        expect(unknownCalls).toEqual(knownCalls);
        // Nothing about the account was looked up or sent before the answer.
        expect(knownCalls).not.toContain('findUserByLogin');
        expect(knownCalls).not.toContain('issueAccountToken');
        expect(mailer.messages).toEqual([]);
      } finally {
        gatehouse.resetting.tasks.resume();
      }
      await gatehouse.resetting.idle();
      await gatehouse.mail.idle();
      expect(mailer.messages.map((m) => m.to)).toEqual(['bob@example.com']);
    });

    it('a mailer that does not return (a slow SMTP server) does not hold the answer back', async () => {
      const browser = new HttpBrowser(origin);
      const csrf = csrfTokenOf((await browser.get('/reset')).text);
      mailer.hold = true;
      try {
        // (Bob got a link in the test before: within resetting.retry_ttl he gets no other.)
        const res = await browser.post('/reset', { csrf_token: csrf, username: 'carol@example.com' });
        expect(res.status).toBe(303);
        await gatehouse.resetting.idle();
        // Handed to the mailer, which has not returned yet.
        expect(mailer.messages.map((m) => m.to)).toEqual(['carol@example.com']);
        const again = await browser.post('/reset', { csrf_token: csrf, username: 'nobody' });
        expect(again.status).toBe(303);
      } finally {
        mailer.hold = false;
        mailer.release();
      }
    });
  });

  describe('the e-mail change link', () => {
    /** Bob, signed in, asks for `email`; returns the link's token. */
    async function bobAsksFor(email: string): Promise<string> {
      const browser = new HttpBrowser(origin);
      await browser.signInOrFail('bob', PASSWORD);
      const csrf = csrfTokenOf((await browser.get('/account')).text);
      const res = await browser.post('/account/profile', {
        csrf_token: csrf,
        username: 'bob',
        email,
        current_password: PASSWORD,
      });
      expect(res.location).toBe('/account?done=email');
      await gatehouse.mail.idle();
      const message = mailer.messages.find((m) => m.to === email)!;
      return new URL(/https?:\/\/\S+/.exec(message.text)![0]).searchParams.get('token')!;
    }

    const email = async (login: string) => (await db.store.findUserByLogin(login))!.email;

    it('opening it changes nothing (mail scanners); it needs no session; a session of another user plays no part', async () => {
      const token = await bobAsksFor('bob.two@example.com');
      // Carol is signed in in the browser that opens Bob's link.
      const browser = new HttpBrowser(origin);
      await browser.signInOrFail('carol', CAROL_PASSWORD);
      const page = await browser.get(`/account/email/confirm?token=${token}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('The account <strong>bob</strong> will use <strong>bob.two@example.com</strong>');
      expect(await email('bob')).toBe('bob@example.com');
      const csrf = csrfTokenOf(page.text);

      // Carol's password is not Bob's: refused, and the link still works.
      const wrong = await browser.post('/account/email/confirm', { csrf_token: csrf, token, password: CAROL_PASSWORD });
      expect(wrong.status).toBe(400);
      expect(alertOf(wrong.text)).toBe('The password is incorrect. Enter the current password of the account.');
      expect(await email('carol')).toBe('carol@example.com');

      const done = await browser.post('/account/email/confirm', { csrf_token: csrf, token, password: PASSWORD });
      expect(done.status).toBe(200);
      expect(done.text).toContain('Your account now uses <strong>bob.two@example.com</strong>');
      expect(await email('bob')).toBe('bob.two@example.com');
      expect(await email('carol')).toBe('carol@example.com');
      // Carol is still signed in as herself: the link did not touch the browser's session.
      expect((await browser.get('/account')).text).toContain('Signed in as <strong>carol</strong>');

      // Used up.
      const reused = await browser.post('/account/email/confirm', { csrf_token: csrf, token, password: PASSWORD });
      expect(reused.status).toBe(400);
      expect(reused.text).toContain('This link does not work any more');
      expect((await browser.get(`/account/email/confirm?token=${token}`)).status).toBe(400);
    });

    it('an address taken by another account in the meantime: 409, nothing changes', async () => {
      const token = await bobAsksFor('contested@example.com');
      await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
        username: 'dave',
        email: 'contested@example.com',
        password: PASSWORD,
      });
      const browser = new HttpBrowser(origin);
      const page = await browser.get(`/account/email/confirm?token=${token}`);
      const res = await browser.post('/account/email/confirm', {
        csrf_token: csrfTokenOf(page.text),
        token,
        password: PASSWORD,
      });
      expect(res.status).toBe(409);
      expect(res.text).toContain('This address is no longer free');
      expect(await email('bob')).not.toBe('contested@example.com');
    });

    it('the form refuses a missing CSRF token and a made-up link', async () => {
      const browser = new HttpBrowser(origin);
      expect((await browser.post('/account/email/confirm', { token: 'x', password: PASSWORD })).status).toBe(403);
      expect((await browser.get('/account/email/confirm?token=made-up')).status).toBe(400);
      expect((await browser.get('/account/email/confirm')).status).toBe(400);
      expect((await browser.request('/account/email/confirm', { method: 'DELETE' })).status).toBe(405);
    });
  });

  describe('usernames that mix scripts', () => {
    const REASON =
      'Username mixes letters of different scripts (Cyrillic, Latin), which can imitate another name: use one script.';

    it('the sign-up page refuses "pаypal" (Cyrillic а) with the reason, and creates nothing', async () => {
      const browser = new HttpBrowser(origin);
      const csrf = csrfTokenOf((await browser.get('/register')).text);
      const res = await browser.post('/register', {
        csrf_token: csrf,
        username: 'p\u0430ypal',
        email: 'paypal@example.com',
        password: PASSWORD,
        password_again: PASSWORD,
      });
      expect(res.status).toBe(400);
      expect(alertOf(res.text)).toBe(REASON);
      expect(await db.store.findUserByLogin('paypal@example.com')).toBeNull();
    });

    it('the sign-up page accepts a single-script name and stores it as NFKC', async () => {
      const browser = new HttpBrowser(origin);
      const csrf = csrfTokenOf((await browser.get('/register')).text);
      const res = await browser.post('/register', {
        csrf_token: csrf,
        username: '\uFF59\uFF55\uFF4B\uFF49',
        email: 'yuki@example.com',
        password: PASSWORD,
        password_again: PASSWORD,
      });
      expect(res.status, res.text.slice(0, 300)).toBe(303);
      expect(await db.store.findUserByLogin('yuki')).toMatchObject({ username: 'yuki' });
    });

    it('an account stored before this rule, with a mixed-script name, still signs in with the name as stored', async () => {
      const legacy = await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
        username: 'legacy',
        email: 'legacy@example.com',
        password: PASSWORD,
      });
      // As a name from before the rule was stored: the name as typed, its canonical form NFKC + lower case.
      await db.store.updateUser(legacy.id, { username: 'L\u0435gacy', usernameCanonical: 'l\u0435gacy' }, T);
      const browser = new HttpBrowser(origin);
      await browser.signInOrFail('L\u0435gacy', PASSWORD);
      expect((await browser.get('/account')).text).toContain('Signed in as <strong>L\u0435gacy</strong>');
      // The name may be kept while the rest of the form is saved; a new mixed name is refused.
      const csrf = csrfTokenOf((await browser.get('/account')).text);
      const kept = await browser.post('/account/profile', {
        csrf_token: csrf,
        username: 'L\u0435gacy',
        email: 'legacy.new@example.com',
        current_password: PASSWORD,
      });
      expect(kept.location).toBe('/account?done=email');
      const renamed = await browser.post('/account/profile', {
        csrf_token: csrf,
        username: 'L\u0435gacy2',
        email: 'legacy@example.com',
        current_password: PASSWORD,
      });
      expect(renamed.status).toBe(400);
    });

    it('the account page refuses it too, before the password is checked', async () => {
      const browser = new HttpBrowser(origin);
      await browser.signInOrFail('carol', CAROL_PASSWORD);
      const csrf = csrfTokenOf((await browser.get('/account')).text);
      const res = await browser.post('/account/profile', {
        csrf_token: csrf,
        username: 'c\u0430rol',
        email: 'carol@example.com',
        current_password: CAROL_PASSWORD,
      });
      expect(res.status).toBe(400);
      expect(alertOf(res.text)).toBe(REASON);
      expect(await db.store.findUserByLogin('carol')).toMatchObject({ username: 'carol' });
    });
  });
});
