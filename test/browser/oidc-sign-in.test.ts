/**
 * OpenID Connect sign-in as a person meets it, in headless Chromium against the real app
 * (test/harness, SQLite): single sign-on across two clients, prompt=login re-authentication,
 * prompt=create (sign up, then back to the flow) and the consent page that names offline_access.
 * A loopback HTTP server plays the clients' redirect URIs; the sign-in behind each code is read
 * from the stored OidcGrantRecord (ID tokens are the token endpoint's).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokenKey } from '../../src/core/secrets.js';
import type { OidcGrantRecord } from '../../src/core/ports.js';
import {
  pkcePair,
  randomState,
  startCallbackServer,
  submitSignIn,
  useBrowser,
  waitForUrlPrefix,
  type CallbackServer,
} from '../helpers/browser.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';

describe('OpenID Connect sign-in in Chromium [sqlite]', () => {
  const chromium = useBrowser();
  let server: TestServer;
  let callback: CallbackServer;
  /** An ordinary app: consent is asked. */
  let photos: CreatedClient;
  /** A first-party app (--trusted): consent is asked only for offline_access. */
  let console_: CreatedClient;
  let userCount = 0;

  beforeAll(async () => {
    callback = await startCallbackServer();
    server = await startTestServer({
      env: { GATEHOUSE_SUPPORTED_SCOPES: 'offline_access' },
      config: { registration: { enabled: true, confirmation: false, token_ttl: 86_400 } },
    });
    [photos, console_] = await Promise.all([
      server.createClient(['--name', 'Photo Book', '--redirect-uri', callback.url, '--scope', 'openid profile email']),
      server.createClient([
        '--name',
        'Gatehouse Console',
        '--redirect-uri',
        callback.url,
        '--trusted',
        '--scope',
        'openid email offline_access',
      ]),
    ]);
  });

  beforeEach(() => callback.clear());

  afterAll(async () => {
    await server?.close();
    await callback?.close();
  });

  async function newUser(): Promise<string> {
    const username = `reader${++userCount}`;
    await server.createUser(username, `${username}@example.com`, PASSWORD);
    return username;
  }

  function authorizationUrl(client: CreatedClient, extra: Record<string, string> = {}): string {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: callback.url,
      scope: 'openid',
      state: randomState(),
      nonce: randomState(),
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    return `${server.url}/oauth/authorize?${params}`;
  }

  async function heading(page: Page): Promise<string> {
    return (await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' ').trim();
  }

  /** The Gatehouse paths the page loads from now on (to prove a page was, or was not, shown). */
  function gatehousePaths(page: Page): string[] {
    const paths: string[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.origin === server.url) paths.push(url.pathname);
    });
    return paths;
  }

  /** Waits for the code at the client; returns the sign-in recorded behind it. */
  async function codeGrant(page: Page): Promise<OidcGrantRecord> {
    const landed = await waitForUrlPrefix(page, callback.url);
    expect(landed.searchParams.get('error')).toBeNull();
    const code = landed.searchParams.get('code')!;
    const stored = await server.store.findAuthorizationCode(tokenKey(code));
    const grant = await server.store.oidcGrants.findOidcGrant(stored!.familyId);
    expect(grant).not.toBeNull();
    return grant!;
  }

  async function consentItems(page: Page): Promise<string[]> {
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    return (await page.locator('ul.scopes > li').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
  }

  it('single sign-on: signed in for one app, a second app’s request shows no sign-in page, and both grants share the sid', async () => {
    const username = await newUser();
    const page = await chromium.newPage();
    await page.goto(authorizationUrl(photos));
    expect(await heading(page)).toBe('Sign in');
    await submitSignIn(page, username, PASSWORD);
    expect(await consentItems(page)).toEqual(['Sign you in with your account openid']);
    await page.getByRole('button', { name: 'Allow' }).click();
    const first = await codeGrant(page);

    const paths = gatehousePaths(page);
    await page.goto(authorizationUrl(console_, { scope: 'openid email' }));
    const second = await codeGrant(page);
    expect(paths).toEqual(['/oauth/authorize']);
    expect(second).toMatchObject({ sid: first.sid, authTime: first.authTime, clientId: console_.client_id });
    expect(first.clientId).toBe(photos.client_id);
  });

  it('prompt=login: the signed-in user enters the password again (username fixed); the session keeps its sid with a new auth_time', async () => {
    const username = await newUser();
    const page = await chromium.newPage();
    await page.goto(authorizationUrl(console_));
    await submitSignIn(page, username, PASSWORD);
    const first = await codeGrant(page);

    server.clock.advance(600);
    await page.goto(authorizationUrl(console_, { prompt: 'login' }));
    expect(await heading(page)).toBe('Sign in again');
    expect((await page.locator('.lead').innerText()).trim()).toBe('to continue to Gatehouse Console');
    const field = page.getByLabel('Username');
    expect(await field.inputValue()).toBe(username);
    expect(await field.getAttribute('readonly')).not.toBeNull();
    expect(await page.getByRole('link', { name: 'Not you?' }).isVisible()).toBe(true);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const second = await codeGrant(page);
    expect(second.sid).toBe(first.sid);
    expect(second.authTime).toBe(first.authTime + 600);
  });

  it('prompt=create: the sign-up page, then straight back to the authorization', async () => {
    const page = await chromium.newPage();
    await page.goto(authorizationUrl(photos, { prompt: 'create' }));
    expect(new URL(page.url()).pathname).toBe('/register');
    const username = `newcomer${++userCount}`;
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('E-mail address').fill(`${username}@example.com`);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    expect(await consentItems(page)).toEqual(['Sign you in with your account openid']);
    await page.getByRole('button', { name: 'Allow' }).click();
    const grant = await codeGrant(page);
    expect(grant.userId).toBe((await server.store.findUserByLogin(username))?.id);
  });

  it('offline_access: even a trusted app gets a consent page that names it', async () => {
    const username = await newUser();
    const page = await chromium.newPage();
    await page.goto(authorizationUrl(console_, { scope: 'openid offline_access' }));
    await submitSignIn(page, username, PASSWORD);
    expect(await heading(page)).toBe('Gatehouse Console wants to access your account');
    expect(await consentItems(page)).toEqual([
      'Sign you in with your account openid',
      'Keep access when you are not using the app (until you revoke it) offline_access',
    ]);
    await page.getByRole('button', { name: 'Allow' }).click();
    expect((await codeGrant(page)).offline).toBe(true);
  });
});
