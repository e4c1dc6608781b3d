import type { SqlDriver, SqlExecutor } from '../driver.js';
import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenStore, EmailChangeOutcome } from '../store.js';
import { revokeUserTokens } from './token-writes.js';

/** Confirmation, reset and e-mail change links (AccountTokenStore), and what using one changes. */

interface AccountTokenRow {
  token_hash: string;
  user_id: string;
  purpose: AccountTokenPurpose;
  created_at: number;
  expires_at: number;
  new_email: string | null;
}

export class SqlAccountTokens implements AccountTokenStore {
  constructor(private readonly db: SqlDriver) {}

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
      await tx.run(
        'INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at, new_email) VALUES (?, ?, ?, ?, ?, ?)',
        [t.tokenHash, t.userId, t.purpose, t.createdAt, t.expiresAt, t.newEmail ?? null],
      );
      return true;
    });
  }

  async findAccountToken(
    tokenHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null> {
    const row = await this.db.get<AccountTokenRow>(
      'SELECT * FROM account_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ?',
      [tokenHash, purpose, now],
    );
    if (!row) return null;
    const token = {
      tokenHash: row.token_hash,
      userId: row.user_id,
      purpose: row.purpose,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
    return row.new_email === null || row.new_email === undefined ? token : { ...token, newEmail: row.new_email };
  }

  /** Deletes a usable token (single use: of two concurrent uses, one gets the row) and returns its user. */
  private async useAccountToken(
    tx: SqlExecutor,
    tokenHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<string | null> {
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
        // The link went to the account's address: following it proves the address (OIDC email_verified).
        'UPDATE users SET enabled = ?, awaiting_confirmation = ?, email_verified = ?, updated_at = ? WHERE id = ? AND awaiting_confirmation = ? AND password_hash = ?',
        [true, false, true, now, link.user_id, true, passwordHash],
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
      await revokeUserTokens(tx, userId, null, now);
      // A code not yet exchanged would still buy tokens for whoever started that authorization.
      await tx.run('UPDATE authorization_codes SET consumed_at = ? WHERE user_id = ? AND consumed_at IS NULL', [
        now,
        userId,
      ]);
      await tx.run('DELETE FROM consents WHERE user_id = ?', [userId]);
      await tx.run('DELETE FROM sessions WHERE user_id = ?', [userId]);
      return userId;
    });
  }

  async changeEmail(
    tokenHash: string,
    change: { newEmail: string; emailCanonical: string; passwordHash: string },
    now: number,
  ): Promise<EmailChangeOutcome> {
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
          // The link went to the new address: it is verified.
          await tx.run(
            'UPDATE users SET email = ?, email_canonical = ?, email_verified = ?, updated_at = ? WHERE id = ?',
            [change.newEmail, change.emailCanonical, true, now, link.user_id],
          );
        }
        // A changed address voids every link sent before (a reset link must not outlive the
        // address it went to); a refused change only uses up its own link.
        if (clash)
          await tx.run('DELETE FROM account_tokens WHERE user_id = ? AND purpose = ?', [link.user_id, 'change_email']);
        else await tx.run('DELETE FROM account_tokens WHERE user_id = ?', [link.user_id]);
        return clash ? { kind: 'address-taken' } : { kind: 'changed', userId: link.user_id, oldEmail: user.email };
      });
    } catch (error) {
      // Taken by a concurrent sign-up or change between the check and the update.
      if (this.db.uniqueViolation(error) !== null) return { kind: 'address-taken' };
      throw error;
    }
  }
}
