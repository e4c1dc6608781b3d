import { cheapPasswords } from '../../test/harness/passwords.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { rejectedOAuthError } from '../../test/helpers/errors.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { composeServices, type Services } from '../compose.js';
import { ClientRegistry, type RegisteredClient } from './clients.js';
import { ManualClock } from './clock.js';
import { hashSecret, tokenKey } from './secrets.js';
import type { TokenResponse } from './tokens.js';

/**
 * RFC 7662 token introspection through Gatehouse over a real SQLite store with a hand-moved
 * clock: the exact description of an active token, and the bare {"active": false} for every
 * token the caller may not see or that is no longer good, opaque and JWT alike.
 */

const ISSUER = 'https://auth.example';
const API = 'https://api.example';
const KEK = 'aW50cm9zcGVjdGlvbi10ZXN0cy1rZXktZW5jcnlwdGlvbg==';
const PASSWORD = 'a long passphrase';
const ACCESS_LIFETIME = 600;
const REFRESH_LIFETIME = 7200;
const INACTIVE = { active: false };

describe('token introspection (RFC 7662)', () => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);
  const settings = {
    issuer: ISSUER,
    supported_scopes: ['read', 'write'],
    default_scope: 'read',
    access_token_lifetime: ACCESS_LIFETIME,
    refresh_token_lifetime: REFRESH_LIFETIME,
  };
  let opaque: Services;
  let jwt: Services;
  /** Confidential: password, refresh_token, client_credentials. */
  let app: RegisteredClient;
  let rival: RegisteredClient;
  let spa: RegisteredClient;
  /** Created with --introspect: sees every client's tokens. */
  let resourceServer: RegisteredClient;
  let aliceId: string;
  const accounts = () => new UserAccounts(db.store, { clock, passwords: cheapPasswords });

  beforeAll(async () => {
    db = await createSqliteStore();
    opaque = composeServices({ passwords: cheapPasswords, config: validateConfig(settings), store: db.store, clock });
    jwt = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({
        ...settings,
        access_token_format: 'jwt',
        key_encryption_key: KEK,
        access_token_audience: API,
        jwt_user_claims: true,
      }),
      store: db.store,
      clock,
    });
    const registry = new ClientRegistry(db.store, clock);
    const grants = ['password', 'refresh_token', 'client_credentials'];
    app = await registry.create({ name: 'app', grantTypes: grants });
    rival = await registry.create({ name: 'rival', grantTypes: grants });
    spa = await registry.create({ name: 'spa', isPublic: true, grantTypes: ['password', 'refresh_token'] });
    resourceServer = await registry.create({ name: 'api', grantTypes: ['client_credentials'], canIntrospect: true });
    aliceId = (await accounts().create({ username: 'alice', email: 'alice@example.com', password: PASSWORD })).id;
    await accounts().create({ username: 'bob', email: 'bob@example.com', password: PASSWORD });
  });
  afterAll(() => db.cleanup());

  const credentials = (who: RegisteredClient): Record<string, string> =>
    who.secret === null ? { client_id: who.client.id } : { client_id: who.client.id, client_secret: who.secret };
  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  const tokenRequest = async (
    on: Services,
    who: RegisteredClient,
    params: Record<string, string>,
  ): Promise<TokenResponse> =>
    (await on.tokenEndpoint.handle({ params: new Map(Object.entries({ ...credentials(who), ...params })) })).response;
  const login = (who = app, on = opaque, username = 'alice', scope = 'read write') =>
    tokenRequest(on, who, { grant_type: 'password', username, password: PASSWORD, scope });
  const refresh = (tokens: TokenResponse, who = app, on = opaque) =>
    tokenRequest(on, who, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });

  const introspect = async (who: RegisteredClient, params: Record<string, string>, on = opaque) =>
    (await on.introspectionEndpoint.handle({ params: new Map(Object.entries({ ...credentials(who), ...params })) }))
      .response;
  const revoke = (who: RegisteredClient, token: string, on = opaque) =>
    on.revocationEndpoint.handle({ params: new Map(Object.entries({ ...credentials(who), token })) });

  it("describes an active user access token with exactly RFC 7662's members", async () => {
    const issuedAt = clock.now();
    const tokens = await login();
    const record = await db.store.findAccessToken(tokenKey(tokens.access_token));
    expect(await introspect(app, { token: tokens.access_token })).toStrictEqual({
      active: true,
      scope: 'read write',
      client_id: app.client.id,
      username: 'alice',
      sub: aliceId,
      token_type: 'Bearer',
      exp: issuedAt + ACCESS_LIFETIME,
      iat: issuedAt,
      nbf: issuedAt,
      iss: ISSUER,
      aud: ISSUER,
      jti: record!.jti,
    });
    expect(record!.jti).toEqual(expect.any(String));
  });

  it('a client_credentials token: the client is the subject, no username', async () => {
    const issuedAt = clock.now();
    const { access_token } = await tokenRequest(opaque, app, { grant_type: 'client_credentials', scope: 'write' });
    expect(await introspect(app, { token: access_token })).toStrictEqual({
      active: true,
      scope: 'write',
      client_id: app.client.id,
      sub: app.client.id,
      token_type: 'Bearer',
      exp: issuedAt + ACCESS_LIFETIME,
      iat: issuedAt,
      nbf: issuedAt,
      iss: ISSUER,
      aud: ISSUER,
      jti: (await db.store.findAccessToken(tokenKey(access_token)))!.jti,
    });
  });

  it("a refresh token reads token_type refresh_token, with the refresh token's expiry and no aud or jti", async () => {
    const issuedAt = clock.now();
    const tokens = await login();
    const expected = {
      active: true,
      scope: 'read write',
      client_id: app.client.id,
      username: 'alice',
      sub: aliceId,
      token_type: 'refresh_token',
      exp: issuedAt + REFRESH_LIFETIME,
      iat: issuedAt,
      nbf: issuedAt,
      iss: ISSUER,
    };
    expect(await introspect(app, { token: tokens.refresh_token! })).toStrictEqual(expected);
    expect(await introspect(app, { token: tokens.refresh_token!, token_type_hint: 'refresh_token' })).toStrictEqual(
      expected,
    );
  });

  it('token_type_hint is only a hint: a wrong or unknown one still finds the token', async () => {
    const tokens = await login();
    for (const hint of ['refresh_token', 'access_token', 'id_token', 'nonsense']) {
      expect((await introspect(app, { token: tokens.access_token, token_type_hint: hint })).token_type, hint).toBe(
        'Bearer',
      );
      expect((await introspect(app, { token: tokens.refresh_token!, token_type_hint: hint })).token_type, hint).toBe(
        'refresh_token',
      );
    }
  });

  it('answers a request without a token with invalid_request, and a failed client authentication with 401 invalid_client', async () => {
    expect((await rejectedOAuthError(introspect(app, {}))).code).toBe('invalid_request');
    const tokens = await login();
    const failures = [
      opaque.introspectionEndpoint.handle({ params: new Map([['token', tokens.access_token]]) }),
      opaque.introspectionEndpoint.handle({
        params: new Map([['token', tokens.access_token]]),
        authorization: basic(app.client.id, 'wrong secret'),
      }),
      opaque.introspectionEndpoint.handle({
        params: new Map(
          Object.entries({ token: tokens.access_token, client_id: app.client.id, client_secret: rival.secret! }),
        ),
      }),
      opaque.introspectionEndpoint.handle({
        params: new Map(Object.entries({ token: tokens.access_token, client_id: resourceServer.client.id })),
      }),
      opaque.introspectionEndpoint.handle({
        params: new Map(Object.entries({ token: tokens.access_token, client_id: 'nobody', client_secret: 'x' })),
      }),
    ];
    for (const failure of failures) {
      const error = await rejectedOAuthError(failure);
      expect({ code: error.code, status: error.status }).toEqual({ code: 'invalid_client', status: 401 });
    }
    // Basic authentication works when right.
    const viaBasic = await opaque.introspectionEndpoint.handle({
      params: new Map([['token', tokens.access_token]]),
      authorization: basic(app.client.id, app.secret!),
    });
    expect(viaBasic).toMatchObject({ clientId: app.client.id, response: { active: true } });
  });

  it('an access token is active until its last second, then exactly {"active": false}', async () => {
    const tokens = await login();
    clock.advance(ACCESS_LIFETIME - 1);
    expect((await introspect(app, { token: tokens.access_token })).active).toBe(true);
    clock.advance(1);
    expect(await introspect(app, { token: tokens.access_token })).toStrictEqual(INACTIVE);
    expect(await introspect(resourceServer, { token: tokens.access_token })).toStrictEqual(INACTIVE);
    // The refresh token lives on.
    expect((await introspect(app, { token: tokens.refresh_token! })).active).toBe(true);
    clock.advance(REFRESH_LIFETIME - ACCESS_LIFETIME);
    expect(await introspect(app, { token: tokens.refresh_token! })).toStrictEqual(INACTIVE);
  });

  it('revoked tokens, a used refresh token and the tokens of a revoked grant are inactive', async () => {
    const revokedAccess = await login();
    await revoke(app, revokedAccess.access_token);
    expect(await introspect(app, { token: revokedAccess.access_token })).toStrictEqual(INACTIVE);

    const rotated = await login();
    const next = await refresh(rotated);
    // Rotation used the refresh token and revoked the access token issued with it.
    expect(await introspect(app, { token: rotated.refresh_token! })).toStrictEqual(INACTIVE);
    expect(await introspect(app, { token: rotated.access_token })).toStrictEqual(INACTIVE);
    expect((await introspect(app, { token: next.access_token })).active).toBe(true);

    await revoke(app, next.refresh_token!);
    expect(await introspect(app, { token: next.refresh_token! })).toStrictEqual(INACTIVE);
    expect(await introspect(app, { token: next.access_token })).toStrictEqual(INACTIVE);
    expect(await introspect(resourceServer, { token: next.access_token })).toStrictEqual(INACTIVE);
  });

  it('reuse of a used refresh token takes the grant down: its newest tokens read inactive', async () => {
    const first = await login();
    const second = await refresh(first);
    await rejectedOAuthError(refresh(first));
    expect(await introspect(app, { token: second.access_token })).toStrictEqual(INACTIVE);
    expect(await introspect(app, { token: second.refresh_token! })).toStrictEqual(INACTIVE);
  });

  it('unknown, malformed and oversized tokens are inactive', async () => {
    for (const token of ['A'.repeat(43), 'x', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'y'.repeat(100_000)]) {
      expect(await introspect(app, { token })).toStrictEqual(INACTIVE);
      expect(await introspect(resourceServer, { token })).toStrictEqual(INACTIVE);
    }
  });

  it("the tokens of a deactivated user are inactive; the client's own tokens are not affected", async () => {
    const tokens = await login(app, opaque, 'bob');
    const service = await tokenRequest(opaque, app, { grant_type: 'client_credentials' });
    await accounts().setEnabled('bob', false);
    try {
      for (const token of [tokens.access_token, tokens.refresh_token!]) {
        expect(await introspect(app, { token })).toStrictEqual(INACTIVE);
        expect(await introspect(resourceServer, { token })).toStrictEqual(INACTIVE);
      }
      // A client's own token is not a user's.
      expect((await introspect(app, { token: service.access_token })).active).toBe(true);
    } finally {
      await accounts().setEnabled('bob', true);
    }
  });

  it("another client's token is inactive to a client, active to a resource server created with --introspect", async () => {
    const tokens = await login(app);
    for (const who of [rival, spa]) {
      expect(await introspect(who, { token: tokens.access_token })).toStrictEqual(INACTIVE);
      expect(await introspect(who, { token: tokens.refresh_token! })).toStrictEqual(INACTIVE);
    }
    const seen = await introspect(resourceServer, { token: tokens.access_token });
    expect(seen).toMatchObject({
      active: true,
      client_id: app.client.id,
      sub: aliceId,
      username: 'alice',
      token_type: 'Bearer',
    });
    expect(await introspect(app, { token: tokens.access_token })).toStrictEqual(seen);
  });

  it('a public client introspects its own tokens with its client_id alone', async () => {
    const tokens = await login(spa);
    expect(await introspect(spa, { token: tokens.access_token })).toMatchObject({
      active: true,
      client_id: spa.client.id,
      username: 'alice',
    });
    expect(await introspect(app, { token: tokens.access_token })).toStrictEqual(INACTIVE);
  });

  it('a token stored before migration 3 (no jti) is described without jti', async () => {
    const value = 'legacy-token-value-with-enough-entropy-0123456789';
    const now = clock.now();
    await db.store.issueTokens({
      accessToken: {
        tokenHash: hashSecret(value),
        jti: null,
        familyId: 'legacy-family',
        clientId: app.client.id,
        userId: aliceId,
        scope: 'read',
        issuedAt: now,
        expiresAt: now + 60,
        revokedAt: null,
      },
    });
    expect(await introspect(app, { token: value })).toStrictEqual({
      active: true,
      scope: 'read',
      client_id: app.client.id,
      username: 'alice',
      sub: aliceId,
      token_type: 'Bearer',
      exp: now + 60,
      iat: now,
      nbf: now,
      iss: ISSUER,
      aud: ISSUER,
    });
  });

  describe('JWT access tokens (with access_token_audience)', () => {
    it('describe the token with the claims it carries: sub, exp, iat, jti, client_id, scope, aud', async () => {
      const tokens = await login(app, jwt);
      const claims = decodeJwt(tokens.access_token);
      expect(await introspect(app, { token: tokens.access_token }, jwt)).toStrictEqual({
        active: true,
        scope: claims.scope,
        client_id: claims.client_id,
        username: 'alice',
        sub: claims.sub,
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        nbf: claims.iat,
        iss: claims.iss,
        aud: API,
        jti: claims.jti,
      });
      expect(claims.aud).toBe(API);
    });

    it('are inactive once revoked, expired, their user deactivated, or asked about by another client', async () => {
      const revoked = await login(app, jwt);
      await revoke(app, revoked.access_token, jwt);
      expect(await introspect(app, { token: revoked.access_token }, jwt)).toStrictEqual(INACTIVE);

      const foreign = await login(app, jwt);
      expect(await introspect(rival, { token: foreign.access_token }, jwt)).toStrictEqual(INACTIVE);
      expect((await introspect(resourceServer, { token: foreign.access_token }, jwt)).active).toBe(true);

      const bobs = await login(app, jwt, 'bob');
      await accounts().setEnabled('bob', false);
      try {
        expect(await introspect(app, { token: bobs.access_token }, jwt)).toStrictEqual(INACTIVE);
      } finally {
        await accounts().setEnabled('bob', true);
      }

      clock.advance(ACCESS_LIFETIME);
      expect(await introspect(app, { token: foreign.access_token }, jwt)).toStrictEqual(INACTIVE);
      expect(await introspect(resourceServer, { token: foreign.access_token }, jwt)).toStrictEqual(INACTIVE);
    });

    it('an altered JWT (a scope added, the signature kept) is inactive', async () => {
      const tokens = await login(app, jwt);
      const [header, , signature] = tokens.access_token.split('.');
      const altered = Buffer.from(
        JSON.stringify({ ...decodeJwt(tokens.access_token), scope: 'read write admin' }),
      ).toString('base64url');
      expect(await introspect(app, { token: `${header}.${altered}.${signature}` }, jwt)).toStrictEqual(INACTIVE);
    });

    it('a JWT carrying many roles (jwt_user_claims) is described like any other', async () => {
      const roles = Array.from({ length: 100 }, (_, i) => `department_${i}_member`);
      await accounts().create({ username: 'carol', email: 'carol@example.com', password: PASSWORD, roles });
      const tokens = await login(app, jwt, 'carol');
      expect(await db.store.findAccessToken(tokenKey(tokens.access_token))).not.toBeNull();
      const described = await introspect(app, { token: tokens.access_token }, jwt);
      expect(described.active, `a ${tokens.access_token.length}-character token Gatehouse issued reads inactive`).toBe(
        true,
      );
      expect(described).toMatchObject({ username: 'carol', jti: decodeJwt(tokens.access_token).jti });
    });
  });
});
