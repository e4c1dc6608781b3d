import type { SqlExecutor } from '../driver.js';
import type { AccessTokenRecord, IssuedTokens, RefreshTokenRecord } from '../store.js';

/**
 * The token writes several concerns share inside their own transactions: storing a pair
 * (issuing, rotating, redeeming a code), revoking a family (reuse, a replayed code) and revoking
 * a user's tokens (password reset, a revoked grant, an account change).
 */

export const INSERT_ACCESS_TOKEN = `INSERT INTO access_tokens
  (token_hash, jti, family_id, client_id, user_id, scope, issued_at, expires_at, audience, actor, revoked_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`;
export const INSERT_REFRESH_TOKEN = `INSERT INTO refresh_tokens
  (token_hash, family_id, parent_hash, client_id, user_id, scope, issued_at, expires_at, family_started_at, audience,
   consumed_at, revoked_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`;

/** An audience list as stored: a JSON array, or NULL for none (the default audience). */
export const audienceColumn = (audience: readonly string[] | undefined): string | null =>
  audience?.length ? JSON.stringify(audience) : null;

/** An audience column as read: absent when NULL. */
export const audienceField = (column: string | null): { audience?: string[] } =>
  column === null ? {} : { audience: JSON.parse(column) as string[] };

export const accessTokenParams = (t: AccessTokenRecord) => [
  t.tokenHash,
  t.jti,
  t.familyId,
  t.clientId,
  t.userId,
  t.scope,
  t.issuedAt,
  t.expiresAt,
  audienceColumn(t.audience),
  t.actor ? JSON.stringify(t.actor) : null,
];
export const refreshTokenParams = (t: RefreshTokenRecord) => [
  t.tokenHash,
  t.familyId,
  t.parentHash,
  t.clientId,
  t.userId,
  t.scope,
  t.issuedAt,
  t.expiresAt,
  t.familyStartedAt ?? t.issuedAt,
  audienceColumn(t.audience),
];

export async function insertTokens(db: SqlExecutor, tokens: IssuedTokens): Promise<void> {
  await db.run(INSERT_ACCESS_TOKEN, accessTokenParams(tokens.accessToken));
  if (tokens.refreshToken) await db.run(INSERT_REFRESH_TOKEN, refreshTokenParams(tokens.refreshToken));
}

export async function revokeFamilyWith(db: SqlExecutor, familyId: string, now: number): Promise<number> {
  const refresh = await db.run('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [
    now,
    familyId,
  ]);
  const access = await db.run('UPDATE access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [
    now,
    familyId,
  ]);
  return refresh + access;
}

/** Revokes a user's live tokens (of one client, or of all with clientId null). Returns how many. */
export async function revokeUserTokens(
  tx: SqlExecutor,
  userId: string,
  clientId: string | null,
  now: number,
): Promise<number> {
  const byClient = clientId === null ? '' : ' AND client_id = ?';
  const params = clientId === null ? [now, userId] : [now, userId, clientId];
  return (
    (await tx.run(
      `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL${byClient}`,
      params,
    )) +
    (await tx.run(
      `UPDATE access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL${byClient}`,
      params,
    ))
  );
}
