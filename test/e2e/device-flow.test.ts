/**
 * The device authorization grant (RFC 8628) over HTTP on both engines: the device authorization
 * endpoint (§3.1–3.2), the verification page (§3.3) driven by a cookie-keeping HTTP client, and
 * the token endpoint's polling answers (§3.4–3.5). The clock is the harness's manual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertOf, csrfTokenOf, HttpBrowser, hiddenFields } from '../helpers/browser-http.js';
import { tokenKey } from '../../src/core/secrets.js';
import { describeEachEngine } from '../helpers/databases.js';
import {
  answerDevice,
  DEVICE_CODE_GRANT,
  deviceAuthorizationRequest,
  enterUserCode,
  pollToken,
  startDeviceAuthorization,
  USER_CODE,
} from '../helpers/device-flow.js';
import { httpRequest, tokenRequest } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { expectError, expectNoStore, expectTokens, TOKEN_VALUE } from '../harness/token-responses.js';

const PASSWORD = 'correct horse battery staple';
const ENV = {
  GATEHOUSE_SUPPORTED_SCOPES: 'read write admin',
  GATEHOUSE_DEFAULT_SCOPE: 'read',
  GATEHOUSE_SCOPE_DESCRIPTIONS: JSON.stringify({ read: 'Read your files' }),
};

describeEachEngine('device authorization grant (e2e)', (factory) => {
  let server: TestServer;
  /** Public, device_code + refresh_token, scopes read write. */
  let tv: CreatedClient;
  /** Confidential, device_code only. */
  let console_: CreatedClient & { client_secret: string };
  /** Public, not allowed the device grant. */
  let webApp: CreatedClient;
  let users = 0;

  beforeAll(async () => {
    server = await startTestServer({ engine: factory.engine, env: ENV });
    tv = await server.createClient([
      '--public',
      '--name',
      'Living Room TV',
      '--grant-type',
      DEVICE_CODE_GRANT,
      '--grant-type',
      'refresh_token',
      '--scope',
      'read write',
    ]);
    console_ = (await server.createClient(['--name', 'Game Console', '--grant-type', DEVICE_CODE_GRANT])) as never;
    webApp = await server.createClient(['--public', '--redirect-uri', 'https://app.example/cb']);
  });

  afterAll(async () => {
    await server?.close();
  });

  async function newUser() {
    const username = `viewer${++users}`;
    await server.createUser(username, `${username}@example.com`, PASSWORD);
    return { username, password: PASSWORD };
  }

  describe('POST /oauth/device_authorization', () => {
    it('answers a public client with the RFC 8628 §3.2 fields, never cached; the metadata names the endpoint', async () => {
      const res = await deviceAuthorizationRequest(server.url, { client_id: tv.client_id, scope: 'read' });
      expect(res.status, res.text).toBe(200);
      expectNoStore(res);
      expect(Object.keys(res.json).sort()).toEqual([
        'device_code',
        'expires_in',
        'interval',
        'user_code',
        'verification_uri',
        'verification_uri_complete',
      ]);
      expect(res.json.device_code).toMatch(TOKEN_VALUE);
      expect(res.json.user_code).toMatch(USER_CODE);
      expect(res.json.verification_uri).toBe(`${server.config.issuer}/device`);
      expect(res.json.verification_uri_complete).toBe(`${server.config.issuer}/device?user_code=${res.json.user_code}`);
      expect(res.json).toMatchObject({ expires_in: 600, interval: 5 });

      const metadata = await httpRequest(`${server.url}/.well-known/oauth-authorization-server`);
      expect(metadata.json.device_authorization_endpoint).toBe(`${server.config.issuer}/oauth/device_authorization`);
      expect(metadata.json.grant_types_supported).toContain(DEVICE_CODE_GRANT);
    });

    it('authenticates a confidential client like the token endpoint: Basic or client_secret_post, a wrong secret is 401', async () => {
      const basic = await deviceAuthorizationRequest(
        server.url,
        {},
        { basic: [console_.client_id, console_.client_secret] },
      );
      expect(basic.status, basic.text).toBe(200);
      const post = await deviceAuthorizationRequest(server.url, {
        client_id: console_.client_id,
        client_secret: console_.client_secret,
      });
      expect(post.status, post.text).toBe(200);
      expectError(
        await deviceAuthorizationRequest(server.url, { client_id: console_.client_id }),
        401,
        'invalid_client',
      );
      const wrong = await deviceAuthorizationRequest(server.url, {}, { basic: [console_.client_id, 'wrong'] });
      expectError(wrong, 401, 'invalid_client');
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('refuses an unknown client (401), a client not allowed the grant, a bad scope, repeated parameters and GET', async () => {
      expectError(await deviceAuthorizationRequest(server.url, { client_id: 'nobody' }), 401, 'invalid_client');
      expectError(
        await deviceAuthorizationRequest(server.url, { client_id: webApp.client_id }),
        400,
        'unauthorized_client',
      );
      expectError(
        await deviceAuthorizationRequest(server.url, { client_id: tv.client_id, scope: 'admin' }),
        400,
        'invalid_scope',
      );
      expectError(
        await deviceAuthorizationRequest(server.url, [
          ['client_id', tv.client_id],
          ['scope', 'read'],
          ['scope', 'write'],
        ]),
        400,
        'invalid_request',
      );
      // RFC 8707 resources belong on the token request: here they are refused, never silently dropped.
      const withResource = await deviceAuthorizationRequest(server.url, {
        client_id: tv.client_id,
        resource: 'https://api.example.com/',
      });
      expectError(withResource, 400, 'invalid_target');
      expect(withResource.json.error_description).toMatch(/token request/);
      const get = await httpRequest(`${server.url}/oauth/device_authorization?client_id=${tv.client_id}`);
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST');
    });
  });

  describe('polling the token endpoint (RFC 8628 §3.5)', () => {
    it('pending, then slow_down when polled sooner than the interval (which grows by 5 s); waiting the interval is fine again', async () => {
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      expectError(await pollToken(server.url, tv.client_id, device.device_code), 400, 'authorization_pending');
      server.clock.advance(2);
      const slow = await pollToken(server.url, tv.client_id, device.device_code);
      expectError(slow, 400, 'slow_down');
      expect(slow.json.error_description).toMatch(/10 seconds/);
      // The interval is now 10 s: 9 s later is still too soon (and makes it 15 s).
      server.clock.advance(9);
      expectError(await pollToken(server.url, tv.client_id, device.device_code), 400, 'slow_down');
      server.clock.advance(15);
      expectError(await pollToken(server.url, tv.client_id, device.device_code), 400, 'authorization_pending');
      server.clock.advance(15);
      expectError(await pollToken(server.url, tv.client_id, device.device_code), 400, 'authorization_pending');
    });

    it('approved: tokens for the approving user with the scope asked for, a refresh token; the device code works once', async () => {
      const user = await newUser();
      const device = await startDeviceAuthorization(server.url, tv.client_id, 'read write');
      const { consent, answer } = await answerDevice(server.url, device.user_code, user, 'allow');
      expect(consent.text).toContain('Living Room TV');
      expect(consent.text).toMatch(/A device is asking for access/);
      expect(consent.text).toContain('Read your files');
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('You can return to your device');

      const tokens = expectTokens(await pollToken(server.url, tv.client_id, device.device_code), {
        scope: 'read write',
        refresh: true,
      });
      const introspected = await server.gatehouse.store.findAccessToken(tokenKey(tokens.access_token));
      const owner = await server.gatehouse.store.findUserByLogin(user.username);
      expect(introspected?.userId).toBe(owner?.id);
      // Replayed: invalid_grant, never a second set of tokens.
      expectError(await pollToken(server.url, tv.client_id, device.device_code), 400, 'invalid_grant');
      // The refresh token works like any other.
      const refreshed = await tokenRequest(server.url, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: tv.client_id,
      });
      expect(refreshed.status, refreshed.text).toBe(200);
    });

    it('a confidential client without refresh_token gets no refresh token, and must authenticate to poll', async () => {
      const user = await newUser();
      const started = await deviceAuthorizationRequest(
        server.url,
        {},
        { basic: [console_.client_id, console_.client_secret] },
      );
      const device = started.json;
      await answerDevice(server.url, device.user_code, user, 'allow');
      expectError(await pollToken(server.url, console_.client_id, device.device_code), 401, 'invalid_client');
      const res = await tokenRequest(
        server.url,
        { grant_type: DEVICE_CODE_GRANT, device_code: device.device_code },
        { basic: [console_.client_id, console_.client_secret] },
      );
      expectTokens(res, { scope: 'read', refresh: false });
    });

    it('denied: access_denied, and the denial page', async () => {
      const user = await newUser();
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      const { answer } = await answerDevice(server.url, device.user_code, user, 'deny');
      expect(answer.status).toBe(200);
      expect(answer.text).toMatch(/Access denied/);
      expectError(await pollToken(server.url, tv.client_id, device.device_code), 400, 'access_denied');
    });

    it('expired: expired_token once expires_in has passed, and the user code no longer works on the page', async () => {
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      server.clock.advance(600);
      expectError(await pollToken(server.url, tv.client_id, device.device_code), 400, 'expired_token');
      const entered = await enterUserCode(new HttpBrowser(server.url), device.user_code);
      expect(entered.status).toBe(400);
      expect(alertOf(entered.text)).toMatch(/invalid or has expired/);
    });

    it("another client's device code is invalid_grant, and does not spoil it for its own client", async () => {
      const user = await newUser();
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      await answerDevice(server.url, device.user_code, user, 'allow');
      const stolen = await tokenRequest(
        server.url,
        { grant_type: DEVICE_CODE_GRANT, device_code: device.device_code },
        { basic: [console_.client_id, console_.client_secret] },
      );
      expectError(stolen, 400, 'invalid_grant');
      expectError(await pollToken(server.url, tv.client_id, 'x'.repeat(43)), 400, 'invalid_grant');
      expectError(
        await tokenRequest(server.url, { grant_type: DEVICE_CODE_GRANT, client_id: tv.client_id }),
        400,
        'invalid_request',
      );
      expectTokens(await pollToken(server.url, tv.client_id, device.device_code), { scope: 'read', refresh: true });
    });

    it('two concurrent polls of an approved code: exactly one gets tokens, the other invalid_grant', async () => {
      const user = await newUser();
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      await answerDevice(server.url, device.user_code, user, 'allow');
      const answers = await Promise.all([
        pollToken(server.url, tv.client_id, device.device_code),
        pollToken(server.url, tv.client_id, device.device_code),
      ]);
      expect(answers.map((res) => res.status).sort()).toEqual([200, 400]);
      expect(answers.find((res) => res.status === 400)?.json.error).toBe('invalid_grant');
    });
  });

  describe('the verification page', () => {
    it('shows a Code field and a Continue button, pre-filled from verification_uri_complete', async () => {
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      const page = await new HttpBrowser(server.url).get(`/device?user_code=${device.user_code}`);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<label for="user_code">Code<\/label>/);
      expect(page.text).toContain(`value="${device.user_code}"`);
      expect(page.text).toMatch(/<button[^>]*type="submit">Continue<\/button>/);
    });

    it('takes the code in lower case, without the hyphen or with spaces', async () => {
      for (const typed of [(code: string) => code.toLowerCase(), (code: string) => code.replace('-', ' ')]) {
        const device = await startDeviceAuthorization(server.url, tv.client_id);
        const entered = await enterUserCode(new HttpBrowser(server.url), typed(device.user_code));
        expect(entered.status, entered.text).toBe(303);
      }
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      const plain = await enterUserCode(new HttpBrowser(server.url), device.user_code.replace('-', ''));
      expect(plain.status).toBe(303);
    });

    it('a wrong code is an error on the page (400), never a hint of which part was wrong', async () => {
      const entered = await enterUserCode(new HttpBrowser(server.url), 'BBBB-BBBB');
      expect(entered.status).toBe(400);
      expect(entered.headers.get('content-type')).toMatch(/^text\/html/);
      expect(alertOf(entered.text)).toBe(
        'That code is invalid or has expired. Check the code on your device and try again.',
      );
      const malformed = await enterUserCode(new HttpBrowser(server.url), '12');
      expect(alertOf(malformed.text)).toBe(alertOf(entered.text));
    });

    it('a code answered once is invalid afterwards; the consent form cannot be answered twice', async () => {
      const user = await newUser();
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      const { consent, browser } = await answerDevice(server.url, device.user_code, user, 'allow');
      const again = await enterUserCode(new HttpBrowser(server.url), device.user_code);
      expect(again.status).toBe(400);
      expect(alertOf(again.text)).toMatch(/invalid or has expired/);
      const twice = await browser.post('/device/consent', [...hiddenFields(consent.text), ['decision', 'deny']]);
      expect(twice.status).toBe(400);
      expectTokens(await pollToken(server.url, tv.client_id, device.device_code), { scope: 'read', refresh: true });
    });

    it('the pending reference works only in the browser that typed the code', async () => {
      const user = await newUser();
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      const typed = await enterUserCode(new HttpBrowser(server.url), device.user_code);
      const elsewhere = new HttpBrowser(server.url);
      await elsewhere.signInOrFail(user.username, user.password);
      const stolen = await elsewhere.get(typed.location!);
      expect(stolen.status).toBe(400);
      expect(stolen.text).not.toContain('Living Room TV');
    });

    it('refuses a code form without its CSRF token (403) or with the code twice (400), counting nothing', async () => {
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      const browser = new HttpBrowser(server.url);
      const form = await browser.get('/device');
      const forged = await browser.post('/device', [['user_code', device.user_code]]);
      expect(forged.status).toBe(403);
      const twice = await browser.post('/device', [
        ['csrf_token', csrfTokenOf(form.text)],
        ['user_code', 'BBBB-BBBB'],
        ['user_code', device.user_code],
      ]);
      expect(twice.status).toBe(400);
      expect(twice.location).toBeNull();
      expect((await enterUserCode(browser, device.user_code)).status).toBe(303);
    });

    it("a consent form answered from another user's session is refused, and the code stays pending", async () => {
      const [owner, intruder] = [await newUser(), await newUser()];
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      const browser = new HttpBrowser(server.url);
      const entered = await enterUserCode(browser, device.user_code);
      await browser.signInOrFail(owner.username, owner.password, entered.location!);
      const consent = await browser.get(entered.location!);
      const other = new HttpBrowser(server.url);
      await other.signInOrFail(intruder.username, intruder.password);
      const answer = await other.post('/device/consent', [...hiddenFields(consent.text), ['decision', 'allow']]);
      expect(answer.status).toBe(403);
      expectError(await pollToken(server.url, tv.client_id, device.device_code), 400, 'authorization_pending');
    });

    it('logs neither the device code nor the user code (in any form)', async () => {
      const user = await newUser();
      const device = await startDeviceAuthorization(server.url, tv.client_id);
      await pollToken(server.url, tv.client_id, device.device_code);
      await new HttpBrowser(server.url).get(`/device?user_code=${device.user_code}`);
      await answerDevice(server.url, device.user_code.toLowerCase(), user, 'allow');
      const tokens = await pollToken(server.url, tv.client_id, device.device_code);
      expect(tokens.status).toBe(200);
      const logs = server.logs();
      expect(logs).toContain('/oauth/device_authorization');
      for (const secret of [
        device.device_code,
        device.user_code,
        device.user_code.replace('-', ''),
        device.user_code.toLowerCase(),
        tokens.json.access_token,
      ])
        expect(logs).not.toContain(secret);
    });
  });
});
