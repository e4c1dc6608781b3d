import { randomFillSync } from 'node:crypto';

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
  /**
   * An OAuth credential (access token, refresh token, authorization code): the millisecond it
   * was made (48 bits), then 256 bits from the CSPRNG, base64url (51 characters). See tokenKey.
   */
  token(): string;
  /** A record id that is not a secret (family ids, user ids). */
  id(): string;
}

/**
 * Random bytes drawn from the CSPRNG a few kilobytes at a time: one system call per 128
 * secrets instead of one per secret. Each byte is handed out once.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomSlice(length: number): Buffer {
  if (poolOffset + length > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = Buffer.from(pool.subarray(poolOffset, poolOffset + length));
  poolOffset += length;
  return slice;
}

/**
 * A UUID version 7 (RFC 9562): 48 bits of milliseconds, then 74 random bits. Ids made one
 * after another sort together, so the indexes they key grow at their right edge instead of
 * touching a random page for every insert.
 */
export function uuidv7(now = Date.now()): string {
  const bytes = randomSlice(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * UUIDv7s that also sort in the order they were made within one process: the 12 bits after
 * the version count up within a millisecond (RFC 9562 §6.2, method 1), so events made in one
 * millisecond keep their order.
 */
let lastMonotonicMs = 0;
let monotonicCounter = 0;
export function monotonicUuidv7(now = Date.now()): string {
  if (now > lastMonotonicMs) {
    lastMonotonicMs = now;
    monotonicCounter = 0;
  } else if (++monotonicCounter > 0xfff) {
    // 4096 ids in one millisecond: borrow the next millisecond.
    lastMonotonicMs += 1;
    monotonicCounter = 0;
  }
  const bytes = randomSlice(16);
  bytes.writeUIntBE(lastMonotonicMs, 0, 6);
  bytes[6] = 0x70 | (monotonicCounter >> 8);
  bytes[7] = monotonicCounter & 0xff;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 6 bytes of time and 32 random ones: 51 base64url characters, and no padding. */
const TIME_PREFIXED_BYTES = 38;

export const cryptoIds: IdSource = {
  secret: () => randomSlice(32).toString('base64url'),
  token: () => {
    const bytes = randomSlice(TIME_PREFIXED_BYTES);
    bytes.writeUIntBE(Date.now(), 0, 6);
    return bytes.toString('base64url');
  },
  id: () => uuidv7(),
};
