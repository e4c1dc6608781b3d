import { cheapPasswords } from '../../test/harness/passwords.js';
import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import type { ConfigInput } from '../config/schema.js';
import { composeServices, type Services } from '../compose.js';
import { ClientRegistry, type RegisteredClient } from './clients.js';
import { ManualClock } from './clock.js';
import { KEY_PREPUBLICATION_SECONDS } from './keys.js';
import { tokenKey } from './secrets.js';
import type { TokenResponse } from './tokens.js';

/**
 * RFC 9068 JWT access tokens minted by Gatehouse (access_token_format: jwt) over a real SQLite
 * store and a hand-moved clock: header, exact claims per grant, the optional user claims and
 * audience, the signature against the published keys, and the database record behind each token.
 */

const ISSUER = 'https://auth.example';
const API = 'https://api.example/v1';
const KEK = 'dGVzdHMtb25seS1rZXktZW5jcnlwdGlvbi1rZXktMzI=';
const LIFETIME = 600;
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const CALLBACK = 'https://app.example/cb';
const PASSWORD = 'a long passphrase';

const JWT_SETTINGS: ConfigInput = {
  issuer: ISSUER,
  supported_scopes: ['read', 'write'],
  default_scope: 'read',
  access_token_lifetime: LIFETIME,
  access_token_format: 'jwt',
  key_encryption_key: KEK,
};

/** SHA-256 of the whole token, base64url: how the database stores a token, computed here independently. */
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');

describe('JWT access tokens (access_token_format: jwt)', () => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);
  let plain: Services;
  let userClaims: Services;
  let audience: Services;
  let app: RegisteredClient;
  let web: RegisteredClient;
  let legacy: RegisteredClient;
  let aliceId: string;

  beforeAll(async () => {
    db = await createSqliteStore();
    plain = composeServices({
      passwords: cheapPasswords,
      config: validateConfig(JWT_SETTINGS),
      store: db.store,
      clock,
    });
    userClaims = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({ ...JWT_SETTINGS, jwt_user_claims: true }),
      store: db.store,
      clock,
    });
    audience = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({ ...JWT_SETTINGS, access_token_audience: API }),
      store: db.store,
      clock,
    });
    const registry = new ClientRegistry(db.store, clock);
    app = await registry.create({ name: 'app', grantTypes: ['password', 'refresh_token', 'client_credentials'] });
    web = await registry.create({ name: 'web', redirectUris: [CALLBACK] });
    legacy = await registry.create({
      name: 'legacy',
      redirectUris: ['https://legacy.example/cb'],
      grantTypes: ['implicit'],
    });
    aliceId = (
      await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
        username: 'alice',
        email: 'alice@example.com',
        password: PASSWORD,
        roles: ['admin', 'auditor'],
      })
    ).id;
  });
  afterAll(() => db.cleanup());

  const request = async (on: Services, params: Record<string, string>, client = app): Promise<TokenResponse> =>
    (
      await on.tokenEndpoint.handle({
        params: new Map(Object.entries({ client_id: client.client.id, client_secret: client.secret!, ...params })),
      })
    ).response;
  const password = (on = plain, extra: Record<string, string> = {}) =>
    request(on, { grant_type: 'password', username: 'alice', password: PASSWORD, ...extra });
  const clientCredentials = (on = plain) => request(on, { grant_type: 'client_credentials' });

  /** Verifies the signature with the published keys, as a resource server would, at the test clock's time. */
  async function verify(on: Services, token: string, expectedAudience = ISSUER) {
    const jwks = createLocalJWKSet({ keys: await on.keys!.publishedKeys() });
    return jwtVerify(token, jwks, {
      issuer: ISSUER,
      audience: expectedAudience,
      typ: 'at+jwt',
      currentDate: new Date(clock.now() * 1000),
    });
  }

  /** The code flow through the authorization endpoint, then the exchange. */
  async function codeFlow(on: Services): Promise<TokenResponse> {
    const validation = await on.authorizationEndpoint.validate(
      new Map(
        Object.entries({
          response_type: 'code',
          client_id: web.client.id,
          redirect_uri: CALLBACK,
          scope: 'read write',
          code_challenge: CHALLENGE,
          code_challenge_method: 'S256',
        }),
      ),
    );
    if (validation.kind !== 'valid') throw new Error(`refused: ${JSON.stringify(validation)}`);
    const alice = (await db.store.findUserById(aliceId))!;
    const code = new URL(await on.authorizationEndpoint.approve(validation.request, alice, false)).searchParams.get(
      'code',
    )!;
    return request(
      on,
      { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: VERIFIER },
      web,
    );
  }

  it('password grant: header typ at+jwt, alg and kid of the current key; exactly the RFC 9068 claims', async () => {
    const now = clock.now();
    const tokens = await password();
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: LIFETIME, scope: 'read' });
    expect(tokens.access_token.split('.')).toHaveLength(3);
    const current = await plain.keys!.signingKey();
    expect(decodeProtectedHeader(tokens.access_token)).toStrictEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: current.kid });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toStrictEqual({
      iss: ISSUER,
      sub: aliceId,
      aud: ISSUER,
      exp: now + LIFETIME,
      iat: now,
      jti: expect.any(String),
      client_id: app.client.id,
      scope: 'read',
    });
    expect(claims.exp! - claims.iat!).toBe(LIFETIME);
    // The refresh token stays opaque.
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{51}$/);
  });

  it('the stored record is keyed by the SHA-256 of the whole JWT and carries its jti, subject, times and scope', async () => {
    const tokens = await password(plain, { scope: 'read write' });
    const claims = decodeJwt(tokens.access_token);
    const record = await db.store.findAccessToken(sha256(tokens.access_token));
    expect(record).toMatchObject({
      jti: claims.jti,
      clientId: app.client.id,
      userId: aliceId,
      scope: 'read write',
      issuedAt: claims.iat,
      expiresAt: claims.exp,
      revokedAt: null,
    });
    // Not the hash of the signed part alone, nor of the signature.
    const [header, payload, signature] = tokens.access_token.split('.');
    expect(await db.store.findAccessToken(sha256(`${header}.${payload}`))).toBeNull();
    expect(await db.store.findAccessToken(sha256(signature!))).toBeNull();
    expect(claims.scope).toBe('read write');
  });

  it('every token gets its own jti', async () => {
    const tokens = await Promise.all([password(), password(), clientCredentials(), clientCredentials()]);
    const jtis = tokens.map((t) => decodeJwt(t.access_token).jti);
    expect(new Set(jtis).size).toBe(4);
    for (const [i, t] of tokens.entries())
      expect((await db.store.findAccessToken(sha256(t.access_token)))?.jti).toBe(jtis[i]);
  });

  it('client_credentials: the client is the subject; no user claims, even with jwt_user_claims', async () => {
    for (const on of [plain, userClaims]) {
      const now = clock.now();
      const { access_token } = await clientCredentials(on);
      expect(decodeJwt(access_token)).toStrictEqual({
        iss: ISSUER,
        sub: app.client.id,
        aud: ISSUER,
        exp: now + LIFETIME,
        iat: now,
        jti: expect.any(String),
        client_id: app.client.id,
        scope: 'read',
      });
      expect((await db.store.findAccessToken(sha256(access_token)))?.userId).toBeNull();
    }
  });

  it('jwt_user_claims adds username and roles to user tokens (password, refresh, code), and only then', async () => {
    const withClaims = await password(userClaims);
    expect(decodeJwt(withClaims.access_token)).toMatchObject({
      sub: aliceId,
      username: 'alice',
      roles: ['ROLE_ADMIN', 'ROLE_AUDITOR'],
    });
    await verify(userClaims, withClaims.access_token);

    const refreshed = await request(userClaims, {
      grant_type: 'refresh_token',
      refresh_token: withClaims.refresh_token!,
    });
    expect(decodeJwt(refreshed.access_token)).toMatchObject({
      sub: aliceId,
      username: 'alice',
      roles: ['ROLE_ADMIN', 'ROLE_AUDITOR'],
    });

    const code = await codeFlow(userClaims);
    expect(decodeJwt(code.access_token)).toMatchObject({
      sub: aliceId,
      client_id: web.client.id,
      username: 'alice',
      roles: ['ROLE_ADMIN', 'ROLE_AUDITOR'],
    });

    // Without the setting, none of them carries the claims.
    for (const tokens of [await password(plain), await codeFlow(plain)]) {
      const claims = decodeJwt(tokens.access_token);
      expect(claims).not.toHaveProperty('username');
      expect(claims).not.toHaveProperty('roles');
    }
  });

  it('a refreshed token carries the roles the user has at the time of the refresh', async () => {
    const accounts = new UserAccounts(db.store, { clock, passwords: cheapPasswords });
    const first = await password(userClaims);
    await accounts.promote('alice', 'editor');
    try {
      const refreshed = await request(userClaims, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
      expect(decodeJwt(refreshed.access_token).roles).toEqual(
        expect.arrayContaining(['ROLE_ADMIN', 'ROLE_AUDITOR', 'ROLE_EDITOR']),
      );
    } finally {
      await accounts.demote('alice', 'editor');
    }
  });

  it('aud is access_token_audience when configured, the issuer otherwise', async () => {
    const forApi = await password(audience);
    expect(decodeJwt(forApi.access_token).aud).toBe(API);
    await verify(audience, forApi.access_token, API);
    await expect(verify(audience, forApi.access_token, ISSUER)).rejects.toThrow();
    expect(decodeJwt((await clientCredentials(audience)).access_token).aud).toBe(API);

    expect(decodeJwt((await password(plain)).access_token).aud).toBe(ISSUER);
  });

  it('refresh and authorization_code grants mint JWTs too, each verifying with the published keys', async () => {
    const first = await password();
    const now = clock.now();
    const refreshed = await request(plain, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    const { payload } = await verify(plain, refreshed.access_token);
    expect(payload).toStrictEqual({
      iss: ISSUER,
      sub: aliceId,
      aud: ISSUER,
      exp: now + LIFETIME,
      iat: now,
      jti: expect.any(String),
      client_id: app.client.id,
      scope: 'read',
    } satisfies JWTPayload);
    expect(payload.jti).not.toBe(decodeJwt(first.access_token).jti);

    const code = await codeFlow(plain);
    const verified = await verify(plain, code.access_token);
    expect(verified.payload).toMatchObject({
      sub: aliceId,
      client_id: web.client.id,
      scope: 'read write',
      aud: ISSUER,
    });
    expect(verified.protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'EdDSA' });
  });

  it('the implicit grant hands out a JWT in the fragment', async () => {
    const validation = await plain.authorizationEndpoint.validate(
      new Map(
        Object.entries({
          response_type: 'token',
          client_id: legacy.client.id,
          redirect_uri: 'https://legacy.example/cb',
          scope: 'read',
        }),
      ),
    );
    if (validation.kind !== 'valid') throw new Error(`refused: ${JSON.stringify(validation)}`);
    const alice = (await db.store.findUserById(aliceId))!;
    const location = new URL(await plain.authorizationEndpoint.approve(validation.request, alice, false));
    const accessToken = new URLSearchParams(location.hash.slice(1)).get('access_token')!;
    const { payload } = await verify(plain, accessToken);
    expect(payload).toMatchObject({ sub: aliceId, client_id: legacy.client.id, scope: 'read' });
    expect((await db.store.findAccessToken(sha256(accessToken)))?.jti).toBe(payload.jti);
  });

  it('signatures verify with the published keys, and fail once the token is altered or has expired', async () => {
    const { access_token } = await password();
    const { payload } = await verify(plain, access_token);
    expect(payload.sub).toBe(aliceId);

    const [header, body, signature] = access_token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(access_token), scope: 'read write' })).toString(
      'base64url',
    );
    await expect(verify(plain, `${header}.${forged}.${signature}`)).rejects.toThrow();
    await expect(verify(plain, `${header}.${body}.${signature!.slice(0, -4)}AAAA`)).rejects.toThrow();

    clock.advance(LIFETIME - 1);
    await verify(plain, access_token);
    clock.advance(1);
    await expect(verify(plain, access_token)).rejects.toThrow(/"exp" claim/);
  });

  it('after a rotation the old key signs for 90 s more while both are published; then new tokens carry the new kid and the old ones keep verifying', async () => {
    const kidOf = (tokens: TokenResponse) => decodeProtectedHeader(tokens.access_token).kid;
    const published = async () => new Set((await plain.keys!.publishedKeys()).map((jwk) => jwk.kid));
    const before = await password();
    const oldKid = kidOf(before);
    const rotated = await plain.keys!.rotate();
    expect(rotated.kid).not.toBe(oldKid);
    // Published at once, so resource servers learn it before its first token...
    expect(await published()).toEqual(new Set([oldKid, rotated.kid]));
    // ...which comes KEY_PREPUBLICATION_SECONDS later; until then the old key signs, on every instance.
    const during = await password();
    expect(kidOf(during)).toBe(oldKid);
    expect(kidOf(await password(userClaims))).toBe(oldKid);
    clock.advance(KEY_PREPUBLICATION_SECONDS - 1);
    expect(kidOf(await password())).toBe(oldKid);
    clock.advance(1);
    const after = await password();
    expect(kidOf(after)).toBe(rotated.kid);
    expect(kidOf(await password(userClaims))).toBe(rotated.kid);
    expect(kidOf(await codeFlow(audience))).toBe(rotated.kid);
    for (const tokens of [before, during, after]) await verify(plain, tokens.access_token);

    // An immediate rotation switches at once on the instance that rotates.
    const urgent = await plain.keys!.rotate({ immediately: true });
    const afterUrgent = await password();
    expect(kidOf(afterUrgent)).toBe(urgent.kid);
    expect(await published()).toEqual(new Set([oldKid, rotated.kid, urgent.kid]));
    for (const tokens of [before, during, after, afterUrgent]) await verify(plain, tokens.access_token);
  });
});

describe.each(['ES256', 'RS256'] as const)('JWT access tokens signed with %s', (algorithm) => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);
  let gatehouse: Services;
  let client: RegisteredClient;

  beforeAll(async () => {
    db = await createSqliteStore();
    gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({ ...JWT_SETTINGS, jwt_signing_algorithm: algorithm }),
      store: db.store,
      clock,
    });
    client = await new ClientRegistry(db.store, clock).create({ name: 'svc', grantTypes: ['client_credentials'] });
  });
  afterAll(() => db.cleanup());

  it(`carries alg ${algorithm} and the kid, and verifies with the published keys`, async () => {
    const { response } = await gatehouse.tokenEndpoint.handle({
      params: new Map(
        Object.entries({
          grant_type: 'client_credentials',
          client_id: client.client.id,
          client_secret: client.secret!,
        }),
      ),
    });
    const header = decodeProtectedHeader(response.access_token);
    const [jwk] = await gatehouse.keys!.publishedKeys();
    expect(header).toStrictEqual({ alg: algorithm, typ: 'at+jwt', kid: jwk!.kid });
    expect(jwk!.alg).toBe(algorithm);
    const { payload } = await jwtVerify(response.access_token, createLocalJWKSet({ keys: [jwk!] }), {
      issuer: ISSUER,
      audience: ISSUER,
      typ: 'at+jwt',
      algorithms: [algorithm],
      currentDate: new Date(clock.now() * 1000),
    });
    expect(payload).toMatchObject({
      sub: client.client.id,
      client_id: client.client.id,
      exp: clock.now() + LIFETIME,
      iat: clock.now(),
    });
  });
});

describe('opaque access tokens (the default format)', () => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);

  beforeAll(async () => {
    db = await createSqliteStore();
  });
  afterAll(() => db.cleanup());

  it('stay opaque with a key_encryption_key configured, and store a jti all the same', async () => {
    const { key_encryption_key, issuer } = JWT_SETTINGS;
    const gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({ issuer, key_encryption_key }),
      store: db.store,
      clock,
    });
    const client = await new ClientRegistry(db.store, clock).create({
      name: 'svc',
      grantTypes: ['client_credentials'],
    });
    const { response } = await gatehouse.tokenEndpoint.handle({
      params: new Map(
        Object.entries({
          grant_type: 'client_credentials',
          client_id: client.client.id,
          client_secret: client.secret!,
        }),
      ),
    });
    expect(response.access_token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    expect((await db.store.findAccessToken(tokenKey(response.access_token)))?.jti).toEqual(expect.any(String));
    // No key is created for an opaque access token (an ID-token key comes with the first ID token);
    // the JWKS is published all the same, for ID tokens.
    expect(await db.store.listSigningKeys()).toEqual([]);
    expect(gatehouse.metadata.jwks_uri).toBe(`${issuer}/.well-known/jwks.json`);
  });
});
