/**
 * The OpenID Connect code flow from a relying party's side, for the token-side tests: a browser
 * signs in with the form, the authorization request gets its code (consent answered when shown),
 * the code is redeemed, and ID tokens are verified with jose against the published JWKS.
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import type { ClientOidcSettings } from '../../src/core/ports.js';
import type { CreatedClient, TestServer } from '../harness/index.js';
import { fetchJwks } from '../harness/jwks.js';
import { authorizePath, HttpBrowser, pkcePair } from './browser-http.js';
import { type HttpResult, tokenRequest } from './server.js';

export const OIDC_PASSWORD = 'correct horse battery staple';

export type ConfidentialClient = CreatedClient & { client_secret: string };

/**
 * A confidential client registered with the CLI flags, then given its scopes (the OpenID ones
 * included) and OpenID Connect settings in the store.
 */
export async function oidcClient(
  fx: TestServer,
  flags: string[],
  scopes: string,
  oidc?: ClientOidcSettings,
): Promise<ConfidentialClient> {
  const created = (await fx.createClient(flags)) as ConfidentialClient;
  const record = await fx.store.findClient(created.client_id);
  await fx.store.deleteClient(created.client_id);
  await fx.store.createClient({ ...record!, scopes: scopes.split(' '), ...(oidc ? { oidc } : {}) });
  return created;
}

/** A browser signed in as `username` (the clock's time is its auth_time). */
export async function signedInBrowser(fx: TestServer, username: string): Promise<HttpBrowser> {
  const browser = new HttpBrowser(fx.url);
  await browser.signInOrFail(username, OIDC_PASSWORD);
  return browser;
}

export interface CodeResult {
  code: string;
  verifier: string;
  redirectUri: string;
}

/** An authorization request of `client` in a signed-in browser, through consent, to its code. */
export async function obtainCode(
  browser: HttpBrowser,
  client: CreatedClient,
  params: Record<string, string | undefined>,
): Promise<CodeResult> {
  const { verifier, challenge } = pkcePair();
  const redirectUri = client.redirect_uris[0]!;
  const path = authorizePath({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'oidc-state',
    ...params,
  });
  let res = await browser.get(path);
  if (res.status === 200) res = await browser.answerConsent(res.text, 'allow');
  expect([302, 303], res.text).toContain(res.status);
  const location = new URL(res.location ?? '');
  const code = location.searchParams.get('code');
  expect(code, res.location ?? '').toBeTruthy();
  return { code: code!, verifier, redirectUri };
}

/** The code redeemed by `client` (HTTP Basic). */
export function redeem(fx: TestServer, client: ConfidentialClient, { code, verifier, redirectUri }: CodeResult) {
  return tokenRequest(
    fx.url,
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
    { basic: [client.client_id, client.client_secret] },
  );
}

export function refresh(fx: TestServer, client: ConfidentialClient, refreshToken: string, scope?: string) {
  return tokenRequest(
    fx.url,
    { grant_type: 'refresh_token', refresh_token: refreshToken, ...(scope ? { scope } : {}) },
    { basic: [client.client_id, client.client_secret] },
  );
}

/** A successful token response with an ID token, as JSON. */
export function tokensOf(res: HttpResult): {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  scope: string;
} {
  expect(res.status, res.text).toBe(200);
  return res.json;
}

/**
 * Verifies an ID token as a relying party does (OIDC Core §3.1.3.7): signature against the JWKS
 * published now, the algorithm the client registered, iss, aud, exp, typ JWT.
 */
export async function verifyIdToken(
  fx: TestServer,
  idToken: string,
  clientId: string,
  algorithm = 'RS256',
): Promise<JWTPayload> {
  const keys = createLocalJWKSet({ keys: await fetchJwks(fx) });
  const { payload, protectedHeader } = await jwtVerify(idToken, keys, {
    issuer: fx.url,
    audience: clientId,
    algorithms: [algorithm],
    currentDate: new Date(fx.clock.now() * 1000),
  });
  expect(protectedHeader.typ).toBe('JWT');
  expect(decodeProtectedHeader(idToken).kid).toBeTruthy();
  return payload;
}

/** at_hash computed here, independently of the server (OIDC Core §3.1.3.6). */
export function expectedAtHash(accessToken: string, algorithm: string): string {
  const digest = createHash(algorithm === 'EdDSA' ? 'sha512' : 'sha256')
    .update(accessToken, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** GET /oauth/userinfo with a Bearer token. */
export function userinfoRequest(fx: TestServer, accessToken: string, init: RequestInit = {}) {
  return fetch(`${fx.url}/oauth/userinfo`, {
    ...init,
    headers: { authorization: `Bearer ${accessToken}`, ...(init.headers as Record<string, string>) },
  });
}
