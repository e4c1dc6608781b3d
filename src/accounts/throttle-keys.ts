/**
 * What brute-force counters are keyed on besides addresses (src/core/addresses.ts): names
 * nobody owns folded into a fixed set of hashed buckets, so unauthenticated requests cannot
 * create counters without bound.
 */
import { createHash } from 'node:crypto';

/** How many buckets unknown logins (and unknown client ids) share. */
export const UNKNOWN_BUCKETS = 1024;

/**
 * A bucket in 0 … UNKNOWN_BUCKETS - 1 for the given parts (SHA-256, domain-separated by `kind`).
 * The same on every node, with nothing to configure.
 */
export function bucketOf(kind: string, ...parts: string[]): number {
  const digest = createHash('sha256')
    .update(`gatehouse throttle bucket\n${kind}\n${parts.join('\n')}`)
    .digest();
  return digest.readUInt32BE(0) % UNKNOWN_BUCKETS;
}
