import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  b64url,
  makeSigningKey,
  rejection,
  signAccessToken,
  startFakeAuthServer,
  type FakeAuthServer,
  type SigningKey,
  type TokenOptions,
} from '../../test/resource/fixtures.js';
import { JWKS_MAX_AGE, JWKS_REFETCH_COOLDOWN } from './jwt.js';
import { createResourceServer, type ResourceServer } from './resource-server.js';

const START = 1_800_000_000;
let clock = START;
let auth: FakeAuthServer;
let edKey: SigningKey;
let rs: ResourceServer;
const API = 'https://api.example.com';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const tokenOptions = (overrides: Partial<TokenOptions> = {}): TokenOptions => ({
  issuer: auth.url,
  audience: API,
  now: clock,
  ...overrides,
});
const sign = (overrides: Partial<TokenOptions> = {}, key = edKey) => signAccessToken(key, tokenOptions(overrides));

beforeAll(async () => {
  auth = await startFakeAuthServer();
  edKey = await makeSigningKey('EdDSA', 'ed-1');
});
afterAll(() => auth.close());
beforeEach(() => {
  clock = START;
  auth.jwks = { keys: [edKey.publicJwk] };
  auth.jwksRequests = 0;
  rs = createResourceServer({ issuer: auth.url, audience: API, tokenFormat: 'jwt', now: () => clock });
});

describe('JWT access tokens (RFC 9068)', () => {
  it('accepts a valid token and describes it', async () => {
    const token = await sign({
      claims: {
        sub: 'alice-id',
        client_id: 'notes-app',
        scope: 'read notes:write',
        username: 'alice',
        roles: ['ROLE_ADMIN'],
      },
    });
    const access = await rs.authenticate(bearer(token));
    expect(access).toMatchObject({
      sub: 'alice-id',
      clientId: 'notes-app',
      scopes: ['read', 'notes:write'],
      roles: ['SCOPE_read', 'SCOPE_notes:write', 'ROLE_ADMIN'],
      username: 'alice',
      expiresAt: START + 3600,
      tokenFormat: 'jwt',
    });
    expect(access.claims.iss).toBe(auth.url);
    expect(auth.jwksRequests).toBe(1);
  });

  it.each(['ES256', 'RS256'] as const)('accepts %s', async (alg) => {
    const key = await makeSigningKey(alg);
    auth.jwks = { keys: [edKey.publicJwk, key.publicJwk] };
    expect((await rs.authenticate(bearer(await sign({}, key)))).clientId).toBe('client-1');
  });

  it('fetches the JWKS once for many tokens', async () => {
    for (let i = 0; i < 3; i++) await rs.authenticate(bearer(await sign()));
    expect(auth.jwksRequests).toBe(1);
  });

  it('remembers a verified token: used again it needs no key lookup, and it still expires on time', async () => {
    const token = await sign({ lifetime: 3600 });
    expect((await rs.authenticate(bearer(token))).tokenFormat).toBe('jwt');
    // The keys are gone and stale (past their max age): a lookup would refetch and fail.
    auth.jwks = { keys: [] };
    clock = START + JWKS_MAX_AGE + 1;
    expect((await rs.authenticate(bearer(token))).sub).toBe('user-1');
    expect(auth.jwksRequests).toBe(1);
    clock = START + 3600 + 5;
    const error = await rejection(rs.authenticate(bearer(token)));
    expect(error.code).toBe('invalid_token');
    expect(error.description).toBe('the access token has expired');
  });

  it('refuses a tampered token', async () => {
    const [header, , signature] = (await sign()).split('.');
    const forgedPayload = b64url({
      iss: auth.url,
      sub: 'admin',
      aud: API,
      exp: START + 3600,
      iat: START,
      jti: 'x',
      client_id: 'client-1',
      scope: 'admin',
    });
    const error = await rejection(rs.authenticate(bearer(`${header}.${forgedPayload}.${signature}`)));
    expect(error.code).toBe('invalid_token');
    expect(error.status).toBe(401);
    expect(error.description).toMatch(/signature/);
  });

  it('refuses a token expired beyond the clock tolerance, and accepts one within it', async () => {
    const token = await sign({ lifetime: 60 });
    clock = START + 60 + 6; // tolerance is 5 s
    const error = await rejection(rs.authenticate(bearer(token)));
    expect(error.code).toBe('invalid_token');
    expect(error.description).toBe('the access token has expired');
    clock = START + 60 + 4;
    expect((await rs.authenticate(bearer(token))).expiresAt).toBe(START + 60);
  });

  it('honours clockTolerance', async () => {
    const strict = createResourceServer({
      issuer: auth.url,
      audience: API,
      tokenFormat: 'jwt',
      clockTolerance: 0,
      now: () => clock,
    });
    const token = await sign({ lifetime: 60 });
    clock = START + 61;
    expect((await rejection(strict.authenticate(bearer(token)))).code).toBe('invalid_token');
  });

  it('refuses a token for another audience, and accepts any of a list', async () => {
    const error = await rejection(rs.authenticate(bearer(await sign({ audience: 'https://other.example.com' }))));
    expect(error.code).toBe('invalid_token');
    expect(error.description).toMatch(/aud/);
    const several = createResourceServer({
      issuer: auth.url,
      audience: ['https://a.example', API],
      tokenFormat: 'jwt',
      now: () => clock,
    });
    expect((await several.authenticate(bearer(await sign({ audience: [API, 'https://z.example'] })))).sub).toBe(
      'user-1',
    );
  });

  it('defaults the audience to the issuer', async () => {
    const byIssuer = createResourceServer({ issuer: auth.url, now: () => clock });
    expect((await byIssuer.authenticate(bearer(await sign({ audience: auth.url })))).sub).toBe('user-1');
    expect(await rejection(byIssuer.authenticate(bearer(await sign())))).toMatchObject({ code: 'invalid_token' });
  });

  it('refuses another issuer, even one that differs by a trailing slash', async () => {
    for (const issuer of ['https://evil.example.com', `${auth.url}/`]) {
      const error = await rejection(rs.authenticate(bearer(await sign({ issuer }))));
      expect(error.code).toBe('invalid_token');
      expect(error.description).toMatch(/iss/);
    }
  });

  it('refuses alg "none"', async () => {
    const header = b64url({ alg: 'none', typ: 'at+jwt', kid: edKey.kid });
    const payload = b64url({
      iss: auth.url,
      sub: 'admin',
      aud: API,
      exp: START + 3600,
      iat: START,
      jti: 'x',
      client_id: 'client-1',
      scope: 'admin',
    });
    for (const token of [`${header}.${payload}.`, `${header}.${payload}.${b64url('sig')}`]) {
      const error = await rejection(rs.authenticate(bearer(token)));
      expect(error.code).toBe('invalid_token');
      expect(error.status).toBe(401);
    }
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const header = b64url({ alg: 'HS256', typ: 'at+jwt', kid: edKey.kid });
    const payload = b64url({
      iss: auth.url,
      sub: 'admin',
      aud: API,
      exp: START + 3600,
      iat: START,
      jti: 'x',
      client_id: 'client-1',
      scope: 'admin',
    });
    for (const secret of [JSON.stringify(edKey.publicJwk), Buffer.from(edKey.publicJwk.x!, 'base64url')]) {
      const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      const error = await rejection(rs.authenticate(bearer(`${header}.${payload}.${signature}`)));
      expect(error.code).toBe('invalid_token');
      expect(error.description).toMatch(/EdDSA, ES256, RS256/);
    }
  });

  it('refuses a token whose typ is not at+jwt (an ID token, say), or that has none', async () => {
    for (const typ of ['JWT', 'id_token+jwt', undefined]) {
      const error = await rejection(rs.authenticate(bearer(await sign({ header: { typ } }))));
      expect(error.code).toBe('invalid_token');
      expect(error.description).toMatch(/typ/);
    }
    // RFC 9068 §4: the media type form is the same type.
    expect((await rs.authenticate(bearer(await sign({ header: { typ: 'application/at+jwt' } })))).sub).toBe('user-1');
  });

  it.each(['exp', 'sub', 'client_id', 'iat', 'jti'])('refuses a token without %s', async (claim) => {
    const error = await rejection(rs.authenticate(bearer(await sign({ claims: { [claim]: undefined } }))));
    expect(error.code).toBe('invalid_token');
    expect(error.description).toContain(claim);
  });

  it('refuses a token that is not yet valid (nbf)', async () => {
    const error = await rejection(rs.authenticate(bearer(await sign({ claims: { nbf: START + 60 } }))));
    expect(error.code).toBe('invalid_token');
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const stranger = await makeSigningKey('EdDSA', edKey.kid); // same kid, other key
    const error = await rejection(rs.authenticate(bearer(await sign({}, stranger))));
    expect(error.code).toBe('invalid_token');
  });

  it('refuses garbage shaped like a JWT', async () => {
    for (const token of ['a.b.c', `${b64url('{"alg":')}.${b64url('{}')}.x`]) {
      expect((await rejection(rs.authenticate(bearer(token)))).code).toBe('invalid_token');
    }
  });
});

describe('signing key rotation', () => {
  it('refetches the JWKS for an unknown kid at most once per cooldown, then accepts the new key', async () => {
    const oldToken = await sign();
    await rs.authenticate(bearer(oldToken));
    expect(auth.jwksRequests).toBe(1);

    const newKey = await makeSigningKey('EdDSA', 'ed-2');
    const newToken = await sign({}, newKey);
    // Not published yet: the refetch finds nothing, and the cooldown starts.
    clock += JWKS_REFETCH_COOLDOWN;
    expect((await rejection(rs.authenticate(bearer(newToken)))).code).toBe('invalid_token');
    expect(auth.jwksRequests).toBe(2);

    // Published now, but within the cooldown: no request to the issuer, still refused.
    auth.jwks = { keys: [newKey.publicJwk, edKey.publicJwk] };
    clock += JWKS_REFETCH_COOLDOWN - 1;
    expect((await rejection(rs.authenticate(bearer(newToken)))).code).toBe('invalid_token');
    expect(auth.jwksRequests).toBe(2);

    clock += 1;
    expect((await rs.authenticate(bearer(newToken))).sub).toBe('user-1');
    expect(auth.jwksRequests).toBe(3);
    // The retired key is still published: its tokens keep working, with no further fetch.
    expect((await rs.authenticate(bearer(oldToken))).sub).toBe('user-1');
    expect(auth.jwksRequests).toBe(3);
  });

  it('shares one JWKS request between concurrent tokens with unknown kids', async () => {
    await rs.authenticate(bearer(await sign()));
    const newKey = await makeSigningKey('ES256', 'es-2');
    auth.jwks = { keys: [edKey.publicJwk, newKey.publicJwk] };
    clock += JWKS_REFETCH_COOLDOWN;
    const tokens = await Promise.all([1, 2, 3, 4].map(() => sign({}, newKey)));
    const results = await Promise.all(tokens.map((token) => rs.authenticate(bearer(token))));
    expect(results.map((access) => access.tokenFormat)).toEqual(['jwt', 'jwt', 'jwt', 'jwt']);
    expect(auth.jwksRequests).toBe(2);
  });
});

describe('when the keys cannot be fetched', () => {
  it('answers 503 temporarily_unavailable, not 401: the token may be fine', async () => {
    const unreachable = createResourceServer({
      issuer: auth.url,
      audience: API,
      jwksUri: 'http://127.0.0.1:1/jwks.json',
      tokenFormat: 'jwt',
      now: () => clock,
    });
    const error = await rejection(unreachable.authenticate(bearer(await sign())));
    expect(error.code).toBe('temporarily_unavailable');
    expect(error.status).toBe(503);
  });

  it('answers 503 when the JWKS is not JSON', async () => {
    const broken = createResourceServer({
      issuer: auth.url,
      audience: API,
      tokenFormat: 'jwt',
      now: () => clock,
      fetch: async () => new Response('<html>', { status: 200 }),
    });
    expect((await rejection(broken.authenticate(bearer(await sign())))).status).toBe(503);
  });

  it('keeps using the keys it has when a background refresh fails', async () => {
    let up = true;
    const flaky = createResourceServer({
      issuer: auth.url,
      audience: API,
      tokenFormat: 'jwt',
      now: () => clock,
      fetch: async (input, init) => (up ? fetch(input, init) : new Response('down', { status: 502 })),
    });
    await flaky.authenticate(bearer(await sign()));
    up = false;
    clock += 3600;
    const token = await sign();
    expect((await flaky.authenticate(bearer(token))).sub).toBe('user-1');
    expect((await flaky.authenticate(bearer(token))).sub).toBe('user-1');
  });
});
