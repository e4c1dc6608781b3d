/**
 * An authorization code presented by a client it was not issued to (RFC 6749 §4.1.3, §10.5):
 * refused, and — unlike the rightful client's replay of a used code — it revokes nothing. An
 * attacker who saw a victim's code (a log, a Referer, a shared device) must not be able to take
 * the victim's tokens away by presenting it.
 */
import { cheapPasswords } from '../../../test/harness/passwords.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type TestStore } from '../../../test/helpers/databases.js';
import { rejectedOAuthError } from '../../../test/helpers/errors.js';
import { UserAccounts } from '../../accounts/users.js';
import { validateConfig } from '../../config/load.js';
import { composeServices, type Services } from '../../compose.js';
import type { IssuedTokens } from '../ports.js';
import { ClientRegistry, type RegisteredClient } from '../clients.js';
import { ManualClock } from '../clock.js';
import { tokenKey } from '../secrets.js';
import type { TokenResponse } from '../tokens.js';

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const CALLBACK = 'https://app.example/callback';

describe('an authorization code presented by another client', () => {
  let db: TestStore;
  const clock = new ManualClock(1_800_000_000);
  let gatehouse: Services;
  let victim: RegisteredClient;
  /** Another confidential client, registered with the very same redirect URI. */
  let attacker: RegisteredClient;
  /** A public client (no secret): anyone can present a code as it. */
  let publicAttacker: RegisteredClient;
  let aliceId: string;

  beforeAll(async () => {
    db = await createSqliteStore();
    gatehouse = composeServices({
      passwords: cheapPasswords,

      config: validateConfig({ issuer: 'https://auth.example', supported_scopes: ['read'], default_scope: 'read' }),
      store: db.store,
      clock,
    });
    const registry = new ClientRegistry(db.store, clock);
    victim = await registry.create({ name: 'victim', redirectUris: [CALLBACK] });
    attacker = await registry.create({ name: 'attacker', redirectUris: [CALLBACK] });
    publicAttacker = await registry.create({ name: 'public attacker', isPublic: true, redirectUris: [CALLBACK] });
    aliceId = (
      await new UserAccounts(db.store, { clock, passwords: cheapPasswords }).create({
        username: 'alice',
        email: 'alice@example.com',
        password: 'a long passphrase',
      })
    ).id;
  });
  afterAll(() => db.cleanup());

  async function codeFor(who: RegisteredClient): Promise<string> {
    const validation = await gatehouse.authorizationEndpoint.validate(
      new Map(
        Object.entries({
          response_type: 'code',
          client_id: who.client.id,
          redirect_uri: CALLBACK,
          state: 's',
          code_challenge: CHALLENGE,
          code_challenge_method: 'S256',
        }),
      ),
    );
    if (validation.kind !== 'valid') throw new Error(JSON.stringify(validation));
    const location = await gatehouse.authorizationEndpoint.approve(
      validation.request,
      { id: aliceId, username: 'alice', roles: [] },
      false,
    );
    return new URL(location).searchParams.get('code')!;
  }

  function exchange(who: RegisteredClient, code: string) {
    const params = new Map(
      Object.entries({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: VERIFIER }),
    );
    if (who.secret === null) {
      params.set('client_id', who.client.id);
      return gatehouse.tokenEndpoint.handle({ params });
    }
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(who.client.id)}:${encodeURIComponent(who.secret)}`).toString('base64')}`;
    return gatehouse.tokenEndpoint.handle({ params, authorization: basic });
  }

  async function live(tokens: TokenResponse): Promise<boolean> {
    const access = await db.store.findAccessToken(tokenKey(tokens.access_token));
    const refresh = await db.store.findRefreshToken(tokenKey(tokens.refresh_token!));
    return access?.revokedAt === null && refresh?.revokedAt === null;
  }

  it('a used code presented by another client: invalid_grant, and the victim keeps its tokens', async () => {
    const code = await codeFor(victim);
    const tokens = (await exchange(victim, code)).response;
    for (const who of [attacker, publicAttacker]) {
      const error = await rejectedOAuthError(exchange(who, code));
      expect(error.code).toBe('invalid_grant');
      expect(error.description).not.toMatch(/revoked/);
    }
    expect(await live(tokens)).toBe(true);
    // The victim's refresh token still works.
    const refreshed = await gatehouse.tokenEndpoint.handle({
      params: new Map([
        ['grant_type', 'refresh_token'],
        ['refresh_token', tokens.refresh_token!],
      ]),
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(victim.client.id)}:${encodeURIComponent(victim.secret!)}`).toString('base64')}`,
    });
    expect(refreshed.response.access_token).toBeTruthy();
  });

  it('a fresh code presented by another client: invalid_grant, not consumed: the victim still redeems it', async () => {
    const code = await codeFor(victim);
    for (const who of [attacker, publicAttacker])
      expect((await rejectedOAuthError(exchange(who, code))).code).toBe('invalid_grant');
    expect((await db.store.findAuthorizationCode(tokenKey(code)))?.consumedAt).toBeNull();
    const tokens = (await exchange(victim, code)).response;
    expect(await live(tokens)).toBe(true);
  });

  it("the rightful client's replay of a used code still revokes what it was exchanged for", async () => {
    const code = await codeFor(victim);
    const tokens = (await exchange(victim, code)).response;
    expect((await rejectedOAuthError(exchange(victim, code))).code).toBe('invalid_grant');
    expect(await live(tokens)).toBe(false);
  });

  it('the store alone: redeeming a used code for another client is invalid and revokes nothing', async () => {
    const code = await codeFor(victim);
    const tokens = (await exchange(victim, code)).response;
    const stored = (await db.store.findAuthorizationCode(tokenKey(code)))!;
    const now = clock.now();
    const forAttacker: IssuedTokens = {
      accessToken: {
        tokenHash: 'attacker-at',
        jti: null,
        familyId: stored.familyId,
        clientId: attacker.client.id,
        userId: aliceId,
        scope: 'read',
        issuedAt: now,
        expiresAt: now + 60,
        revokedAt: null,
      },
    };
    expect(await db.store.redeemAuthorizationCode(tokenKey(code), now, forAttacker)).toEqual({ kind: 'invalid' });
    expect(await db.store.findAccessToken('attacker-at')).toBeNull();
    expect(await live(tokens)).toBe(true);
  });
});
