import type { SqlDriver } from '../driver.js';
import { revokeFamilyWith } from './token-writes.js';
import type { OidcGrantRecord, OidcGrantStore } from '../../core/ports.js';

/** The sign-ins behind OpenID Connect grants (migration 16), by the family they started. */

interface OidcGrantRow {
  family_id: string;
  client_id: string;
  user_id: string;
  sid: string;
  auth_time: number | string;
  amr: string;
  acr: string | null;
  nonce: string | null;
  claims: string | null;
  offline: boolean | number;
  created_at: number | string;
}

const toRecord = (row: OidcGrantRow): OidcGrantRecord => ({
  familyId: row.family_id,
  clientId: row.client_id,
  userId: row.user_id,
  sid: row.sid,
  authTime: Number(row.auth_time),
  amr: JSON.parse(row.amr) as string[],
  acr: row.acr,
  nonce: row.nonce,
  claims: row.claims,
  offline: Boolean(row.offline),
  createdAt: Number(row.created_at),
});

export class SqlOidcGrants implements OidcGrantStore {
  constructor(private readonly db: SqlDriver) {}

  async saveOidcGrant(grant: OidcGrantRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO oidc_grants (family_id, client_id, user_id, sid, auth_time, amr, acr, nonce, claims, offline, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (family_id) DO NOTHING`,
      [
        grant.familyId,
        grant.clientId,
        grant.userId,
        grant.sid,
        grant.authTime,
        JSON.stringify(grant.amr),
        grant.acr,
        grant.nonce,
        grant.claims,
        grant.offline,
        grant.createdAt,
      ],
    );
  }

  async findOidcGrant(familyId: string): Promise<OidcGrantRecord | null> {
    const row = await this.db.get<OidcGrantRow>('SELECT * FROM oidc_grants WHERE family_id = ?', [familyId]);
    return row ? toRecord(row) : null;
  }

  async listOidcGrantsOfSession(sid: string): Promise<OidcGrantRecord[]> {
    const rows = await this.db.all<OidcGrantRow>('SELECT * FROM oidc_grants WHERE sid = ? ORDER BY created_at', [sid]);
    return rows.map(toRecord);
  }

  async endOidcGrant(familyId: string, now: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.run('UPDATE authorization_codes SET consumed_at = ? WHERE family_id = ? AND consumed_at IS NULL', [
        now,
        familyId,
      ]);
      return revokeFamilyWith(tx, familyId, now);
    });
  }
}
