import type { SqlDriver, SqlExecutor } from '../driver.js';
import {
  DuplicateUserError,
  type AccountRevocation,
  type UserExpectation,
  type UserPatch,
  type UserRecord,
  type UserStore,
} from '../store.js';
import { revokeUserTokens } from './token-writes.js';

/** User accounts (UserStore). */

/* SQLite booleans come back as 0/1. */
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
  display_name: string | null;
  email_verified: boolean | number;
}

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
  displayName: row.display_name,
  emailVerified: Boolean(row.email_verified),
});

export class SqlUsers implements UserStore {
  constructor(private readonly db: SqlDriver) {}

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
           roles, created_at, updated_at, display_name, email_verified)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          u.id,
          u.username,
          u.usernameCanonical,
          u.email,
          u.emailCanonical,
          u.passwordHash,
          u.enabled,
          u.awaitingConfirmation,
          JSON.stringify(u.roles),
          u.createdAt,
          u.updatedAt,
          u.displayName ?? null,
          u.emailVerified ?? false,
        ],
      );
    } catch (error) {
      throw this.duplicateUser(error) ?? error;
    }
  }

  async updateUser(id: string, patch: UserPatch, now: number, expected: UserExpectation = {}): Promise<boolean> {
    return this.updateUserWith(this.db, id, patch, now, expected);
  }

  private async updateUserWith(
    tx: SqlExecutor,
    id: string,
    patch: UserPatch,
    now: number,
    expected: UserExpectation = {},
  ): Promise<boolean> {
    const columns: Record<keyof UserPatch, string> = {
      username: 'username',
      usernameCanonical: 'username_canonical',
      email: 'email',
      emailCanonical: 'email_canonical',
      passwordHash: 'password_hash',
      enabled: 'enabled',
      awaitingConfirmation: 'awaiting_confirmation',
      roles: 'roles',
      displayName: 'display_name',
      emailVerified: 'email_verified',
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

  async updateUserRevoking(
    id: string,
    patch: UserPatch,
    now: number,
    revoke: AccountRevocation,
    expected: UserExpectation = {},
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!(await this.updateUserWith(tx, id, patch, now, expected))) return false;
      if (revoke.links) await tx.run('DELETE FROM account_tokens WHERE user_id = ?', [id]);
      if (revoke.sessions) await tx.run('DELETE FROM sessions WHERE user_id = ?', [id]);
      if (revoke.tokens) {
        await revokeUserTokens(tx, id, null, now);
        await tx.run('UPDATE authorization_codes SET consumed_at = ? WHERE user_id = ? AND consumed_at IS NULL', [
          now,
          id,
        ]);
      }
      return true;
    });
  }
}
