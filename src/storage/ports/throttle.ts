/**
 * The storage contract of sign-in throttling: failure counters and the devices that signed in
 * to an account before (counted against their own budget).
 */

/**
 * How a failure counter blocks: not at all up to `threshold` failures, then 2, 4, 8 … seconds
 * for each further one, never more than `maxDelay`. Data, not a function, so a store can apply
 * it inside the database or Redis in the same atomic step that counts.
 */
export interface BlockRule {
  threshold: number;
  maxDelay: number;
}

/** The seconds a counter at `failures` blocks for under `rule`. */
export function blockSeconds(failures: number, rule: BlockRule): number {
  if (failures <= rule.threshold) return 0;
  return Math.min(rule.maxDelay, 2 ** Math.min(failures - rule.threshold, 30));
}

/** A counter as a store reads it: its failures within the window, and until when it blocks. */
export interface ThrottleState {
  /** Failures since the window start (0 when the last one is older, or the key is unknown). */
  failures: number;
  /** 0 when the counter never blocked. */
  blockedUntil: number;
}

/**
 * Failure counters, one row (or Redis hash) per key, updated in place: never a row per attempt.
 * Nothing here writes for a request that is already blocked.
 */
export interface ThrottleStore {
  /** The latest `blocked_until` among the keys (0 when none is blocked or known). */
  blockedUntil(keys: readonly string[]): Promise<number>;
  /** Each key's state, in the order given; reads only. Failures older than `windowStart` are not counted. */
  readThrottles(keys: readonly string[], windowStart: number): Promise<ThrottleState[]>;
  /**
   * Counts one failure for `key`, atomically across nodes: the count starts again at 1 when
   * the last failure is older than `windowStart`. The counter then blocks for
   * blockSeconds(count, rule) from `now`. Returns the new count.
   */
  recordFailure(key: string, now: number, windowStart: number, rule: BlockRule): Promise<number>;
  /**
   * One counted request, atomically across nodes: when any key is blocked at `now`, returns its
   * blocked_until and writes nothing; otherwise counts a failure under every key and returns 0.
   * (Requests where every one counts, such as e-mails sent; and failures checked before anything
   * was counted, such as client authentication.)
   */
  countAttempt(
    counters: ReadonlyArray<{ key: string; rule: BlockRule }>,
    now: number,
    windowStart: number,
  ): Promise<number>;
  /** Forgets the failures of these keys (a success). */
  clearThrottles(keys: readonly string[]): Promise<void>;
}

/**
 * A browser or client that signed in to an account before (OWASP's "device cookies"): its
 * attempts on that account are counted against its own small budget, not the address's and the
 * account's, so a guesser sharing the address cannot lock its owner out.
 */
export interface TrustedDeviceRecord {
  /** SHA-256 of the device cookie; for a confidential client, of its id and the user's id. */
  idHash: string;
  userId: string;
  /** The confidential client whose known account this is; null for a browser's device cookie. */
  clientId: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface TrustedDeviceStore {
  /** The device, unless unknown or expired at `now`. */
  findTrustedDevice(idHash: string, now: number): Promise<TrustedDeviceRecord | null>;
  /**
   * Stores the device (an existing id gets the new expiry), then, for a browser, deletes the
   * user's oldest browser devices beyond the newest `keepNewest`, so what one account can own stays bounded.
   */
  saveTrustedDevice(device: TrustedDeviceRecord, keepNewest: number): Promise<void>;
}
