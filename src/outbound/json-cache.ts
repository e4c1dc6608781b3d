/**
 * Documents fetched through the guarded fetcher, kept per URL for as long as their Cache-Control
 * says (within bounds), so a busy token endpoint asks a client's server once, not once per request.
 * Concurrent requests for one URL share one fetch; one host gets a few fetches at a time at most;
 * a failure is remembered for a minute, so a slow or broken URL is not asked again on every request.
 * Expiry follows the injected clock.
 */
import type { Clock } from '../core/clock.js';
import { type FetchedJson, OutboundFetchError } from './guarded-fetch.js';

export interface JsonCacheOptions {
  /** Seconds a document is kept at least, whatever its max-age (no-store included): bounds how often a host is asked. */
  minTtl: number;
  /** Seconds a document is kept at most, whatever its max-age. */
  maxTtl: number;
  /** Seconds a document without max-age is kept. */
  defaultTtl: number;
  /** Seconds a failed fetch is remembered (and answered again) before the URL is asked again. */
  failureTtl: number;
  /** A refresh (say, for an unknown key id) fetches again only when the copy is at least this many seconds old. */
  refreshInterval: number;
  /** Fetches of different URLs of one host in flight at once; more fail at once as host_busy. */
  perHostLimit: number;
  /** Documents kept at most, and their bytes in total: the least recently used go first. */
  maxEntries: number;
  maxTotalBytes: number;
}

export const defaultJsonCacheOptions: JsonCacheOptions = {
  minTtl: 60,
  maxTtl: 86_400,
  defaultTtl: 600,
  failureTtl: 60,
  refreshInterval: 60,
  perHostLimit: 4,
  maxEntries: 1000,
  maxTotalBytes: 32 * 1024 * 1024,
};

/** What fetches for the cache: GuardedFetcher. */
export interface JsonFetcher {
  fetchJson(url: string): Promise<FetchedJson>;
}

/** Where a failed fetch is told (host and reason only). */
export type FailureListener = (failure: OutboundFetchError) => void;

type Outcome = { ok: true; body: unknown; bytes: number } | { ok: false; error: OutboundFetchError };

interface Entry {
  outcome: Outcome;
  fetchedAt: number;
  expiresAt: number;
}

export class JsonCache {
  private readonly options: JsonCacheOptions;
  /** In least-recently-used order: a Map keeps insertion order, and a hit is moved to the end. */
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly hostsInFlight = new Map<string, number>();
  private totalBytes = 0;

  constructor(
    private readonly fetcher: JsonFetcher,
    private readonly clock: Clock,
    options: Partial<JsonCacheOptions> = {},
    private readonly onFailure: FailureListener = () => {},
  ) {
    this.options = { ...defaultJsonCacheOptions, ...options };
  }

  /**
   * The JSON document at `url`: from the cache while it is fresh, else fetched (one fetch however
   * many ask at once). `refresh` fetches again if the cached copy is older than refreshInterval.
   * Rejects with OutboundFetchError.
   */
  get(url: string, options: { refresh?: boolean } = {}): Promise<unknown> {
    const key = cacheKey(url);
    const now = this.clock.now();
    const entry = this.entries.get(key);
    const wanted =
      entry && now < entry.expiresAt && !(options.refresh && now - entry.fetchedAt >= this.options.refreshInterval);
    if (entry && wanted) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry.outcome.ok ? Promise.resolve(entry.outcome.body) : Promise.reject(entry.outcome.error);
    }
    return this.inFlight.get(key) ?? this.fetch(key, url);
  }

  private fetch(key: string, url: string): Promise<unknown> {
    const host = hostOf(url);
    const running = this.hostsInFlight.get(host) ?? 0;
    if (running >= this.options.perHostLimit) {
      return Promise.reject(new OutboundFetchError('host_busy', host, 'too many fetches from this host at once'));
    }
    this.hostsInFlight.set(host, running + 1);
    const fetching = this.fetcher
      .fetchJson(url)
      .then(
        (fetched) => {
          const ttl = Math.min(
            this.options.maxTtl,
            Math.max(this.options.minTtl, fetched.maxAge ?? this.options.defaultTtl),
          );
          this.store(key, { ok: true, body: fetched.body, bytes: fetched.bytes }, ttl);
          return fetched.body;
        },
        (error: unknown) => {
          const failure =
            error instanceof OutboundFetchError ? error : new OutboundFetchError('unreachable', host, 'fetch failed');
          this.onFailure(failure);
          this.store(key, { ok: false, error: failure }, this.options.failureTtl);
          throw failure;
        },
      )
      .finally(() => {
        this.inFlight.delete(key);
        const left = (this.hostsInFlight.get(host) ?? 1) - 1;
        if (left > 0) this.hostsInFlight.set(host, left);
        else this.hostsInFlight.delete(host);
      });
    this.inFlight.set(key, fetching);
    return fetching;
  }

  private store(key: string, outcome: Outcome, ttl: number): void {
    this.forget(key);
    const now = this.clock.now();
    this.entries.set(key, { outcome, fetchedAt: now, expiresAt: now + ttl });
    this.totalBytes += outcome.ok ? outcome.bytes : 0;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && this.totalBytes <= this.options.maxTotalBytes) break;
      this.forget(oldest);
    }
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.outcome.ok) this.totalBytes -= entry.outcome.bytes;
    this.entries.delete(key);
  }
}

/** One entry for one document, however its URL is spelt (case of the host, default port). */
function cacheKey(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.hash = '';
    return parsed.href;
  } catch {
    return url;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
