import type { Clock, IdSource } from '../core/clock.js';
import { hashSecret } from '../core/secrets.js';
import type { PendingLogoutRecord, PendingLogoutStore } from '../storage/store.js';

/** How long the sign-out confirmation page can be answered. */
export const PENDING_LOGOUT_LIFETIME = 600;
/** Confirmation pages one session can have open at once; older ones stop working. */
export const PENDING_LOGOUTS_PER_SESSION = 5;

/** What the end-session endpoint checked and the confirmation page's answer needs. */
export interface LogoutRequest {
  clientId: string | null;
  postLogoutRedirectUri: string | null;
  state: string | null;
}

/**
 * End-session requests (RP-Initiated Logout 1.0) kept on the server while the confirmation page is
 * shown: the form carries one opaque id, bound to the session it was shown to, taken (deleted) by
 * the first answer. Only a signed-in browser makes one, at most a few per session.
 */
export class LogoutRequests {
  constructor(
    private readonly store: PendingLogoutStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  /** Keeps `request` for the confirmation page shown to `sessionHash`; returns the form's id. */
  async create(sessionHash: string, request: LogoutRequest): Promise<string> {
    const id = this.ids.secret();
    const now = this.clock.now();
    await this.store.savePendingLogout(
      { idHash: hashSecret(id), sessionHash, ...request, createdAt: now, expiresAt: now + PENDING_LOGOUT_LIFETIME },
      PENDING_LOGOUTS_PER_SESSION,
    );
    return id;
  }

  /** The request behind a confirmation form's id, once, for the session it was shown to; null otherwise. */
  async take(id: string, sessionHash: string): Promise<PendingLogoutRecord | null> {
    if (id.length > 100) return null;
    return this.store.takePendingLogout(hashSecret(id), sessionHash, this.clock.now());
  }
}
