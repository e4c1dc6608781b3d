import type { Clock, IdSource } from '../core/clock.js';
import { hashSecret } from '../core/secrets.js';
import type { SessionRecord, SessionStore, UserRecord, UserStore } from '../storage/store.js';

export interface ActiveSession {
  session: SessionRecord;
  user: UserRecord;
}

/**
 * Told when a browser session ends by sign-out or by another user signing in over it (not by
 * expiry): OpenID Connect logout ends the grants tied to it and notifies clients (Back-Channel Logout).
 */
export type SessionEndListener = (session: SessionRecord) => Promise<void> | void;

export interface StartedSession {
  /** The cookie value: a 256-bit secret the database knows only as a hash. */
  cookieValue: string;
  session: SessionRecord;
}

/**
 * Browser sign-in sessions, kept in the database so any node can serve any request.
 * A session lasts `lifetime` seconds from sign-in; it ends early on sign-out, when the user
 * is deactivated or deleted, and (issue 5) when the password is reset.
 */
export class Sessions {
  constructor(
    private readonly store: SessionStore & Pick<UserStore, 'findUserById'>,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly lifetime: number,
    private readonly ended: SessionEndListener = () => {},
  ) {}

  /**
   * Signs the user in with a new session id, ending the session the browser had before (so a
   * session id planted before sign-in is worthless: session fixation). The same user signing in
   * again (prompt=login, max_age) keeps the session's sid, so the clients signed in through it
   * stay tied to it, with a new auth_time; another user's sign-in ends the old session.
   */
  async start(userId: string, previousCookieValue?: string): Promise<StartedSession> {
    const previous =
      previousCookieValue && previousCookieValue.length <= 100
        ? await this.store.findSession(hashSecret(previousCookieValue))
        : null;
    if (previous) await this.store.deleteSession(previous.idHash);
    const live = previous !== null && previous.expiresAt > this.clock.now();
    const sameUser = live && previous.userId === userId;
    if (previous && live && !sameUser) await this.ended(previous);
    const cookieValue = this.ids.secret();
    const now = this.clock.now();
    const session: SessionRecord = {
      idHash: hashSecret(cookieValue),
      userId,
      createdAt: sameUser ? previous.createdAt : now,
      expiresAt: now + this.lifetime,
      sid: sameUser ? previous.sid : this.ids.id(),
      authTime: now,
    };
    await this.store.createSession(session);
    return { cookieValue, session };
  }

  /** The signed-in user behind a cookie, or null when the session is unknown, expired or its user inactive. */
  async resume(cookieValue: string | undefined): Promise<ActiveSession | null> {
    if (!cookieValue || cookieValue.length > 100) return null;
    const session = await this.store.findSession(hashSecret(cookieValue));
    if (!session) return null;
    if (session.expiresAt <= this.clock.now()) {
      await this.store.deleteSession(session.idHash);
      return null;
    }
    const user = await this.store.findUserById(session.userId);
    if (!user?.enabled) {
      await this.store.deleteSession(session.idHash);
      return null;
    }
    return { session, user };
  }

  /** Signs the browser out; the session's clients are told (SessionEndListener). */
  async end(cookieValue: string | undefined): Promise<void> {
    if (!cookieValue || cookieValue.length > 100) return;
    const session = await this.store.findSession(hashSecret(cookieValue));
    if (session && (await this.store.deleteSession(session.idHash))) await this.ended(session);
  }
}
