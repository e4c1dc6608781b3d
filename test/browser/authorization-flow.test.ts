/**
 * The authorization code flow as a person meets it: headless Chromium drives the sign-in and
 * consent pages of the real app served in the test's process (test/harness, SQLite); a real
 * loopback HTTP server plays the client's redirect URI; the code that arrives there is exchanged
 * at the token endpoint.
 *
 * Every test gets a fresh browser context (signed out, no cookies) and, where consent matters,
 * its own user, so no test depends on what another one allowed.
 */
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  pkcePair,
  randomState,
  startCallbackServer,
  submitSignIn,
  useBrowser,
  waitForUrlPrefix,
  type CallbackServer,
  type PkcePair,
} from '../helpers/browser.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { tokenRequest, type HttpResult } from '../helpers/server.js';

const SCOPE_DESCRIPTIONS = { read: 'Read your files', write: 'Create and change your files' };
const SERVER_ENV = {
  GATEHOUSE_SUPPORTED_SCOPES: 'read write',
  GATEHOUSE_SCOPE_DESCRIPTIONS: JSON.stringify(SCOPE_DESCRIPTIONS),
};
const PASSWORD = 'correct horse battery staple';
/** 256 random bits, base64url. */
const SECRET_VALUE = /^[A-Za-z0-9_-]{43,}$/;
const PHONE = { width: 390, height: 844 };

type Confidential = CreatedClient & { client_secret: string };

interface TestUser {
  username: string;
  email: string;
  password: string;
}

describe('authorization code flow in Chromium [sqlite]', () => {
  const chromium = useBrowser();
  let server: TestServer;
  let callback: CallbackServer;
  /** An ordinary third-party app: consent is asked. */
  let notes: Confidential;
  /** A first-party app registered with --trusted: consent is never asked. */
  let trusted: Confidential;
  let userCount = 0;

  beforeAll(async () => {
    callback = await startCallbackServer();
    server = await startTestServer({ env: SERVER_ENV });
    const [notesClient, trustedClient] = await Promise.all([
      server.createClient(['--name', 'Acme Notes', '--redirect-uri', callback.url]),
      server.createClient(['--name', 'Gatehouse Console', '--redirect-uri', callback.url, '--trusted']),
    ]);
    notes = notesClient as Confidential;
    trusted = trustedClient as Confidential;
    expect(typeof notes.client_secret).toBe('string');
    expect(typeof trusted.client_secret).toBe('string');
  });

  beforeEach(() => callback.clear());

  afterAll(async () => {
    await server?.close();
    await callback?.close();
  });

  /** A user of its own for one test (consent is remembered per user and client). */
  async function newUser(): Promise<TestUser> {
    const username = `person${++userCount}`;
    const user = { username, email: `${username}@example.com`, password: PASSWORD };
    await server.createUser(user.username, user.email, user.password);
    return user;
  }

  interface AuthorizationOptions {
    scope?: string;
    state?: string;
    pkce?: PkcePair;
    redirectUri?: string;
  }

  function authorizationUrl(client: CreatedClient, options: AuthorizationOptions = {}): string {
    const pkce = options.pkce ?? pkcePair();
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: options.redirectUri ?? callback.url,
      state: options.state ?? randomState(),
      code_challenge: pkce.challenge,
      code_challenge_method: pkce.method,
    });
    if (options.scope !== undefined) params.set('scope', options.scope);
    return `${server.url}/oauth/authorize?${params}`;
  }

  /** The page's only h1, whitespace collapsed as the user reads it. */
  async function heading(page: Page): Promise<string> {
    return (await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' ').trim();
  }

  /** Where the page is, relative to Gatehouse (fails when the browser left Gatehouse). */
  function gatehousePath(page: Page): string {
    const url = new URL(page.url());
    expect(url.origin, `expected the browser on Gatehouse, it is at ${page.url()}`).toBe(server.url);
    return url.pathname;
  }

  /** Asserts the sign-in page is shown, for `clientName` when given. */
  async function expectSignInPage(page: Page, clientName: string | null): Promise<void> {
    expect(gatehousePath(page)).toBe('/login');
    expect(await page.title()).toBe('Sign in · Gatehouse');
    expect(await heading(page)).toBe('Sign in');
    const lead = (await page.locator('.lead').innerText()).trim();
    expect(lead).toBe(clientName ? `to continue to ${clientName}` : 'with your Gatehouse account');
    expect(await page.getByLabel('Username').isVisible()).toBe(true);
    expect(await page.getByLabel('Password').isVisible()).toBe(true);
  }

  /** Waits for the consent page (after the sign-in redirect) and checks what it says. */
  async function expectConsentPage(
    page: Page,
    user: TestUser,
    scopes: (keyof typeof SCOPE_DESCRIPTIONS)[],
  ): Promise<void> {
    await page.waitForURL((url) => url.origin === server.url && url.pathname === '/oauth/authorize');
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(await page.title()).toBe('Authorize access · Gatehouse');
    expect(await heading(page)).toBe('Acme Notes wants to access your account');
    const items = await page.locator('ul.scopes > li').allInnerTexts();
    expect(items.map((text) => text.replace(/\s+/g, ' ').trim())).toEqual(
      scopes.map((scope) => `${SCOPE_DESCRIPTIONS[scope]} ${scope}`),
    );
    expect((await page.locator('.account').innerText()).replace(/\s+/g, ' ')).toContain(
      `Signed in as ${user.username}`,
    );
    expect(await page.locator('.note').innerText()).toContain(
      `Allowing sends you back to ${new URL(callback.url).host}`,
    );
    expect(await page.getByRole('button', { name: 'Deny' }).isVisible()).toBe(true);
  }

  /** Presses a button that ends at the client: returns the callback URL the browser landed on. */
  async function pressAndReturnToClient(page: Page, button: 'Allow' | 'Deny'): Promise<URL> {
    await page.getByRole('button', { name: button }).click();
    return waitForUrlPrefix(page, callback.url);
  }

  /** The code arrived at the client with the state and issuer (RFC 9207) of this request. */
  function expectCode(landed: URL, state: string): string {
    expect(landed.origin + landed.pathname).toBe(callback.url);
    expect(landed.searchParams.get('error')).toBeNull();
    expect(landed.searchParams.get('state')).toBe(state);
    expect(landed.searchParams.get('iss')).toBe(server.url);
    const code = landed.searchParams.get('code');
    expect(code).toMatch(SECRET_VALUE);
    return code!;
  }

  function exchangeCode(client: Confidential, code: string, pkce: PkcePair): Promise<HttpResult> {
    return tokenRequest(
      server.url,
      { grant_type: 'authorization_code', code, redirect_uri: callback.url, code_verifier: pkce.verifier },
      { basic: [client.client_id, client.client_secret] },
    );
  }

  function expectTokens(result: HttpResult, scope: string): { access_token: string; refresh_token: string } {
    expect(result.status, result.text).toBe(200);
    expect(result.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope });
    expect(result.json.access_token).toMatch(SECRET_VALUE);
    expect(result.json.refresh_token).toMatch(SECRET_VALUE);
    return result.json;
  }

  /** Records the status of every answer from /oauth/authorize the page receives. */
  function authorizeStatuses(page: Page): number[] {
    const statuses: number[] = [];
    page.on('response', (response: Response) => {
      const url = new URL(response.url());
      if (url.origin === server.url && url.pathname === '/oauth/authorize') statuses.push(response.status());
    });
    return statuses;
  }

  it('sign in, Allow: the code reaches the client with state and iss, and is exchanged (PKCE) for tokens that refresh', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    const state = randomState();
    const pkce = pkcePair();

    await page.goto(authorizationUrl(notes, { scope: 'read write', state, pkce }));
    await expectSignInPage(page, 'Acme Notes');
    // The request waits on the server: the sign-in page's URL and form name it by an opaque id only.
    const returnTo = new URL(page.url()).searchParams.get('return_to');
    expect(returnTo).toMatch(/^\/oauth\/authorize\?pending=[A-Za-z0-9_-]{43}$/);
    expect(page.url()).not.toContain(state);
    expect(await page.content()).not.toContain(state);

    const signIn = await submitSignIn(page, user.username, user.password);
    expect(signIn.status()).toBe(303);
    await expectConsentPage(page, user, ['read', 'write']);
    expect(callback.received).toEqual([]);

    const landed = await pressAndReturnToClient(page, 'Allow');
    const code = expectCode(landed, state);
    expect(callback.received.map(String)).toEqual([landed.href]);
    expect(await heading(page)).toBe('Back at the app');

    const tokens = expectTokens(await exchangeCode(notes, code, pkce), 'read write');
    const refreshed = expectTokens(
      await tokenRequest(
        server.url,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
        { basic: [notes.client_id, notes.client_secret] },
      ),
      'read write',
    );
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    // The code was single-use.
    const replay = await exchangeCode(notes, code, pkce);
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
  });

  it('the code is bound to the PKCE verifier: a wrong verifier is refused', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    const state = randomState();
    const pkce = pkcePair();
    await page.goto(authorizationUrl(notes, { scope: 'read', state, pkce }));
    await submitSignIn(page, user.username, user.password);
    await expectConsentPage(page, user, ['read']);
    const code = expectCode(await pressAndReturnToClient(page, 'Allow'), state);

    const wrong = await exchangeCode(notes, code, pkcePair());
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toBe('invalid_grant');
  });

  it('Deny sends access_denied (with state and iss) to the client, no code, and nothing is remembered', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    const state = randomState();
    await page.goto(authorizationUrl(notes, { scope: 'read', state }));
    await submitSignIn(page, user.username, user.password);
    await expectConsentPage(page, user, ['read']);

    const landed = await pressAndReturnToClient(page, 'Deny');
    expect(landed.origin + landed.pathname).toBe(callback.url);
    expect(landed.searchParams.get('error')).toBe('access_denied');
    expect(landed.searchParams.get('state')).toBe(state);
    expect(landed.searchParams.get('iss')).toBe(server.url);
    expect(landed.searchParams.has('code')).toBe(false);
    expect(callback.received).toHaveLength(1);

    // A refusal is not a consent: the next authorization asks again.
    await page.goto(authorizationUrl(notes, { scope: 'read' }));
    await expectConsentPage(page, user, ['read']);
    expect(callback.received).toHaveLength(1);
  });

  it('a wrong password shows the error on the sign-in page and goes nowhere; the right one (or the email) then works', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    const state = randomState();
    const pkce = pkcePair();
    await page.goto(authorizationUrl(notes, { scope: 'read', state, pkce }));
    await expectSignInPage(page, 'Acme Notes');

    for (const [username, password] of [
      [user.username, 'not my password'],
      ['nobody-by-this-name', PASSWORD], // an unknown user gets the very same answer
    ] as const) {
      const failed = await submitSignIn(page, username, password);
      expect(failed.status()).toBe(400);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect((await alert.innerText()).trim()).toBe('The username or password is incorrect.');
      // Still the sign-in page for the same app; the username kept, the password not.
      await expectSignInPage(page, 'Acme Notes');
      expect(await page.getByLabel('Username').inputValue()).toBe(username);
      expect(await page.getByLabel('Password').inputValue()).toBe('');
      expect(callback.received).toEqual([]);
    }

    // "You can sign in with your username or your email address."
    const signedIn = await submitSignIn(page, user.email, user.password);
    expect(signedIn.status()).toBe(303);
    await expectConsentPage(page, user, ['read']);
    expect(await page.getByRole('alert').count()).toBe(0);
    const code = expectCode(await pressAndReturnToClient(page, 'Allow'), state);
    expectTokens(await exchangeCode(notes, code, pkce), 'read');
  });

  it('consent is remembered: the same scopes go straight back to the client, a wider scope asks again', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    const statuses = authorizeStatuses(page);

    await page.goto(authorizationUrl(notes, { scope: 'read' }));
    await submitSignIn(page, user.username, user.password);
    await expectConsentPage(page, user, ['read']);
    await pressAndReturnToClient(page, 'Allow');
    expect(statuses).toEqual([302, 200, 303]); // to sign-in, the consent page, the Allow answer

    // Same scope, same browser: no page at all, straight to the client with a fresh code.
    statuses.length = 0;
    const state = randomState();
    const pkce = pkcePair();
    await page.goto(authorizationUrl(notes, { scope: 'read', state, pkce }));
    const landed = await waitForUrlPrefix(page, callback.url);
    expect(statuses).toEqual([302]);
    expectTokens(await exchangeCode(notes, expectCode(landed, state), pkce), 'read');
    expect(callback.received).toHaveLength(2);

    // A wider request: the consent page again, listing everything asked for.
    statuses.length = 0;
    await page.goto(authorizationUrl(notes, { scope: 'read write' }));
    await expectConsentPage(page, user, ['read', 'write']);
    expect(callback.received).toHaveLength(2);
    await pressAndReturnToClient(page, 'Allow');

    // Now either scope alone is already allowed.
    statuses.length = 0;
    await page.goto(authorizationUrl(notes, { scope: 'write' }));
    await waitForUrlPrefix(page, callback.url);
    expect(statuses).toEqual([302]);
    expect(callback.received).toHaveLength(4);
  });

  it('a trusted client never shows the consent page', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    const statuses = authorizeStatuses(page);
    const state = randomState();
    const pkce = pkcePair();

    await page.goto(authorizationUrl(trusted, { scope: 'read write', state, pkce }));
    await expectSignInPage(page, 'Gatehouse Console');
    const signedIn = await submitSignIn(page, user.username, user.password);
    expect(signedIn.status()).toBe(303);
    const landed = await waitForUrlPrefix(page, callback.url);
    expect(statuses).toEqual([302, 302]); // to sign-in, then straight to the client
    const code = expectCode(landed, state);
    expectTokens(await exchangeCode(trusted, code, pkce), 'read write');
  });

  it('an unregistered redirect URI shows an error page and the browser stays on Gatehouse, signed in or not', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    const unregistered = [
      `${callback.origin}/not-the-callback`, // same host as the real one, another path
      `${callback.url}?extra=1`,
      'https://attacker.example/callback',
    ];

    async function expectErrorPage(redirectUri: string) {
      const response = await page.goto(authorizationUrl(notes, { scope: 'read', redirectUri }));
      expect(response?.status()).toBe(400);
      expect(response?.request().redirectedFrom()).toBeNull();
      expect(gatehousePath(page)).toBe('/oauth/authorize');
      expect(await page.title()).toBe('This sign-in link does not work · Gatehouse');
      expect(await heading(page)).toBe('This sign-in link does not work');
      expect(await page.locator('.lead').innerText()).toContain('you have not been sent back to it');
      expect(await page.locator('.detail').innerText()).toBe(
        'redirect_uri does not match any URI registered for this client',
      );
      expect(await page.getByRole('button').count()).toBe(0);
      expect(callback.received).toEqual([]);
    }

    for (const redirectUri of unregistered) await expectErrorPage(redirectUri);

    // Signed in (so a valid request would go straight on), the answer is the same.
    await page.goto(`${server.url}/login`);
    await submitSignIn(page, user.username, user.password);
    await page.getByRole('heading', { name: 'You are signed in' }).waitFor();
    for (const redirectUri of unregistered) await expectErrorPage(redirectUri);

    // An unknown client_id: the same page, not a redirect.
    const response = await page.goto(
      `${server.url}/oauth/authorize?response_type=code&client_id=no-such-client&redirect_uri=${encodeURIComponent(callback.url)}`,
    );
    expect(response?.status()).toBe(400);
    expect(await heading(page)).toBe('This sign-in link does not work');
    expect(gatehousePath(page)).toBe('/oauth/authorize');
    expect(callback.received).toEqual([]);
  });

  it('after signing out at /logout, authorizing again asks for the password (the consent is kept)', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    await page.goto(authorizationUrl(notes, { scope: 'read' }));
    await submitSignIn(page, user.username, user.password);
    await expectConsentPage(page, user, ['read']);
    await pressAndReturnToClient(page, 'Allow');

    await page.goto(`${server.url}/logout`);
    expect(await heading(page)).toBe('Sign out?');
    expect((await page.locator('.lead').innerText()).trim()).toBe(`You are signed in as ${user.username}.`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    expect(gatehousePath(page)).toBe('/logout');

    // Signed out: the app's next request goes through the sign-in page again.
    const state = randomState();
    const pkce = pkcePair();
    await page.goto(authorizationUrl(notes, { scope: 'read', state, pkce }));
    await expectSignInPage(page, 'Acme Notes');
    expect(callback.received).toHaveLength(1);

    // Signing in again: consent was remembered, so straight to the client.
    await submitSignIn(page, user.username, user.password);
    const landed = await waitForUrlPrefix(page, callback.url);
    expectTokens(await exchangeCode(notes, expectCode(landed, state), pkce), 'read');
  });

  it('"Not you?" on the consent page signs out and back in as someone else, for the same authorization', async () => {
    const first = await newUser();
    const second = await newUser();
    const page = await chromium.newPage();
    const state = randomState();
    const pkce = pkcePair();
    await page.goto(authorizationUrl(notes, { scope: 'read', state, pkce }));
    await submitSignIn(page, first.username, first.password);
    await expectConsentPage(page, first, ['read']);

    await page.getByRole('link', { name: 'Not you?' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectSignInPage(page, 'Acme Notes');
    await submitSignIn(page, second.username, second.password);
    await expectConsentPage(page, second, ['read']);
    const code = expectCode(await pressAndReturnToClient(page, 'Allow'), state);
    expectTokens(await exchangeCode(notes, code, pkce), 'read');
    expect(callback.received).toHaveLength(1);
  });

  it('the whole flow works with JavaScript disabled', async () => {
    const user = await newUser();
    const page = await chromium.newPage({ javaScriptEnabled: false });
    const state = randomState();
    const pkce = pkcePair();

    await page.goto(authorizationUrl(notes, { scope: 'read write', state, pkce }));
    await expectSignInPage(page, 'Acme Notes');
    expect((await submitSignIn(page, user.username, 'wrong')).status()).toBe(400);
    await page.getByRole('alert').waitFor();
    expect((await submitSignIn(page, user.username, user.password)).status()).toBe(303);
    await expectConsentPage(page, user, ['read', 'write']);
    const code = expectCode(await pressAndReturnToClient(page, 'Allow'), state);
    expectTokens(await exchangeCode(notes, code, pkce), 'read write');

    // Sign-out and Deny are plain forms too: sign out, then another user denies.
    await page.goto(`${server.url}/logout`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();

    const other = await newUser();
    const denyState = randomState();
    await page.goto(authorizationUrl(notes, { scope: 'read', state: denyState }));
    await expectSignInPage(page, 'Acme Notes');
    await submitSignIn(page, other.username, other.password);
    await expectConsentPage(page, other, ['read']);
    const denied = await pressAndReturnToClient(page, 'Deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe(denyState);
  });

  it('on a 390×844 phone the sign-in form and both consent buttons fit, with no horizontal scrolling', async () => {
    const user = await newUser();
    const page = await chromium.newPage({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });

    /** Fully inside the phone's first screen: nothing cut off, nothing to scroll sideways for. */
    async function expectOnScreen(name: string, locator: ReturnType<Page['getByRole']>) {
      expect(await locator.isVisible(), `${name} visible`).toBe(true);
      const box = await locator.boundingBox();
      expect(box, `${name} has a box`).not.toBeNull();
      expect(box!.width, `${name} width`).toBeGreaterThan(0);
      expect(box!.x, `${name} left edge`).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, `${name} right edge`).toBeLessThanOrEqual(PHONE.width);
      expect(box!.y, `${name} top edge`).toBeGreaterThanOrEqual(0);
      expect(box!.y + box!.height, `${name} bottom edge`).toBeLessThanOrEqual(PHONE.height);
    }
    async function expectNoHorizontalScroll() {
      const widths = await page.evaluate(() => ({
        document: document.documentElement.scrollWidth,
        body: document.body.scrollWidth,
        viewport: window.innerWidth,
      }));
      expect(widths.viewport).toBe(PHONE.width);
      expect(widths.document).toBeLessThanOrEqual(PHONE.width);
      expect(widths.body).toBeLessThanOrEqual(PHONE.width);
    }

    const state = randomState();
    await page.goto(authorizationUrl(notes, { scope: 'read write', state }));
    await expectSignInPage(page, 'Acme Notes');
    await expectNoHorizontalScroll();
    await expectOnScreen('Username field', page.getByRole('textbox', { name: 'Username' }));
    await expectOnScreen('Password field', page.getByLabel('Password'));
    await expectOnScreen('Sign in button', page.getByRole('button', { name: 'Sign in' }));

    // The error state is still usable.
    await submitSignIn(page, user.username, 'wrong');
    await page.getByRole('alert').waitFor();
    await expectNoHorizontalScroll();
    await expectOnScreen('error message', page.getByRole('alert'));
    await expectOnScreen('Sign in button after an error', page.getByRole('button', { name: 'Sign in' }));

    await submitSignIn(page, user.username, user.password);
    await expectConsentPage(page, user, ['read', 'write']);
    await expectNoHorizontalScroll();
    await expectOnScreen('Deny button', page.getByRole('button', { name: 'Deny' }));
    await expectOnScreen('Allow button', page.getByRole('button', { name: 'Allow' }));

    await page.getByRole('button', { name: 'Allow' }).tap();
    expectCode(await waitForUrlPrefix(page, callback.url), state);
  });

  it('on a phone, a 64-character username and a long unbroken app name wrap instead of widening the page', async () => {
    const username = `a${'b'.repeat(62)}c`;
    await server.createUser(username, `${username.slice(0, 20)}@example.com`, PASSWORD);
    const longName = `Acme${'Notes'.repeat(12)}Enterprise`;
    const app = (await server.createClient(['--name', longName, '--redirect-uri', callback.url])) as Confidential;
    const page = await chromium.newPage({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const pageWidth = () => page.evaluate(() => document.documentElement.scrollWidth);

    await page.goto(authorizationUrl(app, { scope: 'read' }));
    expect(gatehousePath(page)).toBe('/login');
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await submitSignIn(page, username, PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    const notYou = await page.getByRole('link', { name: 'Not you?' }).boundingBox();
    expect(notYou).not.toBeNull();
    expect(notYou!.x + notYou!.width).toBeLessThanOrEqual(PHONE.width);
    // Reachable, not covered by anything: the tap lands on the link.
    await page.getByRole('link', { name: 'Not you?' }).tap();
    await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
  });
});
