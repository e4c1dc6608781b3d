import type { SqlDriver } from './driver.js';
import { SqlAudit } from './sql/audit.js';
import { SqlThrottles } from './sql/throttle.js';
import { findTrustedDevice, saveTrustedDevice } from './sql/trusted-devices.js';
import { useAssertionId } from './sql/used-assertion-ids.js';
import type { AuditFilter, AuditRecord, BlockRule, ThrottleState, TrustedDeviceRecord } from './store.js';

/**
 * The records that protect the rest, as SqlStore hands them on: brute-force counters, trusted
 * devices, JWT assertion ids already used, the audit log. SqlStore (sql-store.ts) extends this
 * class; it stands apart only to keep that facade under 400 lines.
 */
export abstract class SqlSecurityRecords {
  private readonly throttles: SqlThrottles;
  private readonly audit: SqlAudit;

  constructor(private readonly database: SqlDriver) {
    this.throttles = new SqlThrottles(database);
    this.audit = new SqlAudit(database);
  }

  // --- throttling (sql/throttle.ts) ------------------------------------------------

  blockedUntil(keys: readonly string[]): Promise<number> {
    return this.throttles.blockedUntil(keys);
  }

  readThrottles(keys: readonly string[], windowStart: number): Promise<ThrottleState[]> {
    return this.throttles.readThrottles(keys, windowStart);
  }

  countAttempt(
    counters: ReadonlyArray<{ key: string; rule: BlockRule }>,
    now: number,
    windowStart: number,
  ): Promise<number> {
    return this.throttles.countAttempt(counters, now, windowStart);
  }

  recordFailure(key: string, now: number, windowStart: number, rule: BlockRule): Promise<number> {
    return this.throttles.recordFailure(key, now, windowStart, rule);
  }

  clearThrottles(keys: readonly string[]): Promise<void> {
    return this.throttles.clearThrottles(keys);
  }

  // --- trusted devices: device cookies, known accounts (sql/trusted-devices.ts) ----

  findTrustedDevice(idHash: string, now: number): Promise<TrustedDeviceRecord | null> {
    return findTrustedDevice(this.database, idHash, now);
  }

  saveTrustedDevice(device: TrustedDeviceRecord, keepNewest: number): Promise<void> {
    return saveTrustedDevice((fn) => this.database.transaction(fn), device, keepNewest);
  }

  // --- assertion ids already used (sql/used-assertion-ids.ts) -----------------------

  useAssertionId(jtiHash: string, expiresAt: number, now: number): Promise<boolean> {
    return useAssertionId(this.database, jtiHash, expiresAt, now);
  }

  // --- the audit log (sql/audit.ts) ------------------------------------------------

  appendAuditEvents(records: readonly AuditRecord[]): Promise<void> {
    return this.audit.appendAuditEvents(records);
  }

  listAuditEvents(filter: AuditFilter): Promise<AuditRecord[]> {
    return this.audit.listAuditEvents(filter);
  }

  deleteAuditEvents(before: number, batchSize?: number): Promise<number> {
    return this.audit.deleteAuditEvents(before, batchSize);
  }
}
