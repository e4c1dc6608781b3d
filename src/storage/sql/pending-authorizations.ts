import type { SqlDriver, SqlExecutor } from '../driver.js';
import type { PendingAuthorizationLimits, PendingAuthorizationRecord } from '../store.js';

/** Pending authorization requests (migration 7): sign-in and consent pages' server-side state. */

interface PendingAuthorizationRow {
  id_hash: string;
  session_hash: string | null;
  csrf_hash: string;
  address_key: string | null;
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
    addressKey: row.address_key,
    clientId: row.client_id,
    params: JSON.parse(row.params) as Record<string, string>,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

/** Deletes the oldest rows matching `where` beyond the newest `keep`, never the row just saved. */
function trim(
  tx: SqlExecutor,
  where: string,
  params: readonly unknown[],
  newIdHash: string,
  keep: number,
): Promise<number> {
  return tx.run(
    `DELETE FROM pending_authorizations WHERE ${where} AND id_hash <> ? AND id_hash NOT IN
       (SELECT id_hash FROM pending_authorizations WHERE ${where} AND id_hash <> ? ORDER BY created_at DESC, id_hash DESC LIMIT ?)`,
    [...params, newIdHash, ...params, newIdHash, Math.max(0, keep - 1)],
  );
}

export async function savePendingAuthorization(
  db: SqlDriver,
  r: PendingAuthorizationRecord,
  limits: PendingAuthorizationLimits,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO pending_authorizations (id_hash, session_hash, csrf_hash, address_key, client_id, params, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.idHash,
        r.sessionHash,
        r.csrfHash,
        r.addressKey,
        r.clientId,
        JSON.stringify(r.params),
        r.createdAt,
        r.expiresAt,
      ],
    );
    // Keep the newest few of the session (consent pages) or browser and address (sign-in): a
    // page reloaded in a loop, or requests without cookies, cannot grow the table without bound.
    if (r.sessionHash !== null) {
      await trim(tx, 'session_hash = ?', [r.sessionHash], r.idHash, limits.perOwner);
      return;
    }
    await trim(tx, 'session_hash IS NULL AND csrf_hash = ?', [r.csrfHash], r.idHash, limits.perOwner);
    if (r.addressKey !== null && limits.perAddress !== undefined) {
      await trim(tx, 'session_hash IS NULL AND address_key = ?', [r.addressKey], r.idHash, limits.perAddress);
    }
    if (limits.total !== undefined) {
      // From the (total + 1)-th newest down, ties on its second included, never the row just
      // saved: a walk of the (session_hash, created_at) index, and nothing at all (NULL) while
      // the table holds no more than `total`.
      await tx.run(
        `DELETE FROM pending_authorizations WHERE session_hash IS NULL AND id_hash <> ? AND created_at <=
           (SELECT created_at FROM pending_authorizations WHERE session_hash IS NULL ORDER BY created_at DESC, id_hash DESC LIMIT 1 OFFSET ?)`,
        [r.idHash, limits.total],
      );
    }
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

export async function findPendingSignIn(
  db: SqlDriver,
  idHash: string,
  csrfHash: string,
  now: number,
): Promise<PendingAuthorizationRecord | null> {
  const row = await db.get<PendingAuthorizationRow>(
    'SELECT * FROM pending_authorizations WHERE id_hash = ? AND session_hash IS NULL AND csrf_hash = ? AND expires_at > ?',
    [idHash, csrfHash, now],
  );
  return row ? toRecord(row) : null;
}

/**
 * Takes a sign-in hop's request in one atomic step (DELETE … RETURNING): of two resumes of the same
 * id (any nodes) exactly one gets it, so a request is answered once from one sign-in.
 */
export async function takePendingSignIn(
  db: SqlDriver,
  idHash: string,
  csrfHash: string,
  now: number,
): Promise<PendingAuthorizationRecord | null> {
  const row = await db.transaction((tx) =>
    tx.get<PendingAuthorizationRow>(
      'DELETE FROM pending_authorizations WHERE id_hash = ? AND session_hash IS NULL AND csrf_hash = ? RETURNING *',
      [idHash, csrfHash],
    ),
  );
  return row && Number(row.expires_at) > now ? toRecord(row) : null;
}

/** Deletes the sign-in hops of one browser (by its CSRF secret's hash) for one client. */
export async function deletePendingSignIns(db: SqlDriver, csrfHash: string, clientId: string): Promise<void> {
  await db.run('DELETE FROM pending_authorizations WHERE session_hash IS NULL AND csrf_hash = ? AND client_id = ?', [
    csrfHash,
    clientId,
  ]);
}
