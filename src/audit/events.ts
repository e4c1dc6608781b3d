/**
 * Security events: what happened to accounts, tokens, consents and clients, as it happens.
 * The audit log (./audit-log.ts), the metrics (src/http/metrics.ts) and the server's log all
 * listen on one bus. An event never carries a password, token, code, secret or link.
 */
import type { ProtocolEventType, SecurityEvent as CoreSecurityEvent, SecurityEventSink } from '../core/ports.js';

export type { ProtocolEventType } from '../core/ports.js';

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
  /** What the protocol core emits (src/core/ports/events.ts): tokens, codes, consents, client authentication. */
  | ProtocolEventType
  /** A right password (sign-in form, password grant). */
  | 'login.succeeded'
  /** A wrong password, unknown login, deactivated account or a throttled attempt. */
  | 'login.failed'
  | 'client.created'
  | 'client.deleted'
  | 'client.secret_rotated'
  /** `client update`: details name what changed (never a secret). */
  | 'client.updated'
  /** An administrator created or revoked an initial access token for client self-registration (RFC 7591 §3). */
  | 'registration_token.created'
  | 'registration_token.revoked'
  | 'key.rotated';

/** Any security event: core's, the accounts' and the administrator's. */
export type SecurityEvent = CoreSecurityEvent<SecurityEventType>;

export type SecurityEventListener = (event: SecurityEvent) => void;

/** A tiny synchronous event bus: a failing listener is reported, never breaks the action. */
export class SecurityEvents implements SecurityEventSink {
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
