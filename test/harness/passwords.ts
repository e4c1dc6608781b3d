/**
 * A cheap argon2id for tests: the same algorithm and hash format as production, at the smallest
 * cost argon2 allows, so a test that signs in pays microseconds, not 50 ms of a core. Injected
 * through startGatehouse / UserAccounts; production code has no setting that lowers its cost
 * (src/accounts/passwords.test.ts checks the production parameters).
 */
import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../../src/accounts/passwords.js';

const CHEAP = { memoryCost: 8, timeCost: 1, parallelism: 1 } as const;

let decoy: Promise<string> | undefined;

export const cheapPasswords: PasswordHasher = {
  hash: (password) => hash(password, CHEAP),
  async verify(hashed, password) {
    // Like production: an unknown user still costs one verification.
    decoy ??= hash('decoy password that matches nothing', CHEAP);
    const target = hashed ?? (await decoy);
    try {
      return hashed !== null && (await verify(target, password));
    } catch {
      return false;
    }
  },
};
