import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deferred,
  rejection,
  startFakeAuthServer,
  type FakeAuthServer,
  type IntrospectionAnswer,
} from '../../test/resource/fixtures.js';
import { ExpiringLruCache, IntrospectionClient } from './introspection.js';
import { createResourceServer, type ResourceServerOptions } from './resource-server.js';

const START = 1_800_000_000;
let clock = START;
let auth: FakeAuthServer;

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
/** What Gatehouse answers for an active access token. */
const active = (overrides: Record<string, unknown> = {}): IntrospectionAnswer => ({
  body: {
    active: true,
    scope: 'read write',
    client_id: 'client-1',
    sub: 'user-1',
    username: 'alice',
    token_type: 'Bearer',
    exp: START + 3600,
    iat: START,
    iss: auth.url,
    aud: auth.url,
    ...overrides,
  },
});
const resourceServer = (
  introspection: Partial<NonNullable<ResourceServerOptions['introspection']>> = {},
  options: Partial<ResourceServerOptions> = {},
) =>
  createResourceServer({
    issuer: auth.url,
    introspection: { clientId: 'notes-api', clientSecret: 's3cret', ...introspection },
    now: () => clock,
    ...options,
  });

beforeAll(async () => {
  auth = await startFakeAuthServer();
});
afterAll(() => auth.close());
beforeEach(() => {
  clock = START;
  auth.introspectionCalls = [];
  auth.introspect = () => active();
});

describe('introspection (RFC 7662)', () => {
  it('posts the token with HTTP Basic client authentication, form-encoded per RFC 6749 §2.3.1', async () => {
    const rs = resourceServer({ clientId: 'notes api:1', clientSecret: 'pa+ss/wörd%' });
    const access = await rs.authenticate(bearer('opaque-token-1'));
    expect(auth.introspectionCalls).toHaveLength(1);
    const [call] = auth.introspectionCalls;
    expect(call).toMatchObject({
      method: 'POST',
      token: 'opaque-token-1',
      hint: 'access_token',
      contentType: 'application/x-www-form-urlencoded',
    });
    const decoded = Buffer.from(call!.authorization!.replace(/^Basic /, ''), 'base64').toString('utf8');
    expect(decoded).toBe('notes+api%3A1:pa%2Bss%2Fw%C3%B6rd%25');
    expect(access).toEqual({
      sub: 'user-1',
      clientId: 'client-1',
      scopes: ['read', 'write'],
      roles: ['SCOPE_read', 'SCOPE_write'],
      username: 'alice',
      expiresAt: START + 3600,
      tokenFormat: 'opaque',
      claims: { ...(active().body as object) },
    });
  });

  it('uses the client as the subject when the answer names none', async () => {
    auth.introspect = () => active({ sub: undefined, username: undefined, scope: undefined });
    const access = await resourceServer().authenticate(bearer('service-token'));
    expect(access).toMatchObject({ sub: 'client-1', clientId: 'client-1', scopes: [], roles: [] });
    expect('username' in access).toBe(false);
  });

  it('refuses an inactive token with 401 invalid_token', async () => {
    auth.introspect = () => ({ body: { active: false } });
    const error = await rejection(resourceServer().authenticate(bearer('revoked')));
    expect(error.code).toBe('invalid_token');
    expect(error.status).toBe(401);
  });

  it.each([
    ['a refresh token', { token_type: 'refresh_token' }],
    ['another issuer', { iss: 'https://evil.example.com' }],
    ['another audience', { aud: 'https://other-api.example.com' }],
    ['no exp', { exp: undefined }],
    ['an exp in the past', { exp: START - 10 }],
    ['a future nbf', { nbf: START + 60 }],
    ['no client_id', { client_id: undefined }],
  ])('refuses an "active" answer with %s', async (_what, overrides) => {
    auth.introspect = () => active(overrides);
    expect((await rejection(resourceServer().authenticate(bearer('t')))).code).toBe('invalid_token');
  });

  it('accepts an audience list that names this API', async () => {
    auth.introspect = () => active({ aud: ['https://other.example.com', 'https://api.example.com'] });
    expect((await resourceServer({}, { audience: 'https://api.example.com' }).authenticate(bearer('t'))).sub).toBe(
      'user-1',
    );
  });

  it('posts to the configured endpoint', async () => {
    const rs = resourceServer({ endpoint: `${auth.url}/nowhere` });
    expect((await rejection(rs.authenticate(bearer('t')))).description).toMatch(/answered HTTP 404/);
  });
});

describe('when introspection fails', () => {
  it('answers 503 when the endpoint is unreachable', async () => {
    const rs = resourceServer({ endpoint: 'http://127.0.0.1:1/oauth/introspect' });
    const error = await rejection(rs.authenticate(bearer('t')));
    expect(error.status).toBe(503);
    expect(error.toJSON()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the token introspection endpoint could not be reached',
    });
  });

  it('answers 503 for a 5xx', async () => {
    auth.introspect = () => ({ status: 500, body: { error: 'server_error' } });
    const error = await rejection(resourceServer().authenticate(bearer('t')));
    expect(error.code).toBe('temporarily_unavailable');
    expect(error.headers()['www-authenticate']).toBeUndefined();
  });

  it("answers 503 naming the resource server's credentials when they are refused", async () => {
    auth.introspect = () => ({ status: 401, body: { error: 'invalid_client' } });
    const error = await rejection(resourceServer().authenticate(bearer('t')));
    expect(error.status).toBe(503);
    expect(error.description).toMatch(/refused the resource server's credentials/);
  });

  it('answers 503 for an answer that is not RFC 7662 JSON', async () => {
    auth.introspect = () => ({ body: '<html>' });
    expect((await rejection(resourceServer().authenticate(bearer('t')))).status).toBe(503);
    auth.introspect = () => ({ body: { active: 'true' } });
    expect((await rejection(resourceServer().authenticate(bearer('t')))).status).toBe(503);
  });
});

describe('the introspection cache', () => {
  it('reuses an active answer', async () => {
    const rs = resourceServer();
    await rs.authenticate(bearer('t1'));
    clock += 59;
    expect((await rs.authenticate(bearer('t1'))).sub).toBe('user-1');
    expect(auth.introspectionCalls).toHaveLength(1);
  });

  it('asks again after cacheMaxAge', async () => {
    const rs = resourceServer({ cacheMaxAge: 30 });
    await rs.authenticate(bearer('t1'));
    clock += 29;
    await rs.authenticate(bearer('t1'));
    expect(auth.introspectionCalls).toHaveLength(1);
    clock += 1;
    auth.introspect = () => ({ body: { active: false } }); // revoked meanwhile
    expect((await rejection(rs.authenticate(bearer('t1')))).code).toBe('invalid_token');
    expect(auth.introspectionCalls).toHaveLength(2);
  });

  it('never reuses an answer beyond the token expiry', async () => {
    auth.introspect = () => active({ exp: START + 10 });
    const rs = resourceServer({ cacheMaxAge: 60 });
    await rs.authenticate(bearer('short-lived'));
    clock += 9;
    await rs.authenticate(bearer('short-lived'));
    expect(auth.introspectionCalls).toHaveLength(1);
    clock += 1;
    auth.introspect = () => ({ body: { active: false } });
    expect((await rejection(rs.authenticate(bearer('short-lived')))).code).toBe('invalid_token');
    expect(auth.introspectionCalls).toHaveLength(2);
  });

  it('does not cache with cacheMaxAge 0', async () => {
    const rs = resourceServer({ cacheMaxAge: 0 });
    await rs.authenticate(bearer('t1'));
    await rs.authenticate(bearer('t1'));
    expect(auth.introspectionCalls).toHaveLength(2);
  });

  it('does not cache inactive answers', async () => {
    const rs = resourceServer();
    auth.introspect = () => ({ body: { active: false } });
    await rejection(rs.authenticate(bearer('t1')));
    auth.introspect = () => active();
    expect((await rs.authenticate(bearer('t1'))).sub).toBe('user-1');
    expect(auth.introspectionCalls).toHaveLength(2);
  });

  it('holds at most cacheSize answers, dropping the least recently used', async () => {
    const rs = resourceServer({ cacheSize: 2 });
    await rs.authenticate(bearer('a'));
    await rs.authenticate(bearer('b'));
    await rs.authenticate(bearer('a')); // a is now the most recently used
    await rs.authenticate(bearer('c')); // evicts b
    expect(auth.introspectionCalls.map((call) => call.token)).toEqual(['a', 'b', 'c']);
    await rs.authenticate(bearer('a'));
    await rs.authenticate(bearer('c'));
    expect(auth.introspectionCalls).toHaveLength(3);
    await rs.authenticate(bearer('b'));
    expect(auth.introspectionCalls.map((call) => call.token)).toEqual(['a', 'b', 'c', 'b']);
  });

  it('shares one request between concurrent lookups of the same token', async () => {
    const release = deferred<void>();
    auth.introspect = async () => {
      await release.promise;
      return active();
    };
    const rs = resourceServer();
    const lookups = [1, 2, 3, 4, 5].map(() => rs.authenticate(bearer('busy-token')));
    const other = rs.authenticate(bearer('other-token'));
    // Both distinct tokens reach the server before any answer comes back.
    while (auth.introspectionCalls.length < 2) await new Promise((resolve) => setImmediate(resolve));
    release.resolve();
    const results = await Promise.all([...lookups, other]);
    expect(results.every((access) => access.sub === 'user-1')).toBe(true);
    expect(auth.introspectionCalls.map((call) => call.token).sort()).toEqual(['busy-token', 'other-token']);
  });

  it('shares a failure between concurrent lookups too, and does not keep it', async () => {
    const release = deferred<void>();
    auth.introspect = async () => {
      await release.promise;
      return { status: 503, body: {} };
    };
    const rs = resourceServer();
    const lookups = [1, 2, 3].map(() => rejection(rs.authenticate(bearer('t'))));
    while (auth.introspectionCalls.length < 1) await new Promise((resolve) => setImmediate(resolve));
    release.resolve();
    expect((await Promise.all(lookups)).map((error) => error.status)).toEqual([503, 503, 503]);
    auth.introspect = () => active();
    expect((await rs.authenticate(bearer('t'))).sub).toBe('user-1');
    expect(auth.introspectionCalls).toHaveLength(2);
  });

  it('keys the cache by a hash, never the token itself', async () => {
    const client = new IntrospectionClient({
      endpoint: `${auth.url}/oauth/introspect`,
      clientId: 'notes-api',
      clientSecret: 's3cret',
      cacheMaxAge: 60,
      cacheSize: 10,
      issuer: auth.url,
      audience: [auth.url],
      clockTolerance: 5,
      now: () => clock,
    });
    await client.introspect('the-secret-token-value');
    expect(client.cachedCount).toBe(1);
    const entries = (client as unknown as { cache: { entries: Map<string, unknown> } }).cache.entries;
    const stored = JSON.stringify([...entries.keys(), ...entries.values()]);
    expect(stored).not.toContain('the-secret-token-value');
    expect([...entries.keys()][0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('gives every request its own copy of the claims', async () => {
    const rs = resourceServer();
    const first = await rs.authenticate(bearer('t1'));
    first.claims.scope = 'admin';
    first.scopes.push('admin');
    const second = await rs.authenticate(bearer('t1'));
    expect(second.claims.scope).toBe('read write');
    expect(second.scopes).toEqual(['read', 'write']);
  });
});

describe('ExpiringLruCache', () => {
  it('expires entries at their time and evicts the least recently read', () => {
    const cache = new ExpiringLruCache<string>(2);
    cache.set('a', 'A', 100);
    cache.set('b', 'B', 200);
    expect(cache.get('a', 99)).toBe('A');
    cache.set('c', 'C', 300);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 100)).toBeUndefined(); // expired exactly at 100
    expect(cache.size).toBe(1);
    expect(() => new ExpiringLruCache(0)).toThrow(RangeError);
  });
});
