/**
 * Revocation (RFC 7009), introspection (RFC 7662) and JWT access tokens end to end: clients and
 * users registered as the CLI does, two servers (opaque and JWT) on one database in the test's
 * process (test/harness), and everything checked over HTTP, once per engine. The CLI's side
 * (client create --introspect, the signing keys commands) is in test/cli/token-management-cli.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser, pkcePair } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { basicAuthorization, httpRequest, tokenRequest, type HttpResult } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { fetchJwks, verifyWith } from '../harness/jwks.js';

const KEK = `e2e-kek-${randomBytes(24).toString('base64url')}`;
const SCOPE_ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write', GATEHOUSE_DEFAULT_SCOPE: 'read' };
const JWT_ENV = { ...SCOPE_ENV, GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt', GATEHOUSE_KEY_ENCRYPTION_KEY: KEK };
const PASSWORD = 'correct horse battery staple';
const WEB_CB = 'https://app.example/cb';
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const INACTIVE = { active: false };

type Confidential = CreatedClient & { client_secret: string };

function expectNoStore(res: HttpResult): void {
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('pragma')).toBe('no-cache');
}

/** An RFC 6749 §5.2-shaped error: exact status and code, JSON, never cached. */
function expectError(res: HttpResult, status: number, code: string): void {
  expect({ status: res.status, error: res.json?.error }, res.text).toEqual({ status, error: code });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(typeof res.json.error_description).toBe('string');
  expectNoStore(res);
}

/** A 200 JSON answer that must not be cached. */
function expectOk(res: HttpResult): void {
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expectNoStore(res);
}

/** POST a form to `path` on the server; `basic` authenticates with HTTP Basic. */
function formPost(
  server: TestServer,
  path: string,
  params: Record<string, string>,
  { basic, headers = {} }: { basic?: [string, string]; headers?: Record<string, string> } = {},
) {
  return httpRequest(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: basicAuthorization(basic[0], basic[1]) } : {}),
      ...headers,
    },
    body: new URLSearchParams(params).toString(),
  });
}

/** client_secret_post, or client_id alone for a public client. */
const post = (client: CreatedClient): Record<string, string> =>
  client.client_secret === null
    ? { client_id: client.client_id }
    : { client_id: client.client_id, client_secret: client.client_secret };

describeEachEngine('token revocation, introspection and JWT access tokens (e2e)', (factory) => {
  /** Opaque access tokens. */
  let server: TestServer;
  /** access_token_format: jwt, on the same database. */
  let jwtServer: TestServer;
  const clients = {} as Record<'app' | 'rival' | 'api' | 'web', Confidential> & { spa: CreatedClient };

  beforeAll(async () => {
    server = await startTestServer({ engine: factory.engine, env: SCOPE_ENV });
    const pw = ['--grant-type', 'password', '--grant-type', 'refresh_token'];
    const [app, rival, spa, api, web] = await Promise.all([
      server.createClient(['--name', 'app', ...pw, '--grant-type', 'client_credentials']),
      server.createClient(['--name', 'rival', ...pw, '--grant-type', 'client_credentials']),
      server.createClient(['--name', 'spa', '--public', ...pw]),
      server.createClient(['--name', 'api', '--introspect', '--grant-type', 'client_credentials']),
      server.createClient(['--name', 'web', '--redirect-uri', WEB_CB]),
      server.createUser('alice', 'alice@example.com', PASSWORD),
      server.createUser('dora', 'dora@example.com', PASSWORD),
    ]);
    Object.assign(clients, { app, rival, spa, api, web });
    jwtServer = await startTestServer({ database: server.database, env: JWT_ENV });
  });

  // The JWT server closes before the owner of the database removes it.
  afterAll(async () => {
    await jwtServer?.close();
    await server?.close();
  });

  const login = (target: TestServer, client: CreatedClient = clients.app, username = 'alice') =>
    tokenRequest(target.url, {
      grant_type: 'password',
      username,
      password: PASSWORD,
      scope: 'read write',
      ...post(client),
    });
  const tokensOf = (res: HttpResult) => {
    expect(res.status, res.text).toBe(200);
    return res.json as { access_token: string; refresh_token?: string; scope: string; expires_in: number };
  };
  const refresh = (target: TestServer, refreshToken: string, client: CreatedClient = clients.app) =>
    tokenRequest(target.url, { grant_type: 'refresh_token', refresh_token: refreshToken, ...post(client) });
  const revoke = (target: TestServer, params: Record<string, string>, client: CreatedClient = clients.app) =>
    formPost(target, '/oauth/revoke', { ...params, ...post(client) });
  const introspect = (target: TestServer, params: Record<string, string>, client: CreatedClient = clients.app) =>
    formPost(target, '/oauth/introspect', { ...params, ...post(client) });
  const isActive = async (target: TestServer, token: string) => {
    const res = await introspect(target, { token }, clients.api);
    expectOk(res);
    return res.json.active as boolean;
  };

  describe('POST /oauth/revoke', () => {
    it('revokes an access token (HTTP Basic): 200, JSON, no-store; it then reads inactive while its refresh token still works', async () => {
      const tokens = tokensOf(await login(server));
      const res = await formPost(
        server,
        '/oauth/revoke',
        { token: tokens.access_token },
        { basic: [clients.app.client_id, clients.app.client_secret] },
      );
      expectOk(res);
      expect(await isActive(server, tokens.access_token)).toBe(false);
      expect(await isActive(server, tokens.refresh_token!)).toBe(true);
      const renewed = tokensOf(await refresh(server, tokens.refresh_token!));
      expect(await isActive(server, renewed.access_token)).toBe(true);
    });

    it("revokes a refresh token (client_secret_post): the grant's access token reads inactive and the refresh token is refused", async () => {
      const tokens = tokensOf(await login(server));
      expectOk(await revoke(server, { token: tokens.refresh_token!, token_type_hint: 'refresh_token' }));
      expect(await isActive(server, tokens.access_token)).toBe(false);
      expectError(await refresh(server, tokens.refresh_token!), 400, 'invalid_grant');
    });

    it('a wrong or unknown token_type_hint still revokes', async () => {
      const a = tokensOf(await login(server));
      expectOk(await revoke(server, { token: a.access_token, token_type_hint: 'refresh_token' }));
      expect(await isActive(server, a.access_token)).toBe(false);
      const b = tokensOf(await login(server));
      expectOk(await revoke(server, { token: b.refresh_token!, token_type_hint: 'something_else' }));
      expect(await isActive(server, b.refresh_token!)).toBe(false);
    });

    it("answers 200 for an unknown token and for another client's token, which stays usable", async () => {
      expectOk(await revoke(server, { token: randomBytes(32).toString('base64url') }));
      const tokens = tokensOf(await login(server, clients.app));
      for (const client of [clients.rival, clients.spa, clients.api]) {
        expectOk(await revoke(server, { token: tokens.access_token }, client));
        expectOk(await revoke(server, { token: tokens.refresh_token! }, client));
      }
      expect(await isActive(server, tokens.access_token)).toBe(true);
      tokensOf(await refresh(server, tokens.refresh_token!));
    });

    it('a public client revokes its own token with its client_id alone', async () => {
      const tokens = tokensOf(await login(server, clients.spa));
      expectOk(await revoke(server, { token: tokens.refresh_token! }, clients.spa));
      expectError(await refresh(server, tokens.refresh_token!, clients.spa), 400, 'invalid_grant');
    });

    it('a missing token is 400 invalid_request; failed client authentication is 401 invalid_client', async () => {
      const tokens = tokensOf(await login(server));
      expectError(await revoke(server, {}), 400, 'invalid_request');
      expectError(await revoke(server, { token: '' }), 400, 'invalid_request');

      const viaBasic = await formPost(
        server,
        '/oauth/revoke',
        { token: tokens.access_token },
        { basic: [clients.app.client_id, `${clients.app.client_secret}x`] },
      );
      expectError(viaBasic, 401, 'invalid_client');
      expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic\b/);
      const viaPost = await formPost(server, '/oauth/revoke', {
        token: tokens.access_token,
        client_id: clients.app.client_id,
        client_secret: clients.rival.client_secret,
      });
      expectError(viaPost, 401, 'invalid_client');
      expect(viaPost.headers.get('www-authenticate')).toBeNull();
      expectError(await formPost(server, '/oauth/revoke', { token: tokens.access_token }), 401, 'invalid_client');
      // Nothing was revoked by the refused requests.
      expect(await isActive(server, tokens.access_token)).toBe(true);
    });
  });

  describe('POST /oauth/introspect', () => {
    it('describes an active token with exactly the RFC 7662 members (Basic and post), never cached', async () => {
      const tokens = tokensOf(await login(server));
      const viaPost = await introspect(server, { token: tokens.access_token });
      expectOk(viaPost);
      const body = viaPost.json;
      expect(Object.keys(body).sort()).toEqual([
        'active',
        'aud',
        'client_id',
        'exp',
        'iat',
        'iss',
        'jti',
        'nbf',
        'scope',
        'sub',
        'token_type',
        'username',
      ]);
      expect(body).toMatchObject({
        active: true,
        scope: 'read write',
        client_id: clients.app.client_id,
        username: 'alice',
        token_type: 'Bearer',
        iss: server.url,
        aud: server.url,
      });
      expect(body.exp - body.iat).toBe(3600);
      expect(body.nbf).toBe(body.iat);
      expect(Math.abs(body.iat - Date.now() / 1000)).toBeLessThan(60);
      expect(typeof body.sub).toBe('string');
      expect(typeof body.jti).toBe('string');

      const viaBasic = await formPost(
        server,
        '/oauth/introspect',
        { token: tokens.access_token },
        { basic: [clients.app.client_id, clients.app.client_secret] },
      );
      expectOk(viaBasic);
      expect(viaBasic.json).toEqual(body);

      const refreshInfo = await introspect(server, { token: tokens.refresh_token! });
      expectOk(refreshInfo);
      expect(Object.keys(refreshInfo.json).sort()).toEqual([
        'active',
        'client_id',
        'exp',
        'iat',
        'iss',
        'nbf',
        'scope',
        'sub',
        'token_type',
        'username',
      ]);
      expect(refreshInfo.json).toMatchObject({
        active: true,
        token_type: 'refresh_token',
        sub: body.sub,
        client_id: clients.app.client_id,
      });
    });

    it('a client_credentials token: the client is the subject, no username', async () => {
      const { access_token } = tokensOf(
        await tokenRequest(server.url, { grant_type: 'client_credentials', ...post(clients.app) }),
      );
      const res = await introspect(server, { token: access_token });
      expectOk(res);
      expect(res.json).toMatchObject({
        active: true,
        sub: clients.app.client_id,
        client_id: clients.app.client_id,
        token_type: 'Bearer',
        scope: 'read',
      });
      expect(res.json).not.toHaveProperty('username');
    });

    it('answers exactly {"active": false} for unknown, revoked and used tokens, never cached', async () => {
      const first = tokensOf(await login(server));
      tokensOf(await refresh(server, first.refresh_token!));
      const revoked = tokensOf(await login(server));
      expectOk(await revoke(server, { token: revoked.access_token }));
      for (const token of [
        randomBytes(32).toString('base64url'),
        revoked.access_token,
        first.refresh_token!,
        first.access_token,
      ]) {
        const res = await introspect(server, { token });
        expectOk(res);
        expect(res.json).toStrictEqual(INACTIVE);
      }
    });

    it("another client's token is inactive to a client and active to the --introspect resource server", async () => {
      const tokens = tokensOf(await login(server, clients.app));
      for (const client of [clients.rival, clients.spa]) {
        const res = await introspect(server, { token: tokens.access_token }, client);
        expectOk(res);
        expect(res.json).toStrictEqual(INACTIVE);
      }
      const seen = await introspect(server, { token: tokens.access_token }, clients.api);
      expectOk(seen);
      expect(seen.json).toMatchObject({ active: true, client_id: clients.app.client_id, username: 'alice' });
    });

    it("a deactivated user's tokens read inactive", async () => {
      const tokens = tokensOf(await login(server, clients.app, 'dora'));
      expect(await isActive(server, tokens.access_token)).toBe(true);
      // What `gatehouse user deactivate dora` does.
      await expect(server.accounts().setEnabled('dora', false)).resolves.toMatchObject({ enabled: false });
      expect(await isActive(server, tokens.access_token)).toBe(false);
      expect(await isActive(server, tokens.refresh_token!)).toBe(false);
    });

    it('a missing token is 400 invalid_request; failed client authentication is 401 invalid_client', async () => {
      expectError(await introspect(server, {}), 400, 'invalid_request');
      const tokens = tokensOf(await login(server));
      const viaBasic = await formPost(
        server,
        '/oauth/introspect',
        { token: tokens.access_token },
        { basic: [clients.api.client_id, 'not the secret'] },
      );
      expectError(viaBasic, 401, 'invalid_client');
      expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic\b/);
      expectError(
        await formPost(server, '/oauth/introspect', { token: tokens.access_token, client_id: clients.api.client_id }),
        401,
        'invalid_client',
      );
      expectError(await formPost(server, '/oauth/introspect', { token: tokens.access_token }), 401, 'invalid_client');
    });
  });

  describe('transport', () => {
    it('GET, PUT and DELETE are 405 with Allow: POST and a JSON error, on both endpoints', async () => {
      for (const path of ['/oauth/revoke', '/oauth/introspect']) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const res = await httpRequest(
            `${server.url}${path}?${new URLSearchParams({ token: 'x', ...post(clients.app) })}`,
            { method },
          );
          expectError(res, 405, 'invalid_request');
          expect(res.headers.get('allow'), `${method} ${path}`).toBe('POST');
        }
      }
    });

    it('the body must be a form: JSON, text/plain or no content type are 400 invalid_request; so is a repeated token', async () => {
      const tokens = tokensOf(await login(server));
      const params = { token: tokens.access_token, ...post(clients.app) };
      for (const path of ['/oauth/revoke', '/oauth/introspect']) {
        const json = await httpRequest(`${server.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params),
        });
        expectError(json, 400, 'invalid_request');
        const text = await httpRequest(`${server.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: new URLSearchParams(params).toString(),
        });
        expectError(text, 400, 'invalid_request');
        const bare = await httpRequest(`${server.url}${path}`, {
          method: 'POST',
          body: new URLSearchParams(params).toString(),
          headers: { 'content-type': '' },
        });
        expectError(bare, 400, 'invalid_request');
        const twice = `${new URLSearchParams(params)}&token=${encodeURIComponent(tokens.access_token)}`;
        expectError(
          await httpRequest(`${server.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: twice,
          }),
          400,
          'invalid_request',
        );
        // A charset parameter is fine.
        const charset = await formPost(
          server,
          path,
          { token: randomBytes(32).toString('base64url'), ...post(clients.app) },
          { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } },
        );
        expectOk(charset);
      }
      expect(await isActive(server, tokens.access_token)).toBe(true);
    });
  });

  describe('metadata and clients', () => {
    it('advertises both endpoints and their client authentication methods; jwks_uri only for JWT access tokens', async () => {
      const opaqueMeta = (await httpRequest(`${server.url}/.well-known/oauth-authorization-server`)).json;
      const jwtMeta = (await httpRequest(`${jwtServer.url}/.well-known/oauth-authorization-server`)).json;
      for (const [meta, target] of [
        [opaqueMeta, server],
        [jwtMeta, jwtServer],
      ] as const) {
        expect(meta.revocation_endpoint).toBe(`${target.url}/oauth/revoke`);
        expect(meta.introspection_endpoint).toBe(`${target.url}/oauth/introspect`);
        for (const key of [
          'revocation_endpoint_auth_methods_supported',
          'introspection_endpoint_auth_methods_supported',
        ]) {
          expect(meta[key]).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
        }
      }
      // Published whatever the access-token format: ID tokens are signed (OpenID Connect).
      expect(opaqueMeta.jwks_uri).toBe(`${opaqueMeta.issuer}/.well-known/jwks.json`);
      expect(jwtMeta.jwks_uri).toBe(`${jwtServer.url}/.well-known/jwks.json`);
      expect((await httpRequest(jwtMeta.jwks_uri)).status).toBe(200);
    });
  });

  describe('JWT access tokens', () => {
    it('the JWKS lists public keys only: kid, alg, use sig, no private members', async () => {
      const keys = await fetchJwks(jwtServer);
      expect(keys.length).toBeGreaterThanOrEqual(1);
      for (const key of keys) {
        expect(key).toMatchObject({ kid: expect.any(String), alg: 'EdDSA', use: 'sig', kty: 'OKP', crv: 'Ed25519' });
        for (const member of PRIVATE_JWK_MEMBERS) expect(key).not.toHaveProperty(member);
      }
    });

    it('every grant returns an RFC 9068 JWT that verifies with the published JWKS', async () => {
      const cc = tokensOf(
        await tokenRequest(
          jwtServer.url,
          { grant_type: 'client_credentials' },
          { basic: [clients.app.client_id, clients.app.client_secret] },
        ),
      );
      const pw = tokensOf(await login(jwtServer));
      const refreshed = tokensOf(await refresh(jwtServer, pw.refresh_token!));

      // authorization_code through the sign-in and consent pages.
      const browser = new HttpBrowser(jwtServer.url);
      const { verifier, challenge } = pkcePair();
      const authorize = `/oauth/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: clients.web.client_id,
        redirect_uri: WEB_CB,
        scope: 'read',
        state: 's1',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      })}`;
      const toLogin = await browser.get(authorize);
      expect(toLogin.status).toBe(302);
      const returnTo = new URL(toLogin.location!, jwtServer.url).searchParams.get('return_to')!;
      await browser.signInOrFail('alice', PASSWORD, returnTo);
      const consent = await browser.get(returnTo);
      expect(consent.status, consent.text).toBe(200);
      const allowed = await browser.answerConsent(consent.text, 'allow');
      expect(allowed.status).toBe(303);
      const code = new URL(allowed.location!).searchParams.get('code')!;
      const exchanged = tokensOf(
        await tokenRequest(
          jwtServer.url,
          { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier },
          { basic: [clients.web.client_id, clients.web.client_secret] },
        ),
      );

      const aliceSub = decodeJwt(pw.access_token).sub;
      const expectations: [string, string, Record<string, unknown>][] = [
        [
          'client_credentials',
          cc.access_token,
          { sub: clients.app.client_id, client_id: clients.app.client_id, scope: 'read' },
        ],
        ['password', pw.access_token, { sub: aliceSub, client_id: clients.app.client_id, scope: 'read write' }],
        [
          'refresh_token',
          refreshed.access_token,
          { sub: aliceSub, client_id: clients.app.client_id, scope: 'read write' },
        ],
        [
          'authorization_code',
          exchanged.access_token,
          { sub: aliceSub, client_id: clients.web.client_id, scope: 'read' },
        ],
      ];
      const kids = new Set((await fetchJwks(jwtServer)).map((key) => key.kid));
      for (const [grant, token, claims] of expectations) {
        const { payload, protectedHeader } = await verifyWith(jwtServer, token);
        expect(protectedHeader, grant).toMatchObject({ typ: 'at+jwt', alg: 'EdDSA' });
        expect(kids.has(protectedHeader.kid), grant).toBe(true);
        expect(payload, grant).toMatchObject({ ...claims, iss: jwtServer.url, aud: jwtServer.url });
        expect(payload.exp! - payload.iat!, grant).toBe(3600);
        expect(typeof payload.jti, grant).toBe('string');
      }
      expect(typeof aliceSub).toBe('string');
      expect(aliceSub).not.toBe(clients.app.client_id);
    });

    it('a JWT introspects with its own jti and times, and reads inactive once revoked', async () => {
      const tokens = tokensOf(await login(jwtServer));
      const claims = decodeJwt(tokens.access_token);
      const res = await introspect(jwtServer, { token: tokens.access_token });
      expectOk(res);
      expect(res.json).toMatchObject({
        active: true,
        jti: claims.jti,
        exp: claims.exp,
        iat: claims.iat,
        sub: claims.sub,
        aud: jwtServer.url,
        iss: jwtServer.url,
      });
      // The opaque server shares the database: it knows the token too.
      expect(await isActive(server, tokens.access_token)).toBe(true);

      expectOk(await revoke(jwtServer, { token: tokens.access_token }));
      expect((await introspect(jwtServer, { token: tokens.access_token })).json).toStrictEqual(INACTIVE);
      // Revocation is the server's knowledge: the signature alone still verifies.
      await verifyWith(jwtServer, tokens.access_token);
    });
  });
});
