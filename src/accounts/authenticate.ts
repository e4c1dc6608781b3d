import type { UserRecord, UserStore } from '../storage/store.js';
import { canonicalize } from './canonical.js';
import type { PasswordVerifier } from './passwords.js';

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
