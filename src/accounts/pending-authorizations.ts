import type { Clock, IdSource } from '../core/clock.js';
import { hashSecret } from '../core/secrets.js';
import type { PendingAuthorizationStore } from '../storage/store.js';
// The address a sign-in hop is counted under: the brute-force counters' own (an IPv6 /64).
import { addressKey } from '../core/addresses.js';

/** How long a consent page can be answered: ten minutes, then the app must start again. */
export const PENDING_CONSENT_LIFETIME = 600;
/** Consent pages one browser session can have open at once; older ones stop working. */
export const PENDING_CONSENTS_PER_SESSION = 20;
/** How long an authorization request waits for the browser to sign in (or sign up, or reset a password). */
export const PENDING_SIGN_IN_LIFETIME = 900;
/** Requests waiting for sign-in that one browser (CSRF cookie) can have; older ones stop working. */
export const PENDING_SIGN_INS_PER_BROWSER = 10;
/**
 * …and one address (an IPv6 /64): requests without cookies make a new "browser" each time, so
 * this is what bounds the rows a client that never signs in can make.
 */
export const PENDING_SIGN_INS_PER_ADDRESS = 50;
/**
 * …and all of them together: a flood from more addresses than that evicts
 * the oldest waiting requests (whose users then start again at the app) instead of growing the
 * database. Ten thousand sign-ins started within 15 minutes is far beyond a normal day. A row
 * holds at most about 4 KB for an OAuth request (state is limited to 2,048 characters, scope to
 * 1,024; the other parameters are short or must match the client) and about 13 KB for an OpenID
 * one (claims and id_token_hint up to 4,096 each, the other OpenID parameters a few hundred), so
 * the table stays under about 130 MB at the very worst, for 15 minutes.
 */
export const PENDING_SIGN_INS_TOTAL = 10_000;

/**
 * Authorization requests kept on the server (ARCHITECTURE.md: forms carry an opaque reference
 * to server-side state, never a copy of a request's parameters):
 *
 * - across sign-in: the sign-in page's return_to names the request by an opaque id, bound to
 *   the browser's CSRF cookie secret, short-lived and bounded per browser and address;
 * - on the consent page: the form carries one opaque id, bound to the session it was shown to
 *   and the form's CSRF token, taken (deleted) by the first answer. A link cannot add fields to
 *   it (such as `decision=allow`).
 */
export class PendingAuthorizations {
  constructor(
    private readonly store: PendingAuthorizationStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  /** Keeps `params` for the consent page shown to `sessionHash`; returns the form's id. */
  async createConsent(
    sessionHash: string,
    csrfToken: string,
    clientId: string,
    params: Record<string, string>,
  ): Promise<string> {
    const id = this.ids.secret();
    const now = this.clock.now();
    await this.store.savePendingAuthorization(
      {
        idHash: hashSecret(id),
        sessionHash,
        csrfHash: hashSecret(csrfToken),
        addressKey: null,
        clientId,
        params,
        createdAt: now,
        expiresAt: now + PENDING_CONSENT_LIFETIME,
      },
      { perOwner: PENDING_CONSENTS_PER_SESSION },
    );
    return id;
  }

  /** The request behind a consent form's id, once: null when unknown, expired, answered, or of another session or form. */
  async takeConsent(id: string, sessionHash: string, csrfToken: string): Promise<Record<string, string> | null> {
    if (id.length > 100) return null;
    const record = await this.store.takePendingAuthorization(
      hashSecret(id),
      sessionHash,
      hashSecret(csrfToken),
      this.clock.now(),
    );
    return record?.params ?? null;
  }

  /** Keeps `params` while the browser holding `csrfSecret` signs in; returns the id its return_to carries. */
  async createSignIn(
    csrfSecret: string,
    address: string,
    clientId: string,
    params: Record<string, string>,
  ): Promise<string> {
    const id = this.ids.secret();
    const now = this.clock.now();
    await this.store.savePendingAuthorization(
      {
        idHash: hashSecret(id),
        sessionHash: null,
        csrfHash: hashSecret(csrfSecret),
        addressKey: addressKey(address),
        clientId,
        params,
        createdAt: now,
        expiresAt: now + PENDING_SIGN_IN_LIFETIME,
      },
      {
        perOwner: PENDING_SIGN_INS_PER_BROWSER,
        perAddress: PENDING_SIGN_INS_PER_ADDRESS,
        total: PENDING_SIGN_INS_TOTAL,
      },
    );
    return id;
  }

  /** Spends every sign-in hop of this browser for `clientId` (its request was answered on the consent page). */
  async forgetSignIns(csrfSecret: string | undefined, clientId: string): Promise<void> {
    if (csrfSecret) await this.store.deletePendingSignIns(hashSecret(csrfSecret), clientId);
  }

  /**
   * The request a sign-in hop's id names, for this browser only, taken: the authorization endpoint
   * answers it once (a replay of the link cannot skip a re-authentication it asked for, nor issue
   * a second code). Null when unknown, expired or already taken.
   */
  async takeSignIn(
    id: string,
    csrfSecret: string | undefined,
  ): Promise<{ clientId: string; params: Record<string, string>; createdAt: number } | null> {
    if (!csrfSecret || id.length > 100) return null;
    const record = await this.store.takePendingSignIn(hashSecret(id), hashSecret(csrfSecret), this.clock.now());
    return record ? { clientId: record.clientId, params: record.params, createdAt: record.createdAt } : null;
  }

  /** The request a sign-in hop's id names, for this browser only; null when unknown or expired. */
  async findSignIn(
    id: string,
    csrfSecret: string | undefined,
  ): Promise<{ clientId: string; params: Record<string, string>; createdAt: number } | null> {
    if (!csrfSecret || id.length > 100) return null;
    const record = await this.store.findPendingSignIn(hashSecret(id), hashSecret(csrfSecret), this.clock.now());
    return record ? { clientId: record.clientId, params: record.params, createdAt: record.createdAt } : null;
  }
}
