import { OAuthError } from '../errors.js';
import type { ClientRecord, OidcGrantRecord, OidcGrantStore, UserRecord } from '../ports.js';
import {
  type ClaimsRequest,
  OFFLINE_ACCESS,
  parseClaimsParameter,
  releasedClaimNames,
  userClaimValues,
} from './claims.js';
import type { IdTokenSigner } from './id-tokens.js';
import type { Subjects } from './subjects.js';

/** The OpenID Connect scope: a grant with it gets ID tokens (OIDC Core §3.1.2.1). */
export const OPENID = 'openid';

export const hasOpenIdScope = (scope: readonly string[]): boolean => scope.includes(OPENID);

/** The user as the ID token's claims need it. */
export type ClaimsUser = Pick<UserRecord, 'username' | 'email' | 'updatedAt' | 'displayName' | 'emailVerified'>;

/** The grant's `claims` request parameter, as stored; a value that no longer parses asks for nothing. */
export function storedClaimsRequest(claims: string | null): ClaimsRequest | null {
  try {
    return parseClaimsParameter(claims ?? undefined);
  } catch {
    return null;
  }
}

/**
 * The token endpoint's side of OpenID Connect: the sign-in behind an openid grant (OidcGrantRecord)
 * and the ID token of each response (OIDC Core §3.1.3.3 for a code, §12.2 after a refresh).
 */
export class GrantIdTokens {
  constructor(
    private readonly grants: Pick<OidcGrantStore, 'findOidcGrant'>,
    private readonly subjects: Subjects,
    private readonly signer: IdTokenSigner,
  ) {}

  /** The sign-in behind the family, only when it is this client's and this user's; else null. */
  async signInOf(familyId: string, clientId: string, userId: string): Promise<OidcGrantRecord | null> {
    const record = await this.grants.findOidcGrant(familyId);
    return record && record.clientId === clientId && record.userId === userId ? record : null;
  }

  /**
   * The sign-in behind a code issued for openid. Every such code has one (saved before the code);
   * a code without it was tampered with, and is just invalid, never a server error.
   */
  async signInOfCode(familyId: string, clientId: string, userId: string): Promise<OidcGrantRecord> {
    const record = await this.signInOf(familyId, clientId, userId);
    if (!record) throw OAuthError.invalidGrant('authorization code is invalid, expired or already used');
    return record;
  }

  /**
   * OIDC Core §11: an openid grant gets a refresh token only when offline_access was granted
   * (beside the client being registered for refresh_token); otherwise it ends with the session.
   */
  static mayRefresh(record: OidcGrantRecord, scope: readonly string[]): boolean {
    return record.offline && scope.includes(OFFLINE_ACCESS);
  }

  /**
   * The ID token for the client: its subject, the sign-in (auth_time of the original sign-in,
   * sid, amr, acr), at_hash of the access token issued beside it, the nonce only for the code
   * (§12.2: never after a refresh), and user claims only where asked for the ID token.
   */
  async idToken(input: {
    client: Pick<ClientRecord, 'id' | 'oidc' | 'redirectUris'>;
    user: ClaimsUser;
    userId: string;
    scope: readonly string[];
    grant: OidcGrantRecord;
    accessToken: string;
    withNonce: boolean;
  }): Promise<string> {
    const { client, grant } = input;
    const names = releasedClaimNames(
      'id_token',
      input.scope,
      storedClaimsRequest(grant.claims),
      client.oidc?.idTokenClaims === true,
    );
    return this.signer.idToken({
      client,
      subject: this.subjects.of(client, input.userId),
      grant: { ...grant, sid: this.subjects.sidOf(client, grant.sid) },
      nonce: input.withNonce ? grant.nonce : null,
      accessToken: input.accessToken,
      userClaims: userClaimValues(input.user, names),
    });
  }
}
