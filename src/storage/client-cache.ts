import { performance } from 'node:perf_hooks';
import type { ClientChangeWatch } from './driver.js';
import type { ClientRecord } from './store.js';

/** Far more clients than any deployment registers; only existing clients are ever kept. */
const MAX_ENTRIES = 10_000;

function frozen(client: ClientRecord): ClientRecord {
  // One object answers many requests: nobody may change it.
  Object.freeze(client.redirectUris);
  Object.freeze(client.grantTypes);
  if (client.scopes) Object.freeze(client.scopes);
  if (client.allowedResources) Object.freeze(client.allowedResources);
  if (client.exchangeAudiences) Object.freeze(client.exchangeAudiences);
  if (client.allowedOrigins) Object.freeze(client.allowedOrigins);
  return Object.freeze(client);
}

/**
 * Client records in memory. Every token request looks its client up, and clients change
 * rarely: reading the row costs a tenth of a client_credentials request on SQLite and one of
 * its two round trips on PostgreSQL.
 *
 * A change must still take effect at once everywhere (`client rotate-secret` and `client
 * delete` run as separate processes, possibly on another machine): every lookup asks the
 * engine's ClientChangeWatch whether another connection changed the clients table since the
 * cached records were read (SQLite: `PRAGMA data_version`; PostgreSQL: a listener that a
 * writer waits for before its change is reported done), and changes made through this store
 * instance clear the cache themselves. Unknown client ids are never cached, so made-up ids
 * cannot fill memory. Where the watch cannot see every change (PostgreSQL: an UPDATE typed
 * into psql announces nothing), a record is also read again after the watch's maxAgeMs.
 */
export class ClientCache {
  private readonly entries = new Map<string, { client: ClientRecord; loadedAt: number }>();
  /**
   * CORS: whether some client registered an origin, known and unknown origins alike (a page on
   * an unregistered origin asks again and again). Bounded; emptied whenever the entries are.
   */
  private readonly origins = new Map<string, { known: boolean; loadedAt: number }>();
  /** The watch's version the entries were read at. */
  private version: number | null = null;
  /** Bumped by every change made through this store instance. */
  private generation = 0;
  /** Lookups answered from memory (for tests and diagnostics). */
  hits = 0;

  constructor(private readonly watch: ClientChangeWatch) {}

  async find(id: string, load: () => Promise<ClientRecord | null>): Promise<ClientRecord | null> {
    const version = this.watch.version();
    if (version === null) return load();
    this.follow(version);
    const hit = this.entries.get(id);
    if (hit && (this.watch.maxAgeMs === null || performance.now() - hit.loadedAt <= this.watch.maxAgeMs)) {
      this.hits += 1;
      return hit.client;
    }
    const generation = this.generation;
    const loadedAt = performance.now();
    const client = await load();
    if (client === null) return null;
    // Kept only when nothing can have changed since the version was read: a row read before a
    // change committed elsewhere must not outlive that change.
    if (generation !== this.generation || this.version !== version || this.watch.version() !== version) return client;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const kept = frozen(client);
    this.entries.set(id, { client: kept, loadedAt });
    return kept;
  }

  /** Whether some client registered `origin`, from memory while nothing changed since it was read. */
  async knowsOrigin(origin: string, load: () => Promise<boolean>): Promise<boolean> {
    const version = this.watch.version();
    if (version === null) return load();
    this.follow(version);
    const hit = this.origins.get(origin);
    if (hit && (this.watch.maxAgeMs === null || performance.now() - hit.loadedAt <= this.watch.maxAgeMs)) {
      this.hits += 1;
      return hit.known;
    }
    const generation = this.generation;
    const loadedAt = performance.now();
    const known = await load();
    if (generation !== this.generation || this.version !== version || this.watch.version() !== version) return known;
    if (this.origins.size >= MAX_ENTRIES) this.origins.clear();
    this.origins.set(origin, { known, loadedAt });
    return known;
  }

  /** A change elsewhere (the watch's version moved): forget everything read before it. */
  private follow(version: number): void {
    if (version === this.version) return;
    this.entries.clear();
    this.origins.clear();
    this.version = version;
  }

  /** This store instance is changing clients: forget them (call before and after the change). */
  invalidate(): void {
    this.generation += 1;
    this.entries.clear();
    this.origins.clear();
  }

  close(): Promise<void> {
    this.invalidate();
    return this.watch.close();
  }
}
