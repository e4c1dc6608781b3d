/**
 * examples/express-oidc-app as its README runs it: the Express app (express-openid-connect) in a
 * child process, Gatehouse in the test's process (test/harness), headless Chromium as the user:
 * visit the app, sign in at Gatehouse, land back signed in (the page shows the e-mail address),
 * sign out (RP-initiated logout, confirmed at Gatehouse), and be signed out at both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitSignIn, useBrowser } from '../helpers/browser.js';
import { freePort } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = resolve(ROOT, 'examples/express-oidc-app/server.mjs');
const PASSWORD = 'correct horse battery staple';

/** Starts the example; resolves once it says it listens. */
function startExample(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [EXAMPLE], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((ready, fail) => {
    const onData = (chunk: string) => {
      output += chunk;
      if (output.includes('express-oidc-app listening on')) ready({ child, output: () => output });
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => fail(new Error(`the example exited (${code}) before listening:\n${output}`)));
  });
}

describe('examples/express-oidc-app [sqlite]', () => {
  const chromium = useBrowser();
  let server: TestServer;
  let app: CreatedClient & { client_secret: string };
  let example: { child: ChildProcess; output: () => string };
  let appUrl: string;

  beforeAll(async () => {
    server = await startTestServer();
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    // The README's commands, with this run's addresses.
    await server.createUser('alice', 'alice@example.com', PASSWORD, ['--name', 'Alice Liddell']);
    app = (await server.createClient([
      '--name',
      'Express app',
      '--trusted',
      '--id-token-claims',
      '--redirect-uri',
      `${appUrl}/callback`,
      '--post-logout-redirect-uri',
      appUrl,
      '--scope',
      'openid profile email',
    ])) as CreatedClient & { client_secret: string };
    example = await startExample({
      GATEHOUSE_URL: server.url,
      CLIENT_ID: app.client_id,
      CLIENT_SECRET: app.client_secret,
      PORT: String(port),
      BASE_URL: appUrl,
    });
  });

  afterAll(async () => {
    example?.child.kill('SIGTERM');
    await server?.close();
  });

  it('signs in at Gatehouse, shows the e-mail address, and signs out of both', async () => {
    const page = await chromium.newPage();
    await page.goto(appUrl);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Not signed in');

    await page.getByRole('link', { name: 'Sign in with Gatehouse' }).click();
    await page.waitForURL((url) => url.origin === server.url && url.pathname === '/login');
    await submitSignIn(page, 'alice', PASSWORD);
    // A trusted (first-party) app: no consent page; straight back to the app, signed in.
    await page.waitForURL((url) => url.origin === appUrl && url.pathname === '/');
    expect(await page.locator('#email').innerText(), example.output()).toBe('alice@example.com');

    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.origin === server.url && url.pathname === '/oauth/logout');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.origin === appUrl);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Not signed in');

    // Signed out at Gatehouse as well: its sign-in page asks for the password again.
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Password').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in');
  });
});
