/**
 * The storage contract. Core declares what it needs as narrow interfaces (one per concern);
 * both engines (SQLite, PostgreSQL) implement all of them through one `Store`.
 * Times are whole seconds since the epoch. Secrets appear only as SHA-256 hashes.
 */

export interface ClientRecord {
  id: string;
  name: string;
  /** SHA-256 of the client secret; null for a public client. */
  secretHash: string | null;
  isPublic: boolean;
  redirectUris: string[];
  grantTypes: string[];
  /** The scopes this client may ask for; null means every configured supported scope. */
  scopes: string[] | null;
  /** A first-party client: its users are never asked for consent. */
  trusted: boolean;
  /** A resource server's client: may introspect tokens issued to any client. */
  canIntrospect: boolean;
  createdAt: number;
}

export interface UserRecord {
  id: string;
  username: string;
  usernameCanonical: string;
  email: string;
  emailCanonical: string;
  /** argon2id PHC string. */
  passwordHash: string;
  /** Whether the account may be used. An administrator's switch (user activate/deactivate). */
  enabled: boolean;
  /**
   * A self-registered account whose e-mail address is not confirmed yet: it is also not
   * enabled, and following the confirmation link enables it. An administrator's deactivate
   * clears this, so a confirmation link can never re-enable an account an admin disabled.
   */
  awaitingConfirmation: boolean;
  roles: string[];
  createdAt: number;
  updatedAt: number;
}

export interface AccessTokenRecord {
  /** SHA-256 of the token as handed out (an opaque value or a whole JWT). */
  tokenHash: string;
  /** The token's unique id (the `jti` of a JWT), reported by introspection; null for tokens older than migration 3. */
  jti: string | null;
  /** Every token descended from one original grant shares this id. */
  familyId: string;
  clientId: string;
  userId: string | null;
  scope: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface RefreshTokenRecord {
  tokenHash: string;
  familyId: string;
  /** The refresh token this one replaced; null for the first of a family. */
  parentHash: string | null;
  clientId: string;
  userId: string | null;
  scope: string;
  issuedAt: number;
  expiresAt: number;
  /** Set when the token was exchanged (rotation); a consumed token presented again is reuse. */
  consumedAt: number | null;
  revokedAt: number | null;
}

export interface AuthorizationCodeRecord {
  codeHash: string;
  familyId: string;
  clientId: string;
  userId: string;
  /** Where the code was sent (the registered URI the request resolved to). */
  redirectUri: string;
  /**
   * Whether the authorization request named redirect_uri itself; only then must the token
   * request repeat it (RFC 6749 §4.1.3).
   */
  redirectUriGiven: boolean;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  issuedAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

export interface ClientStore {
  findClient(id: string): Promise<ClientRecord | null>;
  createClient(client: ClientRecord): Promise<void>;
  listClients(): Promise<ClientRecord[]>;
  /** Deletes the client and every token and code issued to it. False when it did not exist. */
  deleteClient(id: string): Promise<boolean>;
  updateClientSecret(id: string, secretHash: string): Promise<boolean>;
}

export type UserPatch = Partial<
  Pick<UserRecord, 'username' | 'usernameCanonical' | 'email' | 'emailCanonical' | 'passwordHash' | 'enabled' | 'awaitingConfirmation' | 'roles'>
>;

export class DuplicateUserError extends Error {
  constructor(readonly field: 'username' | 'email') {
    super(`a user with this ${field} already exists`);
  }
}

export interface UserStore {
  findUserById(id: string): Promise<UserRecord | null>;
  /** Looks up by canonical username or canonical email. */
  findUserByLogin(canonical: string): Promise<UserRecord | null>;
  /** Throws DuplicateUserError when the canonical username or email is taken. */
  createUser(user: UserRecord): Promise<void>;
  updateUser(id: string, patch: UserPatch, now: number): Promise<boolean>;
  /** Deletes the user with every token, code, sign-in session and consent of theirs. False when unknown. */
  deleteUser(id: string): Promise<boolean>;
  listUsers(): Promise<UserRecord[]>;
  /**
   * Updates the user and, in the same transaction, ends what was issued on the old terms
   * (`revoke`): a password, e-mail or status change that left an old reset link, session or
   * token working would leave whoever held it in. False when the user is unknown.
   */
  updateUserRevoking(id: string, patch: UserPatch, now: number, revoke: AccountRevocation): Promise<boolean>;
}

/** What updateUserRevoking ends besides the change itself. Consents are never touched. */
export interface AccountRevocation {
  /** Every e-mailed link of the user (reset, confirmation, any other purpose). */
  links?: boolean;
  /** Every sign-in session of the user. */
  sessions?: boolean;
  /** Every access and refresh token of the user, and their authorization codes not yet exchanged. */
  tokens?: boolean;
}

/** What an e-mailed link proves: the owner of the address wants to confirm it, or to set a new password. */
export type AccountTokenPurpose = 'confirm' | 'reset';

/** A single-use secret sent by e-mail. The link carries the secret; only its hash is stored. */
export interface AccountTokenRecord {
  tokenHash: string;
  userId: string;
  purpose: AccountTokenPurpose;
  createdAt: number;
  expiresAt: number;
}

export interface AccountTokenStore {
  /**
   * Issues a token, atomically across nodes: refused (false, nothing stored) when the user was
   * given one for the same purpose less than `notWithin` seconds before `token.createdAt`;
   * otherwise it replaces the user's earlier tokens of that purpose, so only the newest link works.
   */
  issueAccountToken(token: AccountTokenRecord, notWithin: number): Promise<boolean>;
  /** A token that can still be used (not used, not expired), or null. */
  findAccountToken(tokenHash: string, purpose: AccountTokenPurpose, now: number): Promise<AccountTokenRecord | null>;
  /**
   * Uses a confirmation token, in one step: enables its account if the account is still awaiting
   * confirmation and its password hash is still `passwordHash` (the one the caller checked the
   * password against), then deletes the user's confirmation links. Returns the user's id, or
   * null (and changes nothing) when the token or account does not qualify.
   */
  confirmAccount(tokenHash: string, now: number, passwordHash: string): Promise<string | null>;
  /**
   * Uses a reset token: in one step, deletes it (and the user's other reset tokens), sets the
   * password hash, revokes every access and refresh token of the user, voids their unused codes,
   * forgets their consents (apps must be allowed again) and ends their sessions. Never changes
   * `enabled`. Returns the user's id, or null when the token was not usable.
   */
  resetPassword(tokenHash: string, passwordHash: string, now: number): Promise<string | null>;
}

/** An app a user has let in: a remembered consent, live tokens, or both. */
export interface UserGrantRecord {
  clientId: string;
  clientName: string;
  /** The scopes allowed: the consent's, or else those of the live tokens. */
  scopes: string[];
  /** When consent was given; null for an app that never asked (trusted client, password grant). */
  consentedAt: number | null;
  /** The most recent token issued to the app for this user; null when none is live. */
  lastIssuedAt: number | null;
  /** Live (unexpired, unrevoked) access and refresh tokens. */
  liveTokens: number;
}

export interface UserGrantStore {
  /** The apps the user has granted access, by name. */
  listUserGrants(userId: string, now: number): Promise<UserGrantRecord[]>;
  /**
   * Takes an app's access away in one step: forgets the consent, revokes every access and
   * refresh token of the user for that client, and voids its unused codes. False when there was nothing.
   */
  revokeUserGrant(userId: string, clientId: string, now: number): Promise<boolean>;
}

export interface IssuedTokens {
  accessToken: AccessTokenRecord;
  refreshToken?: RefreshTokenRecord;
}

export type RotationOutcome =
  /** The presented token was live; it is now consumed and `next` is stored. */
  | { kind: 'rotated' }
  /** A retry within the grace period: the sibling pair was revoked and `next` is stored. */
  | { kind: 'reissued-in-grace' }
  /** The token had already been used (even if since revoked): the whole family is now revoked. */
  | { kind: 'reuse-detected'; familyId: string }
  /** Unknown, expired, or revoked without having been used: nothing changed. */
  | { kind: 'invalid' };

export interface RotationRequest {
  presentedHash: string;
  now: number;
  /** RFC 9700 §4.14 leeway for a client whose response was lost; 0 turns it off. */
  gracePeriod: number;
  next: { accessToken: AccessTokenRecord; refreshToken: RefreshTokenRecord };
}

export interface RefreshTokenWithUser {
  token: Pick<RefreshTokenRecord, 'clientId' | 'familyId' | 'scope' | 'userId'>;
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
   * for it, or, when it was consumed already, revoke its family.
   */
  redeemAuthorizationCode(codeHash: string, now: number, tokens: IssuedTokens): Promise<RedemptionOutcome>;
}

/** A signed-in browser. The cookie carries a secret; only its hash is stored. */
export interface SessionRecord {
  idHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStore {
  createSession(session: SessionRecord): Promise<void>;
  findSession(idHash: string): Promise<SessionRecord | null>;
  deleteSession(idHash: string): Promise<boolean>;
  /** Signs a user out everywhere. Returns how many sessions ended. */
  deleteUserSessions(userId: string): Promise<number>;
}

/** What a user allowed a client: remembered so the consent page is not shown again for it. */
export interface ConsentRecord {
  userId: string;
  clientId: string;
  scopes: string[];
  grantedAt: number;
}

export interface ConsentStore {
  findConsent(userId: string, clientId: string): Promise<ConsentRecord | null>;
  /** Creates or replaces the user's consent for the client. */
  saveConsent(consent: ConsentRecord): Promise<void>;
}

/** A key that signs JWT access tokens. The private key is stored encrypted, never in clear. */
export interface SigningKeyRecord {
  kid: string;
  algorithm: string;
  /** The public JWK (JSON), as published in the JWKS. */
  publicJwk: string;
  /** The private key (PKCS#8), encrypted with the configured key_encryption_key. */
  privateKeyEncrypted: string;
  createdAt: number;
  /** When a newer key takes (or took) over signing; null for the newest key. */
  retiredAt: number | null;
  /** Until when the public key stays in the JWKS (every token it signed has expired by then). */
  publishUntil: number | null;
}

export interface KeyStore {
  /** Every key: the current one first, then the others newest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /**
   * Stores a new key and, in the same transaction and under a lock (so concurrent rotations on
   * several nodes leave exactly one current key), retires every key that would sign after
   * `retireAt`: it stops signing then and stays published until `publishUntil`.
   */
  addSigningKey(key: SigningKeyRecord, retired: { retireAt: number; publishUntil: number }): Promise<void>;
}

/**
 * How a failure counter blocks: not at all up to `threshold` failures, then 2, 4, 8 … seconds
 * for each further one, never more than `maxDelay`. Data, not a function, so a store can apply
 * it inside the database or Redis in the same atomic step that counts.
 */
export interface BlockRule {
  threshold: number;
  maxDelay: number;
}

/** The seconds a counter at `failures` blocks for under `rule`. */
export function blockSeconds(failures: number, rule: BlockRule): number {
  if (failures <= rule.threshold) return 0;
  return Math.min(rule.maxDelay, 2 ** Math.min(failures - rule.threshold, 30));
}

export interface ThrottleStore {
  /** The latest `blocked_until` among the keys (0 when none is blocked or known). */
  blockedUntil(keys: readonly string[]): Promise<number>;
  /**
   * Counts one failure for `key`, atomically across nodes: the count starts again at 1 when
   * the last failure is older than `windowStart`. The counter then blocks for
   * blockSeconds(count, rule) from `now`. Returns the new count.
   */
  recordFailure(key: string, now: number, windowStart: number, rule: BlockRule): Promise<number>;
  /**
   * One attempt, atomically across nodes: when any key is blocked at `now`, returns its
   * blocked_until and counts nothing; otherwise counts a failure under every key up front (so
   * attempts in flight at the same time are all counted before any is checked) and returns 0.
   */
  countAttempt(counters: ReadonlyArray<{ key: string; rule: BlockRule }>, now: number, windowStart: number): Promise<number>;
  /** Takes back one counted failure (the attempt succeeded). */
  uncountFailure(key: string): Promise<void>;
  /** Forgets the failures of these keys (a success). */
  clearThrottles(keys: readonly string[]): Promise<void>;
}

export interface CleanupCounts {
  accessTokens: number;
  refreshTokens: number;
  authorizationCodes: number;
  sessions: number;
  /** Retired signing keys no longer published. */
  signingKeys: number;
  /** Failure counters idle for a day. */
  throttles: number;
  /** Expired confirmation and reset links. */
  accountTokens: number;
  /** Self-registered accounts never confirmed whose confirmation link expired: their names are free again. */
  unconfirmedUsers: number;
}

/** One row of the audit log: a security event (src/audit/events.ts) with its id. */
export interface AuditRecord {
  /** A UUIDv7: sorts by time. */
  id: string;
  at: number;
  type: string;
  actor: string;
  userId: string | null;
  username: string | null;
  clientId: string | null;
  address: string | null;
  details: Record<string, string> | null;
}

export interface AuditFilter {
  /** Events at or after this time (seconds since the epoch). */
  since?: number;
  userId?: string;
  clientId?: string;
  /** An exact type (token.issued) or a prefix ending in a dot (login.). */
  type?: string;
  /** The newest `limit` matching events are returned, oldest first. */
  limit: number;
}

export interface AuditStore {
  /** Appends events in one transaction. */
  appendAuditEvents(records: readonly AuditRecord[]): Promise<void>;
  listAuditEvents(filter: AuditFilter): Promise<AuditRecord[]>;
  /** Deletes events older than `before`, in batches; returns how many. */
  deleteAuditEvents(before: number, batchSize?: number): Promise<number>;
}

export interface MaintenanceStore {
  /** Deletes expired rows in batches so no statement holds a lock on millions of rows. */
  deleteExpired(now: number, batchSize?: number): Promise<CleanupCounts>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
}

export interface Store
  extends ClientStore,
    UserStore,
    AccountTokenStore,
    UserGrantStore,
    TokenStore,
    CodeStore,
    SessionStore,
    ConsentStore,
    KeyStore,
    ThrottleStore,
    AuditStore,
    MaintenanceStore {
  readonly engine: 'sqlite' | 'postgres';
  /** Applies pending migrations; returns the versions applied now. */
  migrate(): Promise<number[]>;
  close(): Promise<void>;
}
