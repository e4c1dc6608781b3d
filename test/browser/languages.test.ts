/**
 * The pages in another language as a person meets them, in headless Chromium: an app asks for
 * French (OpenID ui_locales), the person signs in in French, switches to English with the
 * language switcher (plain links: the pages run no script) and allows the app in English.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pkcePair,
  randomState,
  startCallbackServer,
  useBrowser,
  waitForUrlPrefix,
  type CallbackServer,
} from '../helpers/browser.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';

describe('pages in the language of the user, in Chromium [sqlite]', () => {
  const chromium = useBrowser();
  let server: TestServer;
  let callback: CallbackServer;
  let notes: CreatedClient;

  beforeAll(async () => {
    callback = await startCallbackServer();
    server = await startTestServer();
    [notes] = await Promise.all([
      server.createClient(['--name', 'Acme Notes', '--redirect-uri', callback.url, '--scope', 'openid profile']),
      server.createUser('zoe', 'zoe@example.com', PASSWORD),
    ]);
  });

  afterAll(async () => {
    await server?.close();
    await callback?.close();
  });

  const langOf = (page: Page) => page.locator('html').getAttribute('lang');
  const dirOf = (page: Page) => page.locator('html').getAttribute('dir');
  const heading = async (page: Page) =>
    (await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' ').trim();

  it('signs in in French (ui_locales), switches to English on the consent page, and allows the app', async () => {
    // The browser itself prefers English: the app's ui_locales wins.
    const page = await chromium.newPage({ locale: 'en-US' });
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: notes.client_id,
      redirect_uri: callback.url,
      scope: 'openid profile',
      state: randomState(),
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      ui_locales: 'fr-FR',
    });
    await page.goto(`${server.url}/oauth/authorize?${params}`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await langOf(page)).toBe('fr');
    expect(await dirOf(page)).toBe('ltr');
    expect(await page.title()).toBe('Connexion · Gatehouse');
    expect((await page.locator('.lead').innerText()).trim()).toBe('pour continuer vers Acme Notes');

    await page.getByLabel('Nom d’utilisateur').fill('zoe');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: 'Autoriser' }).waitFor();
    expect(await langOf(page)).toBe('fr');
    expect(await heading(page)).toBe('Acme Notes souhaite accéder à votre compte');
    expect(await page.getByText('Voir votre nom d’utilisateur et votre nom').isVisible()).toBe(true);

    const switcher = page.getByRole('navigation', { name: 'Langue' });
    expect(await switcher.getByText('Français').getAttribute('aria-current')).toBe('true');
    await switcher.getByRole('link', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(await langOf(page)).toBe('en');
    expect(await heading(page)).toBe('Acme Notes wants to access your account');
    expect(await page.getByText('See your username and name').isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Allow' }).click();
    const back = await waitForUrlPrefix(page, callback.url);
    expect(back.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('keeps the language chosen with the switcher across pages, over the browser’s own', async () => {
    const page = await chromium.newPage({ locale: 'en-GB' });
    await page.goto(`${server.url}/login`);
    expect(await langOf(page)).toBe('en');
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Français' }).click();
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await langOf(page)).toBe('fr');
    await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
    expect(await heading(page)).toBe('Réinitialiser votre mot de passe');
    expect(await langOf(page)).toBe('fr');
  });
});
