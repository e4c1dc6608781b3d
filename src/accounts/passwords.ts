import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { OAuthError } from '../core/errors.js';

/**
 * At most this many argon2id computations run at once: one core fewer than the process may
 * use (at least one). Hashing runs on the libuv thread pool, off the event loop, but four pool
 * threads hashing on a two-core machine would still take most of the CPU from the event loop;
 * a storm of sign-ins then waits in this queue while token requests keep their latency. It also
 * bounds argon2's memory (19 MiB per computation).
 */
export const PASSWORD_HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);

/** How long the line before a ConcurrencyLimit may get. */
export interface QueueLimits {
  /** Tasks that may wait for a slot; one more is refused at once. */
  maxWaiting: number;
  /** Milliseconds a task may wait for a slot before it is refused. */
  maxWaitMs: number;
}

/**
 * The password queue's default bounds (the password_hash_queue_length and
 * password_hash_queue_timeout settings): 50 sign-ins at once all get their turn on one core,
 * and nobody waits more than 10 s for it.
 */
export const DEFAULT_PASSWORD_QUEUE_LIMITS: QueueLimits = { maxWaiting: 200, maxWaitMs: 10_000 };

/** Starts a timer and returns what cancels it: setTimeout, or a hand-driven one in tests. */
export type StartTimer = (ms: number, fire: () => void) => () => void;

const realTimer: StartTimer = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  // A waiting password check never keeps a finished process alive.
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Runs at most `max` tasks at once; the others wait their turn, first come first served, but
 * only so many and only so long (`limits`): a task that cannot get a slot in time is refused
 * with an OverloadedError (503, Retry-After) instead of waiting without end, so a storm of
 * sign-ins costs its senders a quick "retry later", not everybody minutes of waiting.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<{ start: () => void }> = [];

  constructor(
    readonly max: number,
    private limits: QueueLimits = { maxWaiting: Infinity, maxWaitMs: Infinity },
    private readonly startTimer: StartTimer = realTimer,
  ) {}

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** New bounds for tasks that start waiting from now on. */
  setLimits(limits: QueueLimits): void {
    this.limits = { ...limits };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await this.waitForSlot();
    else this.running += 1;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, or free it.
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running -= 1;
    }
  }

  /** Resolves when a running task hands over its slot; rejects when the line is full or the wait too long. */
  private waitForSlot(): Promise<void> {
    const { maxWaiting, maxWaitMs } = this.limits;
    if (this.waiting.length >= maxWaiting) return Promise.reject(this.overloaded());
    return new Promise<void>((resolve, reject) => {
      let cancel = () => {};
      const waiter = {
        start: () => {
          cancel();
          resolve();
        },
      };
      this.waiting.push(waiter);
      if (Number.isFinite(maxWaitMs)) {
        cancel = this.startTimer(maxWaitMs, () => {
          const index = this.waiting.indexOf(waiter);
          // Already handed a slot: nothing to refuse.
          if (index < 0) return;
          this.waiting.splice(index, 1);
          reject(this.overloaded());
        });
      }
    });
  }

  private overloaded() {
    const seconds = Number.isFinite(this.limits.maxWaitMs) ? Math.ceil(this.limits.maxWaitMs / 1000) : 1;
    return OAuthError.overloaded(
      `too many passwords are being checked right now; retry in ${Math.max(1, seconds)} seconds`,
      seconds,
    );
  }
}

const hashing = new ConcurrencyLimit(PASSWORD_HASH_CONCURRENCY, DEFAULT_PASSWORD_QUEUE_LIMITS);

/**
 * Bounds the process's one password queue (every argon2id hash and verification): the
 * password_hash_queue_length and password_hash_queue_timeout settings.
 */
export function limitPasswordQueue(limits: QueueLimits): void {
  hashing.setLimits(limits);
}

/**
 * User passwords: argon2id (the library's default algorithm) with its default cost
 * (m=19 MiB, t=2, p=1, OWASP's baseline), on the thread pool, PASSWORD_HASH_CONCURRENCY at a time.
 */
export async function hashPassword(password: string): Promise<string> {
  return hashing.run(() => hash(password));
}

/** A hash of a random password, verified against when the user does not exist, so timing does not tell. */
let decoyHash: Promise<string> | null = null;

function decoy(): Promise<string> {
  if (!decoyHash) {
    const made = hashPassword('decoy password that matches nothing');
    decoyHash = made;
    // Refused (the queue was full): made again next time, and never an unhandled rejection.
    made.catch(() => {
      if (decoyHash === made) decoyHash = null;
    });
  }
  return decoyHash;
}

export interface PasswordVerifier {
  /** Verifies a password; with `hashed` null, burns the same time and returns false. */
  verify(hashed: string | null, password: string): Promise<boolean>;
}

/**
 * The argon2id verifier, PASSWORD_HASH_CONCURRENCY at a time through `limit`. When the line is
 * too long it throws an OverloadedError: the caller answers 503 and counts no failure.
 */
export function argon2VerifierWith(limit: ConcurrencyLimit): PasswordVerifier {
  return {
    async verify(hashed, password) {
      const decoyTarget = decoy();
      const target = hashed ?? (await decoyTarget);
      return limit.run(async () => {
        try {
          return hashed !== null && (await verify(target, password));
        } catch {
          // A malformed stored hash is a non-match, not a crash.
          return false;
        }
      });
    },
  };
}

export const argon2Verifier: PasswordVerifier = argon2VerifierWith(hashing);

/** Makes password hashes and checks passwords against them: what accounts are given by the composition root. */
export interface PasswordHasher extends PasswordVerifier {
  hash(password: string): Promise<string>;
}

/**
 * Production passwords: argon2id at OWASP's baseline cost, through the process's password queue.
 * Nothing lowers that cost: tests that want cheap hashes bring their own PasswordHasher.
 */
export const argon2Passwords: PasswordHasher = { hash: hashPassword, verify: argon2Verifier.verify };

/** A verifier given without `hash` (older callers, tests of the queue) hashes at production cost. */
export function asPasswordHasher(passwords: PasswordVerifier | PasswordHasher): PasswordHasher {
  return 'hash' in passwords
    ? passwords
    : { hash: hashPassword, verify: (hashed, password) => passwords.verify(hashed, password) };
}

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
