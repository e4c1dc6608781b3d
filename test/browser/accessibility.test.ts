/**
 * WCAG 2.1 AA in headless Chromium: axe-core (rules tagged wcag2a, wcag2aa, wcag21a, wcag21aa)
 * runs on every page in the states a person meets (empty, with an error, throttled; in English,
 * French and Japanese), and a person signs in and allows an app with the keyboard alone.
 *
 * axe-core is evaluated through the DevTools protocol (page.evaluate of its source), which the
 * page's Content-Security-Policy does not govern: the pages are checked exactly as they are
 * served, CSP and all, with no bypassCSP.
 */
import axe from 'axe-core';
import type { Page } from 'playwright-core';
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

/** Runs axe-core on the page as it is; the violations, each with its failing elements. */
async function violationsOf(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
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

/** Fails with every violation (id, impact, help, target) of every page checked so far. */
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

  const heading = async (page: Page) =>
    (await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' ').trim();

  it('every page, in every state that matters, has no axe-core violation', async () => {
    const page = await chromium.newPage();
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
    expect((await submitSignIn(page, 'zoe', PASSWORD)).status()).toBe(429);
    await check('sign-in throttled', 'Sign in');
    fx.clock.advance(fx.config.login_throttle_max_delay + 1);

    // In French and in Japanese (the switcher's links), then back to English.
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Français' }).click();
    await check('sign-in in French', 'Connexion');
    await page.getByRole('navigation', { name: 'Langue' }).getByRole('link', { name: '日本語' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    await check('sign-in in Japanese', await heading(page));
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

    // The device flow: the code, a wrong code, the confirmation.
    const device = await startDeviceAuthorization(fx.url, tv.client_id, 'read');
    await page.goto(`${fx.url}/device`);
    await check('device code', 'Connect a device');
    await page.getByLabel('Code').fill('BBBB-BBBB');
    await post('Continue');
    await check('device code with an error', 'Connect a device');
    await page.getByLabel('Code').fill(device.user_code);
    await post('Continue');
    await check('device confirmation', 'Living Room TV wants to access your account');

    // Sign-out confirmations: /logout and the RP-initiated end-session page.
    await page.goto(`${fx.url}/logout`);
    await check('sign-out confirmation', 'Sign out?');
    await page.goto(`${fx.url}/oauth/logout`);
    await check('end-session confirmation', await heading(page));
    await page.goto(`${fx.url}/logout`);
    await post('Sign out');
    await check('signed out', await heading(page));

    // An error page.
    await page.goto(
      authorizeUrl('read').replace(encodeURIComponent(callback.url), 'https%3A%2F%2Fattacker.example%2F'),
    );
    expect(await page.locator('.detail').innerText()).toContain('redirect_uri');
    await check('error page with its detail', 'This sign-in link does not work');

    // The check itself can fail: the sign-in form without its labels is reported.
    await page.goto(`${fx.url}/login`);
    await page.evaluate(() => {
      for (const label of document.querySelectorAll('label')) label.remove();
    });
    expect((await violationsOf(page)).map((v) => v.id)).toContain('label');

    expect(found.size, `axe-core violations (${WCAG_21_AA.join(', ')}):\n${report(found)}`).toBe(0);
  }, 120_000);
});
