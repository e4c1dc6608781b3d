/**
 * Security events: what happened to accounts, tokens, consents and clients, as it happens.
 * The audit log (./audit-log.ts), the metrics (src/http/metrics.ts) and the server's log all
 * listen on one bus. An event never carries a password, token, code, secret or link.
 */

/** Changes to a user account, by an administrator (CLI) or the user (account pages). */
export type AccountEventType =
  | 'user.created'
  | 'user.registered'
  | 'user.confirmed'
  | 'user.activated'
  | 'user.deactivated'
  | 'user.promoted'
  | 'user.demoted'
  | 'user.password_changed'
  | 'user.reset_requested'
  | 'user.password_reset'
  | 'user.profile_updated'
  /** A new e-mail address was asked for on the account page; it takes effect with user.profile_updated (changed: email) once confirmed. */
  | 'user.email_change_requested'
  | 'user.grant_revoked'
  | 'user.deleted';

export type SecurityEventType =
  | AccountEventType
  /** A token response was sent (details: grant_type, scope). */
  | 'token.issued'
  /** A client revoked a token (RFC 7009), or an administrator revoked tokens. */
  | 'token.revoked'
  /** A consumed refresh token was presented again: its whole family is now revoked (RFC 9700 §4.14.2). */
  | 'token.reuse_detected'
  /**
   * A used refresh token was presented again within refresh_token_grace_period while its
   * successor was unused: answered with a new pair, the successor revoked. A lost response being
   * retried, or a stolen token being replayed.
   */
  | 'refresh_token.grace_replay'
  /** A consumed authorization code was presented again: its tokens are now revoked (RFC 6749 §4.1.2). */
  | 'code.reuse_detected'
  /** A right password (sign-in form, password grant). */
  | 'login.succeeded'
  /** A wrong password, unknown login, deactivated account or a throttled attempt. */
  | 'login.failed'
  /**
   * A failed client authentication at the token endpoint (details: method, reason
   * unknown_client, missing_secret or wrong_secret); names the client only when it exists.
   */
  | 'client.authentication_failed'
  | 'consent.granted'
  | 'client.created'
  | 'client.deleted'
  | 'client.secret_rotated'
  | 'key.rotated';

export interface SecurityEvent {
  type: SecurityEventType;
  /** Seconds since the epoch. */
  at: number;
  /** Who did it: an administrator (CLI), a user (pages, password grant), a client (token endpoints). */
  actor: 'admin' | 'user' | 'client';
  userId?: string;
  username?: string;
  clientId?: string;
  /** The caller's network address. */
  address?: string;
  /** Safe details: the grant type and scope, the role promoted to, the fields changed. */
  details?: Record<string, string>;
}

/** An account change always names its user. */
export interface AccountEvent extends SecurityEvent {
  type: AccountEventType;
  userId: string;
  username: string;
  actor: 'admin' | 'user';
}

export type SecurityEventListener = (event: SecurityEvent) => void;

/** A tiny synchronous event bus: a failing listener is reported, never breaks the action. */
export class SecurityEvents {
  private readonly listeners = new Set<SecurityEventListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  on(listener: SecurityEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: SecurityEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
