import { randomBytes, randomUUID } from 'node:crypto';

/** Time is injected so expiry can be tested without sleeping. Seconds since the epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) };

/** A clock a test can move by hand. */
export class ManualClock implements Clock {
  constructor(private seconds: number = Math.floor(Date.now() / 1000)) {}
  now(): number {
    return this.seconds;
  }
  advance(seconds: number): void {
    this.seconds += seconds;
  }
}

/** Randomness is injected too: credentials and record ids come from here. */
export interface IdSource {
  /** A credential: 256 bits from the CSPRNG, base64url (43 characters). */
  secret(): string;
  /** A record id that is not a secret (family ids, user ids). */
  id(): string;
}

export const cryptoIds: IdSource = {
  secret: () => randomBytes(32).toString('base64url'),
  id: () => randomUUID(),
};
