import { createHash } from 'node:crypto';
import { addressKey } from '../core/addresses.js';
import type { AuditRecord } from '../storage/store.js';
import type { SecurityEvent } from './events.js';

/**
 * Events anybody can cause in any number without signing in: a failed sign-in, a failed client
 * authentication. The audit log keeps them as one counted row per source and window, never one
 * row per attempt, so an attacker's requests cannot grow the table without bound. Every other
 * event (successes, administrators' changes) is one row each, never counted or dropped.
 */
export const COUNTED_EVENT_TYPES: ReadonlySet<string> = new Set(['login.failed', 'client.authentication_failed']);

/** An audit row that stands for `count` events, from `at` to `lastAt`. */
export type CountedRecord = AuditRecord & { count: number; lastAt: number };

/**
 * The address a source is counted under: the brute-force counters' key (an IPv4 address as it
 * is, an IPv6 address by its /64, an IPv4-mapped address as the IPv4 address), so an audit row
 * and the counter that blocked it name the same network.
 */
export function addressSource(address: string | undefined): string | null {
  return address === undefined ? null : addressKey(address);
}

/**
 * The id of a counted row: the window's start in milliseconds (so it sorts among the UUIDv7s of
 * single events by time), then the hash of its source, in the UUID layout (version 8). Every
 * node gives one source in one window the same id: their counts add up in one row.
 */
export function countedRowId(windowStart: number, source: string): string {
  const bytes = Buffer.alloc(16);
  createHash('sha256').update(source).digest().copy(bytes, 6, 0, 10);
  bytes.writeUIntBE(windowStart * 1000, 0, 6);
  bytes[6] = 0x80 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface FailureCountOptions {
  /** Seconds of a window. */
  window: number;
  /** Rows started per window at most; events from further sources in that window are dropped. */
  maxRows: number;
  /** Rows waiting to be written at most (while the database is away); beyond, the oldest are dropped. */
  maxPending: number;
}

/**
 * Counts the events of COUNTED_EVENT_TYPES by source (event type, actor, address or IPv6 /64,
 * account, client, details) and window, until they are taken to be written. Memory is bounded:
 * at most `maxRows` sources per window are remembered, for the last two windows.
 */
export class FailureCounts {
  private pending = new Map<string, CountedRecord>();
  /** The ids started in each recent window (the cap counts these). */
  private readonly started = new Map<number, Set<string>>();

  constructor(private readonly options: FailureCountOptions) {}

  get maxRows(): number {
    return this.options.maxRows;
  }

  /** Rows waiting to be written. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Counts one event. Returns false when it is dropped: its window already has `maxRows` rows
   * and this source is not one of them.
   */
  add(event: SecurityEvent): boolean {
    const windowStart = this.windowOf(event.at);
    const address = addressSource(event.address);
    const details = Object.entries(event.details ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const source = JSON.stringify([
      event.type,
      event.actor,
      address,
      event.userId ?? null,
      event.clientId ?? null,
      details,
    ]);
    const id = countedRowId(windowStart, source);
    const started = this.startedIn(windowStart);
    if (!started.has(id)) {
      if (started.size >= this.options.maxRows) return false;
      started.add(id);
    }
    const row = this.pending.get(id);
    if (row) {
      row.count += 1;
      row.at = Math.min(row.at, event.at);
      row.lastAt = Math.max(row.lastAt, event.at);
    } else {
      this.pending.set(id, {
        id,
        at: event.at,
        type: event.type,
        actor: event.actor,
        userId: event.userId ?? null,
        username: event.username ?? null,
        clientId: event.clientId ?? null,
        address,
        details: details.length > 0 ? { ...event.details } : null,
        count: 1,
        lastAt: event.at,
      });
    }
    return true;
  }

  /** The rows counted so far; they are no longer pending. */
  take(): CountedRecord[] {
    const rows = [...this.pending.values()];
    this.pending = new Map();
    return rows;
  }

  /**
   * Rows whose write failed come back, merged with what was counted since. Returns how many
   * events were dropped to keep at most `maxPending` rows (the oldest rows go).
   */
  putBack(rows: readonly CountedRecord[]): number {
    const merged = new Map(rows.map((row) => [row.id, { ...row }]));
    for (const [id, row] of this.pending) {
      const earlier = merged.get(id);
      if (!earlier) merged.set(id, row);
      else {
        earlier.count += row.count;
        earlier.at = Math.min(earlier.at, row.at);
        earlier.lastAt = Math.max(earlier.lastAt, row.lastAt);
      }
    }
    let dropped = 0;
    for (const [id, row] of merged) {
      if (merged.size <= this.options.maxPending) break;
      dropped += row.count;
      merged.delete(id);
    }
    this.pending = merged;
    return dropped;
  }

  /** The start of the window `at` falls in. */
  windowOf(at: number): number {
    return Math.floor(at / this.options.window) * this.options.window;
  }

  private startedIn(windowStart: number): Set<string> {
    let started = this.started.get(windowStart);
    if (!started) {
      started = new Set();
      this.started.set(windowStart, started);
      // Only the two newest windows are remembered (events of the one before may still arrive).
      const newest = [...this.started.keys()].sort((a, b) => b - a);
      for (const old of newest.slice(2)) this.started.delete(old);
    }
    return started;
  }
}
