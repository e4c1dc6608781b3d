/**
 * Each grant's storage: only the methods its flow uses (fosite's flow_*_storage pattern), so a
 * grant can be read, tested and implemented against exactly what it touches.
 */
import type { CodeStore, TokenStore, UserLookup } from './storage.js';

/** RFC 6749 §4.1.3: find the code, redeem it atomically, revoke what a replayed code issued. */
export type AuthorizationCodeGrantStorage = Pick<CodeStore, 'findAuthorizationCode' | 'redeemAuthorizationCode'> &
  Pick<TokenStore, 'revokeFamily'> &
  Pick<UserLookup, 'findUserById'>;

/** RFC 6749 §4.4: store the access token. */
export type ClientCredentialsStorage = Pick<TokenStore, 'issueTokens'>;

/** RFC 6749 §4.3: store the tokens (the password itself is checked by a ResourceOwnerAuthenticator). */
export type PasswordGrantStorage = Pick<TokenStore, 'issueTokens'>;

/**
 * RFC 6749 §6: read the token with its user, rotate it atomically, refuse another client's; the
 * whole user only for an OpenID Connect grant's ID token.
 */
export type RefreshTokenGrantStorage = Pick<
  TokenStore,
  'findRefreshTokenWithUser' | 'rotateRefreshToken' | 'refuseForeignRefreshToken'
> &
  Pick<UserLookup, 'findUserById'>;

/** RFC 8693: find the subject and actor tokens (access tokens of this server) by their hash. */
export type TokenExchangeStorage = Pick<TokenStore, 'findAccessToken'>;
/** A device authorization (RFC 8628 §3.1–3.3): both codes only as SHA-256. */
export interface DeviceCodeRecord {
  /** tokenKey(device_code). */
  deviceCodeHash: string;
  /** hashSecret of the normalised user code (upper case, no hyphen). */
  userCodeHash: string;
  clientId: string;
  /** The scope asked for, validated against the client when it was asked (space-separated). */
  scope: string;
  createdAt: number;
  expiresAt: number;
  /** Seconds the device must wait between polls; grows by 5 with every slow_down (RFC 8628 §3.5). */
  interval: number;
  lastPolledAt: number | null;
  status: 'pending' | 'approved' | 'denied';
  /** The user who approved (or denied) it. */
  userId: string | null;
  decidedAt: number | null;
  redeemedAt: number | null;
}

/** The user's answer on the verification page. */
export interface DeviceCodeDecision {
  status: 'approved' | 'denied';
  userId: string;
}

/** RFC 8628 storage: the device authorization endpoint, the verification page and the grant. */
export interface DeviceCodeStore {
  /**
   * Saves a new device authorization unless the client already has `maxPending` pending,
   * unexpired ones ('cap') or a pending, unexpired one has the same user code ('collision').
   */
  saveDeviceCode(record: DeviceCodeRecord, maxPending: number): Promise<'saved' | 'cap' | 'collision'>;
  /** When the oldest of the client's pending, unexpired device codes expires (null: none). */
  oldestPendingDeviceCodeExpiry(clientId: string, now: number): Promise<number | null>;
  findDeviceCode(deviceCodeHash: string): Promise<DeviceCodeRecord | null>;
  /** The pending, unexpired device authorization a user code names, or null. */
  findPendingDeviceCodeByUserCode(userCodeHash: string, now: number): Promise<DeviceCodeRecord | null>;
  /** Records the user's answer, once: false when it was no longer pending or has expired. */
  decideDeviceCode(deviceCodeHash: string, decision: DeviceCodeDecision, now: number): Promise<boolean>;
  /**
   * Records a poll of a pending device code: 'slow_down' when it came sooner than the interval
   * after the previous poll (the interval then grows by 5 seconds), else 'pending'.
   */
  pollDeviceCode(deviceCodeHash: string, now: number): Promise<'pending' | 'slow_down'>;
  /** Marks an approved device code redeemed, atomically: true for exactly one caller. */
  redeemDeviceCode(deviceCodeHash: string, now: number): Promise<boolean>;
}

/** RFC 8628 §3.4–3.5: read the device code, record polls, redeem it once. */
export type DeviceCodeGrantStorage = Pick<DeviceCodeStore, 'findDeviceCode' | 'pollDeviceCode' | 'redeemDeviceCode'>;
