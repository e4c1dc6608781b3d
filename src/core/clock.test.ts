import { describe, expect, it } from 'vitest';
import { cryptoIds, monotonicUuidv7, uuidv7 } from './clock.js';
import { hashSecret, tokenKey } from './secrets.js';

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

describe('OAuth credentials and the keys they are stored under', () => {
  it('a token is 51 base64url characters: the millisecond it was made, then 256 random bits', () => {
    const before = Date.now();
    const tokens = Array.from({ length: 1000 }, () => cryptoIds.token());
    const after = Date.now();
    expect(new Set(tokens).size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{51}$/);
      const bytes = Buffer.from(token, 'base64url');
      expect(bytes).toHaveLength(38);
      expect(bytes.readUIntBE(0, 6)).toBeGreaterThanOrEqual(before);
      expect(bytes.readUIntBE(0, 6)).toBeLessThanOrEqual(after);
    }
    // The random part is never the same twice, even within one millisecond.
    expect(new Set(tokens.map((t) => t.slice(8))).size).toBe(1000);
  });

  it('the key is the time in hex, then the SHA-256 of the whole token; keys sort by issue time', () => {
    const token = cryptoIds.token();
    const key = tokenKey(token);
    const time = Buffer.from(token, 'base64url').readUIntBE(0, 6);
    expect(key).toBe(`${time.toString(16).padStart(12, '0')}${hashSecret(token)}`);
    expect(key).not.toContain(token.slice(8));
    // Keys made later sort after (the index grows at its right edge), whatever the random part.
    const at = (ms: number) => {
      const bytes = Buffer.from(cryptoIds.token(), 'base64url');
      bytes.writeUIntBE(ms, 0, 6);
      return tokenKey(bytes.toString('base64url'));
    };
    const keys = [at(1_700_000_000_000), at(1_700_000_000_001), at(1_700_000_001_000), at(2_000_000_000_000)];
    expect([...keys].sort()).toEqual(keys);
  });

  it('anything else (a JWT, a token from before time-prefixed tokens, a guess) is keyed by its plain SHA-256', () => {
    for (const value of [
      cryptoIds.secret(),
      'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln',
      'x'.repeat(50),
      `${'*'.repeat(8)}${cryptoIds.secret()}`,
      '',
    ]) {
      expect(tokenKey(value)).toBe(hashSecret(value));
    }
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
