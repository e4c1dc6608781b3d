import type { Clock } from '../clock.js';
import { OAuthError } from '../errors.js';
import type { AuthorizationCodeGrantStorage, SecurityEventSink } from '../ports.js';
import { verifierMatchesChallenge } from '../pkce.js';
import { resourcesWithinGrant, type ResourcePolicy } from '../resources.js';
import { tokenKey } from '../secrets.js';
import type { TokenMinter } from '../tokens.js';
import { GrantIdTokens, hasOpenIdScope } from '../oidc/grant-id-tokens.js';
import { requireParam, type GrantHandler, type GrantRequest } from './grant.js';

export type { AuthorizationCodeGrantStorage } from '../ports.js';

export interface AuthorizationCodeGrantOptions {
  store: AuthorizationCodeGrantStorage;
  minter: TokenMinter;
  clock: Clock;
  resources: ResourcePolicy;
  /** Whether a client registered for these grant types is also given a refresh token. */
  refreshTokensAllowed: (grantTypes: readonly string[]) => boolean;
  /** Where a replayed code is announced. */
  events?: SecurityEventSink;
  /** OpenID Connect: the ID token of a code issued for openid (absent: such a code is refused). */
  idTokens?: GrantIdTokens;
}

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6): the code is checked against everything it was
 * bound to at the authorization endpoint, then consumed and exchanged in one atomic step.
 */
export class AuthorizationCodeGrant implements GrantHandler {
  static readonly grantType = 'authorization_code';
  readonly grantType = AuthorizationCodeGrant.grantType;
  private readonly store: AuthorizationCodeGrantStorage;
  private readonly minter: TokenMinter;
  private readonly clock: Clock;
  private readonly resources: ResourcePolicy;
  private readonly refreshTokensAllowed: (grantTypes: readonly string[]) => boolean;
  private readonly events?: SecurityEventSink;
  private readonly idTokens?: GrantIdTokens;

  constructor(options: AuthorizationCodeGrantOptions) {
    this.store = options.store;
    this.minter = options.minter;
    this.clock = options.clock;
    this.resources = options.resources;
    this.refreshTokensAllowed = options.refreshTokensAllowed;
    this.events = options.events;
    this.idTokens = options.idTokens;
  }

  async handle({ client, params, clientIp }: GrantRequest) {
    const codeHash = tokenKey(requireParam(params, 'code'));
    const redirectUri = params.get('redirect_uri');
    const verifier = params.get('code_verifier');
    const invalid = () => OAuthError.invalidGrant('authorization code is invalid, expired or already used');
    const replayed = (code: { userId: string; familyId: string }) => {
      this.events?.emit({
        type: 'code.reuse_detected',
        at: this.clock.now(),
        actor: 'client',
        clientId: client.id,
        userId: code.userId,
        ...(clientIp ? { address: clientIp } : {}),
        details: { family_id: code.familyId },
      });
      return OAuthError.invalidGrant('authorization code was already used; the tokens issued for it are now revoked');
    };

    const code = await this.store.findAuthorizationCode(codeHash);
    // A code issued to another client is just invalid: only the rightful client's replay means
    // the code leaked from it (RFC 6749 §4.1.2); anyone else presenting it must not be able to
    // revoke the victim's grant.
    if (!code || code.clientId !== client.id) throw invalid();
    const now = this.clock.now();
    if (code.consumedAt !== null) {
      // §4.1.2: a code used twice means it leaked; whatever it was exchanged for is revoked.
      await this.store.revokeFamily(code.familyId, now);
      throw replayed(code);
    }
    if (code.expiresAt <= now) throw invalid();
    // §4.1.3: the redirect_uri must be repeated, identically, when the request named one.
    if (
      code.redirectUriGiven
        ? redirectUri !== code.redirectUri
        : redirectUri !== undefined && redirectUri !== code.redirectUri
    ) {
      throw OAuthError.invalidGrant('redirect_uri does not match the authorization request');
    }
    if (code.codeChallenge === null) {
      // RFC 9700 §4.8.2: a verifier without a challenge is a PKCE downgrade attempt.
      if (verifier !== undefined)
        throw OAuthError.invalidGrant('code_verifier given, but the authorization request had no code_challenge');
      // Public clients always send a challenge (the authorization endpoint insists); a code
      // without one can only be redeemed by the confidential client that authenticated above.
      if (client.isPublic) throw invalid();
    } else {
      if (verifier === undefined) throw OAuthError.invalidGrant('code_verifier is required (PKCE)');
      if (!verifierMatchesChallenge(verifier, code.codeChallenge))
        throw OAuthError.invalidGrant('code_verifier does not match the code_challenge');
    }
    // RFC 8707 §2.2: the access token may be for a subset of the authorized resources; the
    // refresh token stays bound to all of them.
    const audience = resourcesWithinGrant(this.resources, params, code.audience);
    const user = await this.store.findUserById(code.userId);
    if (!user?.enabled) throw OAuthError.invalidGrant('the user account is not active');

    const scope = code.scope.split(' ').filter(Boolean);
    // OpenID Connect: the sign-in behind the code, read only for a code issued for openid.
    const openid = hasOpenIdScope(scope);
    const signIn = openid ? await this.idTokens?.signInOfCode(code.familyId, client.id, code.userId) : undefined;
    if (openid && !signIn) throw invalid();
    const minted = await this.minter.mint(
      {
        clientId: client.id,
        client,
        userId: code.userId,
        user,
        scope,
        audience,
        grantAudience: code.audience,
        familyId: code.familyId,
      },
      this.refreshTokensAllowed(client.grantTypes) && (!signIn || GrantIdTokens.mayRefresh(signIn, scope)),
    );
    if (signIn && this.idTokens) {
      minted.response.id_token = await this.idTokens.idToken({
        client,
        user,
        userId: code.userId,
        scope,
        grant: signIn,
        accessToken: minted.response.access_token,
        withNonce: true,
      });
    }
    const outcome = await this.store.redeemAuthorizationCode(codeHash, now, {
      accessToken: minted.accessToken,
      refreshToken: minted.refreshToken,
    });
    // Another exchange of the same code won the race: this one is the replay.
    if (outcome.kind === 'replayed') throw replayed(code);
    if (outcome.kind === 'invalid') throw invalid();
    return minted;
  }
}
