/**
 * Revocation (RFC 7009), introspection (RFC 7662) and JWT access tokens end to end: the built CLI
 * registers clients and users and manages the signing keys, `gatehouse serve` runs as real
 * processes (opaque and JWT), and everything is checked over HTTP, once per engine.
 */
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser, pkcePair } from '../helpers/browser-http.js';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import {
  basicAuthorization,
  createClient,
  createUser,
  freePort,
  httpRequest,
  migrateDatabase,
  runCli,
  startServer,
  stopAllServers,
  tokenRequest,
  type CliResult,
  type CreatedClient,
  type HttpResult,
  type RunningServer,
} from '../helpers/server.js';

const KEK = `e2e-kek-${randomBytes(24).toString('base64url')}`;
const OTHER_KEK = `e2e-other-kek-${randomBytes(24).toString('base64url')}`;
const SCOPE_ENV = { GATEHOUSE_SUPPORTED_SCOPES: 'read write', GATEHOUSE_DEFAULT_SCOPE: 'read' };
const JWT_ENV = { ...SCOPE_ENV, GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt', GATEHOUSE_KEY_ENCRYPTION_KEY: KEK };
const PASSWORD = 'correct horse battery staple';
const WEB_CB = 'https://app.example/cb';
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const INACTIVE = { active: false };
/** The default access_token_lifetime, which a retired key stays published for (+ 10 s). */
const LIFETIME = 3600;
/** KEY_PREPUBLICATION_SECONDS: a plain `keys rotate` publishes the new key this long before it signs. */
const PREPUBLICATION = 90;

/** An entry of `keys list --json` (and of `keys rotate --json`). */
interface ListedKey {
  kid: string;
  algorithm: string;
  state: 'signing' | 'next' | 'published' | 'expired';
  created_at: string;
  retires_at: string | null;
  published_until: string | null;
}

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

/** CLI misuse: exit 2, nothing on stdout, one line on stderr starting "gatehouse: ". */
function expectMisuse(result: CliResult, mentions: RegExp): void {
  const described = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  expect(result.code, described).toBe(2);
  expect(result.stdout, described).toBe('');
  expect(result.stderr.split('\n').filter(Boolean), described).toHaveLength(1);
  expect(result.stderr).toMatch(/^gatehouse: \S/);
  expect(result.stderr).toMatch(mentions);
}

/** POST a form to `path` on the server; `basic` authenticates with HTTP Basic. */
function formPost(server: RunningServer, path: string, params: Record<string, string>, { basic, headers = {} }: { basic?: [string, string]; headers?: Record<string, string> } = {}) {
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
  client.client_secret === null ? { client_id: client.client_id } : { client_id: client.client_id, client_secret: client.client_secret };

async function fetchJwks(server: RunningServer): Promise<JWK[]> {
  const res = await httpRequest(`${server.url}/.well-known/jwks.json`);
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(res.json)).toEqual(['keys']);
  return res.json.keys as JWK[];
}

/** Verifies an RFC 9068 token from `server` with the keys its JWKS publishes right now. */
async function verifyWith(server: RunningServer, token: string, issuer = server.url) {
  const jwks = createLocalJWKSet({ keys: await fetchJwks(server) });
  return jwtVerify(token, jwks, { issuer, audience: issuer, typ: 'at+jwt' });
}

describeEachEngine('token revocation, introspection and JWT access tokens (e2e)', (factory) => {
  let db: TestDatabase;
  let database: string;
  /** Opaque access tokens. */
  let server: RunningServer;
  /** access_token_format: jwt, on the same database. */
  let jwtServer: RunningServer;
  const clients = {} as Record<'app' | 'rival' | 'api' | 'web', Confidential> & { spa: CreatedClient };

  beforeAll(async () => {
    db = await factory.createDatabase();
    database = await migrateDatabase(db);
    const pw = ['--grant-type', 'password', '--grant-type', 'refresh_token'];
    const [app, rival, spa, api, web] = await Promise.all([
      createClient(database, ['--name', 'app', ...pw, '--grant-type', 'client_credentials'], SCOPE_ENV),
      createClient(database, ['--name', 'rival', ...pw, '--grant-type', 'client_credentials'], SCOPE_ENV),
      createClient(database, ['--name', 'spa', '--public', ...pw], SCOPE_ENV),
      createClient(database, ['--name', 'api', '--introspect', '--grant-type', 'client_credentials'], SCOPE_ENV),
      createClient(database, ['--name', 'web', '--redirect-uri', WEB_CB], SCOPE_ENV),
      createUser(database, 'alice', 'alice@example.com', PASSWORD),
      createUser(database, 'dora', 'dora@example.com', PASSWORD),
    ]);
    Object.assign(clients, { app, rival, spa, api, web });
    [server, jwtServer] = await Promise.all([startServer({ database, env: SCOPE_ENV }), startServer({ database, env: JWT_ENV })]);
  });

  afterAll(async () => {
    await stopAllServers();
    await db?.cleanup();
  });

  const login = (target: RunningServer, client: CreatedClient = clients.app, username = 'alice') =>
    tokenRequest(target.url, { grant_type: 'password', username, password: PASSWORD, scope: 'read write', ...post(client) });
  const tokensOf = (res: HttpResult) => {
    expect(res.status, res.text).toBe(200);
    return res.json as { access_token: string; refresh_token?: string; scope: string; expires_in: number };
  };
  const refresh = (target: RunningServer, refreshToken: string, client: CreatedClient = clients.app) =>
    tokenRequest(target.url, { grant_type: 'refresh_token', refresh_token: refreshToken, ...post(client) });
  const revoke = (target: RunningServer, params: Record<string, string>, client: CreatedClient = clients.app) =>
    formPost(target, '/oauth/revoke', { ...params, ...post(client) });
  const introspect = (target: RunningServer, params: Record<string, string>, client: CreatedClient = clients.app) =>
    formPost(target, '/oauth/introspect', { ...params, ...post(client) });
  const isActive = async (target: RunningServer, token: string) => {
    const res = await introspect(target, { token }, clients.api);
    expectOk(res);
    return res.json.active as boolean;
  };

  describe('POST /oauth/revoke', () => {
    it('revokes an access token (HTTP Basic): 200, JSON, no-store; it then reads inactive while its refresh token still works', async () => {
      const tokens = tokensOf(await login(server));
      const res = await formPost(server, '/oauth/revoke', { token: tokens.access_token }, { basic: [clients.app.client_id, clients.app.client_secret] });
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

      const viaBasic = await formPost(server, '/oauth/revoke', { token: tokens.access_token }, { basic: [clients.app.client_id, `${clients.app.client_secret}x`] });
      expectError(viaBasic, 401, 'invalid_client');
      expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic\b/);
      const viaPost = await formPost(server, '/oauth/revoke', { token: tokens.access_token, client_id: clients.app.client_id, client_secret: clients.rival.client_secret });
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
      expect(Object.keys(body).sort()).toEqual(['active', 'aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'nbf', 'scope', 'sub', 'token_type', 'username']);
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

      const viaBasic = await formPost(server, '/oauth/introspect', { token: tokens.access_token }, { basic: [clients.app.client_id, clients.app.client_secret] });
      expectOk(viaBasic);
      expect(viaBasic.json).toEqual(body);

      const refreshInfo = await introspect(server, { token: tokens.refresh_token! });
      expectOk(refreshInfo);
      expect(Object.keys(refreshInfo.json).sort()).toEqual(['active', 'client_id', 'exp', 'iat', 'iss', 'nbf', 'scope', 'sub', 'token_type', 'username']);
      expect(refreshInfo.json).toMatchObject({ active: true, token_type: 'refresh_token', sub: body.sub, client_id: clients.app.client_id });
    });

    it('a client_credentials token: the client is the subject, no username', async () => {
      const { access_token } = tokensOf(await tokenRequest(server.url, { grant_type: 'client_credentials', ...post(clients.app) }));
      const res = await introspect(server, { token: access_token });
      expectOk(res);
      expect(res.json).toMatchObject({ active: true, sub: clients.app.client_id, client_id: clients.app.client_id, token_type: 'Bearer', scope: 'read' });
      expect(res.json).not.toHaveProperty('username');
    });

    it('answers exactly {"active": false} for unknown, revoked and used tokens, never cached', async () => {
      const first = tokensOf(await login(server));
      tokensOf(await refresh(server, first.refresh_token!));
      const revoked = tokensOf(await login(server));
      expectOk(await revoke(server, { token: revoked.access_token }));
      for (const token of [randomBytes(32).toString('base64url'), revoked.access_token, first.refresh_token!, first.access_token]) {
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
      const result = await runCli(['user', 'deactivate', 'dora'], { env: { GATEHOUSE_DATABASE: database } });
      expect(result.code, result.stderr).toBe(0);
      expect(await isActive(server, tokens.access_token)).toBe(false);
      expect(await isActive(server, tokens.refresh_token!)).toBe(false);
    });

    it('a missing token is 400 invalid_request; failed client authentication is 401 invalid_client', async () => {
      expectError(await introspect(server, {}), 400, 'invalid_request');
      const tokens = tokensOf(await login(server));
      const viaBasic = await formPost(server, '/oauth/introspect', { token: tokens.access_token }, { basic: [clients.api.client_id, 'not the secret'] });
      expectError(viaBasic, 401, 'invalid_client');
      expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic\b/);
      expectError(await formPost(server, '/oauth/introspect', { token: tokens.access_token, client_id: clients.api.client_id }), 401, 'invalid_client');
      expectError(await formPost(server, '/oauth/introspect', { token: tokens.access_token }), 401, 'invalid_client');
    });
  });

  describe('transport', () => {
    it('GET, PUT and DELETE are 405 with Allow: POST and a JSON error, on both endpoints', async () => {
      for (const path of ['/oauth/revoke', '/oauth/introspect']) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const res = await httpRequest(`${server.url}${path}?${new URLSearchParams({ token: 'x', ...post(clients.app) })}`, { method });
          expectError(res, 405, 'invalid_request');
          expect(res.headers.get('allow'), `${method} ${path}`).toBe('POST');
        }
      }
    });

    it('the body must be a form: JSON, text/plain or no content type are 400 invalid_request; so is a repeated token', async () => {
      const tokens = tokensOf(await login(server));
      const params = { token: tokens.access_token, ...post(clients.app) };
      for (const path of ['/oauth/revoke', '/oauth/introspect']) {
        const json = await httpRequest(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
        expectError(json, 400, 'invalid_request');
        const text = await httpRequest(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: new URLSearchParams(params).toString() });
        expectError(text, 400, 'invalid_request');
        const bare = await httpRequest(`${server.url}${path}`, { method: 'POST', body: new URLSearchParams(params).toString(), headers: { 'content-type': '' } });
        expectError(bare, 400, 'invalid_request');
        const twice = `${new URLSearchParams(params)}&token=${encodeURIComponent(tokens.access_token)}`;
        expectError(await httpRequest(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: twice }), 400, 'invalid_request');
        // A charset parameter is fine.
        const charset = await formPost(server, path, { token: randomBytes(32).toString('base64url'), ...post(clients.app) }, { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } });
        expectOk(charset);
      }
      expect(await isActive(server, tokens.access_token)).toBe(true);
    });
  });

  describe('metadata and clients', () => {
    it('advertises both endpoints and their client authentication methods; jwks_uri only for JWT access tokens', async () => {
      const opaqueMeta = (await httpRequest(`${server.url}/.well-known/oauth-authorization-server`)).json;
      const jwtMeta = (await httpRequest(`${jwtServer.url}/.well-known/oauth-authorization-server`)).json;
      for (const [meta, target] of [[opaqueMeta, server], [jwtMeta, jwtServer]] as const) {
        expect(meta.revocation_endpoint).toBe(`${target.url}/oauth/revoke`);
        expect(meta.introspection_endpoint).toBe(`${target.url}/oauth/introspect`);
        for (const key of ['revocation_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported']) {
          expect(meta[key]).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
        }
      }
      expect(opaqueMeta).not.toHaveProperty('jwks_uri');
      expect(jwtMeta.jwks_uri).toBe(`${jwtServer.url}/.well-known/jwks.json`);
      expect((await httpRequest(jwtMeta.jwks_uri)).status).toBe(200);
    });

    it('client create --introspect registers a resource server; with --public it is refused (exit 2, one line)', async () => {
      const created = (await createClient(database, ['--name', 'rs2', '--introspect', '--grant-type', 'client_credentials'], SCOPE_ENV)) as CreatedClient & { introspect?: boolean };
      expect(created.introspect).toBe(true);
      expect((clients.app as CreatedClient & { introspect?: boolean }).introspect).toBe(false);
      const shown = await runCli(['client', 'show', created.client_id], { database, env: SCOPE_ENV });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/introspect/);

      const refused = await runCli(['client', 'create', '--name', 'bad-rs', '--public', '--introspect'], { database, env: SCOPE_ENV });
      expectMisuse(refused, /introspect/);
      const listed = await runCli(['client', 'list', '--json'], { database, env: SCOPE_ENV });
      expect(listed.stdout).not.toContain('bad-rs');
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
      const cc = tokensOf(await tokenRequest(jwtServer.url, { grant_type: 'client_credentials' }, { basic: [clients.app.client_id, clients.app.client_secret] }));
      const pw = tokensOf(await login(jwtServer));
      const refreshed = tokensOf(await refresh(jwtServer, pw.refresh_token!));

      // authorization_code through the sign-in and consent pages.
      const browser = new HttpBrowser(jwtServer.url);
      const { verifier, challenge } = pkcePair();
      const authorize = `/oauth/authorize?${new URLSearchParams({
        response_type: 'code', client_id: clients.web.client_id, redirect_uri: WEB_CB, scope: 'read', state: 's1', code_challenge: challenge, code_challenge_method: 'S256',
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
        await tokenRequest(jwtServer.url, { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: verifier }, { basic: [clients.web.client_id, clients.web.client_secret] }),
      );

      const aliceSub = decodeJwt(pw.access_token).sub;
      const expectations: [string, string, Record<string, unknown>][] = [
        ['client_credentials', cc.access_token, { sub: clients.app.client_id, client_id: clients.app.client_id, scope: 'read' }],
        ['password', pw.access_token, { sub: aliceSub, client_id: clients.app.client_id, scope: 'read write' }],
        ['refresh_token', refreshed.access_token, { sub: aliceSub, client_id: clients.app.client_id, scope: 'read write' }],
        ['authorization_code', exchanged.access_token, { sub: aliceSub, client_id: clients.web.client_id, scope: 'read' }],
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
      expect(res.json).toMatchObject({ active: true, jti: claims.jti, exp: claims.exp, iat: claims.iat, sub: claims.sub, aud: jwtServer.url, iss: jwtServer.url });
      // The opaque server shares the database: it knows the token too.
      expect(await isActive(server, tokens.access_token)).toBe(true);

      expectOk(await revoke(jwtServer, { token: tokens.access_token }));
      expect((await introspect(jwtServer, { token: tokens.access_token })).json).toStrictEqual(INACTIVE);
      // Revocation is the server's knowledge: the signature alone still verifies.
      await verifyWith(jwtServer, tokens.access_token);
    });
  });

  describe('signing keys and the CLI', () => {
    let keysDb: TestDatabase;
    let keysDatabase: string;
    let service: Confidential;
    let first: RunningServer;
    let second: RunningServer;
    /** The key the database started with. */
    let original: ListedKey;
    /** What `gatehouse keys rotate --now --json` printed. */
    let rotated: ListedKey;

    beforeAll(async () => {
      keysDb = await factory.createDatabase();
      keysDatabase = await migrateDatabase(keysDb);
      service = (await createClient(keysDatabase, ['--name', 'svc', '--grant-type', 'client_credentials'], JWT_ENV)) as Confidential;
    });
    afterAll(async () => {
      await stopAllServers();
      await keysDb?.cleanup();
    });

    const serviceToken = async (target: RunningServer) =>
      tokensOf(await tokenRequest(target.url, { grant_type: 'client_credentials' }, { basic: [service.client_id, service.client_secret] })).access_token;
    const listKeys = async () => {
      const result = await runCli(['keys', 'list', '--json'], { database: keysDatabase, env: JWT_ENV });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout) as ListedKey[];
    };
    const seconds = (time: string | null) => Date.parse(time!) / 1000;

    it('keys rotate --now, then a server started afterwards: both servers publish both keys, new tokens carry the new kid, old ones still verify', async () => {
      first = await startServer({ database: keysDatabase, env: JWT_ENV });
      const listed = await listKeys();
      expect(listed).toHaveLength(1);
      original = listed[0]!;
      // The first key of a database signs at once.
      expect(original).toMatchObject({ algorithm: 'EdDSA', state: 'signing', retires_at: null, published_until: null });
      expect(Object.keys(original).sort()).toEqual(['algorithm', 'created_at', 'kid', 'published_until', 'retires_at', 'state']);
      const before = await serviceToken(first);
      expect(decodeProtectedHeader(before).kid).toBe(original.kid);

      const result = await runCli(['keys', 'rotate', '--now', '--json'], { database: keysDatabase, env: JWT_ENV });
      expect(result.code, result.stderr).toBe(0);
      rotated = JSON.parse(result.stdout);
      expect(rotated).toMatchObject({ algorithm: 'EdDSA', state: 'signing', retires_at: null, published_until: null });
      expect(rotated.kid).not.toBe(original.kid);

      second = await startServer({ database: keysDatabase, env: JWT_ENV });
      const after = await serviceToken(second);
      expect(decodeProtectedHeader(after).kid).toBe(rotated.kid);

      for (const target of [first, second]) {
        expect(new Set((await fetchJwks(target)).map((key) => key.kid))).toEqual(new Set([original.kid, rotated.kid]));
        // Each server's tokens verify against either server's JWKS.
        await verifyWith(target, before, first.url);
        await verifyWith(target, after, second.url);
      }
    });

    it('keys list --json: after --now the new key signs, the old one stays published for access_token_lifetime + 10 s after its retirement (the rotation)', async () => {
      const keys = await listKeys();
      expect(keys).toHaveLength(2);
      const current = keys.find((key) => key.kid === rotated.kid)!;
      const retired = keys.find((key) => key.kid !== rotated.kid)!;
      // The current key first.
      expect(keys[0]!.kid).toBe(rotated.kid);
      expect(current).toMatchObject({ state: 'signing', retires_at: null, published_until: null, created_at: rotated.created_at });
      expect(retired).toMatchObject({ kid: original.kid, state: 'published', retires_at: rotated.created_at });
      expect(seconds(retired.published_until) - seconds(retired.retires_at)).toBe(LIFETIME + 10);

      const table = await runCli(['keys', 'list'], { database: keysDatabase, env: JWT_ENV });
      expect(table.code, table.stderr).toBe(0);
      const rows = table.stdout.trim().split('\n');
      expect(rows[0]).toMatch(/^KID\s+ALGORITHM\s+STATE\s+CREATED\s+RETIRES\s+PUBLISHED UNTIL$/);
      expect(rows.find((row) => row.startsWith(current.kid))).toMatch(/\bsigning\b/);
      expect(rows.find((row) => row.startsWith(retired.kid))).toMatch(/\bpublished\b/);
    });

    it('a plain keys rotate: both servers publish the new key at once, but new tokens are still signed with the old one, the new key reads next', async () => {
      const result = await runCli(['keys', 'rotate', '--json'], { database: keysDatabase, env: JWT_ENV });
      expect(result.code, result.stderr).toBe(0);
      const pending = JSON.parse(result.stdout) as ListedKey;
      expect(pending).toMatchObject({ algorithm: 'EdDSA', state: 'next', retires_at: null, published_until: null });
      expect(pending.kid).not.toBe(rotated.kid);

      // Every server publishes it right away, a server started now too...
      const third = await startServer({ database: keysDatabase, env: JWT_ENV });
      for (const target of [first, second, third]) {
        expect(new Set((await fetchJwks(target)).map((key) => key.kid))).toEqual(new Set([original.kid, rotated.kid, pending.kid]));
      }
      // ...and none of them signs with it yet: the current key goes on signing, also on the server
      // that loaded the keys after this rotation. (The first server may still be in the 10 s it
      // keeps the key it loaded before the --now rotation above.)
      for (const target of [first, second, third]) {
        const token = await serviceToken(target);
        const kid = decodeProtectedHeader(token).kid;
        expect(kid, target.url).not.toBe(pending.kid);
        if (target === first) expect([original.kid, rotated.kid]).toContain(kid);
        else expect(kid, target.url).toBe(rotated.kid);
        await verifyWith(target, token, target.url);
      }

      const keys = await listKeys();
      expect(keys.map((key) => [key.kid, key.state])).toEqual([
        [pending.kid, 'next'],
        [rotated.kid, 'signing'],
        [original.kid, 'published'],
      ]);
      const signing = keys[1]!;
      // It signs for 90 s more, and stays published for the lifetime of its last tokens (+ 10 s).
      expect(seconds(signing.retires_at) - seconds(pending.created_at)).toBe(PREPUBLICATION);
      expect(seconds(signing.published_until) - seconds(signing.retires_at)).toBe(LIFETIME + 10);
      expect(seconds(signing.retires_at)).toBeGreaterThan(Date.now() / 1000);
      await third.stop();
    });

    it('a retired key past its publication reads expired, leaves the JWKS, and tokens clean deletes it', async () => {
      const store = keysDb.open({ poolSize: 1 });
      const now = Math.floor(Date.now() / 1000);
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url'), kid: 'expired-e2e-key', alg: 'EdDSA', use: 'sig' };
      await store.driver.run(
        `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [jwk.kid, 'EdDSA', JSON.stringify(jwk), 'v1.AAAA.AAAA.AAAA', now - 10_000, now - 9_000, now - 100],
      );
      expect((await listKeys()).find((key) => key.kid === jwk.kid)).toMatchObject({ state: 'expired' });
      expect((await fetchJwks(first)).map((key) => key.kid)).not.toContain(jwk.kid);

      const clean = await runCli(['tokens', 'clean', '--json'], { database: keysDatabase, env: JWT_ENV });
      expect(clean.code, clean.stderr).toBe(0);
      expect(JSON.parse(clean.stdout)).toMatchObject({ signingKeys: 1 });
      expect((await listKeys()).map((key) => key.kid)).not.toContain(jwk.kid);
      expect(await listKeys()).toHaveLength(3);
    });

    it('keys rotate without GATEHOUSE_KEY_ENCRYPTION_KEY: exit 2, one line naming key_encryption_key, no key added', async () => {
      const { GATEHOUSE_KEY_ENCRYPTION_KEY: _omitted, GATEHOUSE_ACCESS_TOKEN_FORMAT: _format, ...withoutKey } = JWT_ENV;
      const result = await runCli(['keys', 'rotate'], { database: keysDatabase, env: withoutKey });
      expectMisuse(result, /key_encryption_key/);
      const keys = await listKeys();
      expect(keys).toHaveLength(3);
      // keys list reads public data only: it needs no key_encryption_key, and says the same.
      const listed = await runCli(['keys', 'list', '--json'], { database: keysDatabase, env: withoutKey });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stderr).toBe('');
      expect(JSON.parse(listed.stdout)).toEqual(keys);
    });

    it('serve with another key_encryption_key than the keys were stored with: exit 2, one line naming key_encryption_key', async () => {
      const port = await freePort();
      const result = await runCli(['serve', '--port', String(port)], { database: keysDatabase, env: { ...JWT_ENV, GATEHOUSE_KEY_ENCRYPTION_KEY: OTHER_KEK } });
      expectMisuse(result, /key_encryption_key/);
      expect(result.stderr).not.toContain(OTHER_KEK);
      expect(result.stderr).not.toContain(KEK);
    });

    it('serve with access_token_format jwt and no key_encryption_key (or a short one): exit 2, one line naming key_encryption_key', async () => {
      const port = await freePort();
      const missing = await runCli(['serve', '--port', String(port)], { database: keysDatabase, env: { ...SCOPE_ENV, GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt' } });
      expectMisuse(missing, /key_encryption_key/);
      const short = 'only-thirty-one-characters-long';
      expect(short).toHaveLength(31);
      const tooShort = await runCli(['serve', '--port', String(port)], { database: keysDatabase, env: { ...JWT_ENV, GATEHOUSE_KEY_ENCRYPTION_KEY: short } });
      expectMisuse(tooShort, /key_encryption_key/);
      expect(tooShort.stderr).not.toContain(short);
    });

    it('keys rotate with another key_encryption_key than the stored keys: exit 2 naming key_encryption_key, and no key added', async () => {
      // Its own database: should the rotation go through, it would leave a key no server here can decrypt.
      const wrongDb = await factory.createDatabase();
      try {
        const wrongDatabase = await migrateDatabase(wrongDb);
        const listWrong = async () => {
          const listed = await runCli(['keys', 'list', '--json'], { database: wrongDatabase, env: JWT_ENV });
          expect(listed.code, listed.stderr).toBe(0);
          return JSON.parse(listed.stdout) as ListedKey[];
        };
        // The first key of a database signs at once, even without --now.
        const seeded = await runCli(['keys', 'rotate', '--json'], { database: wrongDatabase, env: JWT_ENV });
        expect(seeded.code, seeded.stderr).toBe(0);
        const seededKey = JSON.parse(seeded.stdout) as ListedKey;
        expect(seededKey).toMatchObject({ state: 'signing', retires_at: null });

        for (const args of [['keys', 'rotate'], ['keys', 'rotate', '--now', '--json']]) {
          const result = await runCli(args, { database: wrongDatabase, env: { ...JWT_ENV, GATEHOUSE_KEY_ENCRYPTION_KEY: OTHER_KEK } });
          expectMisuse(result, /key_encryption_key/);
          expect(result.stderr).toContain(seededKey.kid);
          expect(result.stderr).not.toContain(OTHER_KEK);
          expect(result.stderr).not.toContain(KEK);
          expect(await listWrong(), `keys stored after ${args.join(' ')} with the other key_encryption_key`).toEqual([seededKey]);
        }

        // With the right key_encryption_key the rotation goes through, and says when the new key signs.
        const rotation = await runCli(['keys', 'rotate'], { database: wrongDatabase, env: JWT_ENV });
        expect(rotation.code, rotation.stderr).toBe(0);
        expect(rotation.stdout).toMatch(/signs with it in 90 seconds/);
        expect((await listWrong()).map((key) => key.state)).toEqual(['next', 'signing']);
      } finally {
        await wrongDb.cleanup();
      }
    });
  });
});
