import type { ClientRecord, UserRecord } from './records.js';

/** The answer to a resource owner's username and password (RFC 6749 §4.3.2). */
export type ResourceOwnerAuthentication =
  | { kind: 'signed-in'; user: UserRecord }
  /** Wrong password, unknown login or deactivated account: one answer for all three. */
  | { kind: 'refused' }
  /** The right password for an account whose e-mail address is not confirmed yet. */
  | { kind: 'unconfirmed' }
  /** Too many recent failures: nothing was checked. */
  | { kind: 'throttled'; retryAfter: number };

export interface ResourceOwnerCredentials {
  /** A username or an e-mail address, as typed. */
  login: string;
  password: string;
  /** The caller's network address, for brute-force throttling. */
  address: string;
  /** The authenticated client asking on the resource owner's behalf. */
  client: ClientRecord;
}

/**
 * "Authenticate a resource owner": the password grant's only way to check a password. Accounts
 * implement it (src/accounts/authenticate.ts) with the sign-in throttle, trusted devices and the
 * login events; it may throw an OAuthError (e.g. overloaded, 503) that is not about the password.
 */
export interface ResourceOwnerAuthenticator {
  authenticate(credentials: ResourceOwnerCredentials): Promise<ResourceOwnerAuthentication>;
}
