/**
 * examples/spa in real Chromium: the single-page app served from one origin (http://localhost:A)
 * signs in against Gatehouse on another (http://127.0.0.1:B) with the code flow, PKCE and state
 * (oauth4webapi in the page), redeems the code at the token endpoint and calls userinfo by fetch
 * (CORS), and shows who signed in and the token's scope. A page on an origin no client registered,
 * or on another client's origin, cannot read the token endpoint's answers.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCallbackServer, submitSignIn, useBrowser, type CallbackServer } from '../helpers/browser.js';
import { describeEachEngine } from '../helpers/databases.js';
import { freePort } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SERVE = pathToFileURL(resolve(ROOT, 'examples/spa/serve.mjs')).href;
const PASSWORD = 'correct horse battery staple';

interface SpaServer {
  origin: string;
  close(): Promise<void>;
}
interface SpaModule {
  startSpaServer(options: { issuer: string; clientId: string; scope?: string; port?: number }): Promise<SpaServer>;
}

describeEachEngine('examples/spa in Chromium', (factory) => {
  const chromium = useBrowser();
  let fx: TestServer;
  let spaServer: SpaServer;
  let elsewhere: CallbackServer;
  let spa: CreatedClient;
  let other: CreatedClient;

  beforeAll(async () => {
    fx = await startTestServer({ engine: factory.engine });
    const port = await freePort();
    spa = await fx.createClient([
      '--name',
      'Single-page app',
      '--public',
      '--redirect-uri',
      `http://localhost:${port}/`,
      '--scope',
      'openid profile email',
    ]);
    other = await fx.createClient(['--name', 'Another app', '--public', '--redirect-uri', 'https://another.example/']);
    const { startSpaServer } = (await import(SERVE)) as SpaModule;
    spaServer = await startSpaServer({ issuer: fx.url, clientId: spa.client_id, port });
    elsewhere = await startCallbackServer();
    await fx.createUser('alice', 'alice@example.com', PASSWORD);
  });

  afterAll(async () => {
    await spaServer?.close();
    await elsewhere?.close();
    await fx?.close();
  });

  it('signs in with the code flow and PKCE, redeems the code and calls userinfo from the page, and shows the user and scope', async () => {
    expect(new URL(spaServer.origin).host).not.toBe(new URL(fx.url).host);
    const page = await chromium.newPage();
    const seen: Promise<{ method: string; path: string; origin: string | undefined }>[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === fx.url && ['/oauth/token', '/oauth/userinfo'].includes(url.pathname))
        seen.push(
          request
            .allHeaders()
            .then((headers) => ({ method: request.method(), path: url.pathname, origin: headers.origin })),
        );
    });
    await page.goto(`${spaServer.origin}/`);
    await page.getByRole('button', { name: 'Sign in with Gatehouse' }).click();
    await page.waitForURL((url) => url.origin === fx.url);
    await submitSignIn(page, 'alice', PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.origin === spaServer.origin);

    // The page ends signed in, or showing why not.
    await page.waitForSelector('#result:not([hidden]), #error:not([hidden])');
    expect(await page.locator('#error').textContent()).toBe('');
    expect(await page.locator('#status').textContent()).toBe('Signed in.');
    const alice = await fx.store.findUserByLogin('alice');
    expect(await page.locator('#sub').textContent()).toBe(alice!.id);
    expect(await page.locator('#username').textContent()).toBe('alice');
    expect(await page.locator('#email').textContent()).toBe('alice@example.com');
    expect((await page.locator('#scope').textContent())?.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
    // The code left the address bar once redeemed.
    expect(page.url()).toBe(`${spaServer.origin}/`);
    // The page itself called both endpoints, across origins.
    const crossOrigin = await Promise.all(seen);
    expect(crossOrigin).toContainEqual({ method: 'POST', path: '/oauth/token', origin: spaServer.origin });
    expect(crossOrigin.filter((r) => r.path === '/oauth/userinfo' && r.method !== 'OPTIONS')).toHaveLength(1);
    expect(crossOrigin.find((r) => r.path === '/oauth/userinfo')?.origin).toBe(spaServer.origin);
  });

  /** What a page on `pageOrigin` gets from a token request naming `clientId`: the status it read, or the fetch error. */
  async function tokenRequestFrom(pageOrigin: string, clientId: string): Promise<string> {
    const page = await chromium.newPage();
    await page.goto(`${pageOrigin}/`);
    return page.evaluate(
      async ({ endpoint, clientId }) => {
        try {
          const response = await fetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'authorization_code',
              code: 'not-a-code',
              code_verifier: 'v'.repeat(43),
              redirect_uri: `${location.origin}/`,
              client_id: clientId,
            }).toString(),
          });
          return `read ${response.status} ${(await response.json()).error}`;
        } catch (error) {
          return `blocked: ${(error as Error).name}`;
        }
      },
      { endpoint: `${fx.url}/oauth/token`, clientId },
    );
  }

  it("the app's own page reads the token endpoint's errors; a page on an unregistered origin, or naming another client, reads nothing", async () => {
    expect(await tokenRequestFrom(spaServer.origin, spa.client_id)).toBe('read 400 invalid_grant');
    // 127.0.0.1:C: no client registered this origin.
    expect(await tokenRequestFrom(elsewhere.origin, spa.client_id)).toBe('blocked: TypeError');
    // The app's origin, but naming a client that did not register it.
    expect(await tokenRequestFrom(spaServer.origin, other.client_id)).toBe('blocked: TypeError');
  });
});
