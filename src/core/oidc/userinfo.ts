import type { Clock } from '../clock.js';
import { OAuthError } from '../errors.js';
import type { ClientStore, OidcGrantStore, TokenStore, UserLookup } from '../ports.js';
import { tokenKey } from '../secrets.js';
import { releasedClaimNames, userClaimValues } from './claims.js';
import { hasOpenIdScope, storedClaimsRequest } from './grant-id-tokens.js';
import type { IdTokenSigner } from './id-tokens.js';
import type { Subjects } from './subjects.js';

/** What userinfo reads: the access token (opaque or JWT, by its hash), its user, client and sign-in. */
export type UserinfoStorage = Pick<TokenStore, 'findAccessToken'> &
  UserLookup &
  Pick<ClientStore, 'findClient'> & { readonly oidcGrants: Pick<OidcGrantStore, 'findOidcGrant'> };

/** The answer: plain JSON claims, or (userinfo_signed_response_alg) a JWT signed for the client. */
export type UserinfoAnswer = { clientId: string } & (
  | { kind: 'json'; claims: Record<string, unknown> }
  | { kind: 'jwt'; token: string }
);

/** Longer than any token this server issues: not looked up. */
const MAX_TOKEN_LENGTH = 8192;

/**
 * OIDC Core §5.3: the claims about the user an access token with `openid` may read: `sub` as its
 * client sees it, the claims of the granted scopes (§5.4) and those the claims parameter asked
 * for at userinfo (§5.5), never more than that one token's grant. Errors per RFC 6750 §3.1.
 */
export class UserinfoEndpoint {
  constructor(
    private readonly store: UserinfoStorage,
    private readonly subjects: Subjects,
    private readonly signer: Pick<IdTokenSigner, 'userinfo'> | null,
    private readonly clock: Clock,
  ) {}

  async answer(accessToken: string): Promise<UserinfoAnswer> {
    const invalid = () => OAuthError.bearer('invalid_token', 'the access token is invalid, expired or revoked');
    if (accessToken.length > MAX_TOKEN_LENGTH) throw invalid();
    const token = await this.store.findAccessToken(tokenKey(accessToken));
    if (!token) throw invalid();
    // Past here the token names its client: its pages may read why it was refused (CORS).
    if (token.revokedAt !== null || token.expiresAt <= this.clock.now()) throw invalid().aboutClient(token.clientId);
    const scope = token.scope.split(' ').filter(Boolean);
    if (!hasOpenIdScope(scope))
      throw OAuthError.bearer('insufficient_scope', 'the access token was not granted the openid scope').aboutClient(
        token.clientId,
      );
    // A client's own token (client credentials) is about no user.
    if (token.userId === null) throw invalid().aboutClient(token.clientId);
    const [user, client, signIn] = await Promise.all([
      this.store.findUserById(token.userId),
      this.store.findClient(token.clientId),
      this.store.oidcGrants.findOidcGrant(token.familyId),
    ]);
    if (!user?.enabled || !client) throw invalid().aboutClient(token.clientId);
    // The claims parameter of this token's own sign-in only (a grant without one asked for none).
    const ownSignIn = signIn && signIn.clientId === client.id && signIn.userId === user.id ? signIn : null;
    const names = releasedClaimNames('userinfo', scope, storedClaimsRequest(ownSignIn?.claims ?? null));
    const claims = { sub: this.subjects.of(client, user.id), ...userClaimValues(user, names) };
    const algorithm = client.oidc?.userinfoSignedResponseAlg;
    if (algorithm && this.signer) {
      // §5.3.2: signed, with iss and aud (the client) added.
      return { clientId: client.id, kind: 'jwt', token: await this.signer.userinfo(client, algorithm, claims) };
    }
    return { clientId: client.id, kind: 'json', claims };
  }
}
