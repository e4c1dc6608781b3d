import type { SecurityEvents } from '../audit/events.js';
import { systemClock, type Clock } from '../core/clock.js';
import { OverloadedError } from '../core/errors.js';
import type { UserRecord, UserStore } from '../storage/store.js';
import { canonicalize } from './canonical.js';
import type { PasswordVerifier } from './passwords.js';
import type { Throttle } from './throttle.js';

/** Longer than any username (64) or e-mail address (254): not worth a database lookup. */
export const MAX_LOGIN_LENGTH = 320;

/**
 * Checks a username-or-e-mail and password, for the sign-in form and the password grant alike:
 * the account the login names (if any) and whether this is its password. The password is
 * always verified, against a decoy for unknown users, so the time taken reveals nothing.
 */
async function verifyCredentials(
  store: Pick<UserStore, 'findUserByLogin'>,
  passwords: PasswordVerifier,
  login: string,
  password: string,
): Promise<{ user: UserRecord | null; valid: boolean }> {
  const user = login.length <= MAX_LOGIN_LENGTH ? await store.findUserByLogin(canonicalize(login)) : null;
  const valid = await passwords.verify(user?.passwordHash ?? null, password);
  return { user, valid: user !== null && valid };
}

export type SignInResult =
  | { kind: 'signed-in'; user: UserRecord }
  /**
   * Wrong password, unknown login or deactivated account: one answer for all three (FOS let
   * deactivated users in).
   */
  | { kind: 'refused' }
  /**
   * The right password for a self-registered account whose e-mail address is not confirmed
   * yet. Only the password's owner learns this, so it can be said plainly.
   */
  | { kind: 'unconfirmed' }
  /** Too many recent failures: nothing was checked. */
  | { kind: 'throttled'; retryAfter: number };

export interface SignInDependencies {
  store: Pick<UserStore, 'findUserByLogin'>;
  passwords: PasswordVerifier;
  throttle?: Throttle;
  /** Where login.succeeded / login.failed are announced (the audit log, the metrics). */
  events?: SecurityEvents;
  clock?: Clock;
}

/** Where a password was typed, for the audit log. */
export interface SignInContext {
  via: 'sign_in_form' | 'password_grant' | 'confirmation' | 'current_password';
  /** The client of a password grant. */
  clientId?: string;
}

/**
 * The one sign-in rule, for the sign-in form and the password grant. The attempt is counted
 * before the password is checked: a throttled guess costs no argon2 work and learns nothing,
 * and guesses sent at once are all counted.
 */
export async function signIn(
  deps: SignInDependencies,
  login: string,
  password: string,
  address: string,
  context: SignInContext = { via: 'sign_in_form' },
): Promise<SignInResult> {
  // The attempted login itself is never recorded: people type their password into it by mistake.
  const announce = (type: 'login.succeeded' | 'login.failed', user: UserRecord | null, reason?: string) =>
    deps.events?.emit({
      type,
      at: (deps.clock ?? systemClock).now(),
      actor: 'user',
      ...(user ? { userId: user.id, username: user.username } : {}),
      ...(context.clientId ? { clientId: context.clientId } : {}),
      address,
      details: { via: context.via, ...(reason ? { reason } : {}) },
    });
  const counters = deps.throttle?.forLogin(login, address);
  const retryAfter = counters ? await deps.throttle!.attempt(counters) : 0;
  if (retryAfter > 0) {
    announce('login.failed', null, 'throttled');
    return { kind: 'throttled', retryAfter };
  }
  let checked: { user: UserRecord | null; valid: boolean };
  try {
    checked = await verifyCredentials(deps.store, deps.passwords, login, password);
  } catch (error) {
    // Too busy to check the password (503): not a guess, so the attempt counted above is taken back.
    if (counters && error instanceof OverloadedError) await deps.throttle!.attemptWithdrawn(counters);
    throw error;
  }
  const { user, valid } = checked;
  if (!valid || !user) {
    announce('login.failed', user, user ? 'wrong_password' : 'unknown_login');
    return { kind: 'refused' };
  }
  // A deactivated account's right password is refused (and counted) like a wrong one.
  if (!user.enabled && !user.awaitingConfirmation) {
    announce('login.failed', user, 'deactivated');
    return { kind: 'refused' };
  }
  // The right password is not a guess, whatever the account's state.
  if (counters) await deps.throttle!.attemptSucceeded(counters);
  if (!user.enabled) {
    // For the confirmation form this is the expected answer: user.confirmed follows.
    if (context.via !== 'confirmation') announce('login.failed', user, 'unconfirmed');
    return { kind: 'unconfirmed' };
  }
  announce('login.succeeded', user);
  return { kind: 'signed-in', user };
}
