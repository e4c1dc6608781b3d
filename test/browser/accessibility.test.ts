/**
 * WCAG 2.1 AA in headless Chromium: axe-core (rules tagged wcag2a, wcag2aa, wcag21a, wcag21aa)
 * runs on every page in the states a person meets (empty, with an error, throttled; in English,
 * French and Japanese), and a person signs in and allows an app with the keyboard alone.
 *
 * The pages run no script (CSP default-src 'none'), so axe-core is not added with a <script> tag:
 * the context's addInitScript has Chromium evaluate it in every new document through the DevTools
 * protocol, which the page's Content-Security-Policy does not govern. No bypassCSP: the pages are
 * checked exactly as they are served, CSP and all.
 */
import axe from 'axe-core';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pkcePair,
  randomState,
  startCallbackServer,
  submitSignIn,
  useBrowser,
  waitForUrlPrefix,
  type CallbackServer,
} from '../helpers/browser.js';
import { DEVICE_CODE_GRANT, startDeviceAuthorization } from '../helpers/device-flow.js';
import { SUBJECT } from '../helpers/account-pages.js';
import { linkIn, startMailServer, type MailServer } from '../helpers/mail.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';
const THRESHOLD = 2;
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe-core (put in every document by addInitScript) on the page as it is; the violations, each with its elements. */
async function violationsOf(page: Page): Promise<Violation[]> {
  return page.evaluate(async (tags) => {
    const results = await (window as unknown as { axe: typeof axe }).axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((node) => node.target.join(' ')),
    }));
  }, WCAG_21_AA);
}

/** The failure message: every violation (id, impact, help, each target) of every page checked. */
function report(found: Map<string, Violation[]>): string {
  return [...found]
    .map(
      ([where, violations]) =>
        `${where}:\n${violations.map((v) => `  ${v.id} [${v.impact}] ${v.help}\n    ${v.targets.join('\n    ')}`).join('\n')}`,
    )
    .join('\n');
}

describe('accessibility (WCAG 2.1 AA) in Chromium [sqlite]', () => {
  const chromium = useBrowser();
  let fx: TestServer;
  let mail: MailServer;
  let callback: CallbackServer;
  let notes: CreatedClient;
  let tv: CreatedClient;

  beforeAll(async () => {
    [mail, callback] = await Promise.all([startMailServer(), startCallbackServer()]);
    fx = await startTestServer({
      config: {
        registration: { enabled: true },
        mail: { url: mail.url },
        login_throttle_threshold: THRESHOLD,
        supported_scopes: ['openid', 'profile', 'read'],
        scope_descriptions: { read: 'Read your notes' },
      },
    });
    [notes, tv] = await Promise.all([
      fx.createClient(['--name', 'Acme Notes', '--redirect-uri', callback.url]),
      fx.createClient(['--public', '--name', 'Living Room TV', '--grant-type', DEVICE_CODE_GRANT]),
      fx.createUser('zoe', 'zoe@example.com', PASSWORD),
      fx.createUser('kim', 'kim@example.com', PASSWORD),
    ]);
  });

  afterAll(async () => {
    await fx?.close();
    await Promise.allSettled([mail?.close(), callback?.close()]);
  });

  function authorizeUrl(scope: string): string {
    return `${fx.url}/oauth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: notes.client_id,
      redirect_uri: callback.url,
      scope,
      state: randomState(),
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    })}`;
  }

  /**
   * What a field tells assistive technology besides its label: aria-invalid, the texts its
   * aria-describedby points to, and whether it has the focus.
   */
  const fieldState = (field: Locator) =>
    field.evaluate((element) => ({
      invalid: element.getAttribute('aria-invalid') === 'true',
      description: (element.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent?.trim()),
      focused: document.activeElement === element,
    }));

  const heading = async (page: Page) =>
    (await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' ').trim();

  it('every page, in every state that matters, has no axe-core violation', async () => {
    const context = await chromium.newContext();
    await context.addInitScript({ content: axe.source });
    const page = await context.newPage();
    const found = new Map<string, Violation[]>();
    async function check(where: string, expectedHeading: string) {
      expect(await heading(page), where).toBe(expectedHeading);
      const violations = await violationsOf(page);
      if (violations.length) found.set(where, violations);
    }
    async function post(button: string) {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: button }).click(),
      ]);
      await page.waitForLoadState();
      return response;
    }

    // Sign-in: empty, wrong password, throttled.
    await page.goto(`${fx.url}/login`);
    await check('sign-in', 'Sign in');
    for (let n = 0; n <= THRESHOLD; n++) expect((await submitSignIn(page, 'zoe', `wrong ${n}`)).status()).toBe(400);
    await check('sign-in with an error', 'Sign in');
    // The error is said on both fields, which are invalid; the username (typed again) has the focus.
    const incorrect = 'The username or password is incorrect.';
    expect(await fieldState(page.getByLabel('Username'))).toEqual({
      invalid: true,
      description: [incorrect, 'You can sign in with your username or your email address.'],
      focused: true,
    });
    expect(await fieldState(page.getByLabel('Password'))).toEqual({
      invalid: true,
      description: [incorrect],
      focused: false,
    });
    expect((await submitSignIn(page, 'zoe', PASSWORD)).status()).toBe(429);
    await check('sign-in throttled', 'Sign in');
    // Waiting is said on the field, which is not invalid for it.
    const waiting = await fieldState(page.getByLabel('Password'));
    expect(waiting.invalid).toBe(false);
    expect(waiting.description).toEqual([expect.stringMatching(/^Too many failed sign-in attempts/)]);
    fx.clock.advance(fx.config.login_throttle_max_delay + 1);

    // In French and in Japanese (the switcher's links), then back to English.
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Français' }).click();
    await check('sign-in in French', 'Connexion');
    await page.getByRole('navigation', { name: 'Langue' }).getByRole('link', { name: '日本語' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    await check('sign-in in Japanese', 'サインイン');
    await page.goto(`${fx.url}/language?lang=en&return_to=/reset`);
    await check('reset', 'Reset your password');
    await page.getByLabel('Username or e-mail address').fill('zoe');
    await post('Send me a link');
    await check('reset: check your e-mail', 'Check your e-mail');
    await page.goto(linkIn(await mail.waitFor('zoe@example.com', SUBJECT.resetting), '/reset/password'));
    await check('reset: new password', 'Choose a new password');
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    expect((await post('Set my new password')).status()).toBe(400);
    await check('reset: new password with an error', 'Choose a new password');

    // Sign-up and its errors.
    await page.goto(`${fx.url}/register`);
    await check('register', 'Create an account');
    await page.getByLabel('Username').fill('zoe');
    await page.getByLabel('E-mail address').fill('someone@example.com');
    await page.getByLabel('Password', { exact: true }).fill('one passphrase');
    await page.getByLabel('Password again').fill('another passphrase');
    expect((await post('Create account')).status()).toBe(400);
    await check('register with an error', 'Create an account');
    expect(await fieldState(page.getByLabel('Password again'))).toEqual({
      invalid: true,
      description: ['The two passwords do not match.'],
      focused: true,
    });
    expect((await fieldState(page.getByLabel('Password', { exact: true }))).description).toEqual([
      'The two passwords do not match.',
      expect.stringMatching(/^Use at least \d+ characters/),
    ]);
    // Signed up: the e-mail, and the confirmation page its link opens.
    await page.getByLabel('Username').fill('amy');
    await page.getByLabel('E-mail address').fill('amy@example.com');
    await page.getByLabel('Password', { exact: true }).fill('one passphrase');
    await page.getByLabel('Password again').fill('one passphrase');
    await post('Create account');
    await check('register: check your e-mail', 'Check your e-mail');
    await page.goto(linkIn(await mail.waitFor('amy@example.com', SUBJECT.confirmation), '/register/confirm'));
    await check('register: confirm', 'Confirm your e-mail address');

    // An authorization: sign in (the app named), consent, in French too.
    await page.goto(authorizeUrl('openid profile read'));
    await check('sign-in for an app', 'Sign in');
    await submitSignIn(page, 'zoe', PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await check('consent', 'Acme Notes wants to access your account');
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Français' }).click();
    await check('consent in French', 'Acme Notes souhaite accéder à votre compte');
    await page.getByRole('navigation', { name: 'Langue' }).getByRole('link', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await waitForUrlPrefix(page, callback.url);

    // The account page, and each of its forms with an error.
    await page.goto(`${fx.url}/account`);
    await check('account', 'Your account');
    await page.locator('#profile_current_password').fill('not my password');
    expect((await post('Save profile')).status()).toBe(400);
    await check('account: profile error', 'Your account');
    await page.getByLabel('Current password').nth(1).fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('a new passphrase');
    await page.getByLabel('New password again').fill('a new passphrase');
    expect((await post('Change password')).status()).toBe(400);
    await check('account: password error', 'Your account');
    // Only the form that failed says so; its current password field has the focus.
    expect(await fieldState(page.locator('#current_password'))).toEqual({
      invalid: true,
      description: ['The current password is incorrect.'],
      focused: true,
    });
    expect((await fieldState(page.locator('#profile_current_password'))).invalid).toBe(false);

    // The device flow: the code, a wrong code, the confirmation.
    const device = await startDeviceAuthorization(fx.url, tv.client_id, 'read');
    await page.goto(`${fx.url}/device`);
    await check('device code', 'Connect a device');
    await page.getByLabel('Code').fill('BBBB-BBBB');
    await post('Continue');
    await check('device code with an error', 'Connect a device');
    expect(await fieldState(page.getByLabel('Code'))).toEqual({
      invalid: true,
      description: [
        'That code is invalid or has expired. Check the code on your device and try again.',
        'Only enter a code from a device you are setting up yourself.',
      ],
      focused: true,
    });
    await page.getByLabel('Code').fill(device.user_code);
    await post('Continue');
    await check('device confirmation', 'Living Room TV wants to access your account');
    await post('Approve');
    await check('device approved', 'Device connected');
    await page.goto(`${fx.url}/login`);
    await check('signed in', 'You are signed in');

    // Sign-out confirmations: /logout and the RP-initiated end-session page.
    await page.goto(`${fx.url}/logout`);
    await check('sign-out confirmation', 'Sign out?');
    await page.goto(`${fx.url}/oauth/logout`);
    await check('end-session confirmation', 'Sign out of Gatehouse?');
    await post('Cancel');
    await check('still signed in', 'You are still signed in');
    await page.goto(`${fx.url}/logout`);
    await post('Sign out');
    await check('signed out', 'You are signed out');

    // An error page.
    await page.goto(
      authorizeUrl('read').replace(encodeURIComponent(callback.url), 'https%3A%2F%2Fattacker.example%2F'),
    );
    const detail = page.getByRole('group', { name: 'For the developer of the app:' }).locator('.detail');
    expect(await detail.innerText()).toContain('redirect_uri');
    await check('error page with its detail', 'This sign-in link does not work');

    // The check itself can fail: the sign-in form without its labels is reported.
    await page.goto(`${fx.url}/login`);
    await page.evaluate(() => {
      for (const label of document.querySelectorAll('label')) label.remove();
    });
    const unlabelled = await violationsOf(page);
    expect(unlabelled.map((v) => v.id)).toContain('label');
    // …and the failure names the rule, its impact, its help and each element.
    const said = report(new Map([['sign-in without labels', unlabelled]]));
    expect(said).toContain('label [critical] Form elements must have labels');
    expect(said).toContain('    #username');
    expect(said).toContain('    #password');

    expect(found.size, `axe-core violations (${WCAG_21_AA.join(', ')}):\n${report(found)}`).toBe(0);
  }, 120_000);

  /** The focused element, named as a person sees it, and whether it shows a focus indicator. */
  function focused(page: Page) {
    return page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (!element || element === document.body) return { name: '(nothing)', indicator: false };
      const style = getComputedStyle(element);
      const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
      const shadow = style.boxShadow !== 'none';
      const label = element.id ? document.querySelector(`label[for="${element.id}"]`)?.textContent : undefined;
      return {
        name: `${element.tagName.toLowerCase()} ${(label ?? element.textContent ?? '').trim()}`,
        indicator: outline || shadow,
      };
    });
  }

  it('keyboard only: sign in and allow the app with Tab, Shift+Tab, Enter and Space, a visible focus at every step', async () => {
    fx.clock.advance(fx.config.login_throttle_max_delay + 1);
    const page = await chromium.newPage();
    await page.goto(authorizeUrl('openid profile'));
    expect(new URL(page.url()).pathname).toBe('/login');

    // The username field has the focus; then password, Sign in, and only then the other links.
    expect(await focused(page)).toEqual({ name: 'input Username', indicator: true });
    await page.keyboard.type('kim');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toEqual({ name: 'input Password', indicator: true });
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toEqual({ name: 'button Sign in', indicator: true });
    await page.keyboard.press('Tab');
    expect(await focused(page)).toEqual({ name: 'a Forgot your password?', indicator: true });
    await page.keyboard.press('Tab');
    expect(await focused(page)).toEqual({ name: 'a Create an account', indicator: true });
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toEqual({ name: 'button Sign in', indicator: true });
    await page.keyboard.press('Enter');

    // The consent page: Tab to Allow (past "Not you?" and Deny), then Space.
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    const order: string[] = [];
    for (let n = 0; n < 10 && order.at(-1) !== 'button Allow'; n++) {
      await page.keyboard.press('Tab');
      const now = await focused(page);
      expect(now.indicator, now.name).toBe(true);
      order.push(now.name);
    }
    expect(order).toEqual(['a Not you?', 'button Deny', 'button Allow']);
    await page.keyboard.press('Space');
    const back = await waitForUrlPrefix(page, callback.url);
    expect(back.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
