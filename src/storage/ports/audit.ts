/** The storage contract of the audit log. */

/** One row of the audit log: a security event (src/audit/events.ts) with its id. */
export interface AuditRecord {
  /** A UUIDv7: sorts by time. */
  id: string;
  at: number;
  type: string;
  actor: string;
  userId: string | null;
  username: string | null;
  clientId: string | null;
  address: string | null;
  details: Record<string, string> | null;
  /**
   * Only on a counted row (failures anybody can cause, src/audit/failure-counts.ts): it stands
   * for `count` events of one source in one window, the first at `at`, the last at `lastAt`.
   */
  count?: number;
  lastAt?: number;
}

export interface AuditFilter {
  /** Events at or after this time (seconds since the epoch). */
  since?: number;
  userId?: string;
  clientId?: string;
  /** An exact type (token.issued) or a prefix ending in a dot (login.). */
  type?: string;
  /** The newest `limit` matching events are returned, oldest first. */
  limit: number;
}

export interface AuditStore {
  /**
   * Appends events in one transaction. A counted row (with `count` and `lastAt`) whose id is
   * already stored adds its count to that row and widens its times (every node counts into one row).
   */
  appendAuditEvents(records: readonly AuditRecord[]): Promise<void>;
  listAuditEvents(filter: AuditFilter): Promise<AuditRecord[]>;
  /** Deletes events older than `before`, in batches; returns how many. */
  deleteAuditEvents(before: number, batchSize?: number): Promise<number>;
}
