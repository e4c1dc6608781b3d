import type { SqlDriver } from '../driver.js';
import type { UserGrantRecord, UserGrantStore } from '../store.js';
import { revokeUserTokens } from './token-writes.js';

/** The apps a user has let in (UserGrantStore): consents and live tokens, per client. */
export class SqlUserGrants implements UserGrantStore {
  constructor(private readonly db: SqlDriver) {}

  async listUserGrants(userId: string, now: number): Promise<UserGrantRecord[]> {
    const grants = new Map<string, UserGrantRecord & { tokenScopes: Set<string> }>();
    const entry = (clientId: string, clientName: string) => {
      let grant = grants.get(clientId);
      if (!grant) {
        grant = {
          clientId,
          clientName,
          scopes: [],
          consentedAt: null,
          lastIssuedAt: null,
          liveTokens: 0,
          tokenScopes: new Set(),
        };
        grants.set(clientId, grant);
      }
      return grant;
    };
    const consents = await this.db.all<{ client_id: string; name: string; scope: string; granted_at: number }>(
      'SELECT c.client_id, k.name, c.scope, c.granted_at FROM consents c JOIN clients k ON k.id = c.client_id WHERE c.user_id = ?',
      [userId],
    );
    for (const row of consents) {
      const grant = entry(row.client_id, row.name);
      grant.scopes = row.scope.split(' ').filter(Boolean);
      grant.consentedAt = Number(row.granted_at);
    }
    for (const table of ['refresh_tokens', 'access_tokens']) {
      // A refresh token already exchanged is no longer live, though not revoked.
      const unused = table === 'refresh_tokens' ? ' AND t.consumed_at IS NULL' : '';
      const rows = await this.db.all<{ client_id: string; name: string; scope: string; issued_at: number }>(
        `SELECT t.client_id, k.name, t.scope, t.issued_at FROM ${table} t JOIN clients k ON k.id = t.client_id
         WHERE t.user_id = ? AND t.revoked_at IS NULL AND t.expires_at > ?${unused}`,
        [userId, now],
      );
      for (const row of rows) {
        const grant = entry(row.client_id, row.name);
        grant.liveTokens += 1;
        grant.lastIssuedAt = Math.max(grant.lastIssuedAt ?? 0, Number(row.issued_at));
        for (const scope of row.scope.split(' ').filter(Boolean)) grant.tokenScopes.add(scope);
      }
    }
    return [...grants.values()]
      .map(({ tokenScopes, ...grant }) => ({
        ...grant,
        scopes: grant.consentedAt === null ? [...tokenScopes].sort() : grant.scopes,
      }))
      .sort((a, b) => a.clientName.localeCompare(b.clientName) || a.clientId.localeCompare(b.clientId));
  }

  async revokeUserGrant(userId: string, clientId: string, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const consents = await tx.run('DELETE FROM consents WHERE user_id = ? AND client_id = ?', [userId, clientId]);
      const tokens = await revokeUserTokens(tx, userId, clientId, now);
      // A code not yet exchanged would otherwise still buy tokens.
      const codes = await tx.run(
        'UPDATE authorization_codes SET consumed_at = ? WHERE user_id = ? AND client_id = ? AND consumed_at IS NULL',
        [now, userId, clientId],
      );
      return consents + tokens + codes > 0;
    });
  }
}
