import type { SqlDriver } from '../driver.js';
import type { NewSession, SessionRecord, SessionStore } from '../store.js';

/** Browser sign-in sessions (SessionStore), stored by the hash of their id. */

interface SessionRow {
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  sid: string;
  auth_time: number | string;
}

const toSession = (row: SessionRow): SessionRecord => ({
  idHash: row.id_hash,
  userId: row.user_id,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  sid: row.sid,
  authTime: Number(row.auth_time),
});

export class SqlSessions implements SessionStore {
  constructor(private readonly db: SqlDriver) {}

  async createSession(session: NewSession): Promise<void> {
    await this.db.run(
      'INSERT INTO sessions (id_hash, user_id, created_at, expires_at, sid, auth_time) VALUES (?, ?, ?, ?, ?, ?)',
      [
        session.idHash,
        session.userId,
        session.createdAt,
        session.expiresAt,
        session.sid ?? session.idHash,
        session.authTime ?? session.createdAt,
      ],
    );
  }

  async findSessionsBySid(sid: string): Promise<SessionRecord[]> {
    return (await this.db.all<SessionRow>('SELECT * FROM sessions WHERE sid = ?', [sid])).map(toSession);
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
}
