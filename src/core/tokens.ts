import { SignJWT } from 'jose';
import type { AccessTokenRecord, ActorClaim, ClientRecord, RefreshTokenRecord } from './ports.js';
import type { Clock, IdSource } from './clock.js';
import type { KeyRing } from './keys.js';
import type { Subjects } from './oidc/subjects.js';
import { audienceClaim } from './resources.js';
import { formatScope } from './scopes.js';
import { tokenKey } from './secrets.js';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  /** RFC 8693 §2.2.1: the type of the token issued by a token exchange (REQUIRED there, absent elsewhere). */
  issued_token_type?: string;
  /** OpenID Connect Core §3.1.3.3: the ID token of a grant whose scope has openid. */
  id_token?: string;
}

export interface TokenLifetimes {
  accessTokenLifetime: number;
  /** Sliding: each rotation gives the new refresh token this long. */
  refreshTokenLifetime: number;
  /** A family ends this long after its first token, however often it rotates; 0 (or absent) = no limit. */
  refreshTokenAbsoluteLifetime?: number;
}

/** What a grant decided: who, for which client, which scope, in which family. */
export interface GrantDecision {
  clientId: string;
  /** The client's registration, when the grant has it: a JWT's `sub` is the one this client sees (pairwise). */
  client?: Pick<ClientRecord, 'oidc' | 'redirectUris'>;
  userId: string | null;
  /** The user's name and roles, for JWT access tokens that carry them (jwt_user_claims). */
  user?: { username: string; roles: readonly string[] };
  scope: readonly string[];
  /**
   * RFC 8707: the resources the access token is for, its `aud` (one: a string; several: an
   * array); absent or empty: the server's default audience (access_token_audience, else the issuer).
   */
  audience?: readonly string[];
  /**
   * The resources the refresh token stays bound to, when they are more than `audience`: a refresh
   * that narrowed its access token's audience keeps the whole grant (RFC 8707 §2.2). Default: `audience`.
   */
  grantAudience?: readonly string[];
  /** RFC 8693 §4.1: who acts for the subject (delegation); the JWT's `act` claim, stored for introspection. */
  actor?: ActorClaim;
  /** The access token expires no later than this (a token exchange: never after the subject token). */
  notAfter?: number;
  /** The grant id every descendant token shares; a new grant starts a new family. */
  familyId: string;
  /** The refresh token this pair replaces (rotation). */
  parentHash?: string;
  /** When the family's first token was issued (rotation); a new family starts now. */
  familyStartedAt?: number;
  /** A shorter access token lifetime for this grant (an extension grant's choice); never longer than configured. */
  accessTokenLifetime?: number;
}

export interface MintedTokens {
  response: TokenResponse;
  accessToken: AccessTokenRecord;
  refreshToken?: RefreshTokenRecord;
}

/** A record's audience field: absent when none was named (the default audience). */
function audienceOf(audience: readonly string[] | undefined): { audience?: readonly string[] } {
  return audience?.length ? { audience: [...audience] } : {};
}

/** How access tokens are written: opaque random strings, or RFC 9068 JWTs. */
export type AccessTokenFormat =
  | { kind: 'opaque' }
  | {
      kind: 'jwt';
      keys: KeyRing;
      issuer: string;
      audience: string;
      userClaims: boolean;
      /** The `sub` each client sees (OIDC Core §8); absent: the user id. */
      subjects?: Subjects;
    };

/**
 * Mints tokens. Refresh tokens are always opaque: 256 random bits, handed to the client once
 * and stored only as a SHA-256 hash. Access tokens are the same, or a signed JWT whose hash
 * (and jti) is stored, so revocation and introspection work for both formats alike.
 */
export class TokenMinter {
  constructor(
    private readonly lifetimes: TokenLifetimes,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly format: AccessTokenFormat = { kind: 'opaque' },
  ) {}

  /** Whether access tokens are opaque strings or RFC 9068 JWTs (token exchange's `jwt` token type). */
  get accessTokenFormat(): AccessTokenFormat['kind'] {
    return this.format.kind;
  }

  newFamilyId(): string {
    return this.ids.id();
  }

  /** When a family started at `startedAt` ends (refresh_token_absolute_lifetime); +∞ without a limit. */
  familyEnd(startedAt: number): number {
    const absolute = this.lifetimes.refreshTokenAbsoluteLifetime ?? 0;
    return absolute > 0 ? startedAt + absolute : Number.POSITIVE_INFINITY;
  }

  async mint(decision: GrantDecision, withRefreshToken: boolean): Promise<MintedTokens> {
    const now = this.clock.now();
    const scope = formatScope(decision.scope);
    const jti = this.ids.id();
    const familyStartedAt = decision.familyStartedAt ?? now;
    const familyEnd = this.familyEnd(familyStartedAt);
    // Nothing of a family outlives it: near its end, the access token is cut short too.
    const expiresAt = Math.min(
      now + Math.min(this.lifetimes.accessTokenLifetime, decision.accessTokenLifetime ?? Number.POSITIVE_INFINITY),
      withRefreshToken ? familyEnd : Number.POSITIVE_INFINITY,
      decision.notAfter ?? Number.POSITIVE_INFINITY,
    );
    const accessValue =
      this.format.kind === 'jwt' ? await this.signJwt(decision, scope, jti, now, expiresAt) : this.ids.token();
    const accessToken: AccessTokenRecord = {
      tokenHash: tokenKey(accessValue),
      jti,
      familyId: decision.familyId,
      clientId: decision.clientId,
      userId: decision.userId,
      scope,
      ...audienceOf(decision.audience),
      ...(decision.actor ? { actor: decision.actor } : {}),
      issuedAt: now,
      expiresAt,
      revokedAt: null,
    };
    const response: TokenResponse = {
      access_token: accessValue,
      token_type: 'Bearer',
      expires_in: expiresAt - now,
      scope,
    };
    if (!withRefreshToken) return { response, accessToken };

    const refreshValue = this.ids.token();
    const refreshToken: RefreshTokenRecord = {
      tokenHash: tokenKey(refreshValue),
      familyId: decision.familyId,
      parentHash: decision.parentHash ?? null,
      clientId: decision.clientId,
      userId: decision.userId,
      scope,
      ...audienceOf(decision.grantAudience ?? decision.audience),
      issuedAt: now,
      familyStartedAt,
      // Rotation slides the expiry, never past the family's absolute end.
      expiresAt: Math.min(now + this.lifetimes.refreshTokenLifetime, familyEnd),
      consumedAt: null,
      revokedAt: null,
    };
    response.refresh_token = refreshValue;
    return { response, accessToken, refreshToken };
  }

  /** RFC 9068 §2: typ at+jwt; iss, sub, aud, exp, iat, jti, client_id, scope. */
  private async signJwt(
    decision: GrantDecision,
    scope: string,
    jti: string,
    now: number,
    expiresAt: number,
  ): Promise<string> {
    if (this.format.kind !== 'jwt') throw new Error('not a JWT minter');
    const { keys, issuer, audience, userClaims, subjects } = this.format;
    const key = await keys.signingKey();
    const claims: Record<string, unknown> = { client_id: decision.clientId, scope };
    // Not for a pairwise client: the username is one identifier across every sector.
    if (userClaims && decision.user && decision.client?.oidc?.subjectType !== 'pairwise') {
      claims.username = decision.user.username;
      claims.roles = [...decision.user.roles];
    }
    if (decision.actor) claims.act = decision.actor;
    return (
      new SignJWT(claims)
        .setProtectedHeader({ alg: key.algorithm, typ: 'at+jwt', kid: key.kid })
        .setIssuer(issuer)
        // A client acting for itself is its own subject (RFC 9068 §2.2); a user is the `sub` this
        // client sees, the same as in its ID tokens and at userinfo.
        .setSubject(
          decision.userId === null
            ? decision.clientId
            : decision.client && subjects
              ? subjects.of(decision.client, decision.userId)
              : decision.userId,
        )
        // RFC 8707 §2 / RFC 9068 §3: the requested resources, one as a string; else the default.
        .setAudience(decision.audience?.length ? audienceClaim(decision.audience) : audience)
        .setIssuedAt(now)
        .setExpirationTime(expiresAt)
        .setJti(jti)
        .sign(key.privateKey)
    );
  }
}
