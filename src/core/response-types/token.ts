import { OAuthError } from '../errors.js';
import type { ResponseTypeHandler } from './response-type.js';

/** RFC 6749 §4.2: response_type=token (the implicit grant), an access token in the fragment. */
export const tokenResponse: ResponseTypeHandler = {
  responseType: 'token',
  grantType: 'implicit',
  defaultMode: 'fragment',
  queryAllowed: false,

  checkClient(client) {
    // RFC 9700 §2.1.2: the implicit grant only for a client explicitly registered for it.
    if (!client.grantTypes.includes('implicit')) {
      throw OAuthError.unauthorizedClient('this client is not allowed the implicit flow');
    }
  },

  // PKCE binds a code to its redemption; an implicit response has no code.
  codeChallenge: () => null,

  async respond(request, user, { store, minter, now, who, events }) {
    const familyId = minter.newFamilyId();
    // §4.2.2: an access token in the fragment, never a refresh token.
    const decision = {
      clientId: request.client.id,
      client: request.client,
      userId: user.id,
      user,
      scope: request.scope,
      audience: request.resources,
      familyId,
    };
    const minted = await minter.mint(decision, false);
    await store.issueTokens({ accessToken: minted.accessToken });
    const { access_token, token_type, expires_in, scope } = minted.response;
    events?.emit({ type: 'token.issued', at: now, actor: 'user', ...who, details: { grant_type: 'implicit', scope } });
    return { access_token, token_type, expires_in: String(expires_in), scope };
  },
};
