import { cheapPasswords } from '../../test/harness/passwords.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { rejectedOAuthError } from '../../test/helpers/errors.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { composeServices, type Services } from '../compose.js';
import { ClientRegistry, type RegisteredClient } from './clients.js';
import { ManualClock } from './clock.js';
import { tokenKey } from './secrets.js';
import type { TokenResponse } from './tokens.js';

/**
 * RFC 7009 token revocation through Gatehouse over a real SQLite store: who may revoke what,
 * what a revocation takes down (one access token, or a refresh token's whole grant), and that
 * every request a client authenticated for gets the same answer whether or not anything was revoked.
 */

const KEK = 'cmV2b2NhdGlvbi10ZXN0cy1rZXktZW5jcnlwdGlvbi1rZXk=';
const PASSWORD = 'a long passphrase';

describe('token revocation (RFC 7009)', () => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);
  const settings = {
    issuer: 'https://auth.example',
    supported_scopes: ['read', 'write'],
    default_scope: 'read',
    access_token_lifetime: 600,
  };
  let opaque: Services;
  let jwt: Services;
  /** Confidential: password, refresh_token, client_credentials. */
  let app: RegisteredClient;
  /** Another confidential app with the same grants. */
  let rival: RegisteredClient;
  /** Public: password and refresh_token. */
  let spa: RegisteredClient;
  /** A resource server allowed to introspect everyone's tokens. */
  let resourceServer: RegisteredClient;

  beforeAll(async () => {
    db = await createSqliteStore();
    opaque = composeServices({ passwords: cheapPasswords, config: validateConfig(settings), store: db.store, clock });
    jwt = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({
        ...settings,
        access_token_format: 'jwt',
        key_encryption_key: KEK,
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
    await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
      username: 'alice',
      email: 'alice@example.com',
      password: PASSWORD,
    });
  });
  afterAll(() => db.cleanup());

  /** client_secret_post for a confidential client, client_id alone for a public one. */
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
  const login = (who = app, on = opaque) =>
    tokenRequest(on, who, { grant_type: 'password', username: 'alice', password: PASSWORD });
  const refresh = (tokens: TokenResponse, who = app, on = opaque) =>
    tokenRequest(on, who, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });

  const revoke = (who: RegisteredClient, params: Record<string, string>, on = opaque) =>
    on.revocationEndpoint.handle({ params: new Map(Object.entries({ ...credentials(who), ...params })) });
  /** Whether the token still reads active, asked by the resource server (which sees every client's tokens). */
  const active = async (token: string, on = opaque) =>
    (
      await on.introspectionEndpoint.handle({
        params: new Map(Object.entries({ ...credentials(resourceServer), token })),
      })
    ).response.active;
  const accessRecord = (token: string) => db.store.findAccessToken(tokenKey(token));
  const refreshRecord = (token: string) => db.store.findRefreshToken(tokenKey(token));

  it('answers a request without a token with invalid_request, after authenticating the client', async () => {
    const error = await rejectedOAuthError(revoke(app, {}));
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.description).toMatch(/token/);
    // Only a hint is no token either.
    expect((await rejectedOAuthError(revoke(app, { token_type_hint: 'access_token' }))).code).toBe('invalid_request');
  });

  it('refuses failed client authentication with 401 invalid_client, and revokes nothing', async () => {
    const tokens = await login();
    const token = tokens.access_token;
    const attempts = [
      // Wrong secret in the body, and via Basic (which gets WWW-Authenticate).
      { params: { client_id: app.client.id, client_secret: rival.secret!, token } },
      { params: { token }, authorization: basic(app.client.id, `${app.secret}x`) },
      // Unknown client; no authentication at all; a public client presenting a secret.
      { params: { client_id: 'no-such-client', client_secret: app.secret!, token } },
      { params: { token } },
      { params: { client_id: spa.client.id, client_secret: 'some secret', token } },
      // A confidential client without its secret.
      { params: { client_id: app.client.id, token } },
    ];
    for (const { params, authorization } of attempts) {
      const error = await rejectedOAuthError(
        opaque.revocationEndpoint.handle({ params: new Map(Object.entries(params)), authorization }),
      );
      expect({ code: error.code, status: error.status }).toEqual({ code: 'invalid_client', status: 401 });
      expect('www-authenticate' in error.headers).toBe(authorization !== undefined);
    }
    expect((await accessRecord(token))?.revokedAt).toBeNull();
    expect(await active(token)).toBe(true);
    expect(await active(tokens.refresh_token!)).toBe(true);
  });

  it('accepts client_secret_basic and client_secret_post alike, and returns the client id for the log', async () => {
    const viaBasic = await login();
    const outcome = await opaque.revocationEndpoint.handle({
      params: new Map([['token', viaBasic.access_token]]),
      authorization: basic(app.client.id, app.secret!),
    });
    expect(outcome).toEqual({ clientId: app.client.id });
    expect(await active(viaBasic.access_token)).toBe(false);

    const viaPost = await login();
    expect(await revoke(app, { token: viaPost.access_token })).toEqual({ clientId: app.client.id });
    expect(await active(viaPost.access_token)).toBe(false);
  });

  it('revoking an access token revokes that token only: its refresh token still works, other tokens stay active', async () => {
    const first = await login();
    const second = await login();
    const service = await tokenRequest(opaque, app, { grant_type: 'client_credentials' });

    await revoke(app, { token: first.access_token });
    expect((await accessRecord(first.access_token))?.revokedAt).toBe(clock.now());
    expect(await active(first.access_token)).toBe(false);

    expect(await active(first.refresh_token!)).toBe(true);
    expect((await refreshRecord(first.refresh_token!))?.revokedAt).toBeNull();
    expect(await active(second.access_token)).toBe(true);
    expect(await active(service.access_token)).toBe(true);
    // The refresh token gets a new, active pair.
    const renewed = await refresh(first);
    expect(await active(renewed.access_token)).toBe(true);
  });

  it('revoking a refresh token revokes its grant: the access tokens read inactive and the refresh token is refused', async () => {
    const first = await login();
    const second = await refresh(first);
    const bystander = await login();

    await revoke(app, { token: second.refresh_token! });
    expect((await refreshRecord(second.refresh_token!))?.revokedAt).toBe(clock.now());
    expect(await active(second.access_token)).toBe(false);
    expect(await active(second.refresh_token!)).toBe(false);
    expect((await rejectedOAuthError(refresh(second))).code).toBe('invalid_grant');

    // Another grant of the same user and client is not touched.
    expect(await active(bystander.access_token)).toBe(true);
    expect((await refresh(bystander)).access_token).toBeTruthy();
  });

  it('revoking an already-used refresh token revokes the grant it belongs to, descendants included', async () => {
    const first = await login();
    const second = await refresh(first);
    await revoke(app, { token: first.refresh_token! });
    expect(await active(second.access_token)).toBe(false);
    expect((await rejectedOAuthError(refresh(second))).code).toBe('invalid_grant');
  });

  it('token_type_hint only orders the lookups: a wrong or unknown hint still revokes the token', async () => {
    const a = await login();
    await revoke(app, { token: a.access_token, token_type_hint: 'refresh_token' });
    expect(await active(a.access_token)).toBe(false);
    expect(await active(a.refresh_token!)).toBe(true);

    const b = await login();
    await revoke(app, { token: b.refresh_token!, token_type_hint: 'access_token' });
    expect(await active(b.refresh_token!)).toBe(false);
    expect(await active(b.access_token)).toBe(false);

    for (const hint of ['id_token', 'something_else']) {
      const c = await login();
      await revoke(app, { token: c.access_token, token_type_hint: hint });
      expect(await active(c.access_token), hint).toBe(false);
      await revoke(app, { token: c.refresh_token!, token_type_hint: hint });
      expect(await active(c.refresh_token!), hint).toBe(false);
    }
  });

  it("another client's token: the same answer, and nothing is revoked (not even by a resource server)", async () => {
    const tokens = await login(app);
    for (const who of [rival, spa, resourceServer]) {
      for (const hint of [undefined, 'access_token', 'refresh_token']) {
        for (const token of [tokens.access_token, tokens.refresh_token!]) {
          const outcome = await revoke(who, { token, ...(hint ? { token_type_hint: hint } : {}) });
          expect(outcome).toEqual({ clientId: who.client.id });
        }
      }
    }
    expect((await accessRecord(tokens.access_token))?.revokedAt).toBeNull();
    expect((await refreshRecord(tokens.refresh_token!))?.revokedAt).toBeNull();
    expect(await active(tokens.access_token)).toBe(true);
    // The owner's refresh token still works.
    expect((await refresh(tokens)).token_type).toBe('Bearer');
  });

  it('an unknown, empty-looking, oversized or already revoked token gets the same answer', async () => {
    for (const token of ['A'.repeat(43), 'not a token', 'x'.repeat(10_000)]) {
      expect(await revoke(app, { token })).toEqual({ clientId: app.client.id });
    }
    const tokens = await login();
    await revoke(app, { token: tokens.refresh_token! });
    const revokedAt = (await refreshRecord(tokens.refresh_token!))?.revokedAt;
    clock.advance(5);
    expect(await revoke(app, { token: tokens.refresh_token! })).toEqual({ clientId: app.client.id });
    expect(await revoke(app, { token: tokens.access_token })).toEqual({ clientId: app.client.id });
    // The first revocation time is kept.
    expect((await refreshRecord(tokens.refresh_token!))?.revokedAt).toBe(revokedAt);
  });

  it('a public client revokes its own tokens with its client_id alone', async () => {
    const tokens = await login(spa);
    await revoke(spa, { token: tokens.refresh_token! });
    expect(await active(tokens.access_token)).toBe(false);
    expect((await rejectedOAuthError(refresh(tokens, spa))).code).toBe('invalid_grant');
  });

  it('an expired token gets the same answer as any other', async () => {
    const tokens = await login();
    clock.advance(601);
    expect(await revoke(app, { token: tokens.access_token })).toEqual({ clientId: app.client.id });
    expect(await revoke(app, { token: tokens.refresh_token! })).toEqual({ clientId: app.client.id });
    expect(await active(tokens.refresh_token!)).toBe(false);
  });

  describe('JWT access tokens', () => {
    it('revoking a JWT access token makes it read inactive; its refresh token still works', async () => {
      const tokens = await login(app, jwt);
      expect(tokens.access_token.split('.')).toHaveLength(3);
      expect(await active(tokens.access_token, jwt)).toBe(true);
      await revoke(app, { token: tokens.access_token }, jwt);
      expect(await active(tokens.access_token, jwt)).toBe(false);
      expect((await accessRecord(tokens.access_token))?.revokedAt).toBe(clock.now());
      const renewed = await refresh(tokens, app, jwt);
      expect(await active(renewed.access_token, jwt)).toBe(true);
    });

    it("revoking the refresh token takes the grant's JWT access token down too", async () => {
      const tokens = await login(app, jwt);
      await revoke(app, { token: tokens.refresh_token!, token_type_hint: 'refresh_token' }, jwt);
      expect(await active(tokens.access_token, jwt)).toBe(false);
      expect((await rejectedOAuthError(refresh(tokens, app, jwt))).code).toBe('invalid_grant');
    });

    it('another client cannot revoke a JWT access token', async () => {
      const tokens = await login(app, jwt);
      await revoke(rival, { token: tokens.access_token }, jwt);
      expect(await active(tokens.access_token, jwt)).toBe(true);
    });

    it('a JWT carrying many roles (jwt_user_claims) can be revoked like any other', async () => {
      const roles = Array.from({ length: 100 }, (_, i) => `department_${i}_member`);
      await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
        username: 'manyroles',
        email: 'manyroles@example.com',
        password: PASSWORD,
        roles,
      });
      const tokens = await tokenRequest(jwt, app, {
        grant_type: 'password',
        username: 'manyroles',
        password: PASSWORD,
      });
      // Gatehouse minted it and stored it: it must be able to revoke it.
      expect(await accessRecord(tokens.access_token)).not.toBeNull();
      await revoke(app, { token: tokens.access_token }, jwt);
      expect(
        (await accessRecord(tokens.access_token))?.revokedAt,
        `a ${tokens.access_token.length}-character token was not revoked`,
      ).toBe(clock.now());
    });
  });
});
