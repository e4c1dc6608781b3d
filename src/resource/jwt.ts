/**
 * Local validation of JWT access tokens (RFC 9068 §4) against the issuer's published keys.
 */
import {
  createRemoteJWKSet,
  customFetch,
  errors,
  jwtVerify,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTPayload,
} from 'jose';
import { BearerError } from './errors.js';

/**
 * Asymmetric algorithms only. An HMAC algorithm would let anyone holding the (public) key
 * mint tokens, and `none` is no signature at all; RFC 9068 §4 forbids both.
 */
export const ACCESS_TOKEN_ALGORITHMS: readonly string[] = ['EdDSA', 'ES256', 'RS256'];

/**
 * An unknown `kid` makes us fetch the JWKS again (a new signing key after a rotation), but at
 * most once per cooldown: otherwise a flood of tokens with made-up kids would become a flood of
 * requests to the authorization server.
 */
export const JWKS_REFETCH_COOLDOWN = 30;
/** Keys are refreshed in the background this long after the last fetch, so a removed key goes away. */
export const JWKS_MAX_AGE = 600;
const JWKS_TIMEOUT_MS = 5000;

/**
 * Tokens already verified, so a token used again (an access token typically serves many calls)
 * costs a map lookup instead of a signature check (~0.1 ms for Ed25519, more for RS256). Only
 * the expiry changes with time, and it is checked on every hit. Bounded; the oldest entry goes
 * first.
 */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** RFC 9068 §2.2: every one of these is REQUIRED in a JWT access token (`iss` and `aud` are checked by value). */
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

export interface JwtVerifierOptions {
  issuer: string;
  audience: string | readonly string[];
  jwksUri: string;
  /** Seconds of leeway for exp, nbf and iat. */
  clockTolerance: number;
  fetch?: typeof fetch;
  /** Seconds since the epoch. */
  now: () => number;
}

type KeyLookup = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey | Uint8Array>;

export class JwtVerifier {
  private readonly remoteKeys;
  /** When the last JWKS fetch started (success or not), for the cooldown. */
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private loaded = false;
  /** Counts successful fetches, so a lookup can tell whether the keys changed since it looked. */
  private generation = 0;
  private loading: Promise<void> | undefined;
  /**
   * Keyed by the token's last 32 characters (part of its signature): hashing a short key is
   * cheaper than a whole JWT on every call. An entry is used only when the whole token matches.
   */
  private readonly verified = new Map<string, { token: string; payload: JWTPayload & { exp: number } }>();

  constructor(private readonly options: JwtVerifierOptions) {
    // jose keeps the keys and shares concurrent fetches; when to fetch is decided here, on our
    // injectable clock, so its own cache age and cooldown are switched off.
    this.remoteKeys = createRemoteJWKSet(new URL(options.jwksUri), {
      cacheMaxAge: Number.POSITIVE_INFINITY,
      cooldownDuration: Number.POSITIVE_INFINITY,
      timeoutDuration: JWKS_TIMEOUT_MS,
      ...(options.fetch ? { [customFetch]: options.fetch } : {}),
    });
  }

  /** The verified claims. Throws BearerError: invalid_token, or temporarily_unavailable when no keys can be had. */
  /**
   * The payload of a token verified before, without any asynchronous work; undefined when the
   * token is not remembered. Frozen: requests share it, and none can change it for another.
   */
  remembered(token: string): (JWTPayload & { exp: number }) | undefined {
    const key = token.slice(-32);
    const known = this.verified.get(key);
    if (!known || known.token !== token) return undefined;
    // The same rule as jose's: expired once now - tolerance reaches exp.
    if (this.options.now() - this.options.clockTolerance < known.payload.exp) return known.payload;
    this.verified.delete(key);
    throw BearerError.invalidToken('the access token has expired');
  }

  async verify(token: string): Promise<JWTPayload> {
    const known = this.remembered(token);
    if (known) return known;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyLookup, {
        algorithms: [...ACCESS_TOKEN_ALGORITHMS],
        typ: 'at+jwt',
        issuer: this.options.issuer,
        audience: [...this.options.audience],
        requiredClaims: REQUIRED_CLAIMS,
        clockTolerance: this.options.clockTolerance,
        currentDate: new Date(this.options.now() * 1000),
      }));
    } catch (error) {
      throw asBearerError(error);
    }
    if (typeof payload.sub !== 'string' || typeof payload.client_id !== 'string' || typeof payload.jti !== 'string') {
      throw BearerError.invalidToken('sub, client_id and jti must be strings (RFC 9068 §2.2)');
    }
    if (payload.scope !== undefined && typeof payload.scope !== 'string') {
      throw BearerError.invalidToken('scope must be a space-separated string (RFC 9068 §2.2.3)');
    }
    const verified = Object.freeze(payload) as JWTPayload & { exp: number };
    this.remember(token, verified);
    return verified;
  }

  private remember(token: string, payload: JWTPayload & { exp: number }): void {
    if (this.verified.size >= VERIFIED_TOKEN_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token.slice(-32), { token, payload });
  }

  private readonly keyLookup: KeyLookup = async (header, token) => {
    if (!this.loaded) {
      await this.fetchKeys();
    } else if (this.options.now() - this.lastAttempt >= JWKS_MAX_AGE && !this.loading) {
      // Stale keys keep working while fresh ones are fetched: an outage of the authorization
      // server's JWKS must not take this API down with it.
      this.fetchKeys().catch(() => {});
    }
    const seen = this.generation;
    try {
      return await this.remoteKeys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // Maybe the issuer rotated its key since we last looked: join a fetch in progress, or
      // start one unless the last was too recent.
      if (this.loading) await this.loading;
      else if (this.options.now() - this.lastAttempt >= JWKS_REFETCH_COOLDOWN) await this.fetchKeys();
      if (this.generation === seen) throw error;
      return this.remoteKeys(header, token);
    }
  };

  private fetchKeys(): Promise<void> {
    this.loading ??= (async () => {
      this.lastAttempt = this.options.now();
      try {
        await this.remoteKeys.reload();
        this.loaded = true;
        this.generation++;
      } catch (error) {
        throw BearerError.temporarilyUnavailable(
          `the issuer's signing keys could not be fetched from ${this.options.jwksUri}`,
          error,
        );
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}

/** jose's verdicts become invalid_token; its messages name the failed check, never a token value. */
function asBearerError(error: unknown): unknown {
  if (error instanceof BearerError) return error;
  if (error instanceof errors.JWTExpired) return BearerError.invalidToken('the access token has expired', error);
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return BearerError.invalidToken('the access token signature is invalid', error);
  if (error instanceof errors.JWKSNoMatchingKey)
    return BearerError.invalidToken('the access token was not signed by a key of this issuer', error);
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return BearerError.invalidToken('the access token names no key (kid) and the issuer publishes several', error);
  if (error instanceof errors.JOSEAlgNotAllowed)
    return BearerError.invalidToken(
      `the access token must be signed with ${ACCESS_TOKEN_ALGORITHMS.join(', ')}`,
      error,
    );
  if (error instanceof errors.JWTClaimValidationFailed) return BearerError.invalidToken(error.message, error);
  if (error instanceof errors.JOSEError) return BearerError.invalidToken('malformed access token', error);
  return error;
}
