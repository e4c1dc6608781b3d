/**
 * The device flow (RFC 8628) as a person meets it: headless Chromium opens the device's
 * verification_uri_complete, signs in, reads the consent page and presses Approve or Deny, while
 * the test plays the device polling the token endpoint over HTTP (SQLite, in-process server).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitSignIn, useBrowser } from '../helpers/browser.js';
import { DEVICE_CODE_GRANT, pollToken, startDeviceAuthorization } from '../helpers/device-flow.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';

describe('device flow in Chromium [sqlite]', () => {
  const chromium = useBrowser();
  let server: TestServer;
  let tv: CreatedClient;
  let users = 0;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        GATEHOUSE_SUPPORTED_SCOPES: 'read write',
        GATEHOUSE_SCOPE_DESCRIPTIONS: JSON.stringify({ read: 'Read your files' }),
      },
    });
    tv = await server.createClient([
      '--public',
      '--name',
      'Living Room TV',
      '--grant-type',
      DEVICE_CODE_GRANT,
      '--grant-type',
      'refresh_token',
    ]);
  });

  afterAll(async () => {
    await server?.close();
  });

  async function newUser() {
    const username = `watcher${++users}`;
    await server.createUser(username, `${username}@example.com`, PASSWORD);
    return username;
  }

  const heading = async (page: Page) =>
    (await page.getByRole('heading', { level: 1 }).innerText()).replace(/\s+/g, ' ').trim();

  /** Opens verification_uri_complete, presses Continue, signs in: the consent page is shown. */
  async function reachConsent(page: Page, verificationUriComplete: string, userCode: string, username: string) {
    await page.goto(verificationUriComplete);
    expect(await page.getByLabel('Code').inputValue()).toBe(userCode);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect((await page.locator('.lead').innerText()).trim()).toBe('to continue to Living Room TV');
    await submitSignIn(page, username, PASSWORD);
    await page.getByRole('button', { name: 'Approve' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/device');
    // The browser carries only an opaque reference, never the code.
    expect(page.url()).not.toContain(userCode.replace('-', ''));
    expect(page.url()).not.toContain(userCode);
  }

  it('approve: the consent page names the client and the device, then "return to your device"; the poll gets tokens', async () => {
    const username = await newUser();
    const device = await startDeviceAuthorization(server.url, tv.client_id, 'read');
    expect((await pollToken(server.url, tv.client_id, device.device_code)).json.error).toBe('authorization_pending');
    const page = await chromium.newPage();
    await reachConsent(page, device.verification_uri_complete, device.user_code, username);
    expect(await heading(page)).toBe('Living Room TV wants to access your account');
    expect(await page.locator('.lead').innerText()).toMatch(/A device is asking for access to your account/);
    expect(
      (await page.locator('ul.scopes > li').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim()),
    ).toEqual(['Read your files read']);
    expect(await page.getByRole('button', { name: 'Deny' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('You can return to your device').waitFor();
    expect(await heading(page)).toBe('Device connected');

    server.clock.advance(device.interval);
    const tokens = await pollToken(server.url, tv.client_id, device.device_code);
    expect(tokens.status, tokens.text).toBe(200);
    expect(tokens.json).toMatchObject({ token_type: 'Bearer', scope: 'read' });
    expect(typeof tokens.json.refresh_token).toBe('string');
  });

  it('deny: the denial page, and the poll gets access_denied', async () => {
    const username = await newUser();
    const device = await startDeviceAuthorization(server.url, tv.client_id);
    const page = await chromium.newPage();
    await reachConsent(page, device.verification_uri_complete, device.user_code, username);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Access denied' }).waitFor();
    const poll = await pollToken(server.url, tv.client_id, device.device_code);
    expect(poll.status).toBe(400);
    expect(poll.json.error).toBe('access_denied');
  });

  it('a wrong code shows the error on the page, and the field can be typed again', async () => {
    const page = await chromium.newPage();
    await page.goto(`${server.url}/device`);
    expect(await heading(page)).toBe('Connect a device');
    await page.getByLabel('Code').fill('bbbb-bbbb');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toBe(
      'That code is invalid or has expired. Check the code on your device and try again.',
    );
    expect(await page.getByLabel('Code').isEditable()).toBe(true);
  });
});
