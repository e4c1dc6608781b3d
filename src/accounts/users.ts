import { cryptoIds, systemClock, type Clock, type IdSource } from '../core/clock.js';
import { DuplicateUserError, type UserPatch, type UserRecord, type UserStore } from '../storage/store.js';
import {
  canonicalize,
  displayNameProblem,
  emailProblem,
  normalizeDisplayName,
  normalizeUsername,
  usernameProblem,
} from './canonical.js';
import { SecurityEvents, type AccountEventType } from '../audit/events.js';
import {
  argon2Passwords,
  DEFAULT_PASSWORD_POLICY,
  passwordProblem,
  type PasswordHasher,
  type PasswordPolicy,
} from './passwords.js';
import { isReservation, RESERVATION_NOT_ACTIVATED } from './sign-up-reservation.js';
import type { AccountRevocation } from '../storage/store.js';

/** A rule a user record broke (duplicate, bad e-mail, weak password): the caller's input is at fault. */
export class AccountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

export interface NewUser {
  username: string;
  email: string;
  password: string;
  roles?: string[];
  enabled?: boolean;
  /** OIDC `name`. */
  displayName?: string;
  /** An administrator vouches for the address (OIDC `email_verified`); otherwise it is not verified. */
  emailVerified?: boolean;
}

/** An administrator's change of a user's profile (`user update`); what is absent stays. */
export interface UserChange {
  /** '' clears it. */
  displayName?: string;
  /** A new address is not verified unless `emailVerified` says so in the same change. */
  email?: string;
  emailVerified?: boolean;
}

const ROLE = /^ROLE_[A-Z0-9_]+$/;

export function normalizeRole(role: string): string {
  const upper = role.toUpperCase();
  const named = upper.startsWith('ROLE_') ? upper : `ROLE_${upper}`;
  if (!ROLE.test(named)) throw new AccountError(`role "${role}" must be letters, digits and "_" (e.g. ROLE_ADMIN)`);
  return named;
}

export type AccountField = 'username' | 'email' | 'password';

/** A rule a new or changed account breaks, with the field at fault. */
export interface FieldProblem {
  field: AccountField;
  message: string;
  /** The username or e-mail belongs to another account (rather than being malformed). */
  taken?: boolean;
}

/**
 * The rules for a username and e-mail (free, well-formed) and, when given, a password (the
 * policy). `self` is the account being edited, which may keep its own name and address.
 */
export async function newUserProblem(
  store: Pick<UserStore, 'findUserByLogin'>,
  input: { username: string; email: string; password?: string },
  policy: PasswordPolicy,
  self?: { id: string },
): Promise<FieldProblem | null> {
  const formProblem =
    fieldProblem('username', usernameProblem(input.username)) ??
    fieldProblem('email', emailProblem(input.email)) ??
    (input.password === undefined
      ? null
      : fieldProblem(
          'password',
          passwordProblem(input.password, input as { username: string; email: string }, policy),
        ));
  if (formProblem) return formProblem;
  const usernameCanonical = canonicalize(input.username);
  const emailCanonical = canonicalize(input.email);
  // A username may not be someone else's e-mail (or the reverse): logins accept either.
  for (const canonical of [usernameCanonical, emailCanonical]) {
    const clash = await store.findUserByLogin(canonical);
    if (!clash || clash.id === self?.id) continue;
    const field =
      clash.usernameCanonical === usernameCanonical || clash.emailCanonical === usernameCanonical
        ? 'username'
        : 'email';
    const message =
      field === 'username'
        ? 'a user with this username already exists'
        : 'a user with this e-mail address already exists';
    return { field, message, taken: true };
  }
  return null;
}

const fieldProblem = (field: AccountField, message: string | null): FieldProblem | null =>
  message ? { field, message } : null;

/**
 * What an administrator's deactivation or password change ends, as a password reset does:
 * sessions, access and refresh tokens, unused codes, e-mailed links. Consents are kept: they are
 * the user's own choices, grant nothing without a new sign-in (which the change now controls),
 * and forgetting them would make the user allow every app again for an administrator's action.
 */
const REVOKE_ALL: AccountRevocation = { links: true, sessions: true, tokens: true };

/** User management by an administrator (the CLI); every change is announced on `events`. */
export interface UserAccountsOptions {
  clock?: Clock;
  ids?: IdSource;
  passwordPolicy?: PasswordPolicy;
  /** Where account changes are announced (a new bus when absent). */
  events?: SecurityEvents;
  /** argon2id at production cost unless the composition root (or a test harness) brings another. */
  passwords?: PasswordHasher;
}

export class UserAccounts {
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly passwordPolicy: PasswordPolicy;
  private readonly passwords: PasswordHasher;
  readonly events: SecurityEvents;

  constructor(
    private readonly store: UserStore,
    options: UserAccountsOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? cryptoIds;
    this.passwordPolicy = options.passwordPolicy ?? DEFAULT_PASSWORD_POLICY;
    this.events = options.events ?? new SecurityEvents();
    this.passwords = options.passwords ?? argon2Passwords;
  }

  private announce(type: AccountEventType, user: UserRecord, details?: Record<string, string>): void {
    this.events.emit({
      type,
      userId: user.id,
      username: user.username,
      actor: 'admin',
      at: this.clock.now(),
      ...(details ? { details } : {}),
    });
  }

  async create(input: NewUser): Promise<UserRecord> {
    const problem = await newUserProblem(this.store, input, this.passwordPolicy);
    if (problem) throw new AccountError(problem.message);
    const nameProblem = input.displayName === undefined ? null : displayNameProblem(input.displayName);
    if (nameProblem) throw new AccountError(nameProblem);
    // Stored as NFKC: what is shown is what was checked (a fullwidth name is kept in plain letters).
    const username = normalizeUsername(input.username);
    const usernameCanonical = canonicalize(username);
    const emailCanonical = canonicalize(input.email);
    const now = this.clock.now();
    const user: UserRecord = {
      id: this.ids.id(),
      username,
      usernameCanonical,
      email: input.email,
      emailCanonical,
      passwordHash: await this.passwords.hash(input.password),
      enabled: input.enabled ?? true,
      awaitingConfirmation: false,
      roles: [...new Set((input.roles ?? []).map(normalizeRole))],
      createdAt: now,
      updatedAt: now,
      displayName: input.displayName === undefined ? null : normalizeDisplayName(input.displayName),
      emailVerified: input.emailVerified ?? false,
    };
    try {
      await this.store.createUser(user);
    } catch (error) {
      if (error instanceof DuplicateUserError) throw new AccountError(error.message);
      throw error;
    }
    this.announce('user.created', user);
    return user;
  }

  async find(login: string): Promise<UserRecord> {
    const user = await this.store.findUserByLogin(canonicalize(login));
    if (!user) throw new AccountError(`no user "${login}"`);
    return user;
  }

  /**
   * An administrator's switch. Either way the account no longer awaits e-mail confirmation:
   * activating stands in for it, and a deactivated account must never be re-enabled by a
   * confirmation link still in someone's mailbox.
   */
  async setEnabled(login: string, enabled: boolean): Promise<UserRecord> {
    const user = await this.find(login);
    if (enabled && isReservation(user)) throw new AccountError(RESERVATION_NOT_ACTIVATED);
    // Deactivating signs the user out everywhere (see REVOKE_ALL), so nothing revives when the
    // account is turned back on; activating a disabled account does the same for accounts
    // deactivated by older versions, which left sessions and tokens in place.
    const revoke = enabled && user.enabled ? {} : REVOKE_ALL;
    await this.store.updateUserRevoking(user.id, { enabled, awaitingConfirmation: false }, this.clock.now(), revoke);
    this.announce(enabled ? 'user.activated' : 'user.deactivated', user);
    return { ...user, enabled, awaitingConfirmation: false };
  }

  async promote(login: string, role: string): Promise<UserRecord> {
    const user = await this.find(login);
    const named = normalizeRole(role);
    const roles = [...new Set([...user.roles, named])];
    await this.store.updateUser(user.id, { roles }, this.clock.now());
    this.announce('user.promoted', user, { role: named });
    return { ...user, roles };
  }

  async demote(login: string, role: string): Promise<UserRecord> {
    const user = await this.find(login);
    const named = normalizeRole(role);
    const roles = user.roles.filter((r) => r !== named);
    await this.store.updateUser(user.id, { roles }, this.clock.now());
    this.announce('user.demoted', user, { role: named });
    return { ...user, roles };
  }

  async changePassword(login: string, password: string): Promise<UserRecord> {
    const user = await this.find(login);
    const problem = passwordProblem(password, user, this.passwordPolicy);
    if (problem) throw new AccountError(problem);
    // Whoever knew the old password is out: sessions, tokens, codes and links end with it.
    await this.store.updateUserRevoking(
      user.id,
      { passwordHash: await this.passwords.hash(password) },
      this.clock.now(),
      REVOKE_ALL,
    );
    this.announce('user.password_changed', user);
    return user;
  }

  /**
   * Changes the name, the e-mail address or whether it is verified. An address changed here was
   * not proven by a link, so it is unverified unless the administrator says otherwise; links
   * e-mailed to the old address stop working (as when the user changes it).
   */
  async update(login: string, change: UserChange): Promise<UserRecord> {
    const user = await this.find(login);
    const patch: UserPatch = {};
    if (change.displayName !== undefined) {
      const problem = displayNameProblem(change.displayName);
      if (problem) throw new AccountError(problem);
      patch.displayName = normalizeDisplayName(change.displayName);
    }
    const newAddress = change.email !== undefined && canonicalize(change.email) !== user.emailCanonical;
    if (change.email !== undefined && change.email !== user.email) {
      const problem = emailProblem(change.email);
      if (problem) throw new AccountError(problem);
      const clash = newAddress ? await this.store.findUserByLogin(canonicalize(change.email)) : null;
      if (clash && clash.id !== user.id) throw new AccountError('a user with this e-mail address already exists');
      Object.assign(patch, { email: change.email, emailCanonical: canonicalize(change.email) });
    }
    if (newAddress || change.emailVerified !== undefined) patch.emailVerified = change.emailVerified ?? false;
    if (Object.keys(patch).length === 0)
      throw new AccountError('nothing to change: give --name, --email or --email-verified');
    try {
      await this.store.updateUserRevoking(user.id, patch, this.clock.now(), newAddress ? { links: true } : {});
    } catch (error) {
      if (error instanceof DuplicateUserError) throw new AccountError(error.message);
      throw error;
    }
    const names: Record<string, string> = { displayName: 'name', email: 'email', emailVerified: 'email_verified' };
    const changed = Object.keys(patch).flatMap((key) => names[key] ?? []);
    this.announce('user.profile_updated', user, { changed: changed.join(',') });
    return { ...user, ...patch };
  }

  /** Deletes the account and everything issued to it: tokens, codes, sign-in sessions, consents. */
  async delete(login: string): Promise<UserRecord> {
    const user = await this.find(login);
    if (!(await this.store.deleteUser(user.id))) throw new AccountError(`no user "${login}"`);
    this.announce('user.deleted', user);
    return user;
  }

  list(): Promise<UserRecord[]> {
    return this.store.listUsers();
  }
}
