import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  makeSigningKey,
  rejection,
  signAccessToken,
  startFakeAuthServer,
  thrown,
  type FakeAuthServer,
  type SigningKey,
} from '../../test/resource/fixtures.js';
import { createResourceServer, requireAnyScope, requireScope, scopeRole, type AccessInfo } from './resource-server.js';

const START = 1_800_000_000;
let auth: FakeAuthServer;
let key: SigningKey;

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const access = (scopes: string[]): AccessInfo => ({
  sub: 's',
  clientId: 'c',
  scopes,
  roles: [],
  expiresAt: START,
  tokenFormat: 'jwt',
  claims: {},
});

beforeAll(async () => {
  auth = await startFakeAuthServer();
  key = await makeSigningKey('ES256', 'es-1');
  auth.jwks = { keys: [key.publicJwk] };
});
afterAll(() => auth.close());
beforeEach(() => {
  auth.introspectionCalls = [];
  auth.introspect = () => ({ body: { active: true, client_id: 'c', scope: 'read', exp: START + 60 } });
});

describe('createResourceServer options', () => {
  it('fills in the defaults from the issuer', () => {
    const rs = createResourceServer({
      issuer: 'https://auth.example.com/',
      introspection: { clientId: 'api', clientSecret: 'x' },
    });
    expect(rs.settings).toEqual({
      issuer: 'https://auth.example.com/',
      audience: ['https://auth.example.com/'],
      jwksUri: 'https://auth.example.com/.well-known/jwks.json',
      introspectionEndpoint: 'https://auth.example.com/oauth/introspect',
      tokenFormat: 'auto',
      allowBodyToken: false,
      allowQueryToken: false,
      realm: 'api',
      clockTolerance: 5,
      scopeRoles: { prefix: 'SCOPE_', upperCase: false },
    });
    expect(JSON.stringify(rs.settings)).not.toContain('"x"');
  });

  it.each([
    ['no issuer', {}],
    ['a relative issuer', { issuer: '/auth' }],
    ['an empty audience list', { issuer: 'https://a.example', audience: [] }],
    ["'opaque' without introspection", { issuer: 'https://a.example', tokenFormat: 'opaque' }],
    ['an unknown tokenFormat', { issuer: 'https://a.example', tokenFormat: 'paseto' }],
    [
      'introspection without a secret',
      { issuer: 'https://a.example', introspection: { clientId: 'api', clientSecret: '' } },
    ],
    [
      'a negative cacheMaxAge',
      { issuer: 'https://a.example', introspection: { clientId: 'api', clientSecret: 'x', cacheMaxAge: -1 } },
    ],
    [
      'a zero cacheSize',
      { issuer: 'https://a.example', introspection: { clientId: 'api', clientSecret: 'x', cacheSize: 0 } },
    ],
    ['a negative clockTolerance', { issuer: 'https://a.example', clockTolerance: -1 }],
    ['a scopeRoles prefix that is not a string', { issuer: 'https://a.example', scopeRoles: { prefix: 7 } }],
    ['a scopeRoles upperCase that is not a boolean', { issuer: 'https://a.example', scopeRoles: { upperCase: 'yes' } }],
    ['scopeRoles that is not an object', { issuer: 'https://a.example', scopeRoles: 'ROLE_' }],
  ])('refuses %s at start-up', (_what, options) => {
    expect(() => createResourceServer(options as never)).toThrow(TypeError);
  });
});

describe('choosing how a token is checked', () => {
  it("'auto' checks a JWT locally and anything else by introspection", async () => {
    const rs = createResourceServer({
      issuer: auth.url,
      tokenFormat: 'auto',
      introspection: { clientId: 'api', clientSecret: 'x' },
      now: () => START,
    });
    const jwt = await signAccessToken(key, { issuer: auth.url, audience: auth.url, now: START });
    expect((await rs.authenticate(bearer(jwt))).tokenFormat).toBe('jwt');
    expect((await rs.authenticate(bearer('opaque-value'))).tokenFormat).toBe('opaque');
    expect(auth.introspectionCalls.map((call) => call.token)).toEqual(['opaque-value']);
  });

  it("'auto' without introspection refuses an opaque token as invalid_token", async () => {
    const rs = createResourceServer({ issuer: auth.url });
    const error = await rejection(rs.authenticate(bearer('opaque-value')));
    expect(error.code).toBe('invalid_token');
    expect(error.description).toMatch(/JWT access tokens only/);
  });

  it("'opaque' introspects even a JWT; 'jwt' never introspects", async () => {
    const jwt = await signAccessToken(key, { issuer: auth.url, audience: auth.url, now: START });
    const opaque = createResourceServer({
      issuer: auth.url,
      tokenFormat: 'opaque',
      introspection: { clientId: 'api', clientSecret: 'x' },
      now: () => START,
    });
    expect((await opaque.authenticate(bearer(jwt))).tokenFormat).toBe('opaque');
    const jwtOnly = createResourceServer({
      issuer: auth.url,
      tokenFormat: 'jwt',
      introspection: { clientId: 'api', clientSecret: 'x' },
      now: () => START,
    });
    expect((await rejection(jwtOnly.authenticate(bearer('opaque-value')))).code).toBe('invalid_token');
    expect(auth.introspectionCalls).toHaveLength(1);
  });

  it('answers in its own realm', async () => {
    const rs = createResourceServer({ issuer: auth.url, realm: 'notes' });
    expect((await rejection(rs.authenticate({ headers: {} }))).headers()['www-authenticate']).toBe(
      'Bearer realm="notes"',
    );
    expect(thrown(() => rs.check(access([]), requireScope('read'))).headers()['www-authenticate']).toMatch(
      /^Bearer realm="notes", error="insufficient_scope"/,
    );
  });

  it('takes body and query tokens only when allowed', async () => {
    const rs = createResourceServer({
      issuer: auth.url,
      tokenFormat: 'opaque',
      allowQueryToken: true,
      allowBodyToken: true,
      introspection: { clientId: 'api', clientSecret: 'x' },
      now: () => START,
    });
    expect((await rs.authenticate({ headers: {}, query: { access_token: 'q' } })).clientId).toBe('c');
    expect(
      (
        await rs.authenticate({
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: { access_token: 'b' },
        })
      ).clientId,
    ).toBe('c');
    const headerOnly = createResourceServer({
      issuer: auth.url,
      tokenFormat: 'opaque',
      introspection: { clientId: 'api', clientSecret: 'x' },
    });
    expect((await rejection(headerOnly.authenticate({ headers: {}, query: { access_token: 'q' } }))).code).toBe(
      'missing_token',
    );
  });
});

describe('scope rules', () => {
  const rs = createResourceServer({ issuer: 'https://auth.example.com' });

  it('requireScope needs every scope and names them all in the challenge', () => {
    expect(() => rs.check(access(['read', 'write', 'x']), requireScope('read', 'write'))).not.toThrow();
    const error = thrown(() => rs.check(access(['read']), requireScope('read', 'write')));
    expect(error.status).toBe(403);
    expect(error.code).toBe('insufficient_scope');
    expect(error.headers()['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope write", scope="read write"',
    );
  });

  it('requireAnyScope needs one of them', () => {
    expect(() => rs.check(access(['admin']), requireAnyScope('read', 'admin'))).not.toThrow();
    const error = thrown(() => rs.check(access(['write']), requireAnyScope('read', 'admin')));
    expect(error.code).toBe('insufficient_scope');
    expect(error.scope).toEqual(['read', 'admin']);
  });

  it('refuses a rule without scopes or with a malformed scope', () => {
    expect(() => requireScope()).toThrow(TypeError);
    expect(() => requireAnyScope()).toThrow(TypeError);
    expect(() => requireScope('read write')).toThrow(TypeError);
    expect(() => requireScope('a"b')).toThrow(TypeError);
  });
});

describe('scopes as roles', () => {
  it('by default: SCOPE_ + the scope as granted, in a namespace apart from user roles', () => {
    expect(['read', 'notes:write', 'api.admin-v2', 'x/y', 'admin'].map((scope) => scopeRole(scope))).toEqual([
      'SCOPE_read',
      'SCOPE_notes:write',
      'SCOPE_api.admin-v2',
      'SCOPE_x/y',
      'SCOPE_admin',
    ]);
  });

  it('{ prefix: "ROLE_", upperCase: true } gives the old FOSOAuthServerBundle names', () => {
    const old = { prefix: 'ROLE_', upperCase: true };
    expect(['read', 'notes:write', 'api.admin-v2', 'x/y'].map((scope) => scopeRole(scope, old))).toEqual([
      'ROLE_READ',
      'ROLE_NOTES_WRITE',
      'ROLE_API_ADMIN_V2',
      'ROLE_X_Y',
    ]);
    expect(scopeRole('notes:read', { prefix: 'scope:' })).toBe('scope:notes:read');
  });

  it('a token granted the scope admin does NOT carry ROLE_ADMIN (JWT and introspection)', async () => {
    const jwtServer = createResourceServer({ issuer: auth.url, now: () => START });
    const token = await signAccessToken(key, {
      issuer: auth.url,
      audience: auth.url,
      now: START,
      claims: { scope: 'read admin' },
    });
    const byJwt = await jwtServer.authenticate(bearer(token));
    expect(byJwt.roles).toEqual(['SCOPE_read', 'SCOPE_admin']);
    expect(byJwt.roles).not.toContain('ROLE_ADMIN');

    auth.introspect = () => ({ body: { active: true, client_id: 'c', scope: 'admin', exp: START + 60 } });
    const opaqueServer = createResourceServer({
      issuer: auth.url,
      introspection: { clientId: 'api', clientSecret: 'x' },
      now: () => START,
    });
    const byIntrospection = await opaqueServer.authenticate(bearer('opaque-admin-scope'));
    expect(byIntrospection.roles).toEqual(['SCOPE_admin']);
    expect(byIntrospection.roles.some((role) => role.startsWith('ROLE_'))).toBe(false);
  });

  it("adds the roles claim (the user's roles), without duplicates, ignoring non-strings", async () => {
    const rs = createResourceServer({ issuer: auth.url, now: () => START });
    const token = await signAccessToken(key, {
      issuer: auth.url,
      audience: auth.url,
      now: START,
      claims: { scope: 'read admin', roles: ['ROLE_ADMIN', 'ROLE_EDITOR', 7] },
    });
    expect((await rs.authenticate(bearer(token))).roles).toEqual([
      'SCOPE_read',
      'SCOPE_admin',
      'ROLE_ADMIN',
      'ROLE_EDITOR',
    ]);
  });

  it('keeps the old names when asked explicitly, per server (the same token, two servers)', async () => {
    const token = await signAccessToken(key, {
      issuer: auth.url,
      audience: auth.url,
      now: START,
      claims: { scope: 'read admin' },
    });
    const legacy = createResourceServer({
      issuer: auth.url,
      now: () => START,
      scopeRoles: { prefix: 'ROLE_', upperCase: true },
    });
    const current = createResourceServer({ issuer: auth.url, now: () => START });
    expect(legacy.settings.scopeRoles).toEqual({ prefix: 'ROLE_', upperCase: true });
    expect((await legacy.authenticate(bearer(token))).roles).toEqual(['ROLE_READ', 'ROLE_ADMIN']);
    expect((await current.authenticate(bearer(token))).roles).toEqual(['SCOPE_read', 'SCOPE_admin']);
  });
});
