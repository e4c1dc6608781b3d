import { cheapPasswords } from '../../test/harness/passwords.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../test/helpers/databases.js';
import { UserAccounts } from '../accounts/users.js';
import { validateConfig } from '../config/load.js';
import { composeServices, type Services } from '../compose.js';
import type { ClientRecord } from './ports.js';
import type { AuthorizationRequest, AuthorizationValidation } from './authorize.js';
import { ClientRegistry, type NewClient } from './clients.js';
import { ManualClock } from './clock.js';
import { tokenKey } from './secrets.js';

/** The user an approval is for: only the id matters to these tests. */
const asUser = (id: string) => ({ id, username: `user-${id.slice(0, 8)}`, roles: [] as string[] });

/**
 * The authorization endpoint without HTTP, over a real SQLite store: every validation rule, the
 * redirect it answers with, the code it stores, and when it asks the user for consent.
 */

const ISSUER = 'https://auth.example';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const CODE_LIFETIME = 45;
const ACCESS_LIFETIME = 600;

const WEB_CALLBACK = 'https://app.example/callback';
const WEB_TENANT = 'https://app.example/other?tenant=1';
const SPA_CALLBACK = 'https://spa.example/cb';
const LEGACY_CALLBACK = 'https://legacy.example/cb';
const PASSWORD_CALLBACK = 'https://pw.example/cb';
const FIRST_PARTY_CALLBACK = 'https://portal.example/cb';
const NATIVE_CALLBACK = 'http://127.0.0.1/callback';

describe('authorization endpoint', () => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);
  const config = validateConfig({
    issuer: ISSUER,
    supported_scopes: ['read', 'write', 'admin'],
    default_scope: 'read',
    auth_code_lifetime: CODE_LIFETIME,
    access_token_lifetime: ACCESS_LIFETIME,
  });
  /** Defaults: require_pkce on, enforce_state off. */
  let gatehouse: Services;
  let statefull: Services;
  let lenientPkce: Services;

  /** Confidential, two redirect URIs, limited to read and write. */
  let web: ClientRecord;
  /** Confidential, one redirect URI, every supported scope. */
  let wide: ClientRecord;
  let spa: ClientRecord;
  /** Registered for the implicit grant only. */
  let legacy: ClientRecord;
  /** Has a redirect URI but only the password grant. */
  let passwordOnly: ClientRecord;
  let firstParty: ClientRecord;
  let native: ClientRecord;
  let service: ClientRecord;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    db = await createSqliteStore();
    gatehouse = composeServices({ passwords: cheapPasswords, config, store: db.store, clock });
    statefull = composeServices({
      passwords: cheapPasswords,
      config: { ...config, enforce_state: true },
      store: db.store,
      clock,
    });
    lenientPkce = composeServices({
      passwords: cheapPasswords,
      config: { ...config, require_pkce: false },
      store: db.store,
      clock,
    });
    const registry = new ClientRegistry(db.store, clock);
    const register = async (input: NewClient) => (await registry.create(input)).client;
    web = await register({ name: 'web', redirectUris: [WEB_CALLBACK, WEB_TENANT], scopes: ['read', 'write'] });
    wide = await register({ name: 'wide', redirectUris: ['https://wide.example/cb'] });
    spa = await register({ name: 'spa', isPublic: true, redirectUris: [SPA_CALLBACK] });
    legacy = await register({ name: 'legacy', redirectUris: [LEGACY_CALLBACK], grantTypes: ['implicit'] });
    passwordOnly = await register({ name: 'pw', redirectUris: [PASSWORD_CALLBACK], grantTypes: ['password'] });
    firstParty = await register({ name: 'portal', redirectUris: [FIRST_PARTY_CALLBACK], trusted: true });
    native = await register({ name: 'native', isPublic: true, redirectUris: [NATIVE_CALLBACK] });
    service = await register({ name: 'service', grantTypes: ['client_credentials'] });
    const accounts = new UserAccounts(db.store, { clock, passwords: cheapPasswords });
    alice = (await accounts.create({ username: 'alice', email: 'alice@example.com', password: 'a long passphrase' }))
      .id;
    bob = (await accounts.create({ username: 'bob', email: 'bob@example.com', password: 'another long passphrase' }))
      .id;
  });
  afterAll(() => db.cleanup());

  /** A valid code request for `web`; `undefined` removes a parameter. */
  const params = (overrides: Record<string, string | undefined> = {}) => {
    const all: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: web.id,
      redirect_uri: WEB_CALLBACK,
      scope: 'read write',
      state: 'af0ifjsldkj',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      ...overrides,
    };
    return new Map(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
  };

  const validate = (overrides: Record<string, string | undefined> = {}, repeated: string[] = [], on = gatehouse) =>
    on.authorizationEndpoint.validate(params(overrides), repeated);

  const valid = async (
    overrides: Record<string, string | undefined> = {},
    on = gatehouse,
  ): Promise<AuthorizationRequest> => {
    const result = await validate(overrides, [], on);
    if (result.kind !== 'valid') throw new Error(`expected a valid request, got ${JSON.stringify(result)}`);
    return result.request;
  };

  function expectUntrusted(result: AuthorizationValidation): void {
    expect(result.kind).toBe('untrusted');
    // Nothing that could send the browser anywhere.
    expect(result).not.toHaveProperty('location');
    if (result.kind === 'untrusted') expect(result.description).not.toBe('');
  }

  /** The parameters of a response at `base`, read from the query or the fragment, checking nothing else is there. */
  function responseParams(location: string, base: string, mode: 'query' | 'fragment'): URLSearchParams {
    if (mode === 'fragment') {
      expect(location.startsWith(`${base}#`), location).toBe(true);
      return new URLSearchParams(location.slice(base.length + 1));
    }
    const separator = base.includes('?') ? '&' : '?';
    expect(location.startsWith(`${base}${separator}`), location).toBe(true);
    expect(location).not.toContain('#');
    const url = new URL(location);
    // The registered URI's own query is kept.
    for (const [key, value] of new URL(base).searchParams) expect(url.searchParams.get(key)).toBe(value);
    return new URLSearchParams(location.slice(base.length + 1));
  }

  function expectErrorRedirect(
    result: AuthorizationValidation,
    expected: { base: string; error: string; state?: string; mode?: 'query' | 'fragment' },
  ): URLSearchParams {
    if (result.kind !== 'error-redirect') throw new Error(`expected an error redirect, got ${JSON.stringify(result)}`);
    expect(result.error.code).toBe(expected.error);
    const response = responseParams(result.location, expected.base, expected.mode ?? 'query');
    expect(response.get('error')).toBe(expected.error);
    expect(response.get('error_description')).toBe(result.error.description);
    expect(response.get('error_description')).not.toBe('');
    expect(response.get('iss')).toBe(ISSUER);
    expect(response.get('state')).toBe(expected.state ?? null);
    expect(response.has('code')).toBe(false);
    expect(response.has('access_token')).toBe(false);
    return response;
  }

  // --- the client and redirect URI: never a redirect --------------------------------

  describe('an untrusted client or redirect URI is never redirected to', () => {
    it('missing client_id', async () => {
      expectUntrusted(await validate({ client_id: undefined }));
    });

    it('unknown client_id, including an absurdly long one', async () => {
      expectUntrusted(await validate({ client_id: 'no-such-client' }));
      expectUntrusted(await validate({ client_id: 'x'.repeat(10_000) }));
    });

    it('client_id given more than once', async () => {
      expectUntrusted(await validate({}, ['client_id']));
    });

    it('redirect_uri given more than once', async () => {
      expectUntrusted(await validate({}, ['redirect_uri']));
    });

    it('a redirect_uri that is not registered, even almost', async () => {
      for (const redirectUri of [
        'https://evil.example/callback',
        `${WEB_CALLBACK}/`,
        'https://APP.example/callback',
        'https://app.example/other',
      ]) {
        expectUntrusted(await validate({ redirect_uri: redirectUri }));
      }
    });

    it('no redirect_uri for a client with several registered', async () => {
      expectUntrusted(await validate({ redirect_uri: undefined }));
    });

    it('a client with no registered redirect URI', async () => {
      expectUntrusted(await validate({ client_id: service.id, redirect_uri: undefined }));
      expectUntrusted(await validate({ client_id: service.id, redirect_uri: 'https://evil.example/cb' }));
    });

    it('is decided before any other check: a bad redirect_uri with every other parameter wrong is still not redirected', async () => {
      expectUntrusted(
        await validate(
          { redirect_uri: 'https://evil.example/cb', response_type: 'bogus', scope: 'nope', code_challenge: undefined },
          ['state'],
        ),
      );
    });
  });

  // --- errors answered at the redirect URI ---------------------------------------

  describe('errors go back to the client with error, error_description, state and iss', () => {
    it('missing response_type → invalid_request', async () => {
      expectErrorRedirect(await validate({ response_type: undefined }), {
        base: WEB_CALLBACK,
        error: 'invalid_request',
        state: 'af0ifjsldkj',
      });
    });

    it('unknown response_type → unsupported_response_type', async () => {
      for (const responseType of ['id_token', 'code token', 'CODE', '']) {
        expectErrorRedirect(await validate({ response_type: responseType }), {
          base: WEB_CALLBACK,
          error: 'unsupported_response_type',
          state: 'af0ifjsldkj',
        });
      }
    });

    it('response_type=token for a client without the implicit grant → unauthorized_client, in the fragment', async () => {
      expectErrorRedirect(await validate({ response_type: 'token' }), {
        base: WEB_CALLBACK,
        error: 'unauthorized_client',
        state: 'af0ifjsldkj',
        mode: 'fragment',
      });
    });

    it('response_type=code for a client without the authorization_code grant → unauthorized_client', async () => {
      expectErrorRedirect(await validate({ client_id: legacy.id, redirect_uri: LEGACY_CALLBACK }), {
        base: LEGACY_CALLBACK,
        error: 'unauthorized_client',
        state: 'af0ifjsldkj',
      });
      expectErrorRedirect(await validate({ client_id: passwordOnly.id, redirect_uri: undefined, state: 'p' }), {
        base: PASSWORD_CALLBACK,
        error: 'unauthorized_client',
        state: 'p',
      });
    });

    it('a scope the client may not have, an unknown scope, or a malformed scope → invalid_scope', async () => {
      for (const scope of ['admin', 'read admin', 'bogus', 'read  write', ' read', 'read\twrite']) {
        expectErrorRedirect(await validate({ scope }), {
          base: WEB_CALLBACK,
          error: 'invalid_scope',
          state: 'af0ifjsldkj',
        });
      }
    });

    it('a public client without PKCE → invalid_request, even where PKCE is not required', async () => {
      for (const on of [gatehouse, lenientPkce]) {
        expectErrorRedirect(
          await validate(
            {
              client_id: spa.id,
              redirect_uri: SPA_CALLBACK,
              code_challenge: undefined,
              code_challenge_method: undefined,
            },
            [],
            on,
          ),
          { base: SPA_CALLBACK, error: 'invalid_request', state: 'af0ifjsldkj' },
        );
      }
    });

    it('a confidential client without PKCE → invalid_request while require_pkce is on (the default)', async () => {
      expect(config.require_pkce).toBe(true);
      expectErrorRedirect(await validate({ code_challenge: undefined, code_challenge_method: undefined }), {
        base: WEB_CALLBACK,
        error: 'invalid_request',
        state: 'af0ifjsldkj',
      });
    });

    it('a confidential client without PKCE is accepted with require_pkce off, with no challenge recorded', async () => {
      const request = await valid({ code_challenge: undefined, code_challenge_method: undefined }, lenientPkce);
      expect(request.codeChallenge).toBeNull();
    });

    it('code_challenge_method plain, absent, or anything but S256 → invalid_request', async () => {
      for (const method of ['plain', undefined, 's256', 'S512', '']) {
        expectErrorRedirect(await validate({ code_challenge_method: method }), {
          base: WEB_CALLBACK,
          error: 'invalid_request',
          state: 'af0ifjsldkj',
        });
        // Even where PKCE is optional, a challenge that is sent must be S256.
        expectErrorRedirect(await validate({ code_challenge_method: method }, [], lenientPkce), {
          base: WEB_CALLBACK,
          error: 'invalid_request',
          state: 'af0ifjsldkj',
        });
      }
    });

    it('code_challenge_method without code_challenge → invalid_request', async () => {
      expectErrorRedirect(await validate({ code_challenge: undefined }, [], lenientPkce), {
        base: WEB_CALLBACK,
        error: 'invalid_request',
        state: 'af0ifjsldkj',
      });
    });

    it('a malformed code_challenge → invalid_request', async () => {
      const malformed = [
        CHALLENGE.slice(0, 42),
        `${CHALLENGE}A`,
        `${CHALLENGE.slice(0, 42)}=`,
        `${CHALLENGE.slice(0, 42)}+`,
        'x',
        '',
      ];
      for (const challenge of malformed) {
        expectErrorRedirect(await validate({ code_challenge: challenge }), {
          base: WEB_CALLBACK,
          error: 'invalid_request',
          state: 'af0ifjsldkj',
        });
      }
    });

    it('enforce_state: a request without state → invalid_request (with no state to echo); with state it is valid', async () => {
      expectErrorRedirect(await validate({ state: undefined }, [], statefull), {
        base: WEB_CALLBACK,
        error: 'invalid_request',
      });
      expect((await valid({ state: 'xyz' }, statefull)).state).toBe('xyz');
      // Off by default: no state is fine, and none is invented.
      expect((await valid({ state: undefined })).state).toBeUndefined();
    });

    it('any other parameter repeated → invalid_request', async () => {
      for (const name of ['response_type', 'scope', 'code_challenge', 'code_challenge_method']) {
        expectErrorRedirect(await validate({}, [name]), {
          base: WEB_CALLBACK,
          error: 'invalid_request',
          state: 'af0ifjsldkj',
        });
      }
      // A repeated state cannot be echoed: which one would it be?
      expectErrorRedirect(await validate({}, ['state']), { base: WEB_CALLBACK, error: 'invalid_request' });
    });

    it('an error for a redirect URI with its own query keeps that query', async () => {
      const result = await validate({ redirect_uri: WEB_TENANT, scope: 'bogus' });
      expectErrorRedirect(result, { base: WEB_TENANT, error: 'invalid_scope', state: 'af0ifjsldkj' });
    });

    it('errors for an implicit request go in the fragment', async () => {
      const implicit = { client_id: legacy.id, redirect_uri: LEGACY_CALLBACK, response_type: 'token' };
      expectErrorRedirect(await validate({ ...implicit, scope: 'bogus' }), {
        base: LEGACY_CALLBACK,
        error: 'invalid_scope',
        state: 'af0ifjsldkj',
        mode: 'fragment',
      });
      expectErrorRedirect(await validate(implicit, ['scope']), {
        base: LEGACY_CALLBACK,
        error: 'invalid_request',
        state: 'af0ifjsldkj',
        mode: 'fragment',
      });
    });

    it('special characters in state come back intact', async () => {
      const state = 'a b&c=d#e/f?g%20';
      expectErrorRedirect(await validate({ state, scope: 'bogus' }), {
        base: WEB_CALLBACK,
        error: 'invalid_scope',
        state,
      });
    });
  });

  // --- valid requests ---------------------------------------------------------------

  describe('a valid request', () => {
    it('carries the client, redirect URI, response type, scope, state and challenge', async () => {
      const request = await valid();
      expect(request.client.id).toBe(web.id);
      expect(request.redirectUri).toBe(WEB_CALLBACK);
      expect(request.redirectUriGiven).toBe(true);
      expect(request.responseType).toBe('code');
      expect(request.scope).toEqual(['read', 'write']);
      expect(request.state).toBe('af0ifjsldkj');
      expect(request.codeChallenge).toBe(CHALLENGE);
    });

    it('without redirect_uri uses the only registered one and records that none was given', async () => {
      const request = await valid({ client_id: spa.id, redirect_uri: undefined });
      expect(request.redirectUri).toBe(SPA_CALLBACK);
      expect(request.redirectUriGiven).toBe(false);
    });

    it('without scope gets the default scope', async () => {
      expect((await valid({ scope: undefined })).scope).toEqual(['read']);
    });

    it('a native app on a loopback port is answered on that port', async () => {
      const request = await valid({ client_id: native.id, redirect_uri: 'http://127.0.0.1:51234/callback' });
      expect(request.redirectUri).toBe('http://127.0.0.1:51234/callback');
      const location = await gatehouse.authorizationEndpoint.approve(request, asUser(alice), false);
      expect(location.startsWith('http://127.0.0.1:51234/callback?code=')).toBe(true);
    });
  });

  // --- approve ---------------------------------------------------------------------

  describe('approve', () => {
    it('redirects with a fresh code, the state and iss, and nothing else', async () => {
      const location = await gatehouse.authorizationEndpoint.approve(await valid(), asUser(alice), false);
      const response = responseParams(location, WEB_CALLBACK, 'query');
      expect([...response.keys()].sort()).toEqual(['code', 'iss', 'state']);
      expect(response.get('code')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(response.get('state')).toBe('af0ifjsldkj');
      expect(response.get('iss')).toBe(ISSUER);

      const again = responseParams(
        await gatehouse.authorizationEndpoint.approve(await valid(), asUser(alice), false),
        WEB_CALLBACK,
        'query',
      );
      expect(again.get('code')).not.toBe(response.get('code'));
    });

    it('stores only the hash of the code, bound to the client, user, redirect URI, scope and challenge, for auth_code_lifetime', async () => {
      const issuedAt = clock.now();
      const location = await gatehouse.authorizationEndpoint.approve(await valid(), asUser(alice), false);
      const code = new URL(location).searchParams.get('code')!;

      expect(await db.store.findAuthorizationCode(code)).toBeNull();
      const stored = await db.store.findAuthorizationCode(tokenKey(code));
      expect(stored).toStrictEqual({
        codeHash: tokenKey(code),
        familyId: expect.any(String),
        clientId: web.id,
        userId: alice,
        redirectUri: WEB_CALLBACK,
        redirectUriGiven: true,
        scope: 'read write',
        codeChallenge: CHALLENGE,
        codeChallengeMethod: 'S256',
        issuedAt,
        expiresAt: issuedAt + CODE_LIFETIME,
        consumedAt: null,
      });
      expect(stored!.codeHash).not.toBe(code);
    });

    it('records that redirect_uri was not given, and a missing challenge, on the stored code', async () => {
      const request = await valid(
        { client_id: wide.id, redirect_uri: undefined, code_challenge: undefined, code_challenge_method: undefined },
        lenientPkce,
      );
      const location = await lenientPkce.authorizationEndpoint.approve(request, asUser(bob), false);
      expect(location.startsWith('https://wide.example/cb?code=')).toBe(true);
      const stored = await db.store.findAuthorizationCode(tokenKey(new URL(location).searchParams.get('code')!));
      expect(stored).toMatchObject({
        clientId: wide.id,
        userId: bob,
        redirectUri: 'https://wide.example/cb',
        redirectUriGiven: false,
        codeChallenge: null,
        codeChallengeMethod: null,
      });
    });

    it('leaves state out when the request had none, and keeps a registered query', async () => {
      const location = await gatehouse.authorizationEndpoint.approve(
        await valid({ redirect_uri: WEB_TENANT, state: undefined }),
        asUser(alice),
        false,
      );
      const response = responseParams(location, WEB_TENANT, 'query');
      expect(response.has('state')).toBe(false);
      expect(response.get('code')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(new URL(location).searchParams.get('tenant')).toBe('1');
    });

    it('implicit: the access token goes in the fragment with state and iss, never a refresh token or a code', async () => {
      const request = await valid({
        client_id: legacy.id,
        redirect_uri: LEGACY_CALLBACK,
        response_type: 'token',
        scope: 'read',
      });
      expect(request.codeChallenge).toBeNull();
      const location = await gatehouse.authorizationEndpoint.approve(request, asUser(alice), false);
      const response = responseParams(location, LEGACY_CALLBACK, 'fragment');
      expect(new URL(location).search).toBe('');
      expect([...response.keys()].sort()).toEqual([
        'access_token',
        'expires_in',
        'iss',
        'scope',
        'state',
        'token_type',
      ]);
      expect(response.get('token_type')).toBe('Bearer');
      expect(response.get('expires_in')).toBe(String(ACCESS_LIFETIME));
      expect(response.get('scope')).toBe('read');
      expect(response.get('state')).toBe('af0ifjsldkj');
      expect(response.get('iss')).toBe(ISSUER);
      const stored = await db.store.findAccessToken(tokenKey(response.get('access_token')!));
      expect(stored).toMatchObject({
        clientId: legacy.id,
        userId: alice,
        scope: 'read',
        expiresAt: clock.now() + ACCESS_LIFETIME,
        revokedAt: null,
      });
    });
  });

  // --- deny -------------------------------------------------------------------------

  describe('deny', () => {
    it('answers access_denied with state and iss, and issues nothing', async () => {
      const request = await valid();
      const location = gatehouse.authorizationEndpoint.deny(request);
      const response = responseParams(location, WEB_CALLBACK, 'query');
      expect(response.get('error')).toBe('access_denied');
      expect(response.get('error_description')).not.toBe('');
      expect(response.get('state')).toBe('af0ifjsldkj');
      expect(response.get('iss')).toBe(ISSUER);
      expect(response.has('code')).toBe(false);
      expect(await db.store.findConsent(alice, web.id)).toBeNull();
    });

    it('answers an implicit request in the fragment', async () => {
      const request = await valid({
        client_id: legacy.id,
        redirect_uri: LEGACY_CALLBACK,
        response_type: 'token',
        scope: 'read',
        state: 's1',
      });
      const response = responseParams(gatehouse.authorizationEndpoint.deny(request), LEGACY_CALLBACK, 'fragment');
      expect(response.get('error')).toBe('access_denied');
      expect(response.get('state')).toBe('s1');
      expect(response.get('iss')).toBe(ISSUER);
    });
  });

  // --- consent ----------------------------------------------------------------------

  describe('needsConsent', () => {
    /** A user of its own per test, so consents from other tests do not interfere. */
    const freshUser = async (name: string) =>
      (
        await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
          username: name,
          email: `${name}@example.com`,
          password: 'a long passphrase',
        })
      ).id;
    const wideRequest = (scope: string) => valid({ client_id: wide.id, redirect_uri: undefined, scope });

    it('asks for an untrusted client the user has not allowed', async () => {
      const user = await freshUser('consent1');
      expect(await gatehouse.authorizationEndpoint.needsConsent(await wideRequest('read'), user)).toBe(true);
    });

    it('after approval with consent, the same or fewer scopes are not asked again; more scopes are', async () => {
      const user = await freshUser('consent2');
      const endpoint = gatehouse.authorizationEndpoint;
      await endpoint.approve(await wideRequest('read write'), asUser(user), true);

      expect(await endpoint.needsConsent(await wideRequest('read write'), user)).toBe(false);
      expect(await endpoint.needsConsent(await wideRequest('write read'), user)).toBe(false);
      expect(await endpoint.needsConsent(await wideRequest('read'), user)).toBe(false);
      expect(await endpoint.needsConsent(await wideRequest('read write admin'), user)).toBe(true);
      expect(await endpoint.needsConsent(await wideRequest('admin'), user)).toBe(true);
    });

    it('the remembered consent is the union of what the user allowed, with the time of the last approval', async () => {
      const user = await freshUser('consent3');
      const endpoint = gatehouse.authorizationEndpoint;
      await endpoint.approve(await wideRequest('read'), asUser(user), true);
      clock.advance(100);
      await endpoint.approve(await wideRequest('write'), asUser(user), true);

      const consent = await db.store.findConsent(user, wide.id);
      expect([...consent!.scopes].sort()).toEqual(['read', 'write']);
      expect(consent!.grantedAt).toBe(clock.now());
      expect(await endpoint.needsConsent(await wideRequest('read write'), user)).toBe(false);
      expect(await endpoint.needsConsent(await wideRequest('read write admin'), user)).toBe(true);
    });

    it('an approval the user was not asked about (consentGiven false) is not remembered', async () => {
      const user = await freshUser('consent4');
      await gatehouse.authorizationEndpoint.approve(await wideRequest('read'), asUser(user), false);
      expect(await db.store.findConsent(user, wide.id)).toBeNull();
      expect(await gatehouse.authorizationEndpoint.needsConsent(await wideRequest('read'), user)).toBe(true);
    });

    it('consent is per user and per client', async () => {
      const user = await freshUser('consent5');
      const someoneElse = await freshUser('consent6');
      await gatehouse.authorizationEndpoint.approve(await wideRequest('read'), asUser(user), true);
      expect(await gatehouse.authorizationEndpoint.needsConsent(await wideRequest('read'), someoneElse)).toBe(true);
      expect(await gatehouse.authorizationEndpoint.needsConsent(await valid({ scope: 'read' }), user)).toBe(true);
    });

    it('is never needed for a trusted (first-party) client', async () => {
      const user = await freshUser('consent7');
      const request = await valid({
        client_id: firstParty.id,
        redirect_uri: FIRST_PARTY_CALLBACK,
        scope: 'read write admin',
      });
      expect(await gatehouse.authorizationEndpoint.needsConsent(request, user)).toBe(false);
    });
  });

  describe('what an unauthenticated request can make the server keep', () => {
    it('a state over 2,048 characters or a scope over 1,024 is invalid_request (a pending request stays small)', async () => {
      expectErrorRedirect(await validate({ state: 'x'.repeat(2049) }), {
        base: WEB_CALLBACK,
        error: 'invalid_request',
        state: 'x'.repeat(2049),
      });
      expectErrorRedirect(await validate({ scope: `read ${'write '.repeat(200)}`.trim() }), {
        base: WEB_CALLBACK,
        error: 'invalid_request',
        state: 'af0ifjsldkj',
      });
      expect((await validate({ state: 'x'.repeat(2048) })).kind).toBe('valid');
    });

    it('an approval of a public native app is not remembered: it would never be read (the app is always asked)', async () => {
      const request = await valid({ client_id: native.id, redirect_uri: NATIVE_CALLBACK, scope: 'read' });
      await gatehouse.authorizationEndpoint.approve(request, asUser(alice), true);
      expect(await db.store.findConsent(alice, native.id)).toBeNull();
    });
  });

  describe('response_mode (Multiple Response Type Encoding Practices §2.1) and what is echoed to the client', () => {
    it('response_mode=fragment puts the code in the fragment; query (or none) in the query', async () => {
      const inFragment = await gatehouse.authorizationEndpoint.approve(
        await valid({ response_mode: 'fragment' }),
        asUser(alice),
        false,
      );
      expect(responseParams(inFragment, WEB_CALLBACK, 'fragment').get('code')).toBeTruthy();
      const inQuery = await gatehouse.authorizationEndpoint.approve(
        await valid({ response_mode: 'query' }),
        asUser(alice),
        false,
      );
      expect(responseParams(inQuery, WEB_CALLBACK, 'query').get('code')).toBeTruthy();
      // A Deny answers in the mode that was asked for too.
      const denied = gatehouse.authorizationEndpoint.deny(await valid({ response_mode: 'fragment' }));
      expect(responseParams(denied, WEB_CALLBACK, 'fragment').get('error')).toBe('access_denied');
    });

    it('an unknown response_mode (form_post, made-up) is invalid_request at the redirect URI, never silently the query', async () => {
      for (const mode of ['form_post', 'jwt', 'web_message']) {
        const response = expectErrorRedirect(await validate({ response_mode: mode }), {
          base: WEB_CALLBACK,
          error: 'invalid_request',
          state: 'af0ifjsldkj',
        });
        expect(response.get('error_description')).toContain('response_mode');
      }
    });

    it('an access token is never put in the query: response_mode=query with response_type=token is refused, in the fragment', async () => {
      const result = await validate({
        client_id: legacy.id,
        redirect_uri: LEGACY_CALLBACK,
        response_type: 'token',
        response_mode: 'query',
        code_challenge: undefined,
        code_challenge_method: undefined,
        scope: undefined,
      });
      expectErrorRedirect(result, {
        base: LEGACY_CALLBACK,
        error: 'invalid_request',
        state: 'af0ifjsldkj',
        mode: 'fragment',
      });
    });

    it("the redirect URI never gets the request's own text back in error_description", async () => {
      const script = '<script>alert(1)</script>';
      const cases: Array<[Record<string, string>, string]> = [
        [{ response_type: script }, 'unsupported_response_type'],
        [{ scope: `read ${script}` }, 'invalid_scope'],
      ];
      for (const [overrides, error] of cases) {
        const response = expectErrorRedirect(await validate(overrides), {
          base: WEB_CALLBACK,
          error,
          state: 'af0ifjsldkj',
        });
        expect(response.get('error_description')).not.toContain('<script');
        expect(response.get('error_description')).not.toContain('alert');
      }
      // A repeated parameter of the attacker's naming is not named back either.
      const repeated = expectErrorRedirect(await validate({}, [script]), {
        base: WEB_CALLBACK,
        error: 'invalid_request',
        state: 'af0ifjsldkj',
      });
      expect(repeated.get('error_description')).toBe('a parameter was repeated');
      const knownRepeat = expectErrorRedirect(await validate({}, ['scope']), {
        base: WEB_CALLBACK,
        error: 'invalid_request',
        state: 'af0ifjsldkj',
      });
      expect(knownRepeat.get('error_description')).toBe('parameter repeated: scope');
    });
  });
});
