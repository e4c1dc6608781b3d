import { describe, expect, it } from 'vitest';
import { cryptoIds, monotonicUuidv7, uuidv7 } from './clock.js';

describe('ids and secrets', () => {
  it('makes secrets of 256 bits, base64url, never the same twice', () => {
    const secrets = new Set(Array.from({ length: 1000 }, () => cryptoIds.secret()));
    expect(secrets.size).toBe(1000);
    for (const secret of secrets) expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });

  it('makes version 7 UUIDs that sort by creation time', () => {
    const id = uuidv7(0x0123456789ab);
    expect(id).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7(1_000) < uuidv7(2_000)).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => cryptoIds.id())).size).toBe(1000);
  });
});

describe('monotonicUuidv7', () => {
  it('ids made within one millisecond still sort in the order they were made, and stay UUIDv7s', () => {
    const now = Date.now() + 1000;
    const ids = Array.from({ length: 5000 }, () => monotonicUuidv7(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // 4096 per millisecond: the rest borrow the next millisecond instead of wrapping around.
    expect(ids[4095]!.slice(0, 13)).toBe(ids[0]!.slice(0, 13));
    expect(ids[4096]! > ids[4095]!).toBe(true);
    // A later clock reading starts after everything made so far.
    const later = monotonicUuidv7(now + 10);
    expect(later > ids.at(-1)!).toBe(true);
  });
});
