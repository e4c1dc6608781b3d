/**
 * The device authorization endpoint (RFC 8628 §3.1–3.2) and the user code's rules (§6.1). The
 * grant that redeems the device code is core/grants/device-code.ts; the page where the user types
 * the code is http/routes/device.ts.
 */
import { randomInt } from 'node:crypto';
import type { ClientAuthenticator } from './client-auth.js';
import type { Clock, IdSource } from './clock.js';
import { OAuthError } from './errors.js';
import { allValues } from './params.js';
import { scopeForNewGrant, type ScopePolicy } from './grants/scope-policy.js';
import type { DeviceAuthorizationThrottle, DeviceCodeStore } from './ports.js';
import { formatScope } from './scopes.js';
import { hashSecret, tokenKey } from './secrets.js';

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * RFC 8628 §6.1: consonants only (no words spelled by accident, nothing confused with a digit),
 * upper case; 8 of them are 20^8 ≈ 2^34.6 codes, guessed only online and throttled.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;

/** A new user code, normalised (8 characters, no hyphen). */
export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** XXXX-XXXX, as the user reads and types it. */
export function displayUserCode(normalised: string): string {
  return `${normalised.slice(0, 4)}-${normalised.slice(4)}`;
}

/**
 * What the user typed, as stored: upper case, hyphens and spaces dropped (§6.1); null when it
 * cannot be a user code at all (wrong length or characters).
 */
export function normaliseUserCode(typed: string): string | null {
  if (typed.length > 64) return null;
  const code = typed.toUpperCase().replace(/[-\s]/g, '');
  if (code.length !== USER_CODE_LENGTH) return null;
  for (const char of code) if (!USER_CODE_ALPHABET.includes(char)) return null;
  return code;
}

/** The key a (normalised) user code is stored and looked up under. */
export function userCodeKey(normalised: string): string {
  return hashSecret(normalised);
}

/** The key a device code is stored and looked up under. */
export function deviceCodeKey(deviceCode: string): string {
  return tokenKey(deviceCode);
}

export interface DeviceAuthorizationSettings {
  /** The issuer's /device page. */
  verificationUri: string;
  expiresIn: number;
  interval: number;
  maxPendingPerClient: number;
  scopes: ScopePolicy;
}

/** RFC 8628 §3.2. */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export interface DeviceAuthorizationRequest {
  params: ReadonlyMap<string, string>;
  authorization?: string;
  clientIp?: string;
}

/** Tries a few user codes when one is taken by another pending authorization (about never). */
const USER_CODE_ATTEMPTS = 5;

/**
 * POST /oauth/device_authorization: authenticates the client like the token endpoint does,
 * checks it may use the device grant and the scope, and issues a device code and a user code.
 * Every request writes, and the public client's id is all it takes: requests are counted per
 * address, and the pending codes of one client are capped.
 */
export class DeviceAuthorizationEndpoint {
  constructor(
    /** The client authentication every endpoint shares (throttled, audited, secrets or assertions). */
    private readonly clients: Pick<ClientAuthenticator, 'authenticate'>,
    private readonly store: Pick<DeviceCodeStore, 'saveDeviceCode' | 'oldestPendingDeviceCodeExpiry'>,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly settings: DeviceAuthorizationSettings,
    private readonly requestThrottle?: DeviceAuthorizationThrottle,
  ) {}

  async handle({ params, authorization, clientIp = 'unknown' }: DeviceAuthorizationRequest) {
    const wait = (await this.requestThrottle?.deviceAuthorizationRequested(clientIp)) ?? 0;
    if (wait > 0) {
      throw OAuthError.slowDown(
        `too many device authorization requests from this address; retry in ${wait} seconds`,
        429,
      ).withRetryAfter(wait);
    }
    const client = await this.clients.authenticate({ params, authorization, clientIp });
    if (!client.grantTypes.includes(DEVICE_CODE_GRANT_TYPE)) {
      throw OAuthError.unauthorizedClient(`this client is not allowed the ${DEVICE_CODE_GRANT_TYPE} grant`);
    }
    // RFC 8707 resources are named where the token is issued, on the device's token request: not
    // kept here, so refused rather than silently dropped.
    if (allValues(params, 'resource').length > 0)
      throw OAuthError.invalidTarget('name resource on the token request (the device code poll), not here');
    const scope = formatScope(scopeForNewGrant(this.settings.scopes, client, params.get('scope')));
    const now = this.clock.now();
    const deviceCode = this.ids.secret();
    for (let attempt = 0; attempt < USER_CODE_ATTEMPTS; attempt++) {
      const userCode = newUserCode();
      const saved = await this.store.saveDeviceCode(
        {
          deviceCodeHash: deviceCodeKey(deviceCode),
          userCodeHash: userCodeKey(userCode),
          clientId: client.id,
          scope,
          createdAt: now,
          expiresAt: now + this.settings.expiresIn,
          interval: this.settings.interval,
          lastPolledAt: null,
          status: 'pending',
          userId: null,
          decidedAt: null,
          redeemedAt: null,
        },
        this.settings.maxPendingPerClient,
      );
      if (saved === 'cap') throw await this.tooManyPending(client.id, now);
      if (saved === 'collision') continue;
      const shown = displayUserCode(userCode);
      const response: DeviceAuthorizationResponse = {
        device_code: deviceCode,
        user_code: shown,
        verification_uri: this.settings.verificationUri,
        verification_uri_complete: `${this.settings.verificationUri}?user_code=${shown}`,
        expires_in: this.settings.expiresIn,
        interval: this.settings.interval,
      };
      return { response, clientId: client.id };
    }
    throw OAuthError.temporarilyUnavailable('no free user code was found; retry');
  }

  /** 429 slow_down, told to come back when the client's oldest pending code expires. */
  private async tooManyPending(clientId: string, now: number): Promise<OAuthError> {
    const oldest = await this.store.oldestPendingDeviceCodeExpiry(clientId, now);
    const wait = Math.max(1, (oldest ?? now + this.settings.interval) - now);
    return OAuthError.slowDown(
      `this client has too many pending device authorizations; retry in ${wait} seconds`,
      429,
    ).withRetryAfter(wait);
  }
}
