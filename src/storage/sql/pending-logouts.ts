import type { SqlDriver } from '../driver.js';
import type { PendingLogoutRecord, PendingLogoutStore } from '../ports/logout.js';

/** End-session requests waiting for the confirmation page's answer (migration 17). */

interface PendingLogoutRow {
  id_hash: string;
  session_hash: string;
  client_id: string | null;
  post_logout_redirect_uri: string | null;
  state: string | null;
  created_at: number | string;
  expires_at: number | string;
}

const toRecord = (row: PendingLogoutRow): PendingLogoutRecord => ({
  idHash: row.id_hash,
  sessionHash: row.session_hash,
  clientId: row.client_id,
  postLogoutRedirectUri: row.post_logout_redirect_uri,
  state: row.state,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
});

export class SqlPendingLogouts implements PendingLogoutStore {
  constructor(private readonly db: SqlDriver) {}

  async savePendingLogout(r: PendingLogoutRecord, perSession: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO pending_logouts (id_hash, session_hash, client_id, post_logout_redirect_uri, state, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [r.idHash, r.sessionHash, r.clientId, r.postLogoutRedirectUri, r.state, r.createdAt, r.expiresAt],
      );
      // A page reloaded in a loop (or an app sending the user here again and again) keeps only the newest few.
      await tx.run(
        `DELETE FROM pending_logouts WHERE session_hash = ? AND id_hash <> ? AND id_hash NOT IN
           (SELECT id_hash FROM pending_logouts WHERE session_hash = ? AND id_hash <> ? ORDER BY created_at DESC, id_hash DESC LIMIT ?)`,
        [r.sessionHash, r.idHash, r.sessionHash, r.idHash, Math.max(0, perSession - 1)],
      );
    });
  }

  async takePendingLogout(idHash: string, sessionHash: string, now: number): Promise<PendingLogoutRecord | null> {
    // One DELETE … RETURNING: of two answers (any nodes) exactly one gets the row; an expired one is deleted too.
    const row = await this.db.transaction((tx) =>
      tx.get<PendingLogoutRow>('DELETE FROM pending_logouts WHERE id_hash = ? AND session_hash = ? RETURNING *', [
        idHash,
        sessionHash,
      ]),
    );
    if (!row) return null;
    const record = toRecord(row);
    return record.expiresAt > now ? record : null;
  }
}
