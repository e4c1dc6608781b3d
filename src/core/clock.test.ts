import { describe, expect, it } from 'vitest';
import { cryptoIds, uuidv7 } from './clock.js';

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
