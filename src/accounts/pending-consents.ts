import type { Clock, IdSource } from '../core/clock.js';
import { hashSecret } from '../core/secrets.js';
import type { PendingAuthorizationStore } from '../storage/store.js';

/** How long a consent page can be answered: ten minutes, then the app must start again. */
export const PENDING_CONSENT_LIFETIME = 600;
/** Consent pages one browser session can have open at once; older ones stop working. */
export const PENDING_CONSENTS_PER_SESSION = 20;

/**
 * The authorization requests waiting on a consent page. The page's form carries one opaque id
 * and its CSRF token, never a copy of the request (which a link could otherwise pad with fields
 * of its own, such as `decision=allow`). The request stays on the server, bound to the session
 * it was shown to and to the form's CSRF token, and is taken (deleted) by the first answer.
 */
export class PendingConsents {
  constructor(
    private readonly store: PendingAuthorizationStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  /** Keeps `params` for the consent page shown to `sessionHash`; returns the form's id. */
  async create(sessionHash: string, csrfToken: string, clientId: string, params: Record<string, string>): Promise<string> {
    const id = this.ids.secret();
    const now = this.clock.now();
    await this.store.savePendingAuthorization(
      { idHash: hashSecret(id), sessionHash, csrfHash: hashSecret(csrfToken), clientId, params, createdAt: now, expiresAt: now + PENDING_CONSENT_LIFETIME },
      PENDING_CONSENTS_PER_SESSION,
    );
    return id;
  }

  /** The request behind a consent form's id, once: null when unknown, expired, answered, or of another session or form. */
  async take(id: string, sessionHash: string, csrfToken: string): Promise<Record<string, string> | null> {
    if (id.length > 100) return null;
    const record = await this.store.takePendingAuthorization(hashSecret(id), sessionHash, hashSecret(csrfToken), this.clock.now());
    return record?.params ?? null;
  }
}
