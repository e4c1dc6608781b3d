import { OAuthError } from '../errors.js';
import { OFFLINE_ACCESS } from '../oidc/claims.js';
import { isS256Challenge } from '../pkce.js';
import { formatScope } from '../scopes.js';
import { tokenKey } from '../secrets.js';
import type { ResponseTypeHandler } from './response-type.js';

/** RFC 6749 §4.1: response_type=code, bound to the redirect URI and (RFC 7636) a PKCE challenge. */
export const codeResponse: ResponseTypeHandler = {
  responseType: 'code',
  grantType: 'authorization_code',
  defaultMode: 'query',
  queryAllowed: true,

  checkClient(client) {
    if (!client.grantTypes.includes('authorization_code')) {
      throw OAuthError.unauthorizedClient('this client is not allowed the authorization code flow');
    }
  },

  /** RFC 7636 §4.3, S256 only (RFC 9700 §2.1.1): required for public clients and, by default, for all. */
  codeChallenge(client, params, requirePkce) {
    const challenge = params.get('code_challenge');
    const method = params.get('code_challenge_method');
    if (challenge === undefined) {
      if (method !== undefined) throw OAuthError.invalidRequest('code_challenge_method without code_challenge');
      if (client.isPublic) {
        throw OAuthError.invalidRequest('PKCE is required for public clients: send code_challenge (S256)');
      }
      if (requirePkce) {
        throw OAuthError.invalidRequest('PKCE is required: send code_challenge with code_challenge_method=S256');
      }
      return null;
    }
    // Without a method RFC 7636 means "plain", which this server does not accept.
    if (method !== 'S256') {
      throw OAuthError.invalidRequest('code_challenge_method must be S256 (plain is not supported)');
    }
    if (!isS256Challenge(challenge)) {
      throw OAuthError.invalidRequest('code_challenge must be 43 base64url characters (S256)');
    }
    return challenge;
  },

  async respond(request, user, { store, minter, ids, now, codeLifetime, signIn, acr }) {
    const familyId = minter.newFamilyId();
    // OpenID Connect: the sign-in behind the grant, which its ID tokens describe (first, so the
    // code never exists without it).
    if (request.scope.includes('openid') && signIn) {
      await store.oidcGrants.saveOidcGrant({
        familyId,
        clientId: request.client.id,
        userId: user.id,
        sid: signIn.sid,
        authTime: signIn.authTime,
        amr: signIn.amr,
        acr,
        nonce: request.params.get('nonce') ?? null,
        claims: request.params.get('claims') ?? null,
        offline: request.scope.includes(OFFLINE_ACCESS),
        createdAt: now,
      });
    }
    const code = ids.token();
    // §4.1.2: single use, short-lived; only its hash is stored.
    await store.saveAuthorizationCode({
      codeHash: tokenKey(code),
      familyId,
      clientId: request.client.id,
      userId: user.id,
      redirectUri: request.redirectUri,
      redirectUriGiven: request.redirectUriGiven,
      scope: formatScope(request.scope),
      audience: request.resources,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallenge === null ? null : 'S256',
      issuedAt: now,
      expiresAt: now + codeLifetime,
      consumedAt: null,
    });
    return { code };
  },
};
