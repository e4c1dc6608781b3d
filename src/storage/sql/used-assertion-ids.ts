/**
 * The used_assertion_ids table (migration 13): the jti of every client assertion and jwt-bearer
 * grant accepted, until it expires. SqlStore (sql-store.ts) delegates here; the scheduled clean-up
 * deletes expired rows (sql/maintenance.ts).
 */
import type { SqlExecutor } from '../driver.js';

/**
 * One statement, atomic on both engines: a new id is inserted; a row left by an assertion that has
 * expired (not cleaned up yet) is taken over; a live row is left alone and nothing changes, which
 * is how a replay shows (0 rows). Two nodes racing on one id: the primary key lets one win.
 */
export async function useAssertionId(
  db: SqlExecutor,
  jtiHash: string,
  expiresAt: number,
  now: number,
): Promise<boolean> {
  const changed = await db.run(
    `INSERT INTO used_assertion_ids (jti_hash, expires_at) VALUES (?, ?)
     ON CONFLICT (jti_hash) DO UPDATE SET expires_at = excluded.expires_at
     WHERE used_assertion_ids.expires_at <= ?`,
    [jtiHash, expiresAt, now],
  );
  return changed > 0;
}
