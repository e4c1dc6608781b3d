/**
 * The self-service account pages as a person meets them, in headless Chromium: sign-up with
 * the e-mailed confirmation link, "Forgot your password?", the /account page (profile,
 * password, apps with access), sign-in throttling, and the pages on a phone.
 *
 * Gatehouse runs in this process (test/harness, not the built CLI) so that time is a ManualClock
 * the tests move by hand: throttling is tested without sleeping. E-mail goes over real SMTP to an
 * in-process server (test/helpers/mail.ts); a real loopback HTTP server plays the OAuth
 * client's redirect URI, and codes and refresh tokens are exchanged at /oauth/token with fetch.
 *
 * Every request comes from 127.0.0.1, so the per-address throttle counters are shared by the
 * whole file: before each test the clock moves past login_throttle_max_delay, which makes every
 * counter forget its failures. Every test has its own users.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserAccounts } from '../../src/accounts/users.js';
import type { GatehouseConfig } from '../../src/config/schema.js';
import type { ManualClock } from '../../src/core/clock.js';
import type { SqlStore } from '../../src/storage/sql-store.js';
import { startTestServer, type TestServer } from '../harness/index.js';
import {
  pkcePair,
  randomState,
  startCallbackServer,
  submitSignIn,
  useBrowser,
  waitForUrlPrefix,
  type CallbackServer,
} from '../helpers/browser.js';
import { linkIn, startMailServer, type MailServer } from '../helpers/mail.js';
import { tokenRequest, type HttpResult } from '../helpers/server.js';

const PASSWORD = 'correct horse battery staple';
const PHONE = { width: 390, height: 844 };
const THRESHOLD = 2;
const INCORRECT = 'The username or password is incorrect.';
const UNCONFIRMED =
  'Your e-mail address is not confirmed yet. Follow the link we sent you, or use "Forgot your password?" to get a new one.';
const BLOCKED = /^Too many failed sign-in attempts\. Please wait (\d+) seconds, then try again\.$/;
const CONFIRMED = 'Your e-mail address is confirmed and your account is active.';
const WRONG_CONFIRMATION =
  'The password is incorrect. Enter the password you chose when you signed up (or sign up again to choose another).';
const CONFIRM_BLOCKED = /^Too many wrong passwords\. Please wait (\d+) seconds, then try again\.$/;

interface TestUser {
  username: string;
  email: string;
  password: string;
}

interface Client {
  id: string;
  secret: string;
  name: string;
}

describe('self-service accounts in Chromium [sqlite, in-process, injected clock]', () => {
  const chromium = useBrowser();
  let mail: MailServer;
  let callback: CallbackServer;
  let store: SqlStore;
  let clock: ManualClock;
  let config: GatehouseConfig;
  let fx: TestServer;
  let origin: string;
  let users: UserAccounts;
  /** An ordinary third-party app: the consent page is shown. */
  let notes: Client;
  let userCount = 0;

  beforeAll(async () => {
    [mail, callback] = await Promise.all([startMailServer(), startCallbackServer()]);
    fx = await startTestServer({
      config: {
        registration: { enabled: true },
        mail: { url: mail.url },
        login_throttle_threshold: THRESHOLD,
        supported_scopes: ['read'],
        scope_descriptions: { read: 'Read your notes' },
      },
    });
    ({ config, store, clock } = fx);
    origin = fx.url;
    expect(config.issuer).toBe(origin);
    users = fx.accounts();
    const registered = await fx.createClient(['--name', 'Acme Notes', '--redirect-uri', callback.url]);
    notes = { id: registered.client_id, secret: registered.client_secret!, name: 'Acme Notes' };
  });

  beforeEach(() => {
    callback.clear();
    // Every throttle counter forgets failures older than max_delay: each test starts unthrottled.
    clock.advance(config.login_throttle_max_delay + 1);
  });

  afterAll(async () => {
    await fx?.close();
    await Promise.allSettled([mail?.close(), callback?.close()]);
  });

  // --- helpers ---------------------------------------------------------------------

  async function newUser(prefix = 'person'): Promise<TestUser> {
    const username = `${prefix}${++userCount}`;
    const user = { username, email: `${username}@example.com`, password: PASSWORD };
    await users.create(user);
    return user;
  }

  /** The page's h1 as the user reads it. */
  async function heading(page: Page): Promise<string> {
    return (await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' ').trim();
  }

  async function textOf(locator: Locator): Promise<string> {
    return (await locator.innerText()).replace(/\s+/g, ' ').trim();
  }

  /** Where the browser is on Gatehouse: path and query (fails when it left Gatehouse). */
  function where(page: Page): string {
    const url = new URL(page.url());
    expect(url.origin, `expected the browser on Gatehouse, it is at ${page.url()}`).toBe(origin);
    return url.pathname + url.search;
  }

  /** Clicks a button that posts a form and waits for the page that answers it. */
  async function press(page: Page, name: string | RegExp, scope: Page | Locator = page) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).origin === origin),
      scope.getByRole('button', { name, exact: typeof name === 'string' }).click(),
    ]);
    await page.waitForLoadState();
    return response;
  }

  /** Signs in from /login (no return_to) and follows "Your account" to /account. */
  async function signInToAccount(page: Page, login: string, password: string): Promise<void> {
    const url = new URL(page.url());
    if (url.origin !== origin || url.pathname !== '/login') await page.goto(`${origin}/login`);
    expect((await submitSignIn(page, login, password)).status()).toBe(303);
    await page.getByRole('heading', { name: 'You are signed in' }).waitFor();
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(where(page)).toBe('/account');
  }

  function authorizationUrl(client: Client, state: string, challenge: string): string {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: client.id,
      redirect_uri: callback.url,
      scope: 'read',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    return `${origin}/oauth/authorize?${params}`;
  }

  interface IssuedCode {
    code: string;
    verifier: string;
    /** Whether the consent page was shown (and Allow pressed). */
    consentShown: boolean;
  }

  /**
   * The authorization code flow in `page` up to the code at the client: signs in when asked,
   * presses Allow when the consent page shows (reporting whether it did).
   */
  async function authorizeCode(page: Page, client: Client, user: TestUser): Promise<IssuedCode> {
    const state = randomState();
    const pkce = pkcePair();
    await page.goto(authorizationUrl(client, state, pkce.challenge));
    if (new URL(page.url()).pathname === '/login') {
      expect((await submitSignIn(page, user.username, user.password)).status()).toBe(303);
    }
    await page.waitForURL((url) => url.href.startsWith(callback.url) || url.pathname === '/oauth/authorize');
    let consentShown = false;
    if (!page.url().startsWith(callback.url)) {
      consentShown = true;
      expect(await heading(page)).toBe(`${client.name} wants to access your account`);
      await page.getByRole('button', { name: 'Allow' }).click();
    }
    const landed = await waitForUrlPrefix(page, callback.url);
    expect(landed.searchParams.get('state')).toBe(state);
    const code = landed.searchParams.get('code');
    expect(code, landed.href).toBeTruthy();
    return { code: code!, verifier: pkce.verifier, consentShown };
  }

  function exchangeCode(client: Client, issued: IssuedCode): Promise<HttpResult> {
    return tokenRequest(
      origin,
      {
        grant_type: 'authorization_code',
        code: issued.code,
        redirect_uri: callback.url,
        code_verifier: issued.verifier,
      },
      { basic: [client.id, client.secret] },
    );
  }

  /** authorizeCode, then the code exchanged for tokens at /oauth/token. */
  async function authorize(
    page: Page,
    client: Client,
    user: TestUser,
  ): Promise<{ refreshToken: string; consentShown: boolean }> {
    const issued = await authorizeCode(page, client, user);
    const tokens = await exchangeCode(client, issued);
    expect(tokens.status, tokens.text).toBe(200);
    return { refreshToken: tokens.json.refresh_token as string, consentShown: issued.consentShown };
  }

  function refresh(client: Client, refreshToken: string): Promise<HttpResult> {
    return tokenRequest(
      origin,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { basic: [client.id, client.secret] },
    );
  }

  function expectInvalidGrant(result: HttpResult, label: string): void {
    expect({ status: result.status, error: result.json?.error }, `${label}: ${result.text}`).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
  }

  /** A form on /account, by where it posts. */
  const accountForm = (page: Page, action: 'profile' | 'password' | 'name') =>
    page.locator(`form[action="/account/${action}"]`);

  // --- 1 ---------------------------------------------------------------------------

  /** Fills in and sends /register in `page`; fails unless the answer is "Check your e-mail". */
  async function signUpIn(page: Page, fields: { username: string; email: string; password: string }): Promise<void> {
    await page.goto(`${origin}/register`);
    await page.getByLabel('Username').fill(fields.username);
    await page.getByLabel('E-mail address').fill(fields.email);
    await page.getByLabel('Password', { exact: true }).fill(fields.password);
    await page.getByLabel('Password again').fill(fields.password);
    expect((await press(page, 'Create account')).status()).toBe(303);
    expect(await heading(page)).toBe('Check your e-mail');
  }

  /** On the confirmation page: types `password` and presses the button; returns the answer's status. */
  async function confirmWith(page: Page, password: string): Promise<number> {
    expect(await heading(page)).toBe('Confirm your e-mail address');
    await page.getByLabel('Password', { exact: true }).fill(password);
    return (await press(page, 'Confirm and activate my account')).status();
  }

  it('sign-up: "Create an account", the e-mailed link asks for the password, then its Confirm button signs in to /account', async () => {
    const page = await chromium.newPage();
    const username = 'newcomer';
    const email = 'newcomer@example.com';
    const password = 'a brand new passphrase';

    await page.goto(`${origin}/login`);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    expect(where(page)).toBe('/register');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Password again').fill(password);
    const registered = await press(page, 'Create account');
    expect(registered.status()).toBe(303);
    expect(await heading(page)).toBe('Check your e-mail');
    expect(where(page)).toBe('/register/sent');
    expect(await textOf(page.locator('.lead'))).toBe(
      'We sent a link to the address you gave. Follow it to activate your account.',
    );
    // The account is stored just after the answer, then the link goes out.
    const message = await mail.waitFor(email, /Confirm/);

    // Not active yet: the right password does not sign in; its owner is told why.
    await page.goto(`${origin}/login`);
    const early = await submitSignIn(page, username, password);
    expect(early.status()).toBe(400);
    expect(await textOf(page.getByRole('alert'))).toBe(UNCONFIRMED);
    expect(where(page)).toBe('/login');
    expect(await page.getByRole('heading', { name: 'You are signed in' }).count()).toBe(0);
    // A wrong password for it gets the usual answer (nothing about the account is revealed).
    expect((await submitSignIn(page, username, 'not the password')).status()).toBe(400);
    expect(await textOf(page.getByRole('alert'))).toBe(INCORRECT);

    expect(message.subject).toBe(`Confirm your e-mail address for 127.0.0.1:${new URL(origin).port}`);
    const link = linkIn(message, '/register/confirm');
    expect(new URL(link).origin).toBe(origin);

    // Some time later she reads her mail (the sign-in attempts above counted towards throttling:
    // the right password for an unconfirmed account is not a success).
    clock.advance(config.login_throttle_max_delay + 1);

    // Opening the link only shows a form asking for the password (a mail scanner must not confirm).
    await page.goto(link);
    expect(await heading(page)).toBe('Confirm your e-mail address');
    expect(await textOf(page.locator('.lead'))).toBe(
      `and activate the account ${username}. Enter the password you chose when you signed up.`,
    );
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('type')).toBe('password');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('autocomplete')).toBe('current-password');

    // A wrong password: the form again, saying so; the account is still waiting.
    expect(await confirmWith(page, 'not the password')).toBe(400);
    expect(await heading(page)).toBe('Confirm your e-mail address');
    expect(await textOf(page.getByRole('alert'))).toBe(WRONG_CONFIRMATION);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await store.findUserByLogin(username)).toMatchObject({ enabled: false, awaitingConfirmation: true });

    // The right one: confirmed, signed in, on /account.
    expect(await confirmWith(page, password)).toBe(303);
    expect(where(page)).toBe('/account?done=confirmed');
    expect(await heading(page)).toBe('Your account');
    expect(await textOf(page.getByRole('status'))).toBe(CONFIRMED);
    expect(await textOf(page.locator('.lead'))).toBe(`Signed in as ${username}.`);
    expect(await accountForm(page, 'profile').getByLabel('Username').inputValue()).toBe(username);
    expect(await accountForm(page, 'profile').getByLabel('E-mail address').inputValue()).toBe(email);
    // Signed in for real: the account page opens again without signing in.
    await page.goto(`${origin}/account`);
    expect(where(page)).toBe('/account');
    expect(await heading(page)).toBe('Your account');

    // The link worked once.
    const again = await page.goto(link);
    expect(again?.status()).toBe(400);
    expect(await heading(page)).toBe('This link does not work any more');
  });

  it('someone signed up first with her address: her own sign-up takes the account over, and only her password confirms it', async () => {
    const stranger = await chromium.newPage();
    const vera = await chromium.newPage();
    const strangerPassword = 'the stranger chose this one';
    await signUpIn(stranger, { username: 'squatter', email: 'vera@example.com', password: strangerPassword });
    const strangersLink = linkIn(await mail.waitFor('vera@example.com', /Confirm/), '/register/confirm');

    // A minute later Vera signs up with her own username and password: a new link, for her.
    clock.advance(61);
    await signUpIn(vera, { username: 'vera', email: 'vera@example.com', password: PASSWORD });
    const message = await mail.waitFor('vera@example.com', /Confirm/);
    expect(message.text).toContain('Hello vera,');
    const link = linkIn(message, '/register/confirm');
    expect(link).not.toBe(strangersLink);

    // The stranger's link no longer works; with Vera's link the stranger's password is wrong.
    expect((await stranger.goto(strangersLink))?.status()).toBe(400);
    expect(await heading(stranger)).toBe('This link does not work any more');
    await stranger.goto(link);
    expect(await textOf(stranger.locator('.lead'))).toContain('and activate the account vera.');
    expect(await confirmWith(stranger, strangerPassword)).toBe(400);
    expect(await textOf(stranger.getByRole('alert'))).toBe(WRONG_CONFIRMATION);

    await vera.goto(link);
    expect(await confirmWith(vera, PASSWORD)).toBe(303);
    expect(where(vera)).toBe('/account?done=confirmed');
    expect(await textOf(vera.getByRole('status'))).toBe(CONFIRMED);
    expect(await textOf(vera.locator('.lead'))).toBe('Signed in as vera.');

    // The stranger's name and password open nothing.
    await stranger.goto(`${origin}/login`);
    for (const login of ['squatter', 'vera', 'vera@example.com']) {
      expect((await submitSignIn(stranger, login, strangerPassword)).status(), login).toBe(400);
      expect(await textOf(stranger.getByRole('alert'))).toBe(INCORRECT);
    }
  });

  it('wrong confirmation passwords are throttled: after 3 the page says to wait N seconds (429); once the clock passes N, the right one confirms', async () => {
    const page = await chromium.newPage();
    await signUpIn(page, { username: 'guarded', email: 'guarded@example.com', password: PASSWORD });
    await page.goto(linkIn(await mail.waitFor('guarded@example.com', /Confirm/), '/register/confirm'));
    for (let n = 1; n <= THRESHOLD + 1; n++) {
      expect(await confirmWith(page, `wrong guess ${n}`), `wrong password ${n}`).toBe(400);
      expect(await textOf(page.getByRole('alert'))).toBe(WRONG_CONFIRMATION);
    }
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    const blocked = await press(page, 'Confirm and activate my account');
    expect(blocked.status()).toBe(429);
    const alert = await textOf(page.getByRole('alert'));
    const match = CONFIRM_BLOCKED.exec(alert);
    expect(match, alert).not.toBeNull();
    const seconds = Number(match![1]);
    expect(await blocked.headerValue('retry-after')).toBe(String(seconds));
    expect(await store.findUserByLogin('guarded')).toMatchObject({ enabled: false, awaitingConfirmation: true });

    clock.advance(seconds);
    expect(await confirmWith(page, PASSWORD)).toBe(303);
    expect(where(page)).toBe('/account?done=confirmed');
    expect(await textOf(page.getByRole('status'))).toBe(CONFIRMED);
  });

  // --- 2 ---------------------------------------------------------------------------

  it('"Forgot your password?": the e-mailed link sets a new password; old tokens, old password and other sessions stop working', async () => {
    const user = await newUser('forgetful');
    const newPassword = 'an entirely new passphrase';

    // Before: signed in in one browser, where the app got tokens (one used, one kept).
    const before = await chromium.newPage();
    const first = await authorize(before, notes, user);
    expect(first.consentShown).toBe(true);
    const second = await authorize(before, notes, user);
    expect(second.consentShown).toBe(false);
    const refreshed = await refresh(notes, first.refreshToken);
    expect(refreshed.status, refreshed.text).toBe(200);
    const rotated = refreshed.json.refresh_token as string;
    await before.goto(`${origin}/account`);
    expect(where(before)).toBe('/account');

    // Another browser: the person who forgot the password.
    const page = await chromium.newPage();
    await page.goto(`${origin}/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    expect(where(page)).toBe('/reset');
    await page.getByLabel('Username or e-mail address').fill(user.email);
    expect((await press(page, 'Send me a link')).status()).toBe(303);
    expect(where(page)).toBe('/reset/sent');
    expect(await heading(page)).toBe('Check your e-mail');

    const message = await mail.waitFor(user.email, /Reset/);
    const link = linkIn(message, '/reset/password');
    expect(new URL(link).origin).toBe(origin);
    await page.goto(link);
    expect(await heading(page)).toBe('Choose a new password');
    expect(await textOf(page.locator('.lead'))).toContain(`for ${user.username}.`);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('New password again').fill(newPassword);
    expect((await press(page, 'Set my new password')).status()).toBe(303);
    expect(where(page)).toBe('/login?done=reset');
    expect(await textOf(page.getByRole('status'))).toBe(
      'Your password has been changed. Sign in with your new password.',
    );

    // The old password no longer works; the new one does.
    expect((await submitSignIn(page, user.username, user.password)).status()).toBe(400);
    expect(await textOf(page.getByRole('alert'))).toBe(INCORRECT);
    await signInToAccount(page, user.username, newPassword);

    // Every refresh token from before is dead: the one never used and the rotated one.
    expectInvalidGrant(await refresh(notes, second.refreshToken), 'unused refresh token');
    expectInvalidGrant(await refresh(notes, rotated), 'rotated refresh token');

    // The browser signed in before the reset is signed out.
    const response = await before.goto(`${origin}/account`);
    expect(response?.status()).toBe(200);
    expect(response?.request().redirectedFrom()).not.toBeNull();
    expect(where(before)).toBe('/login?return_to=%2Faccount');
    expect(await heading(before)).toBe('Sign in');

    // The link worked once.
    expect((await page.goto(link))?.status()).toBe(400);
    expect(await heading(page)).toBe('This link does not work any more');
  });

  it('after a reset, apps must be allowed again (as the reset page and the README say), and a code issued before buys nothing', async () => {
    const user = await newUser('reallowed');
    const newPassword = 'another fresh passphrase';
    const page = await chromium.newPage();
    expect((await authorize(page, notes, user)).consentShown).toBe(true);
    // A code that reached the app just before the reset, not exchanged yet.
    const pending = await authorizeCode(page, notes, user);
    expect(pending.consentShown).toBe(false);

    const other = await chromium.newPage();
    await other.goto(`${origin}/reset`);
    await other.getByLabel('Username or e-mail address').fill(user.username);
    await press(other, 'Send me a link');
    await other.goto(linkIn(await mail.waitFor(user.email, /Reset/), '/reset/password'));
    // What the person is told before choosing the new password.
    expect(await textOf(other.locator('.lead'))).toContain('apps using your account will have to be allowed again');
    await other.getByLabel('New password', { exact: true }).fill(newPassword);
    await other.getByLabel('New password again').fill(newPassword);
    await press(other, 'Set my new password');
    expect(where(other)).toBe('/login?done=reset');

    // Signed in with the new password, /account no longer lists the app.
    await signInToAccount(other, user.username, newPassword);
    expect.soft(await other.locator('ul.apps > li').allInnerTexts(), 'apps with access after the reset').toEqual([]);

    // The code from before the reset buys no tokens (like "Remove access", which voids unused codes).
    const late = await exchangeCode(notes, pending);
    expect
      .soft({ status: late.status, error: late.json?.error }, `code issued before the reset: ${late.text}`)
      .toEqual({ status: 400, error: 'invalid_grant' });

    // And when the app sends the user to authorize again, the consent page is shown again.
    const again = await authorize(other, notes, { ...user, password: newPassword });
    expect.soft(again.consentShown, 'the consent page after a password reset').toBe(true);
  });

  // --- 3 ---------------------------------------------------------------------------

  it('/account: change the e-mail (a link to the new address, the old one told), change the password (still signed in), a wrong current password is refused', async () => {
    const user = await newUser('editor');
    const newEmail = `${user.username}.new@example.org`;
    const newPassword = 'my improved passphrase';
    const page = await chromium.newPage();
    await signInToAccount(page, user.username, user.password);

    // A second browser of the same user, signed in too.
    const elsewhere = await chromium.newPage();
    await signInToAccount(elsewhere, user.email, user.password);

    const profile = accountForm(page, 'profile');
    await profile.getByLabel('E-mail address').fill(newEmail);
    await profile.getByLabel('Current password').fill(user.password);
    expect((await press(page, 'Save profile', profile)).status()).toBe(303);
    expect(where(page)).toBe('/account?done=email');
    expect(await textOf(page.getByRole('status'))).toBe(
      'Your profile has been saved. To change your e-mail address, follow the link we sent to the new address: until then your current address stays.',
    );
    // Not changed yet.
    expect(await accountForm(page, 'profile').getByLabel('E-mail address').inputValue()).toBe(user.email);
    expect(await accountForm(page, 'profile').getByLabel('Username').inputValue()).toBe(user.username);

    const asked = await mail.waitFor(user.email, /was asked for/);
    expect(asked.text).toContain(`asked to change its e-mail address to ${newEmail}`);
    const link = linkIn(await mail.waitFor(newEmail, /^Confirm your new e-mail address/), '/account/email/confirm');

    // Opening the link (here in another browser, signed out) only shows a form asking for the password.
    const reader = await chromium.newPage();
    await reader.goto(link);
    expect(await heading(reader)).toBe('Confirm your new e-mail address');
    expect(await textOf(reader.locator('.lead'))).toBe(
      `The account ${user.username} will use ${newEmail} from now on. Enter the account's password to confirm.`,
    );
    await reader.getByLabel('Password', { exact: true }).fill(user.password);
    expect((await press(reader, 'Confirm my new e-mail address')).status()).toBe(200);
    expect(await heading(reader)).toBe('E-mail address changed');

    const notice = await mail.waitFor(user.email, /changed/);
    expect(notice.subject).toMatch(/^Your e-mail address on .+ was changed$/);
    expect(notice.text).toContain(`was changed to ${newEmail}`);
    await page.goto(`${origin}/account`);
    expect(await accountForm(page, 'profile').getByLabel('E-mail address').inputValue()).toBe(newEmail);

    // Change the password: this browser stays signed in, the other one is signed out.
    const passwordForm = accountForm(page, 'password');
    await passwordForm.getByLabel('Current password').fill(user.password);
    await passwordForm.getByLabel('New password', { exact: true }).fill(newPassword);
    await passwordForm.getByLabel('New password again').fill(newPassword);
    expect((await press(page, 'Change password', passwordForm)).status()).toBe(303);
    expect(where(page)).toBe('/account?done=password');
    expect(await textOf(page.getByRole('status'))).toBe(
      'Your password has been changed. Your other devices have been signed out.',
    );
    await page.reload();
    expect(where(page)).toBe('/account?done=password');
    expect(await textOf(page.locator('.lead'))).toBe(`Signed in as ${user.username}.`);
    await mail.waitFor(newEmail, /password .* was changed/);

    await elsewhere.goto(`${origin}/account`);
    expect(where(elsewhere)).toBe('/login?return_to=%2Faccount');

    // A wrong current password: the error, nothing changed.
    await page.goto(`${origin}/account`);
    const form = accountForm(page, 'password');
    await form.getByLabel('Current password').fill('this is not my password');
    await form.getByLabel('New password', { exact: true }).fill('yet another passphrase');
    await form.getByLabel('New password again').fill('yet another passphrase');
    expect((await press(page, 'Change password', form)).status()).toBe(400);
    expect(await textOf(page.getByRole('alert'))).toBe('The current password is incorrect.');
    expect(await page.getByRole('status').count()).toBe(0);

    // The same on the profile form, and the e-mail stays as it was.
    const profileAgain = accountForm(page, 'profile');
    await profileAgain.getByLabel('E-mail address').fill(`${user.username}.third@example.org`);
    await profileAgain.getByLabel('Current password').fill('still not my password');
    // Threshold 2: this is the second failure, so it is checked (not throttled).
    expect((await press(page, 'Save profile', profileAgain)).status()).toBe(400);
    expect(await textOf(page.getByRole('alert'))).toBe('The current password is incorrect.');

    // The new password signs in, in a fresh browser.
    const fresh = await chromium.newPage();
    await signInToAccount(fresh, newEmail, newPassword);
    expect(await accountForm(fresh, 'profile').getByLabel('E-mail address').inputValue()).toBe(newEmail);
  });

  it('/account: the user sets the name apps see (markup stays text) and reads whether the address is verified', async () => {
    const user = await newUser('named');
    const page = await chromium.newPage();
    await signInToAccount(page, user.username, user.password);
    expect(await textOf(page.locator('#email_status'))).toMatch(/^This address is not verified yet/);
    const form = accountForm(page, 'name');
    expect(await form.getByLabel('Name').inputValue()).toBe('');
    await form.getByLabel('Name').fill('  Alice <i>Liddell</i>  ');
    expect((await press(page, 'Save name', form)).status()).toBe(303);
    expect(where(page)).toBe('/account?done=name');
    expect(await textOf(page.getByRole('status'))).toBe('Your name has been saved.');
    expect(await accountForm(page, 'name').getByLabel('Name').inputValue()).toBe('Alice <i>Liddell</i>');
    expect(await page.locator('i').count()).toBe(0);
    expect((await users.find(user.username)).displayName).toBe('Alice <i>Liddell</i>');
    // The field holds at most 100 characters: typing more keeps the first 100.
    await accountForm(page, 'name').getByLabel('Name').fill('y'.repeat(150));
    expect(await accountForm(page, 'name').getByLabel('Name').inputValue()).toHaveLength(100);

    await users.update(user.username, { emailVerified: true });
    await page.reload();
    expect(await textOf(page.locator('#email_status'))).toMatch(/^This address is verified/);
  });

  // --- 4 ---------------------------------------------------------------------------

  it('apps: an app allowed on the consent page is listed on /account; "Remove access" removes it and kills its refresh token', async () => {
    const user = await newUser('appuser');
    const page = await chromium.newPage();
    const { refreshToken, consentShown } = await authorize(page, notes, user);
    expect(consentShown).toBe(true);

    await page.goto(`${origin}/account`);
    const apps = page.locator('ul.apps > li');
    // The list is rendered by the server: wait for its row itself rather than polling the count.
    await apps.first().waitFor();
    expect(await apps.count()).toBe(1);
    const row = await textOf(apps.first());
    expect(row).toContain('Acme Notes');
    expect(row).toContain('read');
    expect(row).toMatch(/allowed [A-Z][a-z]{2} \d{1,2}, \d{4}/);
    const heading2 = page.getByRole('heading', { name: 'Apps with access' });
    expect(await heading2.isVisible()).toBe(true);

    const removed = await press(page, /^Remove access/);
    expect(removed.status()).toBe(303);
    expect(where(page)).toBe('/account?done=revoked');
    expect(await textOf(page.getByRole('status'))).toBe('The app no longer has access to your account.');
    expect(await page.locator('ul.apps > li').count()).toBe(0);
    expect(await textOf(page.locator('.empty'))).toBe('No app has access to your account.');

    expectInvalidGrant(await refresh(notes, refreshToken), 'refresh token of the removed app');

    // The consent is forgotten: the app must ask again.
    expect((await authorize(page, notes, user)).consentShown).toBe(true);
  });

  // --- 5 ---------------------------------------------------------------------------

  it('throttling: after 3 wrong passwords the sign-in page says to wait N seconds (429); once the clock passes N, the right password works', async () => {
    const user = await newUser('guessed');
    const page = await chromium.newPage();
    await page.goto(`${origin}/login`);

    for (let n = 1; n <= THRESHOLD + 1; n++) {
      const failed = await submitSignIn(page, user.username, `wrong guess ${n}`);
      expect(failed.status(), `wrong password ${n}`).toBe(400);
      expect(await textOf(page.getByRole('alert'))).toBe(INCORRECT);
    }

    // Now even the right password is refused before it is looked at.
    const blocked = await submitSignIn(page, user.username, user.password);
    expect(blocked.status()).toBe(429);
    const alert = await textOf(page.getByRole('alert'));
    const match = BLOCKED.exec(alert);
    expect(match, alert).not.toBeNull();
    const seconds = Number(match![1]);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(await blocked.headerValue('retry-after')).toBe(String(seconds));
    expect(await heading(page)).toBe('Sign in');
    expect(await page.getByLabel('Username').inputValue()).toBe(user.username);

    // Still blocked one second before the end.
    clock.advance(seconds - 1);
    expect((await submitSignIn(page, user.username, user.password)).status()).toBe(429);

    clock.advance(1);
    const signedIn = await submitSignIn(page, user.username, user.password);
    expect(signedIn.status()).toBe(303);
    await page.getByRole('heading', { name: 'You are signed in' }).waitFor();
  });

  // --- 6 ---------------------------------------------------------------------------

  it('on a 390 px wide phone, /register, /reset and /account scroll no wider than the screen', async () => {
    const user = await newUser(`a${'b'.repeat(40)}`);
    const page = await chromium.newPage({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });

    async function expectNoHorizontalScroll(label: string) {
      const widths = await page.evaluate(() => ({
        document: document.documentElement.scrollWidth,
        body: document.body.scrollWidth,
        viewport: window.innerWidth,
      }));
      expect(widths.viewport, label).toBe(PHONE.width);
      expect(widths.document, `${label}: document scrollWidth`).toBeLessThanOrEqual(PHONE.width);
      expect(widths.body, `${label}: body scrollWidth`).toBeLessThanOrEqual(PHONE.width);
    }

    await page.goto(`${origin}/register`);
    expect(await heading(page)).toBe('Create an account');
    await expectNoHorizontalScroll('/register');

    // The error state too (a taken username is reported).
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('E-mail address').fill('someone.else@example.com');
    await page.getByLabel('Password', { exact: true }).fill('one passphrase');
    await page.getByLabel('Password again').fill('one passphrase');
    expect((await press(page, 'Create account')).status()).toBe(400);
    await page.getByRole('alert').waitFor();
    await expectNoHorizontalScroll('/register with an error');

    await page.goto(`${origin}/reset`);
    expect(await heading(page)).toBe('Reset your password');
    await expectNoHorizontalScroll('/reset');

    // /account with an app listed.
    await authorize(page, notes, user);
    await page.goto(`${origin}/account`);
    expect(await heading(page)).toBe('Your account');
    expect(await page.locator('ul.apps > li').count()).toBe(1);
    await expectNoHorizontalScroll('/account');
    const remove = await page.getByRole('button', { name: /^Remove access/ }).boundingBox();
    expect(remove).not.toBeNull();
    expect(remove!.x + remove!.width).toBeLessThanOrEqual(PHONE.width);
  });
});
