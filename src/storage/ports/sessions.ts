/**
 * The storage contract of a browser's sign-in: its session, and the authorization request kept
 * while it signs in or answers the consent page.
 */

/** A signed-in browser. The cookie carries a secret; only its hash is stored. */
export interface SessionRecord {
  idHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  /** The session's public id (OpenID Connect sid), kept when the same user signs in again. */
  sid: string;
  /** When the user last authenticated (OIDC auth_time): the sign-in, or a later re-authentication. */
  authTime: number;
}

/** A session as stored: sid defaults to a value derived from idHash, authTime to createdAt. */
export type NewSession = Omit<SessionRecord, 'sid' | 'authTime'> & Partial<Pick<SessionRecord, 'sid' | 'authTime'>>;

export interface SessionStore {
  createSession(session: NewSession): Promise<void>;
  /** Every live or expired session carrying `sid` (a re-authentication keeps it, so there may be several). */
  findSessionsBySid(sid: string): Promise<SessionRecord[]>;
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
  /** Deletes the sign-in hops of the browser whose CSRF cookie secret hashes to `csrfHash`, for `clientId`. */
  deletePendingSignIns(csrfHash: string, clientId: string): Promise<void>;
  /** The same, deleted in one atomic step: a second take of the id (any node) is null. */
  takePendingSignIn(idHash: string, csrfHash: string, now: number): Promise<PendingAuthorizationRecord | null>;
}
