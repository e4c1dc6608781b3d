import type { SqlDriver, SqlExecutor } from '../driver.js';
import type {
  AccessTokenRecord,
  ActorClaim,
  IssuedTokens,
  RefreshTokenRecord,
  RefreshTokenWithUser,
  RotationOutcome,
  RotationRequest,
  TokenStore,
} from '../store.js';
import {
  accessTokenParams,
  INSERT_ACCESS_TOKEN,
  INSERT_REFRESH_TOKEN,
  insertTokens,
  audienceField,
  refreshTokenParams,
  revokeFamilyWith,
} from './token-writes.js';

/** Access and refresh tokens (TokenStore): issuing, lookups, rotation and reuse detection, revocation. */

interface AccessTokenRow {
  token_hash: string;
  /** RFC 8693 §4.1 act as JSON; null for a token without an actor (and on refresh token rows). */
  actor?: string | null;
  jti: string | null;
  family_id: string;
  client_id: string;
  user_id: string | null;
  scope: string;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
  audience: string | null;
}
interface RefreshTokenRow extends Omit<AccessTokenRow, 'jti' | 'actor'> {
  parent_hash: string | null;
  consumed_at: number | null;
  /** Null only for a row written by an older release after migration 10 ran: its issued_at then. */
  family_started_at: number | null;
  superseded_at: number | null;
}

/** The columns access and refresh tokens share. */
const tokenFields = (row: Omit<AccessTokenRow, 'jti'>) => ({
  tokenHash: row.token_hash,
  familyId: row.family_id,
  clientId: row.client_id,
  userId: row.user_id,
  scope: row.scope,
  issuedAt: row.issued_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  ...audienceField(row.audience),
});

const toAccessToken = (row: AccessTokenRow): AccessTokenRecord => ({
  ...tokenFields(row),
  jti: row.jti,
  ...(row.actor ? { actor: JSON.parse(row.actor) as ActorClaim } : {}),
});

const toRefreshToken = (row: RefreshTokenRow): RefreshTokenRecord => ({
  ...tokenFields(row),
  parentHash: row.parent_hash,
  familyStartedAt: row.family_started_at ?? row.issued_at,
  consumedAt: row.consumed_at,
});

/**
 * PostgreSQL: consume a live refresh token, revoke its family's access tokens and store the
 * next pair, in one statement. Every sub-statement sees the same snapshot, so the revoking
 * UPDATE cannot touch the access token inserted beside it; nothing is inserted unless a row
 * was consumed. Parameters: now, presented hash, now, now, then the access and refresh token's.
 */
const ROTATE_LIVE_POSTGRES = `WITH consumed AS (
    UPDATE refresh_tokens SET consumed_at = ?
    WHERE token_hash = ? AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > ?
    RETURNING family_id
  ), revoked AS (
    UPDATE access_tokens SET revoked_at = ? WHERE family_id IN (SELECT family_id FROM consumed) AND revoked_at IS NULL
  ), access AS (
    INSERT INTO access_tokens (token_hash, jti, family_id, client_id, user_id, scope, issued_at, expires_at, audience, actor, revoked_at)
    SELECT ?, ?, ?, ?, ?, ?, ?::bigint, ?::bigint, ?::text, ?::text, NULL FROM consumed
  ), refresh AS (
    INSERT INTO refresh_tokens (token_hash, family_id, parent_hash, client_id, user_id, scope, issued_at, expires_at, family_started_at, audience, consumed_at, revoked_at)
    SELECT ?, ?, ?, ?, ?, ?, ?::bigint, ?::bigint, ?::bigint, ?::text, NULL, NULL FROM consumed
  )
  SELECT family_id FROM consumed`;

export class SqlTokens implements TokenStore {
  constructor(private readonly db: SqlDriver) {}

  async issueTokens(tokens: IssuedTokens): Promise<void> {
    const writes: Array<[string, unknown[]]> = [[INSERT_ACCESS_TOKEN, accessTokenParams(tokens.accessToken)]];
    if (tokens.refreshToken) writes.push([INSERT_REFRESH_TOKEN, refreshTokenParams(tokens.refreshToken)]);
    await this.db.writeAtomically(writes);
  }

  async revokeAccessToken(tokenHash: string, now: number): Promise<boolean> {
    return (
      (await this.db.run('UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL', [
        now,
        tokenHash,
      ])) > 0
    );
  }

  async findAccessToken(tokenHash: string): Promise<AccessTokenRecord | null> {
    const row = await this.db.get<AccessTokenRow>('SELECT * FROM access_tokens WHERE token_hash = ?', [tokenHash]);
    return row ? toAccessToken(row) : null;
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const row = await this.db.get<RefreshTokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = ?', [tokenHash]);
    return row ? toRefreshToken(row) : null;
  }

  async findRefreshTokenWithUser(tokenHash: string): Promise<RefreshTokenWithUser | null> {
    // Only the columns the grant reads: better-sqlite3 builds a row object column by column,
    // and SELECT r.*, u.* costs half as much again as this.
    const row = await this.db.get<{
      client_id: string;
      family_id: string;
      scope: string;
      user_id: string | null;
      family_started_at: number;
      audience: string | null;
      enabled: boolean | number | null;
      username: string | null;
      roles: string | null;
    }>(
      `SELECT r.client_id, r.family_id, r.scope, r.user_id, COALESCE(r.family_started_at, r.issued_at) AS family_started_at,
         r.audience, u.enabled, u.username, u.roles
       FROM refresh_tokens r LEFT JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?`,
      [tokenHash],
    );
    if (!row) return null;
    return {
      token: {
        clientId: row.client_id,
        familyId: row.family_id,
        scope: row.scope,
        userId: row.user_id,
        familyStartedAt: Number(row.family_started_at),
        ...audienceField(row.audience),
      },
      user:
        row.username === null
          ? null
          : { enabled: Boolean(row.enabled), username: row.username, roles: JSON.parse(row.roles!) as string[] },
    };
  }

  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    const { presentedHash, now, next } = request;
    if (this.db.dialect === 'postgres') {
      // The common case, a live token presented once, in one statement: one round trip instead
      // of seven (BEGIN, SELECT … FOR UPDATE, two UPDATEs, two INSERTs, COMMIT), atomic on its
      // own. A concurrent rotation of the same token waits for its row lock and then finds it
      // consumed. Anything else (unknown, expired, revoked, presented again) goes the long way.
      const rotated = await this.db.get<{ family_id: string }>(ROTATE_LIVE_POSTGRES, [
        now,
        presentedHash,
        now,
        now,
        ...accessTokenParams(next.accessToken),
        ...refreshTokenParams(next.refreshToken),
      ]);
      if (rotated) return { kind: 'rotated' };
      return this.db.transaction((tx) => this.rotateLocked(tx, request));
    }
    return this.db.transaction(async (tx): Promise<RotationOutcome> => {
      // The common case: consume a live token and learn its family in one statement.
      const live = await tx.get<{ family_id: string }>(
        'UPDATE refresh_tokens SET consumed_at = ? WHERE token_hash = ? AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > ? RETURNING family_id',
        [now, presentedHash, now],
      );
      if (!live) return this.rotateLocked(tx, request);
      // The access tokens issued before this rotation (with the old refresh token) die with it.
      await tx.run('UPDATE access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [
        now,
        live.family_id,
      ]);
      await insertTokens(tx, next);
      return { kind: 'rotated' };
    });
  }

  private async rotateLocked(
    tx: SqlExecutor,
    { presentedHash, now, gracePeriod, next }: RotationRequest,
  ): Promise<RotationOutcome> {
    // Lock the presented token's row: concurrent rotations of it queue here, on every node.
    const row = await tx.get<RefreshTokenRow>(`SELECT * FROM refresh_tokens WHERE token_hash = ?${this.db.forUpdate}`, [
      presentedHash,
    ]);
    if (!row || row.expires_at <= now) return { kind: 'invalid' };
    // A successor a grace replay took the place of: whoever holds it and whoever replayed are
    // not both the rightful client. Reuse.
    if (row.superseded_at !== null) return this.reuse(tx, row.family_id, now);
    // A revoked token that was never used is merely dead; a used one presented again is still
    // reuse (e.g. the third of several racing presentations, after the second revoked the family).
    if (row.revoked_at !== null && row.consumed_at === null) return { kind: 'invalid' };

    if (row.consumed_at === null) {
      await tx.run('UPDATE refresh_tokens SET consumed_at = ? WHERE token_hash = ?', [now, presentedHash]);
      // The access tokens issued before this rotation (with the old refresh token) die with it.
      await tx.run('UPDATE access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [
        now,
        row.family_id,
      ]);
      await insertTokens(tx, next);
      return { kind: 'rotated' };
    }

    // Presented again. Within the grace period, and only while no successor has been used,
    // answer it as a retry after a lost response: the unused successor pair is revoked (and
    // marked, so presenting it later is reuse) and a fresh pair takes its place: one live pair
    // per family, ever. The successors are locked (FOR UPDATE reads their latest version, so a
    // rotation of the successor committing meanwhile is seen as a use, never overwritten).
    if (row.revoked_at === null && gracePeriod > 0 && now - row.consumed_at <= gracePeriod) {
      const successors = await tx.all<{ consumed_at: number | null }>(
        `SELECT consumed_at FROM refresh_tokens WHERE parent_hash = ?${this.db.forUpdate}`,
        [presentedHash],
      );
      if (successors.every((successor) => successor.consumed_at === null)) {
        await tx.run(
          'UPDATE refresh_tokens SET revoked_at = ?, superseded_at = ? WHERE parent_hash = ? AND revoked_at IS NULL',
          [now, now, presentedHash],
        );
        await tx.run('UPDATE access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [
          now,
          row.family_id,
        ]);
        await insertTokens(tx, next);
        return { kind: 'reissued-in-grace' };
      }
    }

    // RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole family.
    return this.reuse(tx, row.family_id, now);
  }

  private async reuse(
    tx: SqlExecutor,
    familyId: string,
    now: number,
  ): Promise<RotationOutcome & { kind: 'reuse-detected' }> {
    await revokeFamilyWith(tx, familyId, now);
    return { kind: 'reuse-detected', familyId };
  }

  async refuseForeignRefreshToken(
    tokenHash: string,
    now: number,
  ): Promise<Extract<RotationOutcome, { kind: 'reuse-detected' | 'invalid' }>> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<RefreshTokenRow>(
        `SELECT * FROM refresh_tokens WHERE token_hash = ?${this.db.forUpdate}`,
        [tokenHash],
      );
      if (!row || row.expires_at <= now) return { kind: 'invalid' as const };
      // A live token merely presented by the wrong client is refused without harming its owner;
      // a used (or superseded) one has leaked and been replayed.
      if (row.consumed_at === null && row.superseded_at === null) return { kind: 'invalid' as const };
      return this.reuse(tx, row.family_id, now);
    });
  }

  async revokeFamily(familyId: string, now: number): Promise<number> {
    return this.db.transaction((tx) => revokeFamilyWith(tx, familyId, now));
  }
}
