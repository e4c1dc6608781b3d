import type { SqlDriver } from '../driver.js';
import type { LogoutDeliveryRecord, LogoutDeliveryStore, LogoutQueueLimits } from '../ports/logout.js';

/** The back-channel logout queue (migrations 16 and 17): one row per logout token owed to a client. */

interface LogoutDeliveryRow {
  id: string;
  client_id: string;
  uri: string;
  claims: string;
  attempts: number | string;
  next_attempt_at: number | string;
  created_at: number | string;
  last_error: string | null;
  given_up_at: number | string | null;
}

const toRecord = (row: LogoutDeliveryRow): LogoutDeliveryRecord => ({
  id: row.id,
  clientId: row.client_id,
  uri: row.uri,
  claims: JSON.parse(row.claims) as Record<string, unknown>,
  attempts: Number(row.attempts),
  nextAttemptAt: Number(row.next_attempt_at),
  createdAt: Number(row.created_at),
  lastError: row.last_error,
  givenUpAt: row.given_up_at === null ? null : Number(row.given_up_at),
});

export class SqlLogoutDeliveries implements LogoutDeliveryStore {
  constructor(private readonly db: SqlDriver) {}

  async enqueueLogoutDelivery(
    delivery: Omit<LogoutDeliveryRecord, 'attempts' | 'lastError' | 'givenUpAt'>,
    limits: LogoutQueueLimits,
  ): Promise<boolean> {
    // Counted and inserted under the write lock: concurrent sign-outs cannot overshoot the bounds.
    // Given-up rows count too until the clean-up removes them, so the table is bounded outright.
    return this.db.transaction(async (tx) => {
      const ofClient = await tx.get<{ n: number | string }>(
        'SELECT COUNT(*) AS n FROM logout_deliveries WHERE client_id = ?',
        [delivery.clientId],
      );
      if (Number(ofClient?.n ?? 0) >= limits.perClient) return false;
      const all = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM logout_deliveries');
      if (Number(all?.n ?? 0) >= limits.total) return false;
      await tx.run(
        `INSERT INTO logout_deliveries (id, client_id, uri, claims, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, 0, ?, ?)`,
        [
          delivery.id,
          delivery.clientId,
          delivery.uri,
          JSON.stringify(delivery.claims),
          delivery.nextAttemptAt,
          delivery.createdAt,
        ],
      );
      return true;
    });
  }

  async claimDueLogoutDeliveries(
    now: number,
    limit: number,
    retryAt: (attempt: number) => number,
  ): Promise<LogoutDeliveryRecord[]> {
    const due = await this.db.all<LogoutDeliveryRow>(
      `SELECT * FROM logout_deliveries WHERE given_up_at IS NULL AND next_attempt_at <= ?
       ORDER BY next_attempt_at, id LIMIT ?`,
      [now, limit],
    );
    const claimed: LogoutDeliveryRecord[] = [];
    for (const row of due) {
      const attempts = Number(row.attempts) + 1;
      // Only if nobody claimed it since the read: the attempt count is the row's version.
      const changed = await this.db.run(
        `UPDATE logout_deliveries SET attempts = ?, next_attempt_at = ?
         WHERE id = ? AND attempts = ? AND given_up_at IS NULL AND next_attempt_at <= ?`,
        [attempts, retryAt(attempts), row.id, Number(row.attempts), now],
      );
      if (changed === 1) claimed.push({ ...toRecord(row), attempts, nextAttemptAt: retryAt(attempts) });
    }
    return claimed;
  }

  async deleteLogoutDelivery(id: string): Promise<void> {
    await this.db.run('DELETE FROM logout_deliveries WHERE id = ?', [id]);
  }

  async logoutDeliveryFailed(id: string, error: string, givenUpAt: number | null): Promise<void> {
    await this.db.run('UPDATE logout_deliveries SET last_error = ?, given_up_at = ? WHERE id = ?', [
      error.slice(0, 500),
      givenUpAt,
      id,
    ]);
  }

  async liveSessionSids(userId: string, now: number): Promise<string[]> {
    const rows = await this.db.all<{ sid: string }>(
      'SELECT DISTINCT sid FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY sid',
      [userId, now],
    );
    return rows.map((row) => row.sid);
  }

  async listLogoutDeliveries(clientId: string): Promise<LogoutDeliveryRecord[]> {
    const rows = await this.db.all<LogoutDeliveryRow>(
      'SELECT * FROM logout_deliveries WHERE client_id = ? ORDER BY created_at, id',
      [clientId],
    );
    return rows.map(toRecord);
  }
}
