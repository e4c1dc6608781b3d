import type { SqlDriver, SqlExecutor } from '../driver.js';
import { blockSeconds, type BlockRule, type ThrottleState, type ThrottleStore } from '../store.js';

/** Failure counters and blocks (ThrottleStore) in the throttles table, shared by every node. */
export class SqlThrottles implements ThrottleStore {
  constructor(private readonly db: SqlDriver) {}

  async blockedUntil(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const row = await this.db.get<{ until: number | null }>(
      `SELECT MAX(blocked_until) AS until FROM throttles WHERE throttle_key IN (${keys.map(() => '?').join(', ')})`,
      [...keys],
    );
    return Number(row?.until ?? 0);
  }

  async readThrottles(keys: readonly string[], windowStart: number): Promise<ThrottleState[]> {
    if (keys.length === 0) return [];
    const rows = await this.db.all<{
      throttle_key: string;
      failures: number;
      last_failure_at: number;
      blocked_until: number;
    }>(
      `SELECT throttle_key, failures, last_failure_at, blocked_until FROM throttles WHERE throttle_key IN (${keys.map(() => '?').join(', ')})`,
      [...keys],
    );
    const byKey = new Map(rows.map((row) => [row.throttle_key, row]));
    return keys.map((key) => {
      const row = byKey.get(key);
      if (!row) return { failures: 0, blockedUntil: 0 };
      return {
        failures: Number(row.last_failure_at) < windowStart ? 0 : Number(row.failures),
        blockedUntil: Number(row.blocked_until),
      };
    });
  }

  async countAttempt(
    counters: ReadonlyArray<{ key: string; rule: BlockRule }>,
    now: number,
    windowStart: number,
  ): Promise<number> {
    // A request that is blocked already writes nothing: a plain read first (most requests of a
    // flood arrive while blocked), and the check again under the locks below for the race.
    const blocked = await this.blockedUntil(counters.map((counter) => counter.key));
    if (blocked > now) return blocked;
    // In key order throughout, so two attempts sharing counters never wait on each other crosswise.
    const ordered = [...counters].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.db.transaction(async (tx) => {
      // Create each counter if it is new, and lock it either way: a SELECT … FOR UPDATE would
      // lock only the counters that exist, letting concurrent first attempts all through.
      let blockedUntil = 0;
      for (const counter of ordered) {
        const row = await tx.get<{ blocked_until: number }>(
          `INSERT INTO throttles (throttle_key, failures, last_failure_at, blocked_until) VALUES (?, 0, 0, 0)
           ON CONFLICT (throttle_key) DO UPDATE SET failures = throttles.failures
           RETURNING blocked_until`,
          [counter.key],
        );
        blockedUntil = Math.max(blockedUntil, Number(row!.blocked_until));
      }
      if (blockedUntil > now) return blockedUntil;
      for (const counter of ordered) await this.incrementFailures(tx, counter.key, now, windowStart, counter.rule);
      return 0;
    });
  }

  async recordFailure(key: string, now: number, windowStart: number, rule: BlockRule): Promise<number> {
    return this.db.transaction((tx) => this.incrementFailures(tx, key, now, windowStart, rule));
  }

  private async incrementFailures(
    tx: SqlExecutor,
    key: string,
    now: number,
    windowStart: number,
    rule: BlockRule,
  ): Promise<number> {
    const row = await tx.get<{ failures: number }>(
      `INSERT INTO throttles (throttle_key, failures, last_failure_at, blocked_until) VALUES (?, 1, ?, 0)
       ON CONFLICT (throttle_key) DO UPDATE SET
         failures = CASE WHEN throttles.last_failure_at < ? THEN 1 ELSE throttles.failures + 1 END,
         last_failure_at = excluded.last_failure_at
       RETURNING failures`,
      [key, now, windowStart],
    );
    const failures = Number(row!.failures);
    const seconds = blockSeconds(failures, rule);
    if (seconds > 0)
      await tx.run('UPDATE throttles SET blocked_until = ? WHERE throttle_key = ?', [now + seconds, key]);
    return failures;
  }

  async clearThrottles(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.run(`DELETE FROM throttles WHERE throttle_key IN (${keys.map(() => '?').join(', ')})`, [...keys]);
  }
}
