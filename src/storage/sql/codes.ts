import type { SqlDriver } from '../driver.js';
import type { AuthorizationCodeRecord, CodeStore, IssuedTokens, RedemptionOutcome } from '../store.js';
import { audienceColumn, audienceField, insertTokens, revokeFamilyWith } from './token-writes.js';

/** Authorization codes (CodeStore): stored as hashes, single use, redeemed for tokens in one transaction. */

interface AuthorizationCodeRow {
  code_hash: string;
  family_id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  redirect_uri_given: boolean | number;
  scope: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  issued_at: number;
  expires_at: number;
  consumed_at: number | null;
  audience: string | null;
}

const toAuthorizationCode = (row: AuthorizationCodeRow): AuthorizationCodeRecord => ({
  codeHash: row.code_hash,
  familyId: row.family_id,
  clientId: row.client_id,
  userId: row.user_id,
  redirectUri: row.redirect_uri,
  redirectUriGiven: Boolean(row.redirect_uri_given),
  scope: row.scope,
  codeChallenge: row.code_challenge,
  codeChallengeMethod: row.code_challenge_method,
  issuedAt: row.issued_at,
  expiresAt: row.expires_at,
  consumedAt: row.consumed_at,
  ...audienceField(row.audience),
});

export class SqlCodes implements CodeStore {
  constructor(private readonly db: SqlDriver) {}

  async saveAuthorizationCode(c: AuthorizationCodeRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO authorization_codes (code_hash, family_id, client_id, user_id, redirect_uri, redirect_uri_given, scope,
        code_challenge, code_challenge_method, issued_at, expires_at, consumed_at, audience)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        c.codeHash,
        c.familyId,
        c.clientId,
        c.userId,
        c.redirectUri,
        c.redirectUriGiven,
        c.scope,
        c.codeChallenge,
        c.codeChallengeMethod,
        c.issuedAt,
        c.expiresAt,
        c.consumedAt,
        audienceColumn(c.audience),
      ],
    );
  }

  async findAuthorizationCode(codeHash: string): Promise<AuthorizationCodeRecord | null> {
    const row = await this.db.get<AuthorizationCodeRow>('SELECT * FROM authorization_codes WHERE code_hash = ?', [
      codeHash,
    ]);
    return row ? toAuthorizationCode(row) : null;
  }

  async redeemAuthorizationCode(codeHash: string, now: number, tokens: IssuedTokens): Promise<RedemptionOutcome> {
    return this.db.transaction(async (tx): Promise<RedemptionOutcome> => {
      // Lock the code's row: concurrent exchanges of one code queue here, on every node.
      const row = await tx.get<AuthorizationCodeRow>(
        `SELECT * FROM authorization_codes WHERE code_hash = ?${this.db.forUpdate}`,
        [codeHash],
      );
      if (!row) return { kind: 'invalid' };
      // Only the client the code was issued to can redeem it, or replay it: another client's
      // presentation must not revoke the rightful grant (that would let anyone who saw a code
      // take the victim's tokens away).
      if (row.client_id !== tokens.accessToken.clientId) return { kind: 'invalid' };
      if (row.consumed_at !== null) {
        // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
        await revokeFamilyWith(tx, row.family_id, now);
        return { kind: 'replayed' };
      }
      if (row.expires_at <= now) return { kind: 'invalid' };
      await tx.run('UPDATE authorization_codes SET consumed_at = ? WHERE code_hash = ?', [now, codeHash]);
      await insertTokens(tx, tokens);
      return { kind: 'redeemed' };
    });
  }
}
