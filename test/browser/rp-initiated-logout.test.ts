/**
 * RP-Initiated Logout as a person meets it, in headless Chromium: sign in through the consent
 * page of an OpenID client, then the app sends the browser to the end-session endpoint with an
 * id_token_hint (minted by the server's own signer), a registered post_logout_redirect_uri and
 * state; Cancel keeps the session, Sign out ends it and lands back at the app with the state.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/core/secrets.js';
import type { ClientRecord } from '../../src/core/ports.js';
import {
  pkcePair,
  randomState,
  startCallbackServer,
  submitSignIn,
  useBrowser,
  waitForUrlPrefix,
  type CallbackServer,
} from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../harness/index.js';
import { createOidcClient, idTokenFor, LOGOUT_PASSWORD } from '../harness/logout.js';

describe('RP-initiated logout in Chromium [sqlite]', () => {
  const chromium = useBrowser();
  let fx: TestServer;
  let callback: CallbackServer;
  let notes: ClientRecord;
  let bye: string;

  beforeAll(async () => {
    callback = await startCallbackServer();
    bye = `${callback.origin}/signed-out`;
    fx = await startTestServer();
    notes = await createOidcClient(
      fx,
      { postLogoutRedirectUris: [bye] },
      { redirectUris: [callback.url], scopes: ['openid', 'profile'] },
    );
  });

  afterAll(async () => {
    await fx?.close();
    await callback?.close();
  });

  /** Signs a new user in through the consent page of Acme Notes (scope openid): back at the app with a code. */
  async function signInThroughConsent(page: Page): Promise<string> {
    const username = `chromium${randomState()
      .slice(0, 6)
      .replace(/[^A-Za-z0-9]/g, 'x')}`;
    await fx.createUser(username, `${username}@example.com`, LOGOUT_PASSWORD);
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: notes.id,
      redirect_uri: callback.url,
      scope: 'openid',
      state: randomState(),
      nonce: randomState(),
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    await page.goto(`${fx.url}/oauth/authorize?${params}`);
    await submitSignIn(page, username, LOGOUT_PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).click();
    const landed = await waitForUrlPrefix(page, callback.url);
    expect(landed.searchParams.get('code')).toBeTruthy();
    return username;
  }

  /** The browser's session as stored (from its cookie), or null. */
  async function sessionOf(page: Page) {
    const cookie = (await page.context().cookies(fx.url)).find((c) => c.name === 'gatehouse_session');
    return cookie ? fx.store.findSession(hashSecret(cookie.value)) : null;
  }

  async function endSessionUrl(page: Page, state: string): Promise<string> {
    const session = (await sessionOf(page))!;
    const hint = await idTokenFor(fx, notes, session);
    return `${fx.url}/oauth/logout?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: bye, state })}`;
  }

  it('Cancel keeps the session and offers the way back to the app; Sign out ends it and returns with state', async () => {
    const page = await chromium.newPage();
    const username = await signInThroughConsent(page);
    const session = (await sessionOf(page))!;
    // The consent answer recorded the sign-in behind the OpenID grant, tied to this session.
    expect((await fx.store.oidcGrants.listOidcGrantsOfSession(session.sid)).map((g) => g.clientId)).toEqual([notes.id]);

    await page.goto(await endSessionUrl(page, 'first'));
    expect(await page.title()).toBe('Sign out · Gatehouse');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign out of Gatehouse?');
    expect(await page.locator('.lead').innerText()).toContain('Acme Notes asks to sign you out.');
    expect(await page.locator('.account').innerText()).toContain(username);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'You are still signed in' }).waitFor();
    const back = page.getByRole('link', { name: 'Back to Acme Notes' });
    expect(await back.getAttribute('href')).toBe(bye);
    expect(await fx.store.findSession(session.idHash)).not.toBeNull();

    const state = randomState();
    await page.goto(await endSessionUrl(page, state));
    await page.getByRole('button', { name: 'Sign out' }).click();
    const landed = await waitForUrlPrefix(page, bye);
    expect(landed.searchParams.get('state')).toBe(state);
    expect(await fx.store.findSession(session.idHash)).toBeNull();
    // Signed out at Gatehouse too: the next visit asks to sign in.
    await page.goto(`${fx.url}/login`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in');
  });
});
