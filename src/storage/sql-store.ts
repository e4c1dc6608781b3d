import { ClientCache } from './client-cache.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { migrations } from './migrations/index.js';
import { findTrustedDevice, saveTrustedDevice } from './sql-trusted-devices.js';
import { findPendingSignIn, savePendingAuthorization, takePendingAuthorization } from './sql/pending-authorizations.js';
import {
  blockSeconds,
  DuplicateUserError,
  type AuditFilter,
  type AuditRecord,
  type AccessTokenRecord,
  type AccountRevocation,
  type AccountTokenPurpose,
  type AccountTokenRecord,
  type EmailChangeOutcome,
  type BlockRule,
  type AuthorizationCodeRecord,
  type CleanupCounts,
  type ClientRecord,
  type ConsentRecord,
  type IssuedTokens,
  type PendingAuthorizationLimits,
  type PendingAuthorizationRecord,
  type RedemptionOutcome,
  type RefreshTokenRecord,
  type RefreshTokenWithUser,
  type RotationOutcome,
  type RotationRequest,
  type SessionRecord,
  type SigningKeyRecord,
  type Store,
  type ThrottleState,
  type TrustedDeviceRecord,
  type UserGrantRecord,
  type UserExpectation,
  type UserPatch,
  type UserRecord,
} from './store.js';

/* Row shapes as both engines return them (SQLite booleans come back as 0/1). */
interface ClientRow {
  id: string;
  name: string;
  secret_hash: string | null;
  is_public: boolean | number;
  redirect_uris: string;
  grant_types: string;
  scopes: string | null;
  trusted: boolean | number;
  can_introspect: boolean | number;
  created_at: number;
}
interface UserRow {
  id: string;
  username: string;
  username_canonical: string;
  email: string;
  email_canonical: string;
  password_hash: string;
  enabled: boolean | number;
  awaiting_confirmation: boolean | number;
  roles: string;
  created_at: number;
  updated_at: number;
}
interface AccountTokenRow {
  token_hash: string;
  user_id: string;
  purpose: AccountTokenPurpose;
  created_at: number;
  expires_at: number;
  new_email: string | null;
}
interface AccessTokenRow {
  token_hash: string;
  jti: string | null;
  family_id: string;
  client_id: string;
  user_id: string | null;
  scope: string;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
}
interface RefreshTokenRow extends Omit<AccessTokenRow, 'jti'> {
  parent_hash: string | null;
  consumed_at: number | null;
  /** Null only for a row written by an older release after migration 10 ran: its issued_at then. */
  family_started_at: number | null;
  superseded_at: number | null;
}
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
}
interface SessionRow {
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}
interface SigningKeyRow {
  kid: string;
  algorithm: string;
  public_jwk: string;
  private_key_encrypted: string;
  created_at: number;
  retired_at: number | null;
  publish_until: number | null;
}
interface ConsentRow {
  user_id: string;
  client_id: string;
  scope: string;
  granted_at: number;
}

const toClient = (row: ClientRow): ClientRecord => ({
  id: row.id,
  name: row.name,
  secretHash: row.secret_hash,
  isPublic: Boolean(row.is_public),
  redirectUris: JSON.parse(row.redirect_uris) as string[],
  grantTypes: JSON.parse(row.grant_types) as string[],
  scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as string[]),
  trusted: Boolean(row.trusted),
  canIntrospect: Boolean(row.can_introspect),
  createdAt: row.created_at,
});

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  username: row.username,
  usernameCanonical: row.username_canonical,
  email: row.email,
  emailCanonical: row.email_canonical,
  passwordHash: row.password_hash,
  enabled: Boolean(row.enabled),
  awaitingConfirmation: Boolean(row.awaiting_confirmation),
  roles: JSON.parse(row.roles) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

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
});

const toAccessToken = (row: AccessTokenRow): AccessTokenRecord => ({ ...tokenFields(row), jti: row.jti });

const toRefreshToken = (row: RefreshTokenRow): RefreshTokenRecord => ({
  ...tokenFields(row),
  parentHash: row.parent_hash,
  familyStartedAt: row.family_started_at ?? row.issued_at,
  consumedAt: row.consumed_at,
});

const toSigningKey = (row: SigningKeyRow): SigningKeyRecord => ({
  kid: row.kid,
  algorithm: row.algorithm,
  publicJwk: row.public_jwk,
  privateKeyEncrypted: row.private_key_encrypted,
  createdAt: row.created_at,
  retiredAt: row.retired_at,
  publishUntil: row.publish_until,
});

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
});

const toSession = (row: SessionRow): SessionRecord => ({
  idHash: row.id_hash,
  userId: row.user_id,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

const toConsent = (row: ConsentRow): ConsentRecord => ({
  userId: row.user_id,
  clientId: row.client_id,
  scopes: row.scope.split(' ').filter(Boolean),
  grantedAt: row.granted_at,
});

const INSERT_ACCESS_TOKEN = `INSERT INTO access_tokens
  (token_hash, jti, family_id, client_id, user_id, scope, issued_at, expires_at, revoked_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`;
const INSERT_REFRESH_TOKEN = `INSERT INTO refresh_tokens
  (token_hash, family_id, parent_hash, client_id, user_id, scope, issued_at, expires_at, family_started_at, consumed_at, revoked_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`;

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
    INSERT INTO access_tokens (token_hash, jti, family_id, client_id, user_id, scope, issued_at, expires_at, revoked_at)
    SELECT ?, ?, ?, ?, ?, ?, ?::bigint, ?::bigint, NULL FROM consumed
  ), refresh AS (
    INSERT INTO refresh_tokens (token_hash, family_id, parent_hash, client_id, user_id, scope, issued_at, expires_at, family_started_at, consumed_at, revoked_at)
    SELECT ?, ?, ?, ?, ?, ?, ?::bigint, ?::bigint, ?::bigint, NULL, NULL FROM consumed
  )
  SELECT family_id FROM consumed`;

const accessTokenParams = (t: AccessTokenRecord) => [t.tokenHash, t.jti, t.familyId, t.clientId, t.userId, t.scope, t.issuedAt, t.expiresAt];
const refreshTokenParams = (t: RefreshTokenRecord) => [
  t.tokenHash, t.familyId, t.parentHash, t.clientId, t.userId, t.scope, t.issuedAt, t.expiresAt, t.familyStartedAt ?? t.issuedAt,
];

async function insertTokens(db: SqlExecutor, tokens: IssuedTokens): Promise<void> {
  await db.run(INSERT_ACCESS_TOKEN, accessTokenParams(tokens.accessToken));
  if (tokens.refreshToken) await db.run(INSERT_REFRESH_TOKEN, refreshTokenParams(tokens.refreshToken));
}

async function revokeFamilyWith(db: SqlExecutor, familyId: string, now: number): Promise<number> {
  const refresh = await db.run('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [now, familyId]);
  const access = await db.run('UPDATE access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [now, familyId]);
  return refresh + access;
}

/** The audit log's INSERT for 1, 10 and 100 rows, built once (each is also a prepared-statement cache key). */
const INSERT_AUDIT_EVENTS: Record<number, string> = Object.fromEntries(
  [1, 10, 100].map((rows) => [
    rows,
    `INSERT INTO audit_events (id, at, type, actor, user_id, username, client_id, address, details) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
  ]),
);

/**
 * The same for counted rows (AuditRecord.count): a row already stored under the id (another
 * flush or node counting the same source and window) adds the count and widens the times.
 */
const UPSERT_AUDIT_COUNTS: Record<number, string> = Object.fromEntries(
  [1, 10, 100].map((rows) => [
    rows,
    `INSERT INTO audit_events (id, at, type, actor, user_id, username, client_id, address, details, count, last_at) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
     ON CONFLICT (id) DO UPDATE SET
       count = audit_events.count + excluded.count,
       at = CASE WHEN excluded.at < audit_events.at THEN excluded.at ELSE audit_events.at END,
       last_at = CASE WHEN excluded.last_at > audit_events.last_at THEN excluded.last_at ELSE audit_events.last_at END`,
  ]),
);

/** The whole storage contract, written once in SQL both engines understand. */
export class SqlStore implements Store {
  private readonly clients: ClientCache | null;

  /** `clientCache` (default on): keep client records in memory, see ClientCache. */
  constructor(private readonly db: SqlDriver, options: { clientCache?: boolean } = {}) {
    this.clients = options.clientCache === false ? null : new ClientCache(db.watchClients());
  }

  /** Client lookups answered from memory so far (0 without a client cache). */
  get clientCacheHits(): number {
    return this.clients?.hits ?? 0;
  }

  get engine(): 'sqlite' | 'postgres' {
    return this.db.dialect;
  }

  /** The driver underneath, for engine-specific operations (tests, integrity checks). */
  get driver(): SqlDriver {
    return this.db;
  }

  async migrate(): Promise<number[]> {
    return this.db.withExclusiveLock('migrate', async () => {
      await this.db.script(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const applied = new Set(
        (await this.db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((row) => Number(row.version)),
      );
      const newlyApplied: number[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        const appliedHere = await this.db.transaction(async (tx) => {
          // Checked again under the write lock: SQLite's exclusive lock is a no-op, so another
          // connection may have applied it since the read above.
          if (await tx.get('SELECT 1 AS n FROM schema_migrations WHERE version = ?', [migration.version])) return false;
          await tx.script(migration.sql);
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
      if (newlyApplied.length > 0) await this.changeClients(async () => {});
      return newlyApplied;
    });
  }

  async ping(): Promise<void> {
    await this.db.get('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    await this.clients?.close();
    await this.db.close();
  }

  // --- clients -------------------------------------------------------------

  async findClient(id: string): Promise<ClientRecord | null> {
    return this.clients ? this.clients.find(id, () => this.readClient(id)) : this.readClient(id);
  }

  private async readClient(id: string): Promise<ClientRecord | null> {
    const row = await this.db.get<ClientRow>('SELECT * FROM clients WHERE id = ?', [id]);
    return row ? toClient(row) : null;
  }

  /**
   * Every change to an existing client goes through here: it commits only once no store
   * instance anywhere can answer from a cache filled before it (`rotate-secret` and `delete`
   * take effect at once on every node).
   */
  private async changeClients<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.clients?.invalidate();
    try {
      return await this.db.changeClients(fn);
    } finally {
      this.clients?.invalidate();
    }
  }

  async createClient(c: ClientRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO clients (id, name, secret_hash, is_public, redirect_uris, grant_types, scopes, trusted, can_introspect, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.id, c.name, c.secretHash, c.isPublic, JSON.stringify(c.redirectUris), JSON.stringify(c.grantTypes),
        c.scopes === null ? null : JSON.stringify(c.scopes), c.trusted, c.canIntrospect, c.createdAt],
    );
  }

  async listClients(): Promise<ClientRecord[]> {
    return (await this.db.all<ClientRow>('SELECT * FROM clients ORDER BY created_at, id')).map(toClient);
  }

  async deleteClient(id: string): Promise<boolean> {
    // Tokens and codes go with it (ON DELETE CASCADE).
    return (await this.changeClients((tx) => tx.run('DELETE FROM clients WHERE id = ?', [id]))) > 0;
  }

  async updateClientSecret(id: string, secretHash: string): Promise<boolean> {
    return (
      (await this.changeClients((tx) => tx.run('UPDATE clients SET secret_hash = ? WHERE id = ? AND is_public = ?', [secretHash, id, false]))) > 0
    );
  }

  // --- users ---------------------------------------------------------------

  async findUserById(id: string): Promise<UserRecord | null> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    return row ? toUser(row) : null;
  }

  async findUserByLogin(canonical: string): Promise<UserRecord | null> {
    // A username match wins over an e-mail match.
    const row =
      (await this.db.get<UserRow>('SELECT * FROM users WHERE username_canonical = ?', [canonical])) ??
      (await this.db.get<UserRow>('SELECT * FROM users WHERE email_canonical = ?', [canonical]));
    return row ? toUser(row) : null;
  }

  private duplicateUser(error: unknown): DuplicateUserError | null {
    const violated = this.db.uniqueViolation(error);
    if (violated === null) return null;
    return new DuplicateUserError(violated.includes('email') ? 'email' : 'username');
  }

  async createUser(u: UserRecord): Promise<void> {
    try {
      await this.db.run(
        `INSERT INTO users (id, username, username_canonical, email, email_canonical, password_hash, enabled, awaiting_confirmation,
           roles, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [u.id, u.username, u.usernameCanonical, u.email, u.emailCanonical, u.passwordHash, u.enabled, u.awaitingConfirmation,
          JSON.stringify(u.roles), u.createdAt, u.updatedAt],
      );
    } catch (error) {
      throw this.duplicateUser(error) ?? error;
    }
  }

  async updateUser(id: string, patch: UserPatch, now: number, expected: UserExpectation = {}): Promise<boolean> {
    return this.updateUserWith(this.db, id, patch, now, expected);
  }

  private async updateUserWith(tx: SqlExecutor, id: string, patch: UserPatch, now: number, expected: UserExpectation = {}): Promise<boolean> {
    const columns: Record<keyof UserPatch, string> = {
      username: 'username',
      usernameCanonical: 'username_canonical',
      email: 'email',
      emailCanonical: 'email_canonical',
      passwordHash: 'password_hash',
      enabled: 'enabled',
      awaitingConfirmation: 'awaiting_confirmation',
      roles: 'roles',
    };
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [key, column] of Object.entries(columns) as [keyof UserPatch, string][]) {
      if (patch[key] === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(key === 'roles' ? JSON.stringify(patch.roles) : patch[key]);
    }
    sets.push('updated_at = ?');
    params.push(now, id);
    const conditions = ['id = ?'];
    if (expected.awaitingConfirmation !== undefined) {
      conditions.push('awaiting_confirmation = ?');
      params.push(expected.awaitingConfirmation);
    }
    if (expected.passwordHash !== undefined) {
      conditions.push('password_hash = ?');
      params.push(expected.passwordHash);
    }
    try {
      return (await tx.run(`UPDATE users SET ${sets.join(', ')} WHERE ${conditions.join(' AND ')}`, params)) > 0;
    } catch (error) {
      throw this.duplicateUser(error) ?? error;
    }
  }

  async deleteUser(id: string): Promise<boolean> {
    // Tokens, codes, sessions and consents go with it (ON DELETE CASCADE).
    return (await this.db.run('DELETE FROM users WHERE id = ?', [id])) > 0;
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.db.all<UserRow>('SELECT * FROM users ORDER BY username_canonical')).map(toUser);
  }

  async updateUserRevoking(id: string, patch: UserPatch, now: number, revoke: AccountRevocation, expected: UserExpectation = {}): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!(await this.updateUserWith(tx, id, patch, now, expected))) return false;
      if (revoke.links) await tx.run('DELETE FROM account_tokens WHERE user_id = ?', [id]);
      if (revoke.sessions) await tx.run('DELETE FROM sessions WHERE user_id = ?', [id]);
      if (revoke.tokens) {
        await this.revokeUserTokens(tx, id, null, now);
        await tx.run('UPDATE authorization_codes SET consumed_at = ? WHERE user_id = ? AND consumed_at IS NULL', [now, id]);
      }
      return true;
    });
  }

  // --- confirmation and reset links ---------------------------------------------

  async issueAccountToken(t: AccountTokenRecord, notWithin: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // Locking the user's row queues concurrent requests for one account on every node, so
      // two of them cannot both find no recent token and both send an e-mail.
      const user = await tx.get<{ id: string }>(`SELECT id FROM users WHERE id = ?${this.db.forUpdate}`, [t.userId]);
      if (!user) return false;
      const recent = await tx.get<{ n: number }>(
        'SELECT COUNT(*) AS n FROM account_tokens WHERE user_id = ? AND purpose = ? AND created_at > ?',
        [t.userId, t.purpose, t.createdAt - notWithin],
      );
      if (Number(recent?.n ?? 0) > 0) return false;
      await tx.run('DELETE FROM account_tokens WHERE user_id = ? AND purpose = ?', [t.userId, t.purpose]);
      await tx.run('INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at, new_email) VALUES (?, ?, ?, ?, ?, ?)', [
        t.tokenHash, t.userId, t.purpose, t.createdAt, t.expiresAt, t.newEmail ?? null,
      ]);
      return true;
    });
  }

  async findAccountToken(tokenHash: string, purpose: AccountTokenPurpose, now: number): Promise<AccountTokenRecord | null> {
    const row = await this.db.get<AccountTokenRow>(
      'SELECT * FROM account_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ?',
      [tokenHash, purpose, now],
    );
    if (!row) return null;
    const token = { tokenHash: row.token_hash, userId: row.user_id, purpose: row.purpose, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) };
    return row.new_email === null || row.new_email === undefined ? token : { ...token, newEmail: row.new_email };
  }

  /** Deletes a usable token (single use: of two concurrent uses, one gets the row) and returns its user. */
  private async useAccountToken(tx: SqlExecutor, tokenHash: string, purpose: AccountTokenPurpose, now: number): Promise<string | null> {
    const row = await tx.get<{ user_id: string }>(
      'DELETE FROM account_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ? RETURNING user_id',
      [tokenHash, purpose, now],
    );
    return row?.user_id ?? null;
  }

  async confirmAccount(tokenHash: string, now: number, passwordHash: string): Promise<string | null> {
    return this.db.transaction(async (tx) => {
      const link = await tx.get<{ user_id: string }>(
        `SELECT user_id FROM account_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ?${this.db.forUpdate}`,
        [tokenHash, 'confirm', now],
      );
      if (!link) return null;
      // Only an account still awaiting confirmation is enabled (one an admin deactivated stays
      // off), and only with the password the confirming person gave (a sign-up that replaced it
      // in the meantime wins).
      const changed = await tx.run(
        'UPDATE users SET enabled = ?, awaiting_confirmation = ?, updated_at = ? WHERE id = ? AND awaiting_confirmation = ? AND password_hash = ?',
        [true, false, now, link.user_id, true, passwordHash],
      );
      if (changed === 0) return null;
      await tx.run('DELETE FROM account_tokens WHERE user_id = ? AND purpose = ?', [link.user_id, 'confirm']);
      return link.user_id;
    });
  }

  async resetPassword(tokenHash: string, passwordHash: string, now: number): Promise<string | null> {
    return this.db.transaction(async (tx) => {
      const userId = await this.useAccountToken(tx, tokenHash, 'reset', now);
      if (userId === null) return null;
      await tx.run('DELETE FROM account_tokens WHERE user_id = ? AND purpose = ?', [userId, 'reset']);
      await tx.run('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?', [passwordHash, now, userId]);
      await this.revokeUserTokens(tx, userId, null, now);
      // A code not yet exchanged would still buy tokens for whoever started that authorization.
      await tx.run('UPDATE authorization_codes SET consumed_at = ? WHERE user_id = ? AND consumed_at IS NULL', [now, userId]);
      await tx.run('DELETE FROM consents WHERE user_id = ?', [userId]);
      await tx.run('DELETE FROM sessions WHERE user_id = ?', [userId]);
      return userId;
    });
  }

  async changeEmail(tokenHash: string, change: { newEmail: string; emailCanonical: string; passwordHash: string }, now: number): Promise<EmailChangeOutcome> {
    try {
      return await this.db.transaction(async (tx): Promise<EmailChangeOutcome> => {
        const link = await tx.get<{ user_id: string }>(
          `SELECT user_id FROM account_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ? AND new_email = ?${this.db.forUpdate}`,
          [tokenHash, 'change_email', now, change.newEmail],
        );
        if (!link) return { kind: 'not-usable' };
        const user = await tx.get<{ email: string }>(
          `SELECT email FROM users WHERE id = ? AND enabled = ? AND password_hash = ?${this.db.forUpdate}`,
          [link.user_id, true, change.passwordHash],
        );
        if (!user) return { kind: 'not-usable' };
        // Taken by someone else since the link was sent (a login matches either column).
        const clash = await tx.get<{ id: string }>(
          'SELECT id FROM users WHERE (email_canonical = ? OR username_canonical = ?) AND id <> ?',
          [change.emailCanonical, change.emailCanonical, link.user_id],
        );
        if (!clash) {
          await tx.run('UPDATE users SET email = ?, email_canonical = ?, updated_at = ? WHERE id = ?', [change.newEmail, change.emailCanonical, now, link.user_id]);
        }
        // A changed address voids every link sent before (a reset link must not outlive the
        // address it went to); a refused change only uses up its own link.
        if (clash) await tx.run('DELETE FROM account_tokens WHERE user_id = ? AND purpose = ?', [link.user_id, 'change_email']);
        else await tx.run('DELETE FROM account_tokens WHERE user_id = ?', [link.user_id]);
        return clash ? { kind: 'address-taken' } : { kind: 'changed', userId: link.user_id, oldEmail: user.email };
      });
    } catch (error) {
      // Taken by a concurrent sign-up or change between the check and the update.
      if (this.db.uniqueViolation(error) !== null) return { kind: 'address-taken' };
      throw error;
    }
  }

  /** Revokes a user's live tokens (of one client, or of all with clientId null). Returns how many. */
  private async revokeUserTokens(tx: SqlExecutor, userId: string, clientId: string | null, now: number): Promise<number> {
    const byClient = clientId === null ? '' : ' AND client_id = ?';
    const params = clientId === null ? [now, userId] : [now, userId, clientId];
    return (
      (await tx.run(`UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL${byClient}`, params)) +
      (await tx.run(`UPDATE access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL${byClient}`, params))
    );
  }

  // --- the apps a user has let in ---------------------------------------------------

  async listUserGrants(userId: string, now: number): Promise<UserGrantRecord[]> {
    const grants = new Map<string, UserGrantRecord & { tokenScopes: Set<string> }>();
    const entry = (clientId: string, clientName: string) => {
      let grant = grants.get(clientId);
      if (!grant) {
        grant = { clientId, clientName, scopes: [], consentedAt: null, lastIssuedAt: null, liveTokens: 0, tokenScopes: new Set() };
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
      .map(({ tokenScopes, ...grant }) => ({ ...grant, scopes: grant.consentedAt === null ? [...tokenScopes].sort() : grant.scopes }))
      .sort((a, b) => a.clientName.localeCompare(b.clientName) || a.clientId.localeCompare(b.clientId));
  }

  async revokeUserGrant(userId: string, clientId: string, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const consents = await tx.run('DELETE FROM consents WHERE user_id = ? AND client_id = ?', [userId, clientId]);
      const tokens = await this.revokeUserTokens(tx, userId, clientId, now);
      // A code not yet exchanged would otherwise still buy tokens.
      const codes = await tx.run('UPDATE authorization_codes SET consumed_at = ? WHERE user_id = ? AND client_id = ? AND consumed_at IS NULL', [
        now, userId, clientId,
      ]);
      return consents + tokens + codes > 0;
    });
  }

  // --- tokens --------------------------------------------------------------

  async issueTokens(tokens: IssuedTokens): Promise<void> {
    const writes: Array<[string, unknown[]]> = [[INSERT_ACCESS_TOKEN, accessTokenParams(tokens.accessToken)]];
    if (tokens.refreshToken) writes.push([INSERT_REFRESH_TOKEN, refreshTokenParams(tokens.refreshToken)]);
    await this.db.writeAtomically(writes);
  }

  async revokeAccessToken(tokenHash: string, now: number): Promise<boolean> {
    return (await this.db.run('UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL', [now, tokenHash])) > 0;
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
      client_id: string; family_id: string; scope: string; user_id: string | null; family_started_at: number;
      enabled: boolean | number | null; username: string | null; roles: string | null;
    }>(
      `SELECT r.client_id, r.family_id, r.scope, r.user_id, COALESCE(r.family_started_at, r.issued_at) AS family_started_at,
         u.enabled, u.username, u.roles
       FROM refresh_tokens r LEFT JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?`,
      [tokenHash],
    );
    if (!row) return null;
    return {
      token: {
        clientId: row.client_id, familyId: row.family_id, scope: row.scope, userId: row.user_id, familyStartedAt: Number(row.family_started_at),
      },
      user: row.username === null ? null : { enabled: Boolean(row.enabled), username: row.username, roles: JSON.parse(row.roles!) as string[] },
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
        now, presentedHash, now, now,
        ...accessTokenParams(next.accessToken), ...refreshTokenParams(next.refreshToken),
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
      await tx.run('UPDATE access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [now, live.family_id]);
      await insertTokens(tx, next);
      return { kind: 'rotated' };
    });
  }

  private async rotateLocked(tx: SqlExecutor, { presentedHash, now, gracePeriod, next }: RotationRequest): Promise<RotationOutcome> {
    // Lock the presented token's row: concurrent rotations of it queue here, on every node.
    const row = await tx.get<RefreshTokenRow>(`SELECT * FROM refresh_tokens WHERE token_hash = ?${this.db.forUpdate}`, [presentedHash]);
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
      await tx.run('UPDATE access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [now, row.family_id]);
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
        await tx.run('UPDATE refresh_tokens SET revoked_at = ?, superseded_at = ? WHERE parent_hash = ? AND revoked_at IS NULL', [
          now, now, presentedHash,
        ]);
        await tx.run('UPDATE access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', [now, row.family_id]);
        await insertTokens(tx, next);
        return { kind: 'reissued-in-grace' };
      }
    }

    // RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole family.
    return this.reuse(tx, row.family_id, now);
  }

  private async reuse(tx: SqlExecutor, familyId: string, now: number): Promise<RotationOutcome & { kind: 'reuse-detected' }> {
    await revokeFamilyWith(tx, familyId, now);
    return { kind: 'reuse-detected', familyId };
  }

  async refuseForeignRefreshToken(tokenHash: string, now: number): Promise<Extract<RotationOutcome, { kind: 'reuse-detected' | 'invalid' }>> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<RefreshTokenRow>(`SELECT * FROM refresh_tokens WHERE token_hash = ?${this.db.forUpdate}`, [tokenHash]);
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

  // --- authorization codes ------------------------------------------------------

  async saveAuthorizationCode(c: AuthorizationCodeRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO authorization_codes (code_hash, family_id, client_id, user_id, redirect_uri, redirect_uri_given, scope,
        code_challenge, code_challenge_method, issued_at, expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.codeHash, c.familyId, c.clientId, c.userId, c.redirectUri, c.redirectUriGiven, c.scope, c.codeChallenge,
        c.codeChallengeMethod, c.issuedAt, c.expiresAt, c.consumedAt],
    );
  }

  async findAuthorizationCode(codeHash: string): Promise<AuthorizationCodeRecord | null> {
    const row = await this.db.get<AuthorizationCodeRow>('SELECT * FROM authorization_codes WHERE code_hash = ?', [codeHash]);
    return row ? toAuthorizationCode(row) : null;
  }

  async redeemAuthorizationCode(codeHash: string, now: number, tokens: IssuedTokens): Promise<RedemptionOutcome> {
    return this.db.transaction(async (tx): Promise<RedemptionOutcome> => {
      // Lock the code's row: concurrent exchanges of one code queue here, on every node.
      const row = await tx.get<AuthorizationCodeRow>(`SELECT * FROM authorization_codes WHERE code_hash = ?${this.db.forUpdate}`, [codeHash]);
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

  // --- sessions and consents -------------------------------------------------------

  async createSession(session: SessionRecord): Promise<void> {
    await this.db.run('INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [
      session.idHash, session.userId, session.createdAt, session.expiresAt,
    ]);
  }

  async findSession(idHash: string): Promise<SessionRecord | null> {
    const row = await this.db.get<SessionRow>('SELECT * FROM sessions WHERE id_hash = ?', [idHash]);
    return row ? toSession(row) : null;
  }

  async deleteSession(idHash: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM sessions WHERE id_hash = ?', [idHash])) > 0;
  }

  async deleteUserSessions(userId: string): Promise<number> {
    return this.db.run('DELETE FROM sessions WHERE user_id = ?', [userId]);
  }

  async findConsent(userId: string, clientId: string): Promise<ConsentRecord | null> {
    const row = await this.db.get<ConsentRow>('SELECT * FROM consents WHERE user_id = ? AND client_id = ?', [userId, clientId]);
    return row ? toConsent(row) : null;
  }

  async saveConsent(c: ConsentRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO consents (user_id, client_id, scope, granted_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at`,
      [c.userId, c.clientId, c.scopes.join(' '), c.grantedAt],
    );
  }

  // --- pending authorization requests (src/storage/sql/pending-authorizations.ts) ---------

  savePendingAuthorization(record: PendingAuthorizationRecord, limits: PendingAuthorizationLimits): Promise<void> {
    return savePendingAuthorization(this.db, record, limits);
  }

  findPendingSignIn(idHash: string, csrfHash: string, now: number): Promise<PendingAuthorizationRecord | null> {
    return findPendingSignIn(this.db, idHash, csrfHash, now);
  }

  takePendingAuthorization(idHash: string, sessionHash: string, csrfHash: string, now: number): Promise<PendingAuthorizationRecord | null> {
    return takePendingAuthorization(this.db, idHash, sessionHash, csrfHash, now);
  }

  // --- signing keys -------------------------------------------------------------

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    // Newest first: the current key, then retired keys by when they were retired (a second's
    // resolution cannot tell apart keys created in the same second; retirement order can).
    return (
      await this.db.all<SigningKeyRow>(
        'SELECT * FROM signing_keys ORDER BY CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END DESC, retired_at DESC, created_at DESC, kid DESC',
      )
    ).map(toSigningKey);
  }

  async addSigningKey(k: SigningKeyRecord, retired: { retireAt: number; publishUntil: number }): Promise<void> {
    // The lock makes concurrent rotations queue (READ COMMITTED alone would let each miss the
    // other's new key and leave several current keys).
    await this.db.withExclusiveLock('signing-keys', () =>
      this.db.transaction(async (tx) => {
        // Every key that would still sign after retireAt stops then: the current key, and (for
        // an immediate rotation) one still in its last seconds or one waiting its turn.
        await tx.run('UPDATE signing_keys SET retired_at = ?, publish_until = ? WHERE retired_at IS NULL OR retired_at > ?', [
          retired.retireAt,
          retired.publishUntil,
          retired.retireAt,
        ]);
        await tx.run(
          `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [k.kid, k.algorithm, k.publicJwk, k.privateKeyEncrypted, k.createdAt, k.retiredAt, k.publishUntil],
        );
      }),
    );
  }

  async addFirstSigningKey(k: SigningKeyRecord): Promise<boolean> {
    return this.db.withExclusiveLock('signing-keys', () =>
      this.db.transaction(async (tx) => {
        // Inside the (write) transaction: SQLite's BEGIN IMMEDIATE and PostgreSQL's advisory lock
        // both make this check and the insert one step for every process.
        if (await tx.get('SELECT 1 AS n FROM signing_keys WHERE retired_at IS NULL OR retired_at > ?', [k.createdAt])) return false;
        await tx.run(
          `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
           VALUES (?, ?, ?, ?, ?, NULL, NULL)`,
          [k.kid, k.algorithm, k.publicJwk, k.privateKeyEncrypted, k.createdAt],
        );
        return true;
      }),
    );
  }

  // --- throttling -------------------------------------------------------------------

  async blockedUntil(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const row = await this.db.get<{ until: number | null }>(
      `SELECT MAX(blocked_until) AS until FROM throttles WHERE throttle_key IN (${keys.map(() => '?').join(', ')})`,
      [...keys],
    );
    return Number(row?.until ?? 0);
  }

  async readThrottles(keys: readonly string[], windowStart: number): Promise<ThrottleState[]> {
    if (keys.length === 0) return [];
    const rows = await this.db.all<{ throttle_key: string; failures: number; last_failure_at: number; blocked_until: number }>(
      `SELECT throttle_key, failures, last_failure_at, blocked_until FROM throttles WHERE throttle_key IN (${keys.map(() => '?').join(', ')})`,
      [...keys],
    );
    const byKey = new Map(rows.map((row) => [row.throttle_key, row]));
    return keys.map((key) => {
      const row = byKey.get(key);
      if (!row) return { failures: 0, blockedUntil: 0 };
      return { failures: Number(row.last_failure_at) < windowStart ? 0 : Number(row.failures), blockedUntil: Number(row.blocked_until) };
    });
  }

  async countAttempt(
    counters: ReadonlyArray<{ key: string; rule: BlockRule }>,
    now: number,
    windowStart: number,
  ): Promise<number> {
    // A request that is blocked already writes nothing: a plain read first (most requests of a
    // flood arrive while blocked), and the check again under the locks below for the race.
    const blocked = await this.blockedUntil(counters.map((counter) => counter.key));
    if (blocked > now) return blocked;
    // In key order throughout, so two attempts sharing counters never wait on each other crosswise.
    const ordered = [...counters].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.db.transaction(async (tx) => {
      // Create each counter if it is new, and lock it either way: a SELECT … FOR UPDATE would
      // lock only the counters that exist, letting concurrent first attempts all through.
      let blockedUntil = 0;
      for (const counter of ordered) {
        const row = await tx.get<{ blocked_until: number }>(
          `INSERT INTO throttles (throttle_key, failures, last_failure_at, blocked_until) VALUES (?, 0, 0, 0)
           ON CONFLICT (throttle_key) DO UPDATE SET failures = throttles.failures
           RETURNING blocked_until`,
          [counter.key],
        );
        blockedUntil = Math.max(blockedUntil, Number(row!.blocked_until));
      }
      if (blockedUntil > now) return blockedUntil;
      for (const counter of ordered) await this.incrementFailures(tx, counter.key, now, windowStart, counter.rule);
      return 0;
    });
  }

  async recordFailure(key: string, now: number, windowStart: number, rule: BlockRule): Promise<number> {
    return this.db.transaction((tx) => this.incrementFailures(tx, key, now, windowStart, rule));
  }

  private async incrementFailures(
    tx: SqlExecutor,
    key: string,
    now: number,
    windowStart: number,
    rule: BlockRule,
  ): Promise<number> {
    const row = await tx.get<{ failures: number }>(
      `INSERT INTO throttles (throttle_key, failures, last_failure_at, blocked_until) VALUES (?, 1, ?, 0)
       ON CONFLICT (throttle_key) DO UPDATE SET
         failures = CASE WHEN throttles.last_failure_at < ? THEN 1 ELSE throttles.failures + 1 END,
         last_failure_at = excluded.last_failure_at
       RETURNING failures`,
      [key, now, windowStart],
    );
    const failures = Number(row!.failures);
    const seconds = blockSeconds(failures, rule);
    if (seconds > 0) await tx.run('UPDATE throttles SET blocked_until = ? WHERE throttle_key = ?', [now + seconds, key]);
    return failures;
  }

  async clearThrottles(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.run(`DELETE FROM throttles WHERE throttle_key IN (${keys.map(() => '?').join(', ')})`, [...keys]);
  }

  // --- trusted devices (device cookies, known accounts) ---------------------------------

  findTrustedDevice(idHash: string, now: number): Promise<TrustedDeviceRecord | null> {
    return findTrustedDevice(this.db, idHash, now);
  }

  saveTrustedDevice(device: TrustedDeviceRecord, keepNewest: number): Promise<void> {
    return saveTrustedDevice((fn) => this.db.transaction(fn), device, keepNewest);
  }

  // --- maintenance -----------------------------------------------------------

  // --- the audit log -----------------------------------------------------------------

  async appendAuditEvents(records: readonly AuditRecord[]): Promise<void> {
    const statements: Array<readonly [string, unknown[]]> = [];
    // Single events are inserted; counted rows are added to a row of the same id if there is one
    // (those of one call merged first: one statement may not update a row twice in PostgreSQL).
    const counts = new Map<string, AuditRecord>();
    for (const r of records) {
      if (r.count === undefined) continue;
      const seen = counts.get(r.id);
      if (!seen) counts.set(r.id, { ...r, lastAt: r.lastAt ?? r.at });
      else Object.assign(seen, { count: seen.count! + r.count, at: Math.min(seen.at, r.at), lastAt: Math.max(seen.lastAt!, r.lastAt ?? r.at) });
    }
    for (const [rows, counted] of [[records.filter((r) => r.count === undefined), false], [[...counts.values()], true]] as const) {
      const width = counted ? 11 : 9;
      // A few fixed statement sizes (100, 10, 1 rows): many rows per round trip, and few distinct
      // statements for PostgreSQL to prepare.
      for (let start = 0; start < rows.length; ) {
        const size = [100, 10, 1].find((n) => rows.length - start >= n)!;
        const params: unknown[] = new Array(size * width);
        for (let i = 0; i < size; i++) {
          const r = rows[start + i]!;
          params[i * width] = r.id;
          params[i * width + 1] = r.at;
          params[i * width + 2] = r.type;
          params[i * width + 3] = r.actor;
          params[i * width + 4] = r.userId;
          params[i * width + 5] = r.username;
          params[i * width + 6] = r.clientId;
          params[i * width + 7] = r.address;
          params[i * width + 8] = r.details === null ? null : JSON.stringify(r.details);
          if (counted) {
            params[i * width + 9] = r.count;
            params[i * width + 10] = r.lastAt ?? r.at;
          }
        }
        statements.push([(counted ? UPSERT_AUDIT_COUNTS : INSERT_AUDIT_EVENTS)[size]!, params]);
        start += size;
      }
    }
    await this.db.writeAtomically(statements);
  }

  async listAuditEvents(filter: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.since !== undefined) (where.push('at >= ?'), params.push(filter.since));
    if (filter.userId !== undefined) (where.push('user_id = ?'), params.push(filter.userId));
    if (filter.clientId !== undefined) (where.push('client_id = ?'), params.push(filter.clientId));
    if (filter.type !== undefined) {
      if (filter.type.endsWith('.')) (where.push('substr(type, 1, ?) = ?'), params.push(filter.type.length, filter.type));
      else (where.push('type = ?'), params.push(filter.type));
    }
    const rows = await this.db.all<{
      id: string; at: number; type: string; actor: string; user_id: string | null; username: string | null;
      client_id: string | null; address: string | null; details: string | null; count: number | string; last_at: number | string | null;
    }>(
      `SELECT id, at, type, actor, user_id, username, client_id, address, details, count, last_at FROM audit_events
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`,
      [...params, filter.limit],
    );
    return rows.reverse().map((row) => ({
      id: row.id,
      at: Number(row.at),
      type: row.type,
      actor: row.actor,
      userId: row.user_id,
      username: row.username,
      clientId: row.client_id,
      address: row.address,
      details: row.details === null ? null : (JSON.parse(row.details) as Record<string, string>),
      ...(row.last_at === null ? {} : { count: Number(row.count), lastAt: Number(row.last_at) }),
    }));
  }

  async deleteAuditEvents(before: number, batchSize = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.db.run('DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ? LIMIT ?)', [before, batchSize]);
      total += deleted;
      if (deleted < batchSize) return total;
    }
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
      signingKeys: await this.db.run('DELETE FROM signing_keys WHERE publish_until IS NOT NULL AND publish_until <= ?', [now]),
      // A counter without a failure for a day is forgotten (its window is far shorter).
      throttles: await this.db.run('DELETE FROM throttles WHERE last_failure_at <= ? AND blocked_until <= ?', [now - 86_400, now]),
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
    }));
  }
}
