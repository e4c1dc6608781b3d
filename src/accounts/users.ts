import { cryptoIds, systemClock, type Clock, type IdSource } from '../core/clock.js';
import { DuplicateUserError, type UserRecord, type UserStore } from '../storage/store.js';
import { canonicalize, emailProblem, usernameProblem } from './canonical.js';
import { DEFAULT_PASSWORD_POLICY, hashPassword, passwordProblem, type PasswordPolicy } from './passwords.js';

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
}

const ROLE = /^ROLE_[A-Z0-9_]+$/;

export function normalizeRole(role: string): string {
  const upper = role.toUpperCase();
  const named = upper.startsWith('ROLE_') ? upper : `ROLE_${upper}`;
  if (!ROLE.test(named)) throw new AccountError(`role "${role}" must be letters, digits and "_" (e.g. ROLE_ADMIN)`);
  return named;
}

/** User management shared by the CLI and (later) the account pages. */
export class UserAccounts {
  constructor(
    private readonly store: UserStore,
    private readonly clock: Clock = systemClock,
    private readonly ids: IdSource = cryptoIds,
    private readonly passwordPolicy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
  ) {}

  async create(input: NewUser): Promise<UserRecord> {
    const problem = usernameProblem(input.username) ?? emailProblem(input.email) ?? passwordProblem(input.password, input, this.passwordPolicy);
    if (problem) throw new AccountError(problem);
    const usernameCanonical = canonicalize(input.username);
    const emailCanonical = canonicalize(input.email);
    // A username may not be someone else's e-mail (or the reverse): logins accept either.
    const clash = (await this.store.findUserByLogin(usernameCanonical)) ?? (await this.store.findUserByLogin(emailCanonical));
    if (clash) {
      throw new AccountError(clash.usernameCanonical === usernameCanonical || clash.emailCanonical === usernameCanonical
        ? 'a user with this username already exists'
        : 'a user with this e-mail address already exists');
    }
    const now = this.clock.now();
    const user: UserRecord = {
      id: this.ids.id(),
      username: input.username,
      usernameCanonical,
      email: input.email,
      emailCanonical,
      passwordHash: await hashPassword(input.password),
      enabled: input.enabled ?? true,
      roles: [...new Set((input.roles ?? []).map(normalizeRole))],
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.store.createUser(user);
    } catch (error) {
      if (error instanceof DuplicateUserError) throw new AccountError(error.message);
      throw error;
    }
    return user;
  }

  async find(login: string): Promise<UserRecord> {
    const user = await this.store.findUserByLogin(canonicalize(login));
    if (!user) throw new AccountError(`no user "${login}"`);
    return user;
  }

  async setEnabled(login: string, enabled: boolean): Promise<UserRecord> {
    const user = await this.find(login);
    await this.store.updateUser(user.id, { enabled }, this.clock.now());
    return { ...user, enabled };
  }

  async promote(login: string, role: string): Promise<UserRecord> {
    const user = await this.find(login);
    const roles = [...new Set([...user.roles, normalizeRole(role)])];
    await this.store.updateUser(user.id, { roles }, this.clock.now());
    return { ...user, roles };
  }

  async demote(login: string, role: string): Promise<UserRecord> {
    const user = await this.find(login);
    const named = normalizeRole(role);
    const roles = user.roles.filter((r) => r !== named);
    await this.store.updateUser(user.id, { roles }, this.clock.now());
    return { ...user, roles };
  }

  async changePassword(login: string, password: string): Promise<UserRecord> {
    const user = await this.find(login);
    const problem = passwordProblem(password, user, this.passwordPolicy);
    if (problem) throw new AccountError(problem);
    await this.store.updateUser(user.id, { passwordHash: await hashPassword(password) }, this.clock.now());
    return user;
  }

  /** Deletes the account and everything issued to it: tokens, codes, sign-in sessions, consents. */
  async delete(login: string): Promise<UserRecord> {
    const user = await this.find(login);
    if (!(await this.store.deleteUser(user.id))) throw new AccountError(`no user "${login}"`);
    return user;
  }

  list(): Promise<UserRecord[]> {
    return this.store.listUsers();
  }
}
