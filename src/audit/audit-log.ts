import { monotonicUuidv7 } from '../core/clock.js';
import type { AuditRecord, AuditStore } from '../storage/store.js';
import type { SecurityEvent } from './events.js';

export interface AuditLogOptions {
  /** Queued events are written at least this often (milliseconds). */
  flushIntervalMs?: number;
  /** A write starts at once when this many events are waiting. */
  batchSize?: number;
  /** While the database is unreachable at most this many events wait; older ones are dropped (and counted). */
  maxQueued?: number;
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
 */
export class AuditLog {
  private queue: AuditRecord[] = [];
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
  }

  /** Queues an event (a SecurityEvents listener). */
  readonly record = (event: SecurityEvent): void => {
    this.queue.push(toAuditRecord(event, this.newId()));
    if (this.queue.length > this.maxQueued) {
      this.dropped += this.queue.length - this.maxQueued;
      this.queue.splice(0, this.queue.length - this.maxQueued);
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
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.write(batch).finally(() => {
      this.writing = null;
    });
    await this.writing;
  }

  private async write(batch: AuditRecord[]): Promise<void> {
    try {
      await this.store.appendAuditEvents(batch);
      this.failing = false;
      if (this.dropped > 0) {
        this.logger.warn({ dropped: this.dropped }, 'audit log: events were dropped while the database was unreachable');
        this.dropped = 0;
      }
    } catch (error) {
      this.failing = true;
      // Put them back in front, to be written with the next batch.
      this.queue = [...batch, ...this.queue];
      this.logger.warn({ err: { code: (error as { code?: string }).code, message: (error as Error).message }, queued: this.queue.length }, 'audit log: write failed; will retry');
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
