import { monotonicUuidv7 } from '../core/clock.js';
import type { AuditRecord, AuditStore } from '../storage/store.js';
import type { SecurityEvent } from './events.js';
import { COUNTED_EVENT_TYPES, FailureCounts, type CountedRecord } from './failure-counts.js';

/** Why events were not written: too many failure sources in one window, or the database away too long. */
export type AuditDropReason = 'cap' | 'queue_full';

export interface AuditLogOptions {
  /** Queued events are written at least this often (milliseconds). */
  flushIntervalMs?: number;
  /** A write starts at once when this many events are waiting. */
  batchSize?: number;
  /** While the database is unreachable at most this many events wait; older ones are dropped (and counted). */
  maxQueued?: number;
  /** Seconds of a failure window: the failures of one source in one window are one counted row (audit.failure_window). */
  failureWindow?: number;
  /** Counted rows started per window at most; failures from further sources are dropped (audit.failure_rows). */
  maxFailureRows?: number;
}

/** A security event as one row of the audit log. */
export function toAuditRecord(event: SecurityEvent, id: string): AuditRecord {
  return {
    id,
    at: event.at,
    type: event.type,
    actor: event.actor,
    userId: event.userId ?? null,
    username: event.username ?? null,
    clientId: event.clientId ?? null,
    address: event.address ?? null,
    details: event.details && Object.keys(event.details).length > 0 ? event.details : null,
  };
}

/**
 * Writes security events to the audit_events table in batches: one transaction per batch keeps
 * the token endpoint's hot path at one write of its own. The price, stated in the README: the
 * events of the last flush interval (200 ms) are lost if the process is killed (kill -9); a
 * graceful stop writes them. While the database is away, events wait and are written when it
 * returns, up to `maxQueued`.
 *
 * Failures anybody can cause (COUNTED_EVENT_TYPES) are counted instead: one row per source and
 * window, at most `maxFailureRows` new rows per window; past that, failures from new sources
 * are dropped and reported to the onDropped listeners (the metrics), while the rows already
 * started keep counting. Successes and administrators' events are never counted or capped.
 */
export class AuditLog {
  private queue: AuditRecord[] = [];
  private readonly failures: FailureCounts;
  private readonly dropListeners = new Set<(reason: AuditDropReason, count: number) => void>();
  /** The last window whose cap was warned about (one warning per window). */
  private cappedWindow: number | null = null;
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dropped = 0;
  private closed = false;
  private failing = false;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxQueued: number;

  constructor(
    private readonly store: Pick<AuditStore, 'appendAuditEvents'>,
    private readonly logger: { warn(fields: object, message: string): void },
    options: AuditLogOptions = {},
    /** Ids that sort in the order events were recorded (several events share a second). */
    private readonly newId: () => string = () => monotonicUuidv7(),
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.batchSize = options.batchSize ?? 1000;
    this.maxQueued = options.maxQueued ?? 100_000;
    this.failures = new FailureCounts({
      window: options.failureWindow ?? 300,
      maxRows: options.maxFailureRows ?? 500,
      maxPending: this.maxQueued,
    });
  }

  /** Calls `listener` with every count of events not written; returns what stops it. */
  onDropped(listener: (reason: AuditDropReason, count: number) => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  private reportDropped(reason: AuditDropReason, count: number): void {
    for (const listener of this.dropListeners) listener(reason, count);
  }

  /** Queues an event (a SecurityEvents listener). */
  readonly record = (event: SecurityEvent): void => {
    if (COUNTED_EVENT_TYPES.has(event.type)) {
      if (!this.failures.add(event)) {
        this.reportDropped('cap', 1);
        const window = this.failures.windowOf(event.at);
        if (this.cappedWindow !== window) {
          this.cappedWindow = window;
          this.logger.warn(
            { window_start: window, failure_rows: this.failures.maxRows },
            'audit log: failures from more sources than audit.failure_rows in this window; the rest are dropped (gatehouse_audit_events_dropped_total)',
          );
        }
        return;
      }
    } else {
      this.queue.push(toAuditRecord(event, this.newId()));
      if (this.queue.length > this.maxQueued) {
        const over = this.queue.length - this.maxQueued;
        this.dropped += over;
        this.queue.splice(0, over);
        this.reportDropped('queue_full', over);
      }
    }
    // While writes fail, only the retry timer writes: no attempt per event.
    if (this.queue.length >= this.batchSize && !this.failing) void this.flush();
    else if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      // Queued events never keep a finished process alive; close() writes them.
      this.timer.unref();
    }
  };

  /** Writes everything queued so far; resolves when it is stored (or the write failed and was logged). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.writing) await this.writing;
    if (this.queue.length === 0 && this.failures.size === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.write(batch, this.failures.take()).finally(() => {
      this.writing = null;
    });
    await this.writing;
  }

  private async write(batch: AuditRecord[], counted: CountedRecord[]): Promise<void> {
    try {
      await this.store.appendAuditEvents(counted.length === 0 ? batch : [...batch, ...counted]);
      this.failing = false;
      if (this.dropped > 0) {
        this.logger.warn(
          { dropped: this.dropped },
          'audit log: events were dropped while the database was unreachable',
        );
        this.dropped = 0;
      }
    } catch (error) {
      this.failing = true;
      // Put them back in front, to be written with the next batch.
      this.queue = [...batch, ...this.queue];
      const over = this.failures.putBack(counted);
      if (over > 0) {
        this.dropped += over;
        this.reportDropped('queue_full', over);
      }
      this.logger.warn(
        {
          err: { code: (error as { code?: string }).code, message: (error as Error).message },
          queued: this.queue.length,
        },
        'audit log: write failed; will retry',
      );
      if (!this.closed && !this.timer) {
        this.timer = setTimeout(() => void this.flush(), Math.max(this.flushIntervalMs, 1000));
        this.timer.unref();
      }
    }
  }

  /** Writes what is queued (one attempt) and stops the timer. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
