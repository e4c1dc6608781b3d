/**
 * The storage contract. Core declares what it needs as narrow interfaces (src/core/ports/);
 * the rest (accounts, sessions, throttles, audit, maintenance) is declared here. Both engines
 * (SQLite, PostgreSQL) implement all of them through one `Store`.
 * Times are whole seconds since the epoch. Secrets appear only as SHA-256 hashes.
 */
import type {
  ClientStore,
  CodeStore,
  ConsentStore,
  KeyStore,
  TokenStore,
  UserLookup,
  UserRecord,
} from '../core/ports.js';

// Core owns these; re-exported so storage and its users keep one import path.
export type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  ClientRecord,
  ClientStore,
  CodeStore,
  ConsentRecord,
  ConsentStore,
  IssuedTokens,
  KeyStore,
  RedemptionOutcome,
  RefreshTokenRecord,
  RefreshTokenWithUser,
  RotationOutcome,
  RotationRequest,
  SigningKeyRecord,
  TokenStore,
  UserLookup,
  UserRecord,
} from '../core/ports.js';

export type UserPatch = Partial<
  Pick<
    UserRecord,
    | 'username'
    | 'usernameCanonical'
    | 'email'
    | 'emailCanonical'
    | 'passwordHash'
    | 'enabled'
    | 'awaitingConfirmation'
    | 'roles'
  >
>;

export class DuplicateUserError extends Error {
  constructor(readonly field: 'username' | 'email') {
    super(`a user with this ${field} already exists`);
  }
}

export interface UserStore extends UserLookup {
  /** Looks up by canonical username or canonical email. */
  findUserByLogin(canonical: string): Promise<UserRecord | null>;
  /** Throws DuplicateUserError when the canonical username or email is taken. */
  createUser(user: UserRecord): Promise<void>;
  /** False when the user is unknown or does not match `expected` (a compare-and-set on the account's state). */
  updateUser(id: string, patch: UserPatch, now: number, expected?: UserExpectation): Promise<boolean>;
  /** Deletes the user with every token, code, sign-in session and consent of theirs. False when unknown. */
  deleteUser(id: string): Promise<boolean>;
  listUsers(): Promise<UserRecord[]>;
  /**
   * Updates the user and, in the same transaction, ends what was issued on the old terms
   * (`revoke`): a password, e-mail or status change that left an old reset link, session or
   * token working would leave whoever held it in. False when the user is unknown.
   */
  updateUserRevoking(
    id: string,
    patch: UserPatch,
    now: number,
    revoke: AccountRevocation,
    expected?: UserExpectation,
  ): Promise<boolean>;
}

/**
 * What the account must still be for an update to apply: read, decide, then write only if
 * nothing changed in between (a confirmation or a reset committing meanwhile on another node).
 */
export interface UserExpectation {
  awaitingConfirmation?: boolean;
  passwordHash?: string;
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

/**
 * What an e-mailed link proves: the owner of the address wants to confirm it, or to set a new
 * password, or (change_email) the owner of a new address accepts it for the account.
 */
export type AccountTokenPurpose = 'confirm' | 'reset' | 'change_email';

/** A single-use secret sent by e-mail. The link carries the secret; only its hash is stored. */
export interface AccountTokenRecord {
  tokenHash: string;
  userId: string;
  purpose: AccountTokenPurpose;
  createdAt: number;
  expiresAt: number;
  /** change_email only: the address the account's e-mail becomes when the link is followed. */
  newEmail?: string;
}

/** What following an e-mail change link did. */
export type EmailChangeOutcome =
  | { kind: 'changed'; userId: string; oldEmail: string }
  /** Another account has the address now: nothing changed and the link is used up. */
  | { kind: 'address-taken' }
  /** Unknown, used, expired or replaced link, or the password or account changed since it was checked. */
  | { kind: 'not-usable' };

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
  /**
   * Uses an e-mail change token, in one step: if it is usable, names `newEmail`, and its
   * account is enabled with the password hash still `passwordHash` (the one the caller checked
   * the password against), sets the account's e-mail to `newEmail` (`emailCanonical`) and
   * deletes the user's e-mail change links. When another account has the address (by e-mail or
   * username) the link is deleted and nothing else changes.
   */
  changeEmail(
    tokenHash: string,
    change: { newEmail: string; emailCanonical: string; passwordHash: string },
    now: number,
  ): Promise<EmailChangeOutcome>;
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

/**
 * An authorization request (RFC 6749 §4.1.1) kept on the server while the browser signs in
 * (`sessionHash` null) or answers the consent page. Forms and links refer to it by an opaque
 * id; only the id's SHA-256 is stored.
 */
export interface PendingAuthorizationRecord {
  idHash: string;
  /** The browser session the consent page was shown to; null while the browser signs in. */
  sessionHash: string | null;
  /**
   * SHA-256 of the consent form's CSRF token (consent page), or of the browser's CSRF cookie
   * secret (sign-in): useless to anyone without that browser's cookies.
   */
  csrfHash: string;
  /** While signing in: the client address (IPv6 by /64) that made the request; null on the consent page. */
  addressKey: string | null;
  clientId: string;
  /** The request's parameters (only those the authorization endpoint reads). */
  params: Record<string, string>;
  createdAt: number;
  expiresAt: number;
}

export interface PendingAuthorizationLimits {
  /** At most this many per session (consent pages) or per browser (`csrfHash`, sign-in), the new one included. */
  perOwner: number;
  /** Sign-in only: at most this many per `addressKey`, the new one included. */
  perAddress?: number;
  /**
   * Sign-in only: at most about this many across all browsers and addresses (the oldest go
   * first), so requests from very many addresses still cannot grow the table without bound.
   */
  total?: number;
}

export interface PendingAuthorizationStore {
  /**
   * Stores a pending request and, in the same transaction, deletes the oldest of the same
   * session (or browser, and address) beyond the limits: whoever makes them, their number is bounded.
   */
  savePendingAuthorization(record: PendingAuthorizationRecord, limits: PendingAuthorizationLimits): Promise<void>;
  /**
   * Takes a consent page's request in one atomic step, safe across nodes: deletes and returns it
   * when id, session and CSRF token hash all match and it has not expired; otherwise null. A
   * second take of the same id is null.
   */
  takePendingAuthorization(
    idHash: string,
    sessionHash: string,
    csrfHash: string,
    now: number,
  ): Promise<PendingAuthorizationRecord | null>;
  /** A request kept across sign-in for the browser whose CSRF cookie secret hashes to `csrfHash`, while unexpired (not consumed). */
  findPendingSignIn(idHash: string, csrfHash: string, now: number): Promise<PendingAuthorizationRecord | null>;
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

/** A counter as a store reads it: its failures within the window, and until when it blocks. */
export interface ThrottleState {
  /** Failures since the window start (0 when the last one is older, or the key is unknown). */
  failures: number;
  /** 0 when the counter never blocked. */
  blockedUntil: number;
}

/**
 * Failure counters, one row (or Redis hash) per key, updated in place: never a row per attempt.
 * Nothing here writes for a request that is already blocked.
 */
export interface ThrottleStore {
  /** The latest `blocked_until` among the keys (0 when none is blocked or known). */
  blockedUntil(keys: readonly string[]): Promise<number>;
  /** Each key's state, in the order given; reads only. Failures older than `windowStart` are not counted. */
  readThrottles(keys: readonly string[], windowStart: number): Promise<ThrottleState[]>;
  /**
   * Counts one failure for `key`, atomically across nodes: the count starts again at 1 when
   * the last failure is older than `windowStart`. The counter then blocks for
   * blockSeconds(count, rule) from `now`. Returns the new count.
   */
  recordFailure(key: string, now: number, windowStart: number, rule: BlockRule): Promise<number>;
  /**
   * One counted request, atomically across nodes: when any key is blocked at `now`, returns its
   * blocked_until and writes nothing; otherwise counts a failure under every key and returns 0.
   * (Requests where every one counts, such as e-mails sent; and failures checked before anything
   * was counted, such as client authentication.)
   */
  countAttempt(
    counters: ReadonlyArray<{ key: string; rule: BlockRule }>,
    now: number,
    windowStart: number,
  ): Promise<number>;
  /** Forgets the failures of these keys (a success). */
  clearThrottles(keys: readonly string[]): Promise<void>;
}

/**
 * A browser or client that signed in to an account before (OWASP's "device cookies"): its
 * attempts on that account are counted against its own small budget, not the address's and the
 * account's, so a guesser sharing the address cannot lock its owner out.
 */
export interface TrustedDeviceRecord {
  /** SHA-256 of the device cookie; for a confidential client, of its id and the user's id. */
  idHash: string;
  userId: string;
  /** The confidential client whose known account this is; null for a browser's device cookie. */
  clientId: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface TrustedDeviceStore {
  /** The device, unless unknown or expired at `now`. */
  findTrustedDevice(idHash: string, now: number): Promise<TrustedDeviceRecord | null>;
  /**
   * Stores the device (an existing id gets the new expiry), then, for a browser, deletes the
   * user's oldest browser devices beyond the newest `keepNewest`, so what one account can own stays bounded.
   */
  saveTrustedDevice(device: TrustedDeviceRecord, keepNewest: number): Promise<void>;
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
  /** Expired device cookies and known accounts of confidential clients. */
  trustedDevices: number;
  /** Expired confirmation and reset links. */
  accountTokens: number;
  /** Expired authorization requests kept across sign-in or for a consent page. */
  pendingAuthorizations: number;
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
  /**
   * Only on a counted row (failures anybody can cause, src/audit/failure-counts.ts): it stands
   * for `count` events of one source in one window, the first at `at`, the last at `lastAt`.
   */
  count?: number;
  lastAt?: number;
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
  /**
   * Appends events in one transaction. A counted row (with `count` and `lastAt`) whose id is
   * already stored adds its count to that row and widens its times (every node counts into one row).
   */
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
    PendingAuthorizationStore,
    KeyStore,
    ThrottleStore,
    TrustedDeviceStore,
    AuditStore,
    MaintenanceStore {
  readonly engine: 'sqlite' | 'postgres';
  /** Applies pending migrations; returns the versions applied now. */
  migrate(): Promise<number[]>;
  close(): Promise<void>;
}
