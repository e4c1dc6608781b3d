/**
 * ID tokens at the token endpoint (OpenID Connect Core §3.1.3.3, §12.2), seen by a relying party:
 * the code flow through the sign-in and consent pages, each ID token verified with jose against
 * the published JWKS; the offline_access rule for refresh tokens (§11); key rotation; and the
 * attacker's side (another client's code, a code without its sign-in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenKey } from '../../src/core/secrets.js';
import { describeEachEngine } from '../helpers/databases.js';
import {
  type ConfidentialClient,
  expectedAtHash,
  OIDC_PASSWORD,
  obtainCode,
  oidcClient,
  redeem,
  refresh,
  signedInBrowser,
  tokensOf,
  verifyIdToken,
} from '../helpers/oidc-code-flow.js';
import { expectError } from '../harness/token-responses.js';
import { startTestServer, type TestServer } from '../harness/index.js';

const ACR = 'urn:example:acr:password';
const CODE_AND_REFRESH = ['--grant-type', 'authorization_code', '--grant-type', 'refresh_token'];
const SCOPE = 'openid profile email offline_access read';

describeEachEngine('ID tokens at the token endpoint (e2e)', (factory) => {
  let fx: TestServer;
  let rp: ConfidentialClient;
  let es256: ConfidentialClient;
  let eddsa: ConfidentialClient;
  let optedIn: ConfidentialClient;
  let codeOnly: ConfidentialClient;
  let other: ConfidentialClient;
  let aliceId: string;

  beforeAll(async () => {
    fx = await startTestServer({
      engine: factory.engine,
      env: { GATEHOUSE_SUPPORTED_SCOPES: 'read offline_access', GATEHOUSE_OIDC_ACR: ACR },
    });
    const client = (name: string, oidc?: Parameters<typeof oidcClient>[3], flags = CODE_AND_REFRESH) =>
      oidcClient(fx, ['--name', name, '--redirect-uri', `https://${name}.example/cb`, ...flags], SCOPE, oidc);
    [rp, es256, eddsa, optedIn, codeOnly, other] = await Promise.all([
      client('rp'),
      client('es', { idTokenSignedResponseAlg: 'ES256' }),
      client('ed', { idTokenSignedResponseAlg: 'EdDSA' }),
      client('optin', { idTokenClaims: true }),
      client('codeonly', undefined, ['--grant-type', 'authorization_code']),
      client('other'),
    ]);
    await fx.createUser('alice', 'alice@example.com', OIDC_PASSWORD);
    const alice = await fx.store.findUserByLogin('alice');
    aliceId = alice!.id;
    await fx.store.updateUser(aliceId, { displayName: 'Alice Liddell', emailVerified: true }, fx.clock.now());
  });

  afterAll(() => fx?.close());

  it('an openid code gets an RS256 ID token with every claim of OIDC Core §2, nonce echoed, at_hash of the access token', async () => {
    const browser = await signedInBrowser(fx, 'alice');
    const signedInAt = fx.clock.now();
    fx.clock.advance(30);
    const code = await obtainCode(browser, rp, { scope: 'openid read', nonce: 'n-0S6_WzA2Mj' });
    const tokens = tokensOf(await redeem(fx, rp, code));
    expect(tokens.id_token).toBeTruthy();
    const claims = await verifyIdToken(fx, tokens.id_token!, rp.client_id, 'RS256');
    const record = await fx.store.oidcGrants.findOidcGrant(
      (await fx.store.findAccessToken(tokenKey(tokens.access_token)))!.familyId,
    );
    expect(claims).toEqual({
      iss: fx.url,
      sub: aliceId,
      aud: rp.client_id,
      azp: rp.client_id,
      iat: fx.clock.now(),
      exp: fx.clock.now() + 3600,
      auth_time: signedInAt,
      nonce: 'n-0S6_WzA2Mj',
      at_hash: expectedAtHash(tokens.access_token, 'RS256'),
      sid: record!.sid,
      amr: ['pwd'],
      acr: ACR,
    });
    expect(record!.sid).toMatch(/\S{16,}/);
    // The user's claims go to userinfo, not into the ID token (the client did not ask for them there).
    expect(claims).not.toHaveProperty('email');
    // Without offline_access an openid grant gets no refresh token (OIDC Core §11).
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('a code without nonce gets an ID token without nonce', async () => {
    const browser = await signedInBrowser(fx, 'alice');
    const tokens = tokensOf(await redeem(fx, rp, await obtainCode(browser, rp, { scope: 'openid' })));
    const claims = await verifyIdToken(fx, tokens.id_token!, rp.client_id);
    expect(claims).not.toHaveProperty('nonce');
    expect(claims.sub).toBe(aliceId);
  });

  it.each([
    ['ES256', () => es256],
    ['EdDSA', () => eddsa],
  ])('signs with the client’s id_token_signed_response_alg %s (at_hash with its hash)', async (alg, of) => {
    const client = of();
    const browser = await signedInBrowser(fx, 'alice');
    const tokens = tokensOf(
      await redeem(fx, client, await obtainCode(browser, client, { scope: 'openid', nonce: alg })),
    );
    const claims = await verifyIdToken(fx, tokens.id_token!, client.client_id, alg);
    expect(claims.at_hash).toBe(expectedAtHash(tokens.access_token, alg));
    expect(claims.nonce).toBe(alg);
    // Another algorithm is not accepted for this client's token.
    await expect(verifyIdToken(fx, tokens.id_token!, client.client_id, 'RS256')).rejects.toThrow();
  });

  it('no ID token without openid, and the FOS-style refresh token is unchanged there', async () => {
    const browser = await signedInBrowser(fx, 'alice');
    const tokens = tokensOf(await redeem(fx, rp, await obtainCode(browser, rp, { scope: 'read' })));
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = tokensOf(await refresh(fx, rp, tokens.refresh_token!));
    expect(refreshed.id_token).toBeUndefined();
  });

  it('offline_access: a refresh token for openid only when granted, and only for a client registered for refresh_token', async () => {
    const browser = await signedInBrowser(fx, 'alice');
    const offline = tokensOf(await redeem(fx, rp, await obtainCode(browser, rp, { scope: 'openid offline_access' })));
    expect(offline.refresh_token).toBeTruthy();
    const notRegistered = tokensOf(
      await redeem(fx, codeOnly, await obtainCode(browser, codeOnly, { scope: 'openid offline_access' })),
    );
    expect(notRegistered.id_token).toBeTruthy();
    expect(notRegistered.refresh_token).toBeUndefined();
  });

  it('a refresh returns a new ID token: same sub and auth_time, new iat, at_hash of the new access token, no nonce', async () => {
    const browser = await signedInBrowser(fx, 'alice');
    const signedInAt = fx.clock.now();
    const first = tokensOf(
      await redeem(fx, rp, await obtainCode(browser, rp, { scope: 'openid offline_access email', nonce: 'once' })),
    );
    const original = await verifyIdToken(fx, first.id_token!, rp.client_id);
    fx.clock.advance(600);
    const refreshed = tokensOf(await refresh(fx, rp, first.refresh_token!));
    expect(refreshed.refresh_token).toBeTruthy();
    const renewed = await verifyIdToken(fx, refreshed.id_token!, rp.client_id);
    expect(renewed).toEqual({
      ...original,
      iat: fx.clock.now(),
      exp: fx.clock.now() + 3600,
      at_hash: expectedAtHash(refreshed.access_token, 'RS256'),
      nonce: undefined,
    });
    expect(renewed).not.toHaveProperty('nonce');
    expect(renewed.auth_time).toBe(signedInAt);
    // A refresh narrowed to a scope without openid gets no ID token.
    const narrowed = tokensOf(await refresh(fx, rp, refreshed.refresh_token!, 'offline_access email'));
    expect(narrowed.id_token).toBeUndefined();
  });

  it('user claims in the ID token only when the claims parameter asks for them there, or the client opted in', async () => {
    const browser = await signedInBrowser(fx, 'alice');
    const asked = tokensOf(
      await redeem(
        fx,
        rp,
        await obtainCode(browser, rp, {
          scope: 'openid profile email',
          claims: JSON.stringify({ id_token: { email: { essential: true } }, userinfo: { name: null } }),
        }),
      ),
    );
    const askedClaims = await verifyIdToken(fx, asked.id_token!, rp.client_id);
    expect(askedClaims.email).toBe('alice@example.com');
    // Only what was asked for the ID token: not the profile scope's claims, not the userinfo member's.
    expect(askedClaims).not.toHaveProperty('preferred_username');
    expect(askedClaims).not.toHaveProperty('name');

    // Attacker: the claims parameter never releases a claim whose scope the user did not allow
    // (the consent page named only the scopes): here email without the email scope.
    const beyond = tokensOf(
      await redeem(
        fx,
        rp,
        await obtainCode(browser, rp, {
          scope: 'openid',
          claims: JSON.stringify({ id_token: { email: { essential: true }, preferred_username: null } }),
        }),
      ),
    );
    const beyondClaims = await verifyIdToken(fx, beyond.id_token!, rp.client_id);
    expect(beyondClaims).not.toHaveProperty('email');
    expect(beyondClaims).not.toHaveProperty('preferred_username');

    const opted = tokensOf(
      await redeem(fx, optedIn, await obtainCode(browser, optedIn, { scope: 'openid profile email' })),
    );
    const optedClaims = await verifyIdToken(fx, opted.id_token!, optedIn.client_id);
    const alice = await fx.store.findUserById(aliceId);
    expect(optedClaims).toMatchObject({
      preferred_username: 'alice',
      name: 'Alice Liddell',
      updated_at: alice!.updatedAt,
      email: 'alice@example.com',
      email_verified: true,
    });
  });

  it('ID tokens signed before a key rotation still verify against the JWKS until they expire', async () => {
    const browser = await signedInBrowser(fx, 'alice');
    const before = tokensOf(await redeem(fx, rp, await obtainCode(browser, rp, { scope: 'openid' })));
    const beforeEd = tokensOf(await redeem(fx, eddsa, await obtainCode(browser, eddsa, { scope: 'openid' })));
    await fx.gatehouse.keys!.rotateAll();
    fx.clock.advance(120);
    const after = tokensOf(await redeem(fx, rp, await obtainCode(browser, rp, { scope: 'openid' })));
    const kid = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
    expect(kid(after.id_token!)).not.toBe(kid(before.id_token!));
    fx.clock.advance(3000);
    await verifyIdToken(fx, before.id_token!, rp.client_id);
    await verifyIdToken(fx, beforeEd.id_token!, eddsa.client_id, 'EdDSA');
    await verifyIdToken(fx, after.id_token!, rp.client_id);
  });

  describe('attacks', () => {
    it('a code issued for openid redeemed by another client is invalid_grant, and still good for its own client', async () => {
      const browser = await signedInBrowser(fx, 'alice');
      const code = await obtainCode(browser, rp, { scope: 'openid', nonce: 'victim' });
      expectError(await redeem(fx, other, code), 400, 'invalid_grant');
      const tokens = tokensOf(await redeem(fx, rp, code));
      const claims = await verifyIdToken(fx, tokens.id_token!, rp.client_id);
      // aud and azp name only the client the code was issued to, never the one that tried.
      expect([claims.aud, claims.azp]).toEqual([rp.client_id, rp.client_id]);
      await expect(verifyIdToken(fx, tokens.id_token!, other.client_id)).rejects.toThrow(/aud/);
    });

    it('a code for openid without its sign-in record (tampered storage) is invalid_grant, not a server error', async () => {
      const code = 'tampered-code-value-0123456789abcdefghijklmnopq';
      const now = fx.clock.now();
      await fx.store.saveAuthorizationCode({
        codeHash: tokenKey(code),
        familyId: `family-without-sign-in-${factory.engine}`,
        clientId: rp.client_id,
        userId: aliceId,
        redirectUri: rp.redirect_uris[0]!,
        redirectUriGiven: true,
        scope: 'openid',
        codeChallenge: null,
        codeChallengeMethod: null,
        issuedAt: now,
        expiresAt: now + 60,
        consumedAt: null,
      });
      const res = await redeem(fx, rp, { code, verifier: '', redirectUri: rp.redirect_uris[0]! });
      expectError(res, 400, 'invalid_grant');
    });

    it('a sign-in record of another client or user behind a family is not used', async () => {
      const browser = await signedInBrowser(fx, 'alice');
      const code = await obtainCode(browser, rp, { scope: 'openid' });
      const stored = await fx.store.findAuthorizationCode(tokenKey(code.code));
      // Move the code to another client's family record: its sign-in does not belong to this code.
      const record = await fx.store.oidcGrants.findOidcGrant(stored!.familyId);
      expect(record?.clientId).toBe(rp.client_id);
      const forged = 'forged-code-value-0123456789abcdefghijklmnopqrstu';
      await fx.store.saveAuthorizationCode({
        ...stored!,
        codeHash: tokenKey(forged),
        clientId: other.client_id,
        redirectUri: other.redirect_uris[0]!,
        codeChallenge: null,
        codeChallengeMethod: null,
      });
      expectError(
        await redeem(fx, other, { code: forged, verifier: '', redirectUri: other.redirect_uris[0]! }),
        400,
        'invalid_grant',
      );
    });
  });
});
