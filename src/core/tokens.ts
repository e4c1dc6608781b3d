import type { AccessTokenRecord, RefreshTokenRecord } from '../storage/store.js';
import type { Clock, IdSource } from './clock.js';
import { formatScope } from './scopes.js';
import { hashSecret } from './secrets.js';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

export interface TokenLifetimes {
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
}

/** What a grant decided: who, for which client, which scope, in which family. */
export interface GrantDecision {
  clientId: string;
  userId: string | null;
  scope: readonly string[];
  /** The grant id every descendant token shares; a new grant starts a new family. */
  familyId: string;
  /** The refresh token this pair replaces (rotation). */
  parentHash?: string;
}

export interface MintedTokens {
  response: TokenResponse;
  accessToken: AccessTokenRecord;
  refreshToken?: RefreshTokenRecord;
}

/**
 * Mints opaque tokens: 256 random bits, handed to the client once and stored only as a
 * SHA-256 hash. (The JWT strategy of issue 3 plugs in beside this one.)
 */
export class TokenMinter {
  constructor(
    private readonly lifetimes: TokenLifetimes,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  newFamilyId(): string {
    return this.ids.id();
  }

  mint(decision: GrantDecision, withRefreshToken: boolean): MintedTokens {
    const now = this.clock.now();
    const scope = formatScope(decision.scope);
    const accessValue = this.ids.secret();
    const accessToken: AccessTokenRecord = {
      tokenHash: hashSecret(accessValue),
      familyId: decision.familyId,
      clientId: decision.clientId,
      userId: decision.userId,
      scope,
      issuedAt: now,
      expiresAt: now + this.lifetimes.accessTokenLifetime,
      revokedAt: null,
    };
    const response: TokenResponse = {
      access_token: accessValue,
      token_type: 'Bearer',
      expires_in: this.lifetimes.accessTokenLifetime,
      scope,
    };
    if (!withRefreshToken) return { response, accessToken };

    const refreshValue = this.ids.secret();
    const refreshToken: RefreshTokenRecord = {
      tokenHash: hashSecret(refreshValue),
      familyId: decision.familyId,
      parentHash: decision.parentHash ?? null,
      clientId: decision.clientId,
      userId: decision.userId,
      scope,
      issuedAt: now,
      expiresAt: now + this.lifetimes.refreshTokenLifetime,
      consumedAt: null,
      revokedAt: null,
    };
    response.refresh_token = refreshValue;
    return { response, accessToken, refreshToken };
  }
}
