import { cheapPasswords } from '../../../test/harness/passwords.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../../test/helpers/databases.js';
import { rejectedOAuthError } from '../../../test/helpers/errors.js';
import { UserAccounts } from '../../accounts/users.js';
import { validateConfig } from '../../config/load.js';
import { composeServices, type Services } from '../../compose.js';
import type { ClientRecord } from '../ports.js';
import { ClientRegistry, type NewClient } from '../clients.js';
import { ManualClock } from '../clock.js';
import { tokenKey } from '../secrets.js';
import type { TokenResponse } from '../tokens.js';

/** The user an approval is for: only the id matters to these tests. */
const asUser = (id: string) => ({ id, username: `user-${id.slice(0, 8)}`, roles: [] as string[] });

/**
 * The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.6) in-process: codes come from the
 * authorization endpoint's approve(), are exchanged at the token endpoint, and every binding the
 * code carries is checked.
 */

/** RFC 7636 Appendix B. */
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const CODE_LIFETIME = 60;
const ACCESS_LIFETIME = 600;

const WEB_CALLBACK = 'https://app.example/callback';
const WEB_OTHER = 'https://app.example/other';

interface Registered {
  client: ClientRecord;
  secret: string | null;
}

describe('authorization code grant', () => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);
  const config = validateConfig({
    issuer: 'https://auth.example',
    supported_scopes: ['read', 'write'],
    default_scope: 'read',
    auth_code_lifetime: CODE_LIFETIME,
    access_token_lifetime: ACCESS_LIFETIME,
    refresh_token_lifetime: 3600,
  });
  let gatehouse: Services;
  /** require_pkce off: confidential clients may go without PKCE. */
  let lenient: Services;

  /** Confidential, authorization_code + refresh_token, two redirect URIs. */
  let web: Registered;
  /** Confidential, authorization_code only, one redirect URI. */
  let single: Registered;
  /** Confidential, another app with the same redirect URI as `web`. */
  let rival: Registered;
  /** Public (SPA / native), authorization_code + refresh_token. */
  let spa: Registered;
  let native: Registered;
  let aliceId: string;
  const accounts = () => new UserAccounts(db.store, { clock, passwords: cheapPasswords });

  beforeAll(async () => {
    db = await createSqliteStore();
    gatehouse = composeServices({ passwords: cheapPasswords, config, store: db.store, clock });
    lenient = composeServices({
      passwords: cheapPasswords,
      config: { ...config, require_pkce: false },
      store: db.store,
      clock,
    });
    const registry = new ClientRegistry(db.store, clock);
    const register = (input: NewClient) => registry.create(input);
    web = await register({ name: 'web', redirectUris: [WEB_CALLBACK, WEB_OTHER] });
    single = await register({
      name: 'single',
      redirectUris: ['https://single.example/cb'],
      grantTypes: ['authorization_code'],
    });
    rival = await register({ name: 'rival', redirectUris: [WEB_CALLBACK, WEB_OTHER] });
    spa = await register({ name: 'spa', isPublic: true, redirectUris: ['https://spa.example/cb'] });
    native = await register({ name: 'native', isPublic: true, redirectUris: ['http://127.0.0.1/callback'] });
    aliceId = (
      await accounts().create({ username: 'alice', email: 'alice@example.com', password: 'a long passphrase' })
    ).id;
  });
  afterAll(() => db.cleanup());

  const defined = (values: Record<string, string | undefined>) =>
    new Map(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));

  /** Runs the authorization endpoint for `who` (valid request + approval by alice); returns the code. */
  async function authorize(
    who: Registered,
    overrides: Record<string, string | undefined> = {},
    on = gatehouse,
  ): Promise<string> {
    const validation = await on.authorizationEndpoint.validate(
      defined({
        response_type: 'code',
        client_id: who.client.id,
        redirect_uri: who.client.redirectUris[0],
        scope: 'read write',
        state: 'st',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
        ...overrides,
      }),
    );
    if (validation.kind !== 'valid') throw new Error(`authorization request refused: ${JSON.stringify(validation)}`);
    const location = await on.authorizationEndpoint.approve(validation.request, asUser(aliceId), false);
    return new URL(location).searchParams.get('code')!;
  }

  const basic = (who: Registered) =>
    `Basic ${Buffer.from(`${encodeURIComponent(who.client.id)}:${encodeURIComponent(who.secret!)}`).toString('base64')}`;

  /** A token request as `who`: HTTP Basic for a confidential client, client_id alone for a public one. */
  function token(who: Registered, params: Record<string, string | undefined>, on = gatehouse) {
    if (who.secret === null)
      return on.tokenEndpoint.handle({ params: defined({ client_id: who.client.id, ...params }) });
    return on.tokenEndpoint.handle({ params: defined(params), authorization: basic(who) });
  }

  /** The usual exchange of `code` by `who`. */
  const exchange = (
    who: Registered,
    code: string | undefined,
    overrides: Record<string, string | undefined> = {},
    on = gatehouse,
  ) =>
    token(
      who,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: who.client.redirectUris[0],
        code_verifier: VERIFIER,
        ...overrides,
      },
      on,
    ).then((outcome) => outcome.response);

  const refused = async (promise: Promise<unknown>) => (await rejectedOAuthError(promise)).code;

  /** How many access tokens the code's family has (i.e. whether anything was issued for it). */
  async function tokensIssuedFor(code: string): Promise<number> {
    const stored = await db.store.findAuthorizationCode(tokenKey(code));
    const row = await db.store.driver.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM access_tokens WHERE family_id = ?',
      [stored!.familyId],
    );
    return Number(row?.n);
  }

  const accessRevokedAt = async (tokens: TokenResponse) =>
    (await db.store.findAccessToken(tokenKey(tokens.access_token)))?.revokedAt;
  const refreshRevokedAt = async (tokens: TokenResponse) =>
    (await db.store.findRefreshToken(tokenKey(tokens.refresh_token!)))?.revokedAt;

  it('exchanges a code with the right verifier for tokens bound to the user, client and authorized scope', async () => {
    const code = await authorize(web);
    const outcome = await token(web, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: WEB_CALLBACK,
      code_verifier: VERIFIER,
    });
    expect(outcome.clientId).toBe(web.client.id);
    expect(outcome.grantType).toBe('authorization_code');
    const tokens = outcome.response;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: ACCESS_LIFETIME, scope: 'read write' });
    expect(tokens.access_token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{51}$/);

    const stored = await db.store.findAuthorizationCode(tokenKey(code));
    expect(stored?.consumedAt).toBe(clock.now());
    const access = await db.store.findAccessToken(tokenKey(tokens.access_token));
    const refresh = await db.store.findRefreshToken(tokenKey(tokens.refresh_token!));
    expect(access).toMatchObject({
      clientId: web.client.id,
      userId: aliceId,
      scope: 'read write',
      familyId: stored!.familyId,
      revokedAt: null,
    });
    expect(access?.expiresAt).toBe(clock.now() + ACCESS_LIFETIME);
    expect(refresh).toMatchObject({
      clientId: web.client.id,
      userId: aliceId,
      scope: 'read write',
      familyId: stored!.familyId,
    });
  });

  it('the token carries the scope that was authorized, not a wider one', async () => {
    const tokens = await exchange(web, await authorize(web, { scope: 'write' }));
    expect(tokens.scope).toBe('write');
    const defaulted = await exchange(web, await authorize(web, { scope: undefined }));
    expect(defaulted.scope).toBe('read');
  });

  it('issues no refresh token to a client without the refresh_token grant', async () => {
    const code = await authorize(single);
    const tokens = await exchange(single, code);
    expect(tokens.access_token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    expect(tokens).not.toHaveProperty('refresh_token');
  });

  it('a second exchange of the code is invalid_grant and revokes the tokens the first one issued', async () => {
    const code = await authorize(web);
    const first = await exchange(web, code);
    clock.advance(5);

    expect(await refused(exchange(web, code))).toBe('invalid_grant');
    expect(await accessRevokedAt(first)).toBe(clock.now());
    expect(await refreshRevokedAt(first)).toBe(clock.now());
    // The revoked refresh token no longer works.
    expect(await refused(token(web, { grant_type: 'refresh_token', refresh_token: first.refresh_token! }))).toBe(
      'invalid_grant',
    );
  });

  it('a replayed code also revokes tokens obtained since by refreshing', async () => {
    const code = await authorize(web);
    const first = await exchange(web, code);
    const refreshed = (await token(web, { grant_type: 'refresh_token', refresh_token: first.refresh_token! })).response;
    expect(await accessRevokedAt(refreshed)).toBeNull();
    clock.advance(5);

    expect(await refused(exchange(web, code))).toBe('invalid_grant');
    expect(await accessRevokedAt(refreshed)).toBe(clock.now());
    expect(await refreshRevokedAt(refreshed)).toBe(clock.now());
  });

  it('concurrent exchanges of one code: exactly one gets tokens, and those end up revoked', async () => {
    const code = await authorize(web);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => exchange(web, code)));
    const won = results.filter(
      (result): result is PromiseFulfilledResult<TokenResponse> => result.status === 'fulfilled',
    );
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect((result.reason as { code?: string }).code).toBe('invalid_grant');
    }
    expect(await accessRevokedAt(won[0]!.value)).not.toBeNull();
    expect(await refreshRevokedAt(won[0]!.value)).not.toBeNull();
  });

  it('an expired code is invalid_grant: it lives exactly auth_code_lifetime seconds', async () => {
    const stale = await authorize(web);
    const fresh = await authorize(web);
    clock.advance(CODE_LIFETIME - 1);
    await exchange(web, fresh);
    clock.advance(1);
    expect(await refused(exchange(web, stale))).toBe('invalid_grant');
    expect(await tokensIssuedFor(stale)).toBe(0);
  });

  it('an unknown code is invalid_grant; a missing code is invalid_request', async () => {
    expect(await refused(exchange(web, `no-such-code-${'x'.repeat(30)}`))).toBe('invalid_grant');
    expect(await refused(exchange(web, undefined))).toBe('invalid_request');
  });

  it('a wrong code_verifier is invalid_grant and issues nothing', async () => {
    const code = await authorize(web);
    const wrong = `${VERIFIER.slice(0, -1)}${VERIFIER.endsWith('A') ? 'B' : 'A'}`;
    for (const verifier of [wrong, CHALLENGE, 'short']) {
      expect(await refused(exchange(web, code, { code_verifier: verifier }))).toBe('invalid_grant');
    }
    expect(await tokensIssuedFor(code)).toBe(0);
  });

  it('a missing code_verifier when the authorization request sent a challenge is invalid_grant', async () => {
    const code = await authorize(web);
    expect(await refused(exchange(web, code, { code_verifier: undefined }))).toBe('invalid_grant');
    // Also where PKCE is optional: the challenge was sent, so the verifier is due.
    const lenientCode = await authorize(web, {}, lenient);
    expect(await refused(exchange(web, lenientCode, { code_verifier: undefined }, lenient))).toBe('invalid_grant');
    expect(await tokensIssuedFor(code)).toBe(0);
    expect(await tokensIssuedFor(lenientCode)).toBe(0);
  });

  it('a code_verifier for a code issued without a challenge is a PKCE downgrade: invalid_grant', async () => {
    const code = await authorize(web, { code_challenge: undefined, code_challenge_method: undefined }, lenient);
    expect((await db.store.findAuthorizationCode(tokenKey(code)))?.codeChallenge).toBeNull();
    expect(await refused(exchange(web, code, { code_verifier: VERIFIER }, lenient))).toBe('invalid_grant');
    expect(await tokensIssuedFor(code)).toBe(0);
  });

  it('without PKCE (require_pkce off) a confidential client exchanges its code with no verifier', async () => {
    const code = await authorize(web, { code_challenge: undefined, code_challenge_method: undefined }, lenient);
    const tokens = await exchange(web, code, { code_verifier: undefined }, lenient);
    expect(tokens.scope).toBe('read write');
  });

  it('a code issued to another client is invalid_grant, even with the right verifier and redirect URI', async () => {
    const code = await authorize(web);
    expect(await refused(exchange(rival, code))).toBe('invalid_grant');
    expect(await tokensIssuedFor(code)).toBe(0);
    // A public client cannot use it either.
    expect(await refused(exchange(spa, code, { redirect_uri: WEB_CALLBACK }))).toBe('invalid_grant');
    expect(await tokensIssuedFor(code)).toBe(0);
  });

  it('a redirect_uri at the exchange that differs from the authorization request is invalid_grant', async () => {
    const code = await authorize(web, { redirect_uri: WEB_CALLBACK });
    for (const redirectUri of [
      WEB_OTHER,
      `${WEB_CALLBACK}/`,
      'https://APP.example/callback',
      'https://evil.example/callback',
    ]) {
      expect(await refused(exchange(web, code, { redirect_uri: redirectUri }))).toBe('invalid_grant');
    }
    expect(await tokensIssuedFor(code)).toBe(0);
  });

  it('a redirect_uri given at authorization must be repeated at the exchange (RFC 6749 §4.1.3)', async () => {
    const code = await authorize(single, { redirect_uri: 'https://single.example/cb' });
    expect(await refused(exchange(single, code, { redirect_uri: undefined }))).toBe('invalid_grant');
    expect(await tokensIssuedFor(code)).toBe(0);
  });

  it('a redirect_uri omitted at authorization may be omitted at the exchange, or repeated as registered, but not changed', async () => {
    const omittedBoth = await authorize(single, { redirect_uri: undefined });
    expect((await db.store.findAuthorizationCode(tokenKey(omittedBoth)))?.redirectUriGiven).toBe(false);
    expect((await exchange(single, omittedBoth, { redirect_uri: undefined })).access_token).toMatch(
      /^[A-Za-z0-9_-]{51}$/,
    );

    const repeated = await authorize(single, { redirect_uri: undefined });
    expect((await exchange(single, repeated, { redirect_uri: 'https://single.example/cb' })).access_token).toMatch(
      /^[A-Za-z0-9_-]{51}$/,
    );

    const changed = await authorize(single, { redirect_uri: undefined });
    expect(await refused(exchange(single, changed, { redirect_uri: 'https://single.example/cb/' }))).toBe(
      'invalid_grant',
    );
  });

  it('a loopback redirect must be repeated with the very port it was sent to', async () => {
    const code = await authorize(native, { redirect_uri: 'http://127.0.0.1:51234/callback' });
    expect(await refused(exchange(native, code, { redirect_uri: 'http://127.0.0.1:51235/callback' }))).toBe(
      'invalid_grant',
    );
    expect(await refused(exchange(native, code, { redirect_uri: 'http://127.0.0.1/callback' }))).toBe('invalid_grant');
    const tokens = await exchange(native, code, { redirect_uri: 'http://127.0.0.1:51234/callback' });
    expect(tokens.scope).toBe('read write');
  });

  it('a code for a user deactivated after it was issued is invalid_grant', async () => {
    const code = await authorize(web);
    await accounts().setEnabled('alice', false);
    try {
      expect(await refused(exchange(web, code))).toBe('invalid_grant');
      expect(await tokensIssuedFor(code)).toBe(0);
    } finally {
      await accounts().setEnabled('alice', true);
    }
  });

  it('a public client exchanges with client_id and PKCE alone, and refreshes with client_id alone', async () => {
    const code = await authorize(spa, { redirect_uri: undefined });
    const tokens = await exchange(spa, code, { redirect_uri: undefined });
    expect(tokens.scope).toBe('read write');
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    expect((await db.store.findAccessToken(tokenKey(tokens.access_token)))?.clientId).toBe(spa.client.id);

    const refreshed = (await token(spa, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }))
      .response;
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    expect(refreshed.scope).toBe('read write');
    expect(await accessRevokedAt(tokens)).toBe(clock.now());
  });

  it('a public client must still prove possession: no verifier, no tokens', async () => {
    const code = await authorize(spa);
    expect(await refused(exchange(spa, code, { code_verifier: undefined }))).toBe('invalid_grant');
    expect(await tokensIssuedFor(code)).toBe(0);
  });

  it('a confidential client must authenticate to exchange its code', async () => {
    const code = await authorize(web);
    const withoutSecret = gatehouse.tokenEndpoint.handle({
      params: defined({
        grant_type: 'authorization_code',
        client_id: web.client.id,
        code,
        redirect_uri: WEB_CALLBACK,
        code_verifier: VERIFIER,
      }),
    });
    expect(await refused(withoutSecret)).toBe('invalid_client');
    expect(await tokensIssuedFor(code)).toBe(0);
    // The code is still good for the real client.
    expect((await exchange(web, code)).scope).toBe('read write');
  });
});
