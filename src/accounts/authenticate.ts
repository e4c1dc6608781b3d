import type { UserRecord, UserStore } from '../storage/store.js';
import { canonicalize } from './canonical.js';
import type { PasswordVerifier } from './passwords.js';
import type { Throttle } from './throttle.js';

/** Longer than any username (64) or e-mail address (254): not worth a database lookup. */
export const MAX_LOGIN_LENGTH = 320;

/**
 * Checks a username-or-e-mail and password, for the sign-in form and the password grant alike.
 * Returns the user whose password this is (enabled or not), or null for an unknown login and a
 * wrong password alike. The password is always verified, against a decoy for unknown users, so
 * the time taken reveals nothing.
 */
async function verifyCredentials(
  store: Pick<UserStore, 'findUserByLogin'>,
  passwords: PasswordVerifier,
  login: string,
  password: string,
): Promise<UserRecord | null> {
  const user = login.length <= MAX_LOGIN_LENGTH ? await store.findUserByLogin(canonicalize(login)) : null;
  const valid = await passwords.verify(user?.passwordHash ?? null, password);
  return user && valid ? user : null;
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
}

/**
 * The one sign-in rule, for the sign-in form and the password grant. The attempt is counted
 * before the password is checked: a throttled guess costs no argon2 work and learns nothing,
 * and guesses sent at once are all counted.
 */
export async function signIn(deps: SignInDependencies, login: string, password: string, address: string): Promise<SignInResult> {
  const counters = deps.throttle?.forLogin(login, address);
  const retryAfter = counters ? await deps.throttle!.attempt(counters) : 0;
  if (retryAfter > 0) return { kind: 'throttled', retryAfter };
  const user = await verifyCredentials(deps.store, deps.passwords, login, password);
  // A deactivated account's right password is refused (and counted) like a wrong one.
  if (!user || (!user.enabled && !user.awaitingConfirmation)) return { kind: 'refused' };
  // The right password is not a guess, whatever the account's state.
  if (counters) await deps.throttle!.attemptSucceeded(counters);
  return user.enabled ? { kind: 'signed-in', user } : { kind: 'unconfirmed' };
}
