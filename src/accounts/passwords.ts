import { hash, verify } from '@node-rs/argon2';

/**
 * User passwords: argon2id (the library's default algorithm) with its default cost
 * (m=19 MiB, t=2, p=1, OWASP's baseline). Hashing runs on the libuv thread pool, so a
 * storm of logins never blocks the event loop.
 */
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** A hash of a random password, verified against when the user does not exist, so timing does not tell. */
let decoyHash: Promise<string> | null = null;

export interface PasswordVerifier {
  /** Verifies a password; with `hashed` null, burns the same time and returns false. */
  verify(hashed: string | null, password: string): Promise<boolean>;
}

export const argon2Verifier: PasswordVerifier = {
  async verify(hashed, password) {
    decoyHash ??= hash('decoy password that matches nothing');
    const target = hashed ?? (await decoyHash);
    try {
      const matches = await verify(target, password);
      return hashed !== null && matches;
    } catch {
      // A malformed stored hash is a non-match, not a crash.
      return false;
    }
  },
};

/** Lengths in characters (Unicode code points), from the password_min_length / password_max_length settings. */
export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 8, maxLength: 4096 };

/** The password policy; returns the reason a password is refused, or null. */
export function passwordProblem(
  password: string,
  user: { username: string; email: string },
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): string | null {
  const length = [...password].length;
  if (length < policy.minLength) return `password must be at least ${policy.minLength} characters`;
  if (length > policy.maxLength) return `password must be at most ${policy.maxLength} characters`;
  const lowered = password.toLowerCase();
  if (lowered === user.username.toLowerCase() || lowered === user.email.toLowerCase()) {
    return 'password must not be the username or e-mail address';
  }
  return null;
}
