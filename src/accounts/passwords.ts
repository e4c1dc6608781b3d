import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';

/**
 * At most this many argon2id computations run at once: one core fewer than the process may
 * use (at least one). Hashing runs on the libuv thread pool, off the event loop, but four pool
 * threads hashing on a two-core machine would still take most of the CPU from the event loop;
 * a storm of sign-ins then waits in this queue while token requests keep their latency. It also
 * bounds argon2's memory (19 MiB per computation).
 */
export const PASSWORD_HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);

/** Runs at most `max` tasks at once; the others wait their turn, first come first served. */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

const hashing = new ConcurrencyLimit(PASSWORD_HASH_CONCURRENCY);

/**
 * User passwords: argon2id (the library's default algorithm) with its default cost
 * (m=19 MiB, t=2, p=1, OWASP's baseline), on the thread pool, PASSWORD_HASH_CONCURRENCY at a time.
 */
export async function hashPassword(password: string): Promise<string> {
  return hashing.run(() => hash(password));
}

/** A hash of a random password, verified against when the user does not exist, so timing does not tell. */
let decoyHash: Promise<string> | null = null;

export interface PasswordVerifier {
  /** Verifies a password; with `hashed` null, burns the same time and returns false. */
  verify(hashed: string | null, password: string): Promise<boolean>;
}

export const argon2Verifier: PasswordVerifier = {
  async verify(hashed, password) {
    decoyHash ??= hashPassword('decoy password that matches nothing');
    const target = hashed ?? (await decoyHash);
    try {
      const matches = await hashing.run(() => verify(target, password));
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
