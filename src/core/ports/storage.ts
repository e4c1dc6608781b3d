/**
 * The storage core needs, one narrow interface per concern. Both engines (SQLite, PostgreSQL)
 * implement all of them through one `Store` (src/storage/store.ts); each grant and endpoint
 * asks only for the methods it uses (see ./grant-storage.ts).
 */
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  ClientRecord,
  ConsentRecord,
  OidcGrantRecord,
  RefreshTokenRecord,
  SigningKeyRecord,
  UserRecord,
} from './records.js';

export interface ClientStore {
  findClient(id: string): Promise<ClientRecord | null>;
  createClient(client: ClientRecord): Promise<void>;
  listClients(): Promise<ClientRecord[]>;
  /** Deletes the client and every token and code issued to it. False when it did not exist. */
  deleteClient(id: string): Promise<boolean>;
  /** A new secret (its hash; for a client_secret_jwt client also the secret encrypted). */
  updateClientSecret(id: string, secretHash: string, secretEncrypted?: string): Promise<boolean>;
  /**
   * Stores what `client update` may change (name, redirect URIs, grant types, scopes, trusted,
   * introspect, OpenID Connect settings); every running server sees it at once. False when the
   * client does not exist.
   */
  updateClient(client: ClientRecord): Promise<boolean>;
}

/** The part of the user store core reads: the resource owner behind a code or a token. */
export interface UserLookup {
  findUserById(id: string): Promise<UserRecord | null>;
}

export interface IssuedTokens {
  accessToken: AccessTokenRecord;
  refreshToken?: RefreshTokenRecord;
}

export type RotationOutcome =
  /** The presented token was live; it is now consumed and `next` is stored. */
  | { kind: 'rotated' }
  /**
   * A replay within the grace period while the successor was still unused: the successor pair
   * was revoked (marked superseded, so presenting it later is reuse) and `next` is stored.
   */
  | { kind: 'reissued-in-grace' }
  /**
   * The token had already been used (even if since revoked), or was superseded by a grace
   * replay: the whole family is now revoked.
   */
  | { kind: 'reuse-detected'; familyId: string }
  /** Unknown, expired, or revoked without having been used: nothing changed. */
  | { kind: 'invalid' };

export interface RotationRequest {
  presentedHash: string;
  now: number;
  /**
   * RFC 9700 §4.14 leeway for a client whose response was lost; 0 turns it off. A used token
   * presented again within it is answered only while none of its successors has been used.
   */
  gracePeriod: number;
  next: { accessToken: AccessTokenRecord; refreshToken: RefreshTokenRecord };
}

export interface RefreshTokenWithUser {
  token: Pick<RefreshTokenRecord, 'clientId' | 'familyId' | 'scope' | 'userId' | 'audience'> & {
    familyStartedAt: number;
  };
  user: Pick<UserRecord, 'enabled' | 'username' | 'roles'> | null;
}

export interface TokenStore {
  /** Stores an access token and its optional refresh token in one transaction. */
  issueTokens(tokens: IssuedTokens): Promise<void>;
  /** Revokes one access token. False when it was unknown or already revoked. */
  revokeAccessToken(tokenHash: string, now: number): Promise<boolean>;
  findAccessToken(tokenHash: string): Promise<AccessTokenRecord | null>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /**
   * What the refresh grant needs to know before it rotates a token, in one read: the token's
   * binding and the state of its user (null for a token without a user). Null when unknown.
   */
  findRefreshTokenWithUser(tokenHash: string): Promise<RefreshTokenWithUser | null>;
  /**
   * One atomic step, correct across processes: consume the presented refresh token and
   * store the next pair, revoking the access tokens issued before it, or detect reuse and
   * revoke the family.
   */
  rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome>;
  /**
   * A client presented a refresh token issued to another client. One atomic step: when the token
   * had been used or superseded (a replay of a leaked token), revoke its family and return
   * 'reuse-detected'; otherwise change nothing and return 'invalid'.
   */
  refuseForeignRefreshToken(
    tokenHash: string,
    now: number,
  ): Promise<Extract<RotationOutcome, { kind: 'reuse-detected' | 'invalid' }>>;
  /** Revokes every access and refresh token of a family. Returns how many rows changed. */
  revokeFamily(familyId: string, now: number): Promise<number>;
}

export type RedemptionOutcome =
  /** The code was live: it is now consumed and the tokens are stored. */
  | { kind: 'redeemed' }
  /** The code had been used before: every token issued from it is now revoked (RFC 6749 §4.1.2). */
  | { kind: 'replayed' }
  /** Unknown or expired: nothing changed. */
  | { kind: 'invalid' };

export interface CodeStore {
  saveAuthorizationCode(code: AuthorizationCodeRecord): Promise<void>;
  findAuthorizationCode(codeHash: string): Promise<AuthorizationCodeRecord | null>;
  /**
   * One atomic step, correct across processes: consume the code and store the tokens issued
   * for it, or, when it was consumed already, revoke its family. A code issued to a client other
   * than `tokens.accessToken.clientId` is 'invalid' and changes nothing.
   */
  redeemAuthorizationCode(codeHash: string, now: number, tokens: IssuedTokens): Promise<RedemptionOutcome>;
}

export interface ConsentStore {
  findConsent(userId: string, clientId: string): Promise<ConsentRecord | null>;
  /** Creates or replaces the user's consent for the client. */
  saveConsent(consent: ConsentRecord): Promise<void>;
}

export interface KeyStore {
  /** Every key: the current one first, then the others newest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /**
   * Stores a new key and, in the same transaction and under a lock (so concurrent rotations on
   * several nodes leave exactly one current key per algorithm), retires every key of the same
   * algorithm that would sign after `retireAt`: it stops signing then and stays published until `publishUntil`.
   */
  addSigningKey(key: SigningKeyRecord, retired: { retireAt: number; publishUntil: number }): Promise<void>;
  /**
   * Stores `key` (created at key.createdAt) unless some key of its algorithm signs at that time
   * (retired_at null or later), in one transaction under the same lock: of several nodes creating
   * the first key at once, exactly one wins. True when `key` was stored.
   */
  addFirstSigningKey(key: SigningKeyRecord): Promise<boolean>;
}

/**
 * RFC 7523 §3 item 7: the `jti` of assertions already accepted (client assertions and the
 * jwt-bearer grant), remembered until their `exp` so that a replay is refused on every node.
 */
export interface UsedAssertionIdStore {
  /**
   * Remembers `jtiHash` until `expiresAt`, in one atomic step: true when it was not in use
   * (never seen, or only by an assertion that has expired by `now`), false for a replay.
   */
  useAssertionId(jtiHash: string, expiresAt: number, now: number): Promise<boolean>;
}

/** The sign-ins behind OpenID Connect grants (records.ts OidcGrantRecord), by family and by session. */
export interface OidcGrantStore {
  /** Stores the sign-in of a new grant; a family has one (saving it again replaces nothing: first wins). */
  saveOidcGrant(grant: OidcGrantRecord): Promise<void>;
  findOidcGrant(familyId: string): Promise<OidcGrantRecord | null>;
  /** Every grant signed in through the session `sid` (what its logout ends and notifies). */
  listOidcGrantsOfSession(sid: string): Promise<OidcGrantRecord[]>;
  /**
   * The grant ended with its session: its tokens revoked and its codes not yet exchanged used up
   * (an exchange then counts as a replay), in one transaction. Returns the tokens revoked.
   */
  endOidcGrant(familyId: string, now: number): Promise<number>;
}
