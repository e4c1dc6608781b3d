import type { SqlDriver } from '../driver.js';
import type { DeviceCodeDecision, DeviceCodeRecord, DeviceCodeStore } from '../../core/ports.js';

/** Device authorizations (migration 12, RFC 8628): both codes only as hashes. */

interface DeviceCodeRow {
  code_hash: string;
  user_code_hash: string;
  client_id: string;
  scope: string;
  created_at: number | string;
  expires_at: number | string;
  poll_interval: number | string;
  last_polled_at: number | string | null;
  status: string;
  user_id: string | null;
  decided_at: number | string | null;
  redeemed_at: number | string | null;
}

const numberOrNull = (value: number | string | null) => (value === null ? null : Number(value));

function toRecord(row: DeviceCodeRow): DeviceCodeRecord {
  return {
    deviceCodeHash: row.code_hash,
    userCodeHash: row.user_code_hash,
    clientId: row.client_id,
    scope: row.scope,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    interval: Number(row.poll_interval),
    lastPolledAt: numberOrNull(row.last_polled_at),
    status: row.status === 'approved' || row.status === 'denied' ? row.status : 'pending',
    userId: row.user_id,
    decidedAt: numberOrNull(row.decided_at),
    redeemedAt: numberOrNull(row.redeemed_at),
  };
}

export class SqlDeviceCodes implements DeviceCodeStore {
  constructor(private readonly db: SqlDriver) {}

  async saveDeviceCode(r: DeviceCodeRecord, maxPending: number): Promise<'saved' | 'cap' | 'collision'> {
    // One transaction: the count and the insert see the same table (SQLite serialises writers; on
    // PostgreSQL concurrent requests of one client can overshoot the cap by at most their number).
    return this.db.transaction(async (tx) => {
      const pending = await tx.get<{ n: number | string }>(
        'SELECT COUNT(*) AS n FROM device_codes WHERE client_id = ? AND status = ? AND expires_at > ?',
        [r.clientId, 'pending', r.createdAt],
      );
      if (Number(pending?.n ?? 0) >= maxPending) return 'cap';
      const taken = await tx.get(
        'SELECT 1 AS n FROM device_codes WHERE user_code_hash = ? AND status = ? AND expires_at > ?',
        [r.userCodeHash, 'pending', r.createdAt],
      );
      if (taken) return 'collision';
      await tx.run(
        `INSERT INTO device_codes (code_hash, user_code_hash, client_id, scope, created_at, expires_at, poll_interval,
          last_polled_at, status, user_id, decided_at, redeemed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          r.deviceCodeHash,
          r.userCodeHash,
          r.clientId,
          r.scope,
          r.createdAt,
          r.expiresAt,
          r.interval,
          r.lastPolledAt,
          r.status,
          r.userId,
          r.decidedAt,
          r.redeemedAt,
        ],
      );
      return 'saved';
    });
  }

  async oldestPendingDeviceCodeExpiry(clientId: string, now: number): Promise<number | null> {
    const row = await this.db.get<{ at: number | string | null }>(
      'SELECT MIN(expires_at) AS at FROM device_codes WHERE client_id = ? AND status = ? AND expires_at > ?',
      [clientId, 'pending', now],
    );
    return numberOrNull(row?.at ?? null);
  }

  async findDeviceCode(deviceCodeHash: string): Promise<DeviceCodeRecord | null> {
    const row = await this.db.get<DeviceCodeRow>('SELECT * FROM device_codes WHERE code_hash = ?', [deviceCodeHash]);
    return row ? toRecord(row) : null;
  }

  async findPendingDeviceCodeByUserCode(userCodeHash: string, now: number): Promise<DeviceCodeRecord | null> {
    const row = await this.db.get<DeviceCodeRow>(
      'SELECT * FROM device_codes WHERE user_code_hash = ? AND status = ? AND expires_at > ? ORDER BY created_at DESC',
      [userCodeHash, 'pending', now],
    );
    return row ? toRecord(row) : null;
  }

  async decideDeviceCode(deviceCodeHash: string, decision: DeviceCodeDecision, now: number): Promise<boolean> {
    // Only a pending, unexpired code changes, once: of two answers (any nodes) the first wins.
    const changed = await this.db.run(
      'UPDATE device_codes SET status = ?, user_id = ?, decided_at = ? WHERE code_hash = ? AND status = ? AND expires_at > ?',
      [decision.status, decision.userId, now, deviceCodeHash, 'pending', now],
    );
    return changed > 0;
  }

  async pollDeviceCode(deviceCodeHash: string, now: number): Promise<'pending' | 'slow_down'> {
    // Too soon after the previous poll: the interval grows by 5 s (RFC 8628 §3.5), in the same
    // statement that notes this poll, so concurrent polls cannot both escape it.
    const tooSoon = await this.db.run(
      `UPDATE device_codes SET poll_interval = poll_interval + 5, last_polled_at = ?
        WHERE code_hash = ? AND last_polled_at IS NOT NULL AND last_polled_at + poll_interval > ?`,
      [now, deviceCodeHash, now],
    );
    if (tooSoon > 0) return 'slow_down';
    await this.db.run('UPDATE device_codes SET last_polled_at = ? WHERE code_hash = ?', [now, deviceCodeHash]);
    return 'pending';
  }

  async redeemDeviceCode(deviceCodeHash: string, now: number): Promise<boolean> {
    // One UPDATE … WHERE not redeemed: of two concurrent polls exactly one changes the row.
    const changed = await this.db.run(
      'UPDATE device_codes SET redeemed_at = ? WHERE code_hash = ? AND status = ? AND redeemed_at IS NULL AND expires_at > ?',
      [now, deviceCodeHash, 'approved', now],
    );
    return changed > 0;
  }
}
