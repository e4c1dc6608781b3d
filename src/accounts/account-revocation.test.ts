/**
 * What a change of an account ends (security review, issue 14), on an in-process Gatehouse
 * (SQLite, hand-moved clock, a Mailer that collects messages) behind the real HTTP server:
 *
 * - a password change (on /account, or an administrator's `user change-password`) or an
 *   e-mail change voids every reset link sent before: the link's page says it no longer works;
 * - an administrator's `user deactivate` or `user change-password` signs the user out
 *   everywhere and revokes their tokens, so `user activate` revives nothing; consents are kept;
 * - a password reset e-mails the "your password was changed" notice, as a change on /account does.
 */
import { cheapPasswords } from '../../test/harness/passwords.js';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LINK_NOT_USABLE } from '../../test/helpers/account-pages.js';
import { HttpBrowser } from '../../test/helpers/browser-http.js';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { freePort, tokenRequest } from '../../test/helpers/server.js';
import { validateConfig } from '../config/load.js';
import { ClientRegistry } from '../core/clients.js';
import { ManualClock } from '../core/clock.js';
import { hashSecret, tokenKey } from '../core/secrets.js';
import { composeServices, type Services } from '../compose.js';
import { buildHttpServer } from '../http/server.js';
import type { UserRecord } from '../storage/store.js';
import type { Mailer, MailMessage } from './mail/mailer.js';
import { UserAccounts } from './users.js';

const T = 1_800_000_000;
const ADDRESS = '203.0.113.7';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';
const PASSWORD_CHANGED = /^Your password for .* was changed$/;

class CapturingMailer implements Mailer {
  readonly messages: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
  }
  async close(): Promise<void> {}
}

describe('what a change of an account ends', () => {
  let db: TestStore;
  let clock: ManualClock;
  let mailer: CapturingMailer;
  let gatehouse: Services;
  let app: FastifyInstance;
  let origin: string;
  let admin: UserAccounts;
  let alice: UserRecord;
  let client: { id: string; secret: string };

  beforeEach(async () => {
    db = await createSqliteStore();
    clock = new ManualClock(T);
    mailer = new CapturingMailer();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({
        issuer: origin,
        registration: { enabled: true },
        resetting: { token_ttl: 3600, retry_ttl: 0 },
      }),
      store: db.store,
      clock,
      mailer,
    });
    app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    await app.listen({ port, host: '127.0.0.1' });
    const registered = await new ClientRegistry(db.store, clock).create({
      name: 'App',
      grantTypes: ['password', 'refresh_token'],
    });
    client = { id: registered.client.id, secret: registered.secret! };
    admin = new UserAccounts(db.store, { clock, passwords: cheapPasswords });
    alice = await admin.create({ username: 'alice', email: 'alice@example.com', password: PASSWORD });
  });

  afterEach(async () => {
    await app?.close();
    await gatehouse?.close();
    await db?.cleanup();
  });

  /** Lets work done after an answer (sign-ups, reset requests) and e-mails finish; every message so far. */
  async function settle(): Promise<MailMessage[]> {
    // Work done after an answer, where there is such (sign-ups, reset requests).
    for (const part of [gatehouse.registration, gatehouse.resetting] as Array<{ idle?: () => Promise<void> }>)
      await part.idle?.();
    await gatehouse.mail.idle();
    return mailer.messages;
  }

  /** Asks for a reset link for alice; returns the link's token once the page shows its form. */
  async function resetLink(): Promise<string> {
    const before = mailer.messages.length;
    expect(await gatehouse.resetting.request('alice', ADDRESS)).toEqual({ kind: 'accepted' });
    const [message] = (await settle()).slice(before).filter((m) => m.to === 'alice@example.com');
    const token = new URL(message!.text.match(/https?:\/\/\S+\/reset\/password\?token=\S+/)![0]).searchParams.get(
      'token',
    )!;
    const page = await new HttpBrowser(origin).get(`/reset/password?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('action="/reset/password"');
    return token;
  }

  /** The page of a reset link that was voided, and the reset itself refused. */
  async function expectLinkRefused(token: string): Promise<void> {
    const page = await new HttpBrowser(origin).get(`/reset/password?token=${token}`);
    expect(page.status).toBe(400);
    expect(page.text).toContain(LINK_NOT_USABLE);
    expect(page.text).not.toContain('action="/reset/password"');
    expect(
      await gatehouse.resetting.reset(token, 'the thief would set this', 'the thief would set this', ADDRESS),
    ).toEqual({ kind: 'link-not-usable' });
  }

  /** A password grant for alice: her refresh and access tokens. */
  async function tokens(): Promise<{ access_token: string; refresh_token: string }> {
    const res = await tokenRequest(origin, {
      grant_type: 'password',
      username: 'alice',
      password: PASSWORD,
      client_id: client.id,
      client_secret: client.secret,
    });
    expect(res.status, res.text).toBe(200);
    return res.json;
  }

  const refresh = (refreshToken: string) =>
    tokenRequest(origin, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.id,
      client_secret: client.secret,
    });

  describe('reset links do not outlive a password or e-mail change', () => {
    it('the owner changes the password on /account: a reset link sent before says it no longer works', async () => {
      const token = await resetLink();
      const changed = await gatehouse.profile.changePassword(
        alice,
        { currentPassword: PASSWORD, password: NEW_PASSWORD, passwordAgain: NEW_PASSWORD },
        ADDRESS,
      );
      expect(changed.kind).toBe('updated');
      await expectLinkRefused(token);
      expect(await db.store.driver.all('SELECT * FROM account_tokens')).toEqual([]);
    });

    it('the owner changes the e-mail address: a reset link sent (to the old address) before says it no longer works', async () => {
      const token = await resetLink();
      const result = await gatehouse.profile.update(
        alice,
        { username: 'alice', email: 'alice.new@example.com', currentPassword: PASSWORD },
        ADDRESS,
      );
      expect(result.kind).toBe('updated');
      // Where the change waits for a link sent to the new address, the owner follows it.
      const confirmation = (await settle()).find(
        (m) => m.to === 'alice.new@example.com' && m.text.includes('/account/email/confirm'),
      );
      if (confirmation) {
        const link = new URL(confirmation.text.match(/https?:\/\/\S+\/account\/email\/confirm\?token=\S+/)![0]);
        const emailChange = (
          gatehouse.profile as unknown as {
            emailChange: { confirm(token: string, password: string, address: string): Promise<{ kind: string }> };
          }
        ).emailChange;
        expect((await emailChange.confirm(link.searchParams.get('token')!, PASSWORD, ADDRESS)).kind).toBe('changed');
      }
      expect(await db.store.findUserById(alice.id)).toMatchObject({ emailCanonical: 'alice.new@example.com' });
      await expectLinkRefused(token);
    });

    it('only the username changes: the reset link keeps working', async () => {
      const token = await resetLink();
      expect(
        (
          await gatehouse.profile.update(
            alice,
            { username: 'alicia', email: 'alice@example.com', currentPassword: PASSWORD },
            ADDRESS,
          )
        ).kind,
      ).toBe('updated');
      expect(await gatehouse.resetting.reset(token, NEW_PASSWORD, NEW_PASSWORD, ADDRESS)).toMatchObject({
        kind: 'reset',
      });
    });

    it("an administrator's `user change-password`: a reset link sent before says it no longer works", async () => {
      const token = await resetLink();
      await admin.changePassword('alice', NEW_PASSWORD);
      await expectLinkRefused(token);
    });
  });

  describe("an administrator's deactivation or password change signs the user out everywhere", () => {
    it('deactivate then activate: the old session cookie is not signed in, the refresh token is invalid_grant, the access token revoked', async () => {
      const browser = new HttpBrowser(origin);
      await browser.signInOrFail('alice', PASSWORD);
      expect((await browser.get('/account')).status).toBe(200);
      const { access_token, refresh_token } = await tokens();
      const token = await resetLink();

      await admin.setEnabled('alice', false);
      await admin.setEnabled('alice', true);

      const account = await browser.get('/account');
      expect(account.status).not.toBe(200);
      expect(account.location ?? '').toMatch(/^\/login/);
      const refreshed = await refresh(refresh_token);
      expect({ status: refreshed.status, error: refreshed.json?.error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
      expect((await db.store.findAccessToken(tokenKey(access_token)))?.revokedAt).toBe(T);
      await expectLinkRefused(token);
      // The account itself works again, with its password.
      await new HttpBrowser(origin).signInOrFail('alice', PASSWORD);
      expect((await tokens()).refresh_token).toBeTruthy();
    });

    it('an account deactivated by an older version (sessions and tokens left in place) revives nothing when activated', async () => {
      const browser = new HttpBrowser(origin);
      await browser.signInOrFail('alice', PASSWORD);
      const { refresh_token } = await tokens();
      await db.store.updateUser(alice.id, { enabled: false }, clock.now());

      await admin.setEnabled('alice', true);
      expect((await browser.get('/account')).status).not.toBe(200);
      expect((await refresh(refresh_token)).json?.error).toBe('invalid_grant');
    });

    it('activating an account that is already active signs nobody out', async () => {
      const browser = new HttpBrowser(origin);
      await browser.signInOrFail('alice', PASSWORD);
      const { refresh_token } = await tokens();
      await admin.setEnabled('alice', true);
      expect((await browser.get('/account')).status).toBe(200);
      expect((await refresh(refresh_token)).status).toBe(200);
    });

    it('`user change-password`: sessions end, tokens are revoked, unused codes voided; consents are kept', async () => {
      const browser = new HttpBrowser(origin);
      await browser.signInOrFail('alice', PASSWORD);
      const { refresh_token } = await tokens();
      await db.store.saveConsent({ userId: alice.id, clientId: client.id, scopes: ['read'], grantedAt: T });
      await db.store.saveAuthorizationCode({
        codeHash: hashSecret('an unused code'),
        familyId: 'family-1',
        clientId: client.id,
        userId: alice.id,
        redirectUri: 'https://app.example/cb',
        redirectUriGiven: true,
        scope: '',
        codeChallenge: null,
        codeChallengeMethod: null,
        issuedAt: T,
        expiresAt: T + 60,
        consumedAt: null,
      });

      await admin.changePassword('alice', NEW_PASSWORD);

      expect((await browser.get('/account')).status).not.toBe(200);
      expect((await refresh(refresh_token)).json?.error).toBe('invalid_grant');
      expect((await db.store.findAuthorizationCode(hashSecret('an unused code')))?.consumedAt).toBe(T);
      expect(await db.store.findConsent(alice.id, client.id)).toMatchObject({ scopes: ['read'] });
      await new HttpBrowser(origin).signInOrFail('alice', NEW_PASSWORD);
    });
  });

  describe('a password reset tells the owner', () => {
    it('after a reset the account\'s address gets the "your password was changed" notice', async () => {
      const token = await resetLink();
      expect(await gatehouse.resetting.reset(token, NEW_PASSWORD, NEW_PASSWORD, ADDRESS)).toMatchObject({
        kind: 'reset',
      });
      const notices = (await settle()).filter((m) => PASSWORD_CHANGED.test(m.subject));
      expect(notices.map((m) => m.to)).toEqual(['alice@example.com']);
      expect(notices[0]!.text).toContain('Hello alice,');
      expect(notices[0]!.text).not.toContain(NEW_PASSWORD);
    });

    it('a reset refused (bad password, used link) sends no notice', async () => {
      const token = await resetLink();
      expect((await gatehouse.resetting.reset(token, 'short', 'short', ADDRESS)).kind).toBe('invalid');
      expect(await gatehouse.resetting.reset(token, NEW_PASSWORD, NEW_PASSWORD, ADDRESS)).toMatchObject({
        kind: 'reset',
      });
      expect((await gatehouse.resetting.reset(token, NEW_PASSWORD, NEW_PASSWORD, ADDRESS)).kind).toBe(
        'link-not-usable',
      );
      expect((await settle()).filter((m) => PASSWORD_CHANGED.test(m.subject))).toHaveLength(1);
    });
  });
});
