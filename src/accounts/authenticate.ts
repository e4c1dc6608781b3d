import type { UserRecord, UserStore } from '../storage/store.js';
import { canonicalize } from './canonical.js';
import type { PasswordVerifier } from './passwords.js';
import type { Throttle } from './throttle.js';

/** Longer than any username (64) or e-mail address (254): not worth a database lookup. */
const MAX_LOGIN_LENGTH = 320;

/**
 * Checks a username-or-e-mail and password, for the sign-in form and the password grant alike.
 * Returns the user, or null for an unknown login, a wrong password and a deactivated account
 * alike (FOS let deactivated users in). The password is always verified, against a decoy for
 * unknown users, so the time taken reveals nothing.
 */
export async function verifyCredentials(
  store: Pick<UserStore, 'findUserByLogin'>,
  passwords: PasswordVerifier,
  login: string,
  password: string,
): Promise<UserRecord | null> {
  const user = login.length <= MAX_LOGIN_LENGTH ? await store.findUserByLogin(canonicalize(login)) : null;
  const valid = await passwords.verify(user?.passwordHash ?? null, password);
  return user && valid && user.enabled ? user : null;
}

export type SignInResult =
  | { kind: 'signed-in'; user: UserRecord }
  /** Wrong password, unknown login or deactivated account: one answer for all three. */
  | { kind: 'refused' }
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
  if (!user) return { kind: 'refused' };
  if (counters) await deps.throttle!.attemptSucceeded(counters);
  return { kind: 'signed-in', user };
}
