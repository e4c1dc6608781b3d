import type { SqlDriver } from '../driver.js';
import type { PendingAuthorizationRecord } from '../store.js';

/** Pending authorization requests (migration 7): the consent page's server-side state. */

interface PendingAuthorizationRow {
  id_hash: string;
  session_hash: string;
  csrf_hash: string;
  client_id: string;
  params: string;
  created_at: number | string;
  expires_at: number | string;
}

function toRecord(row: PendingAuthorizationRow): PendingAuthorizationRecord {
  return {
    idHash: row.id_hash,
    sessionHash: row.session_hash,
    csrfHash: row.csrf_hash,
    clientId: row.client_id,
    params: JSON.parse(row.params) as Record<string, string>,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

export async function savePendingAuthorization(db: SqlDriver, r: PendingAuthorizationRecord, keep: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO pending_authorizations (id_hash, session_hash, csrf_hash, client_id, params, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [r.idHash, r.sessionHash, r.csrfHash, r.clientId, JSON.stringify(r.params), r.createdAt, r.expiresAt],
    );
    // Keep the session's newest `keep` (the new one always among them): a page reloaded in a
    // loop cannot grow the table.
    await tx.run(
      `DELETE FROM pending_authorizations WHERE session_hash = ? AND id_hash <> ? AND id_hash NOT IN
         (SELECT id_hash FROM pending_authorizations WHERE session_hash = ? AND id_hash <> ?
          ORDER BY created_at DESC, id_hash DESC LIMIT ?)`,
      [r.sessionHash, r.idHash, r.sessionHash, r.idHash, Math.max(0, keep - 1)],
    );
  });
}

export async function takePendingAuthorization(
  db: SqlDriver,
  idHash: string,
  sessionHash: string,
  csrfHash: string,
  now: number,
): Promise<PendingAuthorizationRecord | null> {
  // One DELETE … RETURNING: of two concurrent answers (any nodes) exactly one gets the row.
  // An expired row is deleted too, and not returned.
  const row = await db.transaction((tx) =>
    tx.get<PendingAuthorizationRow>(
      'DELETE FROM pending_authorizations WHERE id_hash = ? AND session_hash = ? AND csrf_hash = ? RETURNING *',
      [idHash, sessionHash, csrfHash],
    ),
  );
  if (!row) return null;
  const record = toRecord(row);
  return record.expiresAt > now ? record : null;
}
