import type { SqlDriver } from '../driver.js';
import type { ConsentRecord, ConsentStore } from '../store.js';

/** The scopes a user has granted a client (ConsentStore): one row per user and client. */

interface ConsentRow {
  user_id: string;
  client_id: string;
  scope: string;
  granted_at: number;
}

const toConsent = (row: ConsentRow): ConsentRecord => ({
  userId: row.user_id,
  clientId: row.client_id,
  scopes: row.scope.split(' ').filter(Boolean),
  grantedAt: row.granted_at,
});

export class SqlConsents implements ConsentStore {
  constructor(private readonly db: SqlDriver) {}

  async findConsent(userId: string, clientId: string): Promise<ConsentRecord | null> {
    const row = await this.db.get<ConsentRow>('SELECT * FROM consents WHERE user_id = ? AND client_id = ?', [
      userId,
      clientId,
    ]);
    return row ? toConsent(row) : null;
  }

  async saveConsent(c: ConsentRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO consents (user_id, client_id, scope, granted_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at`,
      [c.userId, c.clientId, c.scopes.join(' '), c.grantedAt],
    );
  }
}
