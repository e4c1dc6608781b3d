/**
 * OpenID Connect as relying parties meet it: two independent client libraries, `openid-client`
 * and `oauth4webapi`, used exactly as their documentation says, against the real app served in
 * the test's process (test/harness) on both engines. Headless Chromium is the user: it signs in
 * and answers the consent page; a loopback HTTP server is the relying party's redirect URI.
 *
 * Nothing here knows Gatehouse's internals: discovery, the authorization URL, the ID token checks
 * (signature, iss, aud, nonce, at_hash, auth_time with max_age), userinfo, refresh and the
 * end-session URL are the libraries' own.
 */
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  startCallbackServer,
  submitSignIn,
  useBrowser,
  waitForUrlPrefix,
  type CallbackServer,
} from '../helpers/browser.js';
import { describeEachEngine } from '../helpers/databases.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';
const SCOPE = 'openid profile email offline_access';

type Confidential = CreatedClient & { client_secret: string };

describeEachEngine('OpenID Connect relying-party libraries in Chromium', (factory) => {
  const chromium = useBrowser();
  let server: TestServer;
  let callback: CallbackServer;
  let app: Confidential;
  let users = 0;

  beforeAll(async () => {
    callback = await startCallbackServer();
    server = await startTestServer({
      engine: factory.engine,
      // offline_access is supported only when listed (OIDC Core §11); openid profile email always are.
      env: { GATEHOUSE_SUPPORTED_SCOPES: 'offline_access' },
    });
    app = (await server.createClient([
      '--name',
      'Relying Party',
      '--redirect-uri',
      callback.url,
      '--post-logout-redirect-uri',
      `${callback.origin}/signed-out`,
      '--grant-type',
      'authorization_code',
      '--grant-type',
      'refresh_token',
      '--scope',
      SCOPE,
    ])) as Confidential;
  });

  beforeEach(() => callback.clear());

  afterAll(async () => {
    await server?.close();
    await callback?.close();
  });

  /** A user of its own per test (consent is remembered per user and client). */
  async function newUser() {
    const username = `reader${++users}`;
    const email = `${username}@example.com`;
    await server.createUser(username, email, PASSWORD);
    return { username, email };
  }

  /** Follows the authorization URL in Chromium: sign in, allow, and return where the browser landed at the app. */
  async function signInAndAllow(page: Page, authorizationUrl: URL, username: string): Promise<URL> {
    await page.goto(authorizationUrl.href);
    await submitSignIn(page, username, PASSWORD);
    // offline_access is granted only on a consent page that names it.
    await page.getByRole('button', { name: 'Allow' }).click();
    return waitForUrlPrefix(page, callback.url);
  }

  it('openid-client: discovery, code + PKCE + nonce + state, a verified ID token, userinfo, refresh, end-session', async () => {
    const user = await newUser();
    const config = await client.discovery(new URL(server.url), app.client_id, app.client_secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    expect(config.serverMetadata().issuer).toBe(server.url);

    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: callback.url,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const page = await chromium.newPage();
    const landed = await signInAndAllow(page, authorizationUrl, user.username);

    const tokens = await client.authorizationCodeGrant(config, landed, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: server.url, aud: app.client_id, nonce });
    expect(claims.sub).not.toBe(user.username);
    expect(claims.sub).not.toBe(user.email);
    expect(typeof claims.auth_time).toBe('number');
    expect(tokens.refresh_token).toEqual(expect.any(String));

    // Userinfo: the claims of profile and email, for the same subject (the library checks it).
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, email: user.email, preferred_username: user.username });

    // A refresh of an openid grant returns a new ID token for the same user and sign-in.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const again = refreshed.claims()!;
    expect(again.sub).toBe(claims.sub);
    expect(again.auth_time).toBe(claims.auth_time);
    expect(again.nonce).toBeUndefined();

    // RP-initiated logout with the library's end-session URL: confirm, and land back with state.
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: `${callback.origin}/signed-out`,
      state: 'bye',
    });
    await page.goto(endSession.href);
    await page.getByRole('button', { name: 'Sign out' }).click();
    const back = await waitForUrlPrefix(page, `${callback.origin}/signed-out`);
    expect(back.searchParams.get('state')).toBe('bye');
    // Signed out at Gatehouse: the next authorization asks for the password again.
    await page.goto(authorizationUrl.href);
    await page.getByLabel('Password').waitFor();
  });

  it('oauth4webapi: processAuthorizationCodeResponse with expectedNonce, maxAge and requireIdToken; processUserInfoResponse', async () => {
    const user = await newUser();
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }),
    );
    const rp: oauth.Client = { client_id: app.client_id };
    const clientAuth = oauth.ClientSecretBasic(app.client_secret);
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const state = oauth.generateRandomState();
    const authorizationUrl = new URL(as.authorization_endpoint!);
    for (const [name, value] of Object.entries({
      client_id: app.client_id,
      redirect_uri: callback.url,
      response_type: 'code',
      scope: 'openid email',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      max_age: '300',
    }))
      authorizationUrl.searchParams.set(name, value);

    const page = await chromium.newPage();
    await page.goto(authorizationUrl.href);
    await submitSignIn(page, user.username, PASSWORD);
    await page.getByRole('button', { name: 'Allow' }).click();
    const landed = await waitForUrlPrefix(page, callback.url);

    const params = oauth.validateAuthResponse(as, rp, landed, state);
    const response = await oauth.authorizationCodeGrantRequest(as, rp, clientAuth, params, callback.url, verifier, {
      [oauth.allowInsecureRequests]: true,
    });
    const result = await oauth.processAuthorizationCodeResponse(as, rp, response, {
      expectedNonce: nonce,
      maxAge: 300,
      requireIdToken: true,
    });
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    expect(claims).toMatchObject({ iss: server.url, aud: app.client_id, nonce });
    // No offline_access asked: an openid grant without it gets no refresh token (OIDC Core §11).
    expect(result.refresh_token).toBeUndefined();

    const info = await oauth.processUserInfoResponse(
      as,
      rp,
      claims.sub,
      await oauth.userInfoRequest(as, rp, result.access_token, { [oauth.allowInsecureRequests]: true }),
    );
    expect(info).toMatchObject({ sub: claims.sub, email: user.email });
    // Only what the scope released: profile was not asked.
    expect(info).not.toHaveProperty('preferred_username');
  });
});
