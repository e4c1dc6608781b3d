/**
 * The storage contract. Core declares what it needs as narrow interfaces (src/core/ports/);
 * the rest (accounts, sessions, throttles, audit) is declared by concern under ./ports/, and
 * maintenance here. Both engines (SQLite, PostgreSQL) implement all of them through one `Store`.
 * This file re-exports every part, so importers keep one import path.
 * Times are whole seconds since the epoch. Secrets appear only as SHA-256 hashes.
 */
import type {
  ClientRegistrationStore,
  ClientStore,
  CodeStore,
  ConsentStore,
  DeviceCodeStore,
  KeyStore,
  OidcGrantStore,
  TokenStore,
  UsedAssertionIdStore,
} from '../core/ports.js';
import type { AccountTokenStore, UserGrantStore, UserStore } from './ports/accounts.js';
import type { AuditStore } from './ports/audit.js';
import type { LogoutDeliveryStore, PendingLogoutStore } from './ports/logout.js';
import type { ClientOriginStore } from './ports/origins.js';
import type { PendingAuthorizationStore, SessionStore } from './ports/sessions.js';
import type { ThrottleStore, TrustedDeviceStore } from './ports/throttle.js';

// Core owns these; re-exported so storage and its users keep one import path.
export type {
  AccessTokenRecord,
  ActorClaim,
  AuthorizationCodeRecord,
  ClientRecord,
  ClientStore,
  CodeStore,
  ConsentRecord,
  ConsentStore,
  DeviceCodeStore,
  IssuedTokens,
  KeyStore,
  OidcGrantStore,
  RedemptionOutcome,
  RefreshTokenRecord,
  RefreshTokenWithUser,
  RotationOutcome,
  RotationRequest,
  SigningKeyRecord,
  TokenStore,
  UsedAssertionIdStore,
  UserRecord,
} from '../core/ports.js';

// Storage's own contracts, one file per concern.
export * from './ports/accounts.js';
export * from './ports/audit.js';
export * from './ports/logout.js';
export * from './ports/origins.js';
export * from './ports/sessions.js';
export * from './ports/throttle.js';

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
  /** Expired device authorizations (RFC 8628). */
  deviceCodes: number;
  /** Self-registered accounts never confirmed whose confirmation link expired: their names are free again. */
  unconfirmedUsers: number;
  /** Ids of client assertions and jwt-bearer grants past their exp (a replay is refused by exp then). */
  usedAssertionIds: number;
  /** Expired end-session requests (the logout confirmation page's server-side state). */
  pendingLogouts: number;
  /** Back-channel logout deliveries given up after their last attempt. */
  logoutDeliveries: number;
  /** Sign-ins behind OpenID grants whose family has no code, refresh token or live access token left. */
  oidcGrants: number;
}

export interface MaintenanceStore {
  /** Deletes expired rows in batches so no statement holds a lock on millions of rows. */
  deleteExpired(now: number, batchSize?: number): Promise<CleanupCounts>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
}

export interface Store
  extends ClientStore,
    ClientOriginStore,
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
    UsedAssertionIdStore,
    MaintenanceStore {
  readonly engine: 'sqlite' | 'postgres';
  /** Device authorizations (RFC 8628). */
  readonly deviceCodes: DeviceCodeStore;
  /** The sign-ins behind OpenID Connect grants (migration 16). */
  readonly oidcGrants: OidcGrantStore;
  /** End-session requests awaiting the logout confirmation page (migration 17). */
  readonly pendingLogouts: PendingLogoutStore;
  /** The back-channel logout queue (migrations 16 and 17). */
  readonly logoutDeliveries: LogoutDeliveryStore;
  /** Self-registered clients and initial access tokens (migration 19). */
  readonly clientRegistrations: ClientRegistrationStore;
  /** Applies pending migrations; returns the versions applied now. */
  migrate(): Promise<number[]>;
  close(): Promise<void>;
}
