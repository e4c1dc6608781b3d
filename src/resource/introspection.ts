/**
 * Opaque tokens are checked by asking the authorization server (RFC 7662), with a short cache
 * so a busy API does not ask once per request.
 */
import { createHash } from 'node:crypto';
import { BearerError } from './errors.js';

const INTROSPECTION_TIMEOUT_MS = 5000;

/** An RFC 7662 §2.2 answer for an active token: `active: true` and the token's claims. */
export type ActiveTokenClaims = Record<string, unknown> & { active: true };

export interface IntrospectionClientOptions {
  endpoint: string;
  clientId: string;
  clientSecret: string;
  /** Seconds an active answer may be reused; 0 turns the cache off. */
  cacheMaxAge: number;
  /** Most answers kept; the least recently used goes first. */
  cacheSize: number;
  /** The issuer the answer's `iss` must name, when it names one. */
  issuer: string;
  /** The audiences of which the answer's `aud`, when present, must name one. */
  audience: readonly string[];
  /** Seconds of leeway for exp and nbf. */
  clockTolerance: number;
  fetch?: typeof fetch;
  /** Seconds since the epoch. */
  now: () => number;
}

export class IntrospectionClient {
  private readonly cache: ExpiringLruCache<ActiveTokenClaims>;
  /** Lookups in progress, so concurrent requests with one token make one call. */
  private readonly pending = new Map<string, Promise<Record<string, unknown>>>();
  private readonly authorization: string;

  constructor(private readonly options: IntrospectionClientOptions) {
    this.cache = new ExpiringLruCache(options.cacheSize);
    // RFC 6749 §2.3.1: each part is form-urlencoded before the Basic encoding.
    this.authorization = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`, 'utf8').toString('base64')}`;
  }

  /** The claims of an active token. Throws BearerError invalid_token or temporarily_unavailable. */
  async introspect(token: string): Promise<ActiveTokenClaims> {
    // The cache is keyed by a hash: a heap dump of this process does not hand out live tokens.
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(key, this.options.now());
    // Each caller gets its own copy: one request changing its claims cannot touch another's.
    if (cached) return structuredClone(cached);

    let lookup = this.pending.get(key);
    if (!lookup) {
      lookup = this.ask(token).finally(() => this.pending.delete(key));
      this.pending.set(key, lookup);
    }
    const answer = await lookup;
    const now = this.options.now();
    const claims = this.activeClaims(answer, now);
    // Never reuse the answer beyond the token's own expiry; inactive answers are not cached
    // at all (the check above threw), so a token that becomes valid is not refused for long.
    const cacheUntil = Math.min(now + this.options.cacheMaxAge, claims.exp as number);
    if (cacheUntil > now) this.cache.set(key, claims, cacheUntil);
    return structuredClone(claims);
  }

  /** Number of cached answers (for tests and metrics). */
  get cachedCount(): number {
    return this.cache.size;
  }

  private async ask(token: string): Promise<Record<string, unknown>> {
    const fetchImpl = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await fetchImpl(this.options.endpoint, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(INTROSPECTION_TIMEOUT_MS),
      });
    } catch (error) {
      throw BearerError.temporarilyUnavailable('the token introspection endpoint could not be reached', error);
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw BearerError.temporarilyUnavailable(
        `the token introspection endpoint refused the resource server's credentials (HTTP ${response.status}): check introspection.clientId and clientSecret`,
      );
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw BearerError.temporarilyUnavailable(`the token introspection endpoint answered HTTP ${response.status}`);
    }
    let answer: unknown;
    try {
      answer = await response.json();
    } catch (error) {
      throw BearerError.temporarilyUnavailable(
        'the token introspection endpoint sent an answer that is not JSON',
        error,
      );
    }
    if (answer === null || typeof answer !== 'object' || typeof (answer as { active?: unknown }).active !== 'boolean') {
      throw BearerError.temporarilyUnavailable(
        'the token introspection endpoint sent an answer without a boolean "active" (RFC 7662 §2.2)',
      );
    }
    return answer as Record<string, unknown>;
  }

  /** The same checks a JWT gets, on what the authorization server told us. */
  private activeClaims(answer: Record<string, unknown>, now: number): ActiveTokenClaims {
    if (answer.active !== true)
      throw BearerError.invalidToken('the access token is not active (expired, revoked or unknown)');
    const { exp, nbf, iss, aud, token_type: tokenType } = answer;
    const tolerance = this.options.clockTolerance;
    if (typeof exp !== 'number')
      throw BearerError.invalidToken('the introspection answer has no exp: tokens that never expire are refused');
    if (exp + tolerance <= now) throw BearerError.invalidToken('the access token has expired');
    if (typeof nbf === 'number' && nbf - tolerance > now)
      throw BearerError.invalidToken('the access token is not valid yet');
    if (iss !== undefined && iss !== this.options.issuer)
      throw BearerError.invalidToken('the access token was issued by another issuer');
    if (aud !== undefined && !audienceMatches(aud, this.options.audience))
      throw BearerError.invalidToken('the access token is not meant for this API (aud)');
    // A refresh token presented as a bearer token must not pass (RFC 7662 lets a server introspect both).
    if (typeof tokenType === 'string' && /refresh/i.test(tokenType))
      throw BearerError.invalidToken('a refresh token is not an access token');
    if (typeof answer.client_id !== 'string')
      throw BearerError.invalidToken('the introspection answer names no client_id');
    return answer as ActiveTokenClaims;
  }
}

function audienceMatches(aud: unknown, expected: readonly string[]): boolean {
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  return audiences.some((value) => typeof value === 'string' && expected.includes(value));
}

/** RFC 6749 Appendix B: application/x-www-form-urlencoded, as URLSearchParams writes it. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * A bounded map whose entries expire. Reads move an entry to the back, so when it is full the
 * entry nobody asked for the longest goes first (Map keeps insertion order).
 */
export class ExpiringLruCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('the cache needs room for at least one entry');
  }

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (now >= entry.expiresAt) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (exclusive), evicting the least recently used entries when full. */
  set(key: string, value: V, expiresAt: number): void {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt });
  }

  get size(): number {
    return this.entries.size;
  }
}
