/**
 * Security events core emits as they happen. Core only announces them through a sink; the
 * audit log, the metrics and the server's log listen on the other side (src/audit/events.ts,
 * which adds the account and administration events core never emits). An event never carries a
 * password, token, code, secret or link.
 */

/** What the protocol core announces: tokens, codes, consents and client authentication. */
export type ProtocolEventType =
  /** A token response was sent (details: grant_type, scope; actor for a delegating token exchange). */
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
  /**
   * A failed client authentication at the token, revocation or introspection endpoint (details:
   * method, reason: unknown_client, missing_secret, wrong_secret, wrong_method, or for a client
   * assertion what was wrong with it: wrong_audience, expired, replayed, bad_signature…); names the
   * client only when it exists.
   */
  | 'client.authentication_failed'
  /** A client registered itself (RFC 7591; details: name, grant_types, token_endpoint_auth_method, software_id). */
  | 'client.registered'
  /** A self-registered client replaced its metadata (RFC 7592 §2.2). */
  | 'client.registration_updated'
  /** A self-registered client deleted itself and its tokens (RFC 7592 §2.3). */
  | 'client.registration_deleted'
  | 'consent.granted';

/** One security event; `Type` is widened by the layers above with the events they emit. */
export interface SecurityEvent<Type extends string = ProtocolEventType> {
  type: Type;
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

/** Where core announces events. Emitting never fails the action that caused it. */
export interface SecurityEventSink {
  emit(event: SecurityEvent<ProtocolEventType>): void;
}
