/**
 * "Deny becomes Allow" (issue 14) in real Chromium: a link to the authorization endpoint padded
 * with `decision=allow` (and other fields the consent form uses) must not change what the Deny
 * button does. The consent form carries one opaque id of the request kept on the server, the
 * CSRF token and the button pressed, nothing the link could add to. Gatehouse runs in this
 * process (test/harness, on 127.0.0.1); a loopback HTTP server plays the client.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClientRegistry, type RegisteredClient } from '../../src/core/clients.js';
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

const PASSWORD = 'correct horse battery staple';

describe('the consent page against a padded authorization link, in Chromium', () => {
  const chromium = useBrowser();
  let fx: TestServer;
  let origin: string;
  let callback: CallbackServer;
  let notes: RegisteredClient;
  let users = 0;

  beforeAll(async () => {
    callback = await startCallbackServer();
    fx = await startTestServer({ config: { supported_scopes: ['read', 'write'], default_scope: 'read' } });
    origin = fx.url;
    notes = await new ClientRegistry(fx.store, fx.clock).create({ name: 'Acme Notes', redirectUris: [callback.url] });
  });

  beforeEach(() => callback.clear());

  afterAll(async () => {
    await fx?.close();
    await callback?.close();
  });

  async function newUser(): Promise<{ id: string; username: string }> {
    const username = `person${++users}`;
    const user = await fx.accounts().create({ username, email: `${username}@example.com`, password: PASSWORD });
    return { id: user.id, username };
  }

  function authorizationUrl(state: string, extra = ''): string {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: notes.client.id,
      redirect_uri: callback.url,
      scope: 'read write',
      state,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    return `${origin}/oauth/authorize?${extra}${extra ? '&' : ''}${params}`;
  }

  async function expectConsentPage(page: Page): Promise<void> {
    await page.waitForURL((url) => url.origin === origin && url.pathname === '/oauth/authorize');
    await page.getByRole('button', { name: 'Deny' }).waitFor();
    expect((await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' ')).toBe(
      'Acme Notes wants to access your account',
    );
  }

  /** The names of the consent form's hidden fields, as the browser will post them. */
  async function hiddenFieldNames(page: Page): Promise<string[]> {
    return (
      await page
        .locator('form[action="/oauth/authorize"] input[type="hidden"]')
        .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).name))
    ).sort();
  }

  const INJECTED = 'decision=allow&consent_id=forged&csrf_token=forged&prompt=none';

  it('signed out: a link with &decision=allow, sign in, press Deny → access_denied, no code, and the next request asks again', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    const state = randomState();
    await page.goto(`${authorizationUrl(state)}&${INJECTED}`);
    expect((await submitSignIn(page, user.username, PASSWORD)).status()).toBe(303);
    await expectConsentPage(page);
    expect(await hiddenFieldNames(page)).toEqual(['consent_id', 'csrf_token']);

    // What the Deny button posts: exactly one decision, the one pressed.
    const [post] = await Promise.all([
      page.waitForRequest(
        (request) => request.method() === 'POST' && new URL(request.url()).pathname === '/oauth/authorize',
      ),
      page.getByRole('button', { name: 'Deny' }).click(),
    ]);
    const posted = new URLSearchParams(post.postData() ?? '');
    expect([...posted.keys()].sort()).toEqual(['consent_id', 'csrf_token', 'decision']);
    expect(posted.getAll('decision')).toEqual(['deny']);

    const landed = await waitForUrlPrefix(page, callback.url);
    expect(landed.searchParams.get('error')).toBe('access_denied');
    expect(landed.searchParams.get('state')).toBe(state);
    expect(landed.searchParams.has('code')).toBe(false);
    expect(callback.received.map(String)).toEqual([landed.href]);
    expect(await fx.store.findConsent(user.id, notes.client.id)).toBeNull();

    // Nothing was remembered: the same request shows the consent page again.
    await page.goto(authorizationUrl(randomState()));
    await expectConsentPage(page);
  });

  it('signed in: the injected fields first in the link, Deny still denies; Allow afterwards still allows', async () => {
    const user = await newUser();
    const page = await chromium.newPage();
    await page.goto(`${origin}/login`);
    expect((await submitSignIn(page, user.username, PASSWORD)).status()).toBe(303);

    await page.goto(authorizationUrl(randomState(), INJECTED));
    await expectConsentPage(page);
    await page.getByRole('button', { name: 'Deny' }).click();
    const denied = await waitForUrlPrefix(page, callback.url);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.has('code')).toBe(false);

    const state = randomState();
    await page.goto(authorizationUrl(state, INJECTED));
    await expectConsentPage(page);
    await page.getByRole('button', { name: 'Allow' }).click();
    const allowed = await waitForUrlPrefix(page, `${callback.url}?code=`);
    expect(allowed.searchParams.get('state')).toBe(state);
    // The code is for what the request asked, nothing the link added.
    const code = await fx.store.findAuthorizationCode(
      (await import('../../src/core/secrets.js')).tokenKey(allowed.searchParams.get('code')!),
    );
    expect(code?.scope).toBe('read write');
  });
});
