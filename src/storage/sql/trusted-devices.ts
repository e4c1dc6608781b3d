/**
 * The trusted_devices table (migration 8): device cookies and confidential clients' known
 * accounts. SqlStore (sql-store.ts) delegates to these functions.
 */
import type { SqlExecutor } from '../driver.js';
import type { TrustedDeviceRecord } from '../store.js';

interface TrustedDeviceRow {
  id_hash: string;
  user_id: string;
  client_id: string | null;
  created_at: number | string;
  expires_at: number | string;
}

export async function findTrustedDevice(
  db: SqlExecutor,
  idHash: string,
  now: number,
): Promise<TrustedDeviceRecord | null> {
  const row = await db.get<TrustedDeviceRow>(
    'SELECT id_hash, user_id, client_id, created_at, expires_at FROM trusted_devices WHERE id_hash = ? AND expires_at > ?',
    [idHash, now],
  );
  if (!row) return null;
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    clientId: row.client_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

/** One transaction: store (or renew) the device, then trim the user's browser devices to the newest `keepNewest`. */
export async function saveTrustedDevice(
  transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => Promise<T>,
  device: TrustedDeviceRecord,
  keepNewest: number,
): Promise<void> {
  await transaction(async (tx) => {
    await tx.run(
      `INSERT INTO trusted_devices (id_hash, user_id, client_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id_hash) DO UPDATE SET expires_at = excluded.expires_at`,
      [device.idHash, device.userId, device.clientId, device.createdAt, device.expiresAt],
    );
    if (device.clientId !== null) return;
    await tx.run(
      `DELETE FROM trusted_devices WHERE user_id = ? AND client_id IS NULL AND id_hash NOT IN
         (SELECT id_hash FROM trusted_devices WHERE user_id = ? AND client_id IS NULL ORDER BY created_at DESC, id_hash DESC LIMIT ?)`,
      [device.userId, device.userId, keepNewest],
    );
  });
}
