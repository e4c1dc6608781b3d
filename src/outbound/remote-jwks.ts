/**
 * core's RemoteKeySets port: the key sets clients (private_key_jwt, at their jwks_uri) and trusted
 * issuers (JWT bearer grants) publish, fetched through the guarded fetcher and its cache, and
 * checked to be a JWK Set (RFC 7517 §5) before anyone looks for a key in them.
 */
import type { Clock } from '../core/clock.js';
import { RemoteKeySetError, type RemoteKeySets } from '../core/ports/remote-keys.js';
import { GuardedFetcher, OutboundFetchError } from './guarded-fetch.js';
import { JsonCache } from './json-cache.js';

/** More keys than any publisher rotates through: a bigger set is refused, not searched. */
export const MAX_REMOTE_KEYS = 100;

export class RemoteJwksCache implements RemoteKeySets {
  constructor(private readonly documents: Pick<JsonCache, 'get'>) {}

  async keySet(uri: string, options: { refresh?: boolean } = {}): Promise<{ keys: Record<string, unknown>[] }> {
    let document: unknown;
    try {
      document = await this.documents.get(uri, options);
    } catch (error) {
      if (error instanceof OutboundFetchError) throw new RemoteKeySetError(error.reason, error.message);
      throw error;
    }
    return { keys: keysOf(document, hostOf(uri)) };
  }
}

/** The outbound_fetch settings, as validateConfig gives them. */
export interface OutboundSettings {
  timeout: number;
  max_bytes: number;
  allow_loopback: boolean;
}

/**
 * The key sets of composeServices: the guarded fetcher with the configured limits, the shared
 * cache, and failures logged with the host and the reason only (never the path, query or body).
 */
export function remoteJwksCache(
  settings: OutboundSettings,
  clock: Clock,
  logger: { warn(fields: object, message: string): void },
): RemoteJwksCache {
  const fetcher = new GuardedFetcher({
    timeoutMs: settings.timeout * 1000,
    maxBytes: settings.max_bytes,
    allowLoopback: settings.allow_loopback,
  });
  const onFailure = (failure: OutboundFetchError) =>
    logger.warn({ host: failure.host, reason: failure.reason }, 'outbound fetch failed');
  return new RemoteJwksCache(new JsonCache(fetcher, clock, {}, onFailure));
}

/**
 * The keys of a JWK Set: an object whose `keys` is an array of at most MAX_REMOTE_KEYS objects.
 * A key without a string `kty` is left out (RFC 7517 §5: keys that cannot be understood are
 * ignored). Copies: the cached document stays as fetched whatever the caller does with them.
 */
function keysOf(document: unknown, host: string): Record<string, unknown>[] {
  const invalid = (why: string) => new RemoteKeySetError('invalid_key_set', `${host}: ${why}`);
  if (!isObject(document) || !Array.isArray(document.keys)) throw invalid('not a JWK Set (no "keys" array)');
  const keys: unknown[] = document.keys;
  if (keys.length > MAX_REMOTE_KEYS) throw invalid(`more than ${MAX_REMOTE_KEYS} keys`);
  if (!keys.every(isObject)) throw invalid('a member of "keys" is not an object');
  return keys.filter((key) => typeof key.kty === 'string').map((key) => structuredClone(key));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return 'key set';
  }
}
