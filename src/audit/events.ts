/**
 * What happened to a user account, for the audit log (issue 6) and the server's log. Emitted
 * by UserAccounts (CLI) and by the account pages. Never carries a password, token or link.
 */
export type AccountEventType =
  | 'user.created'
  | 'user.registered'
  | 'user.confirmed'
  | 'user.activated'
  | 'user.deactivated'
  | 'user.promoted'
  | 'user.demoted'
  | 'user.password_changed'
  | 'user.reset_requested'
  | 'user.password_reset'
  | 'user.profile_updated'
  | 'user.grant_revoked'
  | 'user.deleted';

export interface AccountEvent {
  type: AccountEventType;
  userId: string;
  username: string;
  /** Who did it: an administrator at the command line, or the user on the account pages. */
  actor: 'admin' | 'user';
  /** Seconds since the epoch. */
  at: number;
  /** The client's address, for events from the pages. */
  address?: string;
  /** Safe details: the role promoted to, the client whose access was revoked, the fields changed. */
  details?: Record<string, string>;
}

export type AccountEventListener = (event: AccountEvent) => void;

/** A tiny synchronous event bus: a failing listener is reported, never breaks the action. */
export class AccountEvents {
  private readonly listeners = new Set<AccountEventListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  on(listener: AccountEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AccountEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
