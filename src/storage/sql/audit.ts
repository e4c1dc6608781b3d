import type { SqlDriver } from '../driver.js';
import type { AuditFilter, AuditRecord, AuditStore } from '../store.js';

/** The audit log (AuditStore): single events inserted, counted rows merged by id. */

/** The audit log's INSERT for 1, 10 and 100 rows, built once (each is also a prepared-statement cache key). */
const INSERT_AUDIT_EVENTS: Record<number, string> = Object.fromEntries(
  [1, 10, 100].map((rows) => [
    rows,
    `INSERT INTO audit_events (id, at, type, actor, user_id, username, client_id, address, details) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
  ]),
);

/**
 * The same for counted rows (AuditRecord.count): a row already stored under the id (another
 * flush or node counting the same source and window) adds the count and widens the times.
 */
const UPSERT_AUDIT_COUNTS: Record<number, string> = Object.fromEntries(
  [1, 10, 100].map((rows) => [
    rows,
    `INSERT INTO audit_events (id, at, type, actor, user_id, username, client_id, address, details, count, last_at) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
     ON CONFLICT (id) DO UPDATE SET
       count = audit_events.count + excluded.count,
       at = CASE WHEN excluded.at < audit_events.at THEN excluded.at ELSE audit_events.at END,
       last_at = CASE WHEN excluded.last_at > audit_events.last_at THEN excluded.last_at ELSE audit_events.last_at END`,
  ]),
);

export class SqlAudit implements AuditStore {
  constructor(private readonly db: SqlDriver) {}

  async appendAuditEvents(records: readonly AuditRecord[]): Promise<void> {
    const statements: Array<readonly [string, unknown[]]> = [];
    // Single events are inserted; counted rows are added to a row of the same id if there is one
    // (those of one call merged first: one statement may not update a row twice in PostgreSQL).
    const counts = new Map<string, AuditRecord>();
    for (const r of records) {
      if (r.count === undefined) continue;
      const seen = counts.get(r.id);
      if (!seen) counts.set(r.id, { ...r, lastAt: r.lastAt ?? r.at });
      else
        Object.assign(seen, {
          count: seen.count! + r.count,
          at: Math.min(seen.at, r.at),
          lastAt: Math.max(seen.lastAt!, r.lastAt ?? r.at),
        });
    }
    for (const [rows, counted] of [
      [records.filter((r) => r.count === undefined), false],
      [[...counts.values()], true],
    ] as const) {
      const width = counted ? 11 : 9;
      // A few fixed statement sizes (100, 10, 1 rows): many rows per round trip, and few distinct
      // statements for PostgreSQL to prepare.
      for (let start = 0; start < rows.length; ) {
        const size = [100, 10, 1].find((n) => rows.length - start >= n)!;
        const params: unknown[] = new Array(size * width);
        for (let i = 0; i < size; i++) {
          const r = rows[start + i]!;
          params[i * width] = r.id;
          params[i * width + 1] = r.at;
          params[i * width + 2] = r.type;
          params[i * width + 3] = r.actor;
          params[i * width + 4] = r.userId;
          params[i * width + 5] = r.username;
          params[i * width + 6] = r.clientId;
          params[i * width + 7] = r.address;
          params[i * width + 8] = r.details === null ? null : JSON.stringify(r.details);
          if (counted) {
            params[i * width + 9] = r.count;
            params[i * width + 10] = r.lastAt ?? r.at;
          }
        }
        statements.push([(counted ? UPSERT_AUDIT_COUNTS : INSERT_AUDIT_EVENTS)[size]!, params]);
        start += size;
      }
    }
    await this.db.writeAtomically(statements);
  }

  async listAuditEvents(filter: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const condition = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (filter.since !== undefined) condition('at >= ?', filter.since);
    if (filter.userId !== undefined) condition('user_id = ?', filter.userId);
    if (filter.clientId !== undefined) condition('client_id = ?', filter.clientId);
    if (filter.type !== undefined) {
      if (filter.type.endsWith('.')) condition('substr(type, 1, ?) = ?', filter.type.length, filter.type);
      else condition('type = ?', filter.type);
    }
    const rows = await this.db.all<{
      id: string;
      at: number;
      type: string;
      actor: string;
      user_id: string | null;
      username: string | null;
      client_id: string | null;
      address: string | null;
      details: string | null;
      count: number | string;
      last_at: number | string | null;
    }>(
      `SELECT id, at, type, actor, user_id, username, client_id, address, details, count, last_at FROM audit_events
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`,
      [...params, filter.limit],
    );
    return rows.reverse().map((row) => ({
      id: row.id,
      at: Number(row.at),
      type: row.type,
      actor: row.actor,
      userId: row.user_id,
      username: row.username,
      clientId: row.client_id,
      address: row.address,
      details: row.details === null ? null : (JSON.parse(row.details) as Record<string, string>),
      ...(row.last_at === null ? {} : { count: Number(row.count), lastAt: Number(row.last_at) }),
    }));
  }

  async deleteAuditEvents(before: number, batchSize = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.db.run(
        'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ? LIMIT ?)',
        [before, batchSize],
      );
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
