import type { SqlDriver } from '../driver.js';
import { migrations } from '../migrations/index.js';
import type { CleanupCounts, MaintenanceStore } from '../store.js';
import type { SqlClients } from './clients.js';

/** Schema migrations, the health check and the clean-up of expired rows. */
export class SqlMaintenance implements MaintenanceStore {
  /** `clients`: a migration changes the clients table through it, so that every client cache sees it. */
  constructor(
    private readonly db: SqlDriver,
    private readonly clients: SqlClients,
  ) {}

  async migrate(): Promise<number[]> {
    return this.db.withExclusiveLock('migrate', async () => {
      await this.db.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const applied = new Set(
        (await this.db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((row) =>
          Number(row.version),
        ),
      );
      const newlyApplied: number[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        const appliedHere = await this.db.transaction(async (tx) => {
          // Checked again under the write lock: SQLite's exclusive lock is a no-op, so another
          // connection may have applied it since the read above.
          if (await tx.get('SELECT 1 AS n FROM schema_migrations WHERE version = ?', [migration.version])) return false;
          await tx.script(migration.sql);
          await migration.backfill?.(tx);
          await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
            migration.version,
            migration.name,
            Math.floor(Date.now() / 1000),
          ]);
          return true;
        });
        if (appliedHere) newlyApplied.push(migration.version);
      }
      // A migration may change what a client record says: no store may go on answering from memory.
      if (newlyApplied.length > 0) await this.clients.changeClients(async () => {});
      return newlyApplied;
    });
  }

  async ping(): Promise<void> {
    await this.db.get('SELECT 1 AS ok');
  }

  async deleteExpired(now: number, batchSize = 1000): Promise<CleanupCounts> {
    const deleteInBatches = async (table: string, key: string): Promise<number> => {
      const sql = `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE expires_at <= ? LIMIT ?)`;
      let total = 0;
      for (;;) {
        const deleted = await this.db.run(sql, [now, batchSize]);
        total += deleted;
        if (deleted < batchSize) return total;
      }
    };
    return this.db.withExclusiveLock('cleanup', async () => ({
      accessTokens: await deleteInBatches('access_tokens', 'token_hash'),
      refreshTokens: await deleteInBatches('refresh_tokens', 'token_hash'),
      authorizationCodes: await deleteInBatches('authorization_codes', 'code_hash'),
      sessions: await deleteInBatches('sessions', 'id_hash'),
      signingKeys: await this.db.run(
        'DELETE FROM signing_keys WHERE publish_until IS NOT NULL AND publish_until <= ?',
        [now],
      ),
      // A counter without a failure for a day is forgotten (its window is far shorter).
      throttles: await this.db.run('DELETE FROM throttles WHERE last_failure_at <= ? AND blocked_until <= ?', [
        now - 86_400,
        now,
      ]),
      trustedDevices: await deleteInBatches('trusted_devices', 'id_hash'),
      // Before the links themselves: an account whose every confirmation link has expired was
      // never used and never can be; deleting it frees its username and e-mail for a new sign-up.
      // An hour's grace: a sign-up on another node stores the account a moment before its link.
      unconfirmedUsers: await this.db.run(
        `DELETE FROM users WHERE awaiting_confirmation = ? AND created_at <= ? AND NOT EXISTS
           (SELECT 1 FROM account_tokens t WHERE t.user_id = users.id AND t.purpose = ? AND t.expires_at > ?)`,
        [true, now - 3600, 'confirm', now],
      ),
      accountTokens: await deleteInBatches('account_tokens', 'token_hash'),
      pendingAuthorizations: await deleteInBatches('pending_authorizations', 'id_hash'),
      deviceCodes: await deleteInBatches('device_codes', 'code_hash'),
      usedAssertionIds: await deleteInBatches('used_assertion_ids', 'jti_hash'),
      pendingLogouts: await deleteInBatches('pending_logouts', 'id_hash'),
      // Given up after their last attempt (and logged then): kept only until now, for an operator to look at.
      logoutDeliveries: await this.db.run('DELETE FROM logout_deliveries WHERE given_up_at IS NOT NULL'),
      oidcGrants: await this.deleteSpentOidcGrants(now, batchSize),
    }));
  }

  /**
   * The sign-ins behind OpenID grants whose family has nothing left that could need them: no
   * code, no refresh token, no live access token. An hour's grace: the grant is saved a moment
   * before its code.
   */
  private async deleteSpentOidcGrants(now: number, batchSize: number): Promise<number> {
    const sql = `DELETE FROM oidc_grants WHERE family_id IN (SELECT g.family_id FROM oidc_grants g WHERE g.created_at <= ?
       AND NOT EXISTS (SELECT 1 FROM authorization_codes c WHERE c.family_id = g.family_id)
       AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = g.family_id)
       AND NOT EXISTS (SELECT 1 FROM access_tokens a WHERE a.family_id = g.family_id AND a.revoked_at IS NULL)
       LIMIT ?)`;
    let total = 0;
    for (;;) {
      const deleted = await this.db.run(sql, [now - 3600, batchSize]);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
