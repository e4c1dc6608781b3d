/**
 * Each grant's storage: only the methods its flow uses (fosite's flow_*_storage pattern), so a
 * grant can be read, tested and implemented against exactly what it touches.
 */
import type { CodeStore, TokenStore, UserLookup } from './storage.js';

/** RFC 6749 §4.1.3: find the code, redeem it atomically, revoke what a replayed code issued. */
export type AuthorizationCodeGrantStorage = Pick<CodeStore, 'findAuthorizationCode' | 'redeemAuthorizationCode'> &
  Pick<TokenStore, 'revokeFamily'> &
  Pick<UserLookup, 'findUserById'>;

/** RFC 6749 §4.4: store the access token. */
export type ClientCredentialsStorage = Pick<TokenStore, 'issueTokens'>;

/** RFC 6749 §4.3: store the tokens (the password itself is checked by a ResourceOwnerAuthenticator). */
export type PasswordGrantStorage = Pick<TokenStore, 'issueTokens'>;

/** RFC 6749 §6: read the token with its user, rotate it atomically, refuse another client's. */
export type RefreshTokenGrantStorage = Pick<
  TokenStore,
  'findRefreshTokenWithUser' | 'rotateRefreshToken' | 'refuseForeignRefreshToken'
>;

/** RFC 8693: find the subject and actor tokens (access tokens of this server) by their hash. */
export type TokenExchangeStorage = Pick<TokenStore, 'findAccessToken'>;
