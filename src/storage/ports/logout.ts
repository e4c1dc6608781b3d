/**
 * The storage contract of OpenID Connect logout: end-session requests waiting for the
 * confirmation page (RP-Initiated Logout 1.0), and the back-channel logout queue (Back-Channel
 * Logout 1.0).
 */

/** An end-session request shown on the confirmation page; the form refers to it by an opaque id (hashed here). */
export interface PendingLogoutRecord {
  idHash: string;
  /** The session the confirmation page was shown to: only its answer counts. */
  sessionHash: string;
  /** The app that asked (from client_id or the id_token_hint), if known. */
  clientId: string | null;
  /** A post_logout_redirect_uri already checked against the client's registration. */
  postLogoutRedirectUri: string | null;
  state: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface PendingLogoutStore {
  /** Stores the request and, in the same transaction, drops the session's oldest beyond `perSession`. */
  savePendingLogout(record: PendingLogoutRecord, perSession: number): Promise<void>;
  /**
   * Takes (deletes and returns) the request in one atomic step when id and session match and it
   * has not expired; otherwise null. A second take of the same id is null.
   */
  takePendingLogout(idHash: string, sessionHash: string, now: number): Promise<PendingLogoutRecord | null>;
}

/** One logout token owed to one client: its claims kept unsigned (signed at each attempt). */
export interface LogoutDeliveryRecord {
  id: string;
  clientId: string;
  /** The client's backchannel_logout_uri when the session ended. */
  uri: string;
  /** sub, sid, jti, events (iat is set at signing). */
  claims: Record<string, unknown>;
  /** Attempts started so far. */
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  lastError: string | null;
  givenUpAt: number | null;
}

export interface LogoutQueueLimits {
  /** Deliveries waiting for one client at most (its endpoint may be down for hours). */
  perClient: number;
  /** Deliveries waiting in all at most. */
  total: number;
}

export interface LogoutDeliveryStore {
  /** Queues a delivery unless the client's or the whole queue is full (false: not queued). */
  enqueueLogoutDelivery(
    delivery: Omit<LogoutDeliveryRecord, 'attempts' | 'lastError' | 'givenUpAt'>,
    limits: LogoutQueueLimits,
  ): Promise<boolean>;
  /**
   * Claims up to `limit` deliveries due at `now` for one attempt each: every claimed row has its
   * attempts counted and its next attempt moved to `retryAt(attempts)` in one conditional update,
   * so of several nodes exactly one gets a given attempt. Returns the claimed rows (attempts counted).
   */
  claimDueLogoutDeliveries(
    now: number,
    limit: number,
    retryAt: (attempt: number) => number,
  ): Promise<LogoutDeliveryRecord[]>;
  /** Delivered (or no longer owed): the row goes. */
  deleteLogoutDelivery(id: string): Promise<void>;
  /** The attempt failed: why, and whether it was the last (given up at `givenUpAt`). */
  logoutDeliveryFailed(id: string, error: string, givenUpAt: number | null): Promise<void>;
  /** The sids of a user's unexpired sessions: those a sign-out everywhere ends, whose clients are told. */
  liveSessionSids(userId: string, now: number): Promise<string[]>;
  /** Every queued delivery of a client, oldest first (tests, operators). */
  listLogoutDeliveries(clientId: string): Promise<LogoutDeliveryRecord[]>;
}
