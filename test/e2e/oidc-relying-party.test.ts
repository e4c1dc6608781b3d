/**
 * The token side of OpenID Connect as openid-client (v6) checks it: discovery from the issuer
 * URL, the code grant with PKCE, nonce and state (its ID token validation: signature, iss, aud,
 * azp, nonce, at_hash, auth_time), userinfo (its sub checked against the ID token's), and a
 * refresh with a new ID token. The sign-in itself is the form, played by the cookie-keeping client.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpBrowser } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { type ConfidentialClient, OIDC_PASSWORD, oidcClient } from '../helpers/oidc-code-flow.js';
import { startTestServer, type TestServer } from '../harness/index.js';

const CALLBACK = 'https://rp.example/cb';

describeEachEngine('openid-client against the token side (e2e)', (factory) => {
  let fx: TestServer;
  let registered: ConfidentialClient;

  beforeAll(async () => {
    fx = await startTestServer({ engine: factory.engine, env: { GATEHOUSE_SUPPORTED_SCOPES: 'offline_access' } });
    registered = await oidcClient(
      fx,
      [
        '--name',
        'rp',
        '--redirect-uri',
        CALLBACK,
        '--grant-type',
        'authorization_code',
        '--grant-type',
        'refresh_token',
      ],
      'openid profile email offline_access',
      { idTokenSignedResponseAlg: 'ES256' },
    );
    await fx.createUser('alice', 'alice@example.com', OIDC_PASSWORD);
  });

  afterAll(() => fx?.close());

  it('discovery, code grant with PKCE + nonce + state, userinfo and refresh', async () => {
    const config = await client.discovery(
      new URL(fx.url),
      registered.client_id,
      { id_token_signed_response_alg: 'ES256' },
      client.ClientSecretBasic(registered.client_secret),
      { execute: [client.allowInsecureRequests] },
    );
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid email offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    });
    const browser = new HttpBrowser(fx.url);
    await browser.signInOrFail('alice', OIDC_PASSWORD);
    let res = await browser.get(url.href);
    if (res.status === 200) res = await browser.answerConsent(res.text, 'allow');
    expect(res.location?.startsWith(CALLBACK), res.text).toBe(true);

    const tokens = await client.authorizationCodeGrant(config, new URL(res.location!), {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      idTokenExpected: true,
      maxAge: 3600,
    });
    const claims = tokens.claims()!;
    const alice = await fx.store.findUserByLogin('alice');
    expect(claims).toMatchObject({ iss: fx.url, sub: alice!.id, aud: registered.client_id, nonce });
    expect(tokens.refresh_token).toBeTruthy();

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: alice!.id, email: 'alice@example.com', email_verified: false });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: alice!.id, auth_time: claims.auth_time });
    expect(refreshed.claims()).not.toHaveProperty('nonce');
  });
});
