import { describe, expect, it } from 'vitest';
import {
  displayUserCode,
  newUserCode,
  normaliseUserCode,
  USER_CODE_ALPHABET,
  userCodeKey,
} from './device-authorization.js';
import { hashSecret } from './secrets.js';

describe('user codes (RFC 8628 §6.1)', () => {
  it('are 8 characters of BCDFGHJKLMNPQRSTVWXZ, shown as XXXX-XXXX, and every character turns up', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const code = newUserCode();
      expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      for (const char of code) seen.add(char);
    }
    expect([...seen].sort().join('')).toBe(USER_CODE_ALPHABET);
    expect(displayUserCode('WDJBMJHT')).toBe('WDJB-MJHT');
  });

  it('are compared in any letter case, with or without the hyphen, with spaces', () => {
    for (const typed of ['WDJB-MJHT', 'wdjb-mjht', 'WDJBMJHT', 'wdjb mjht', ' WDJB-MJHT ', 'Wd-Jb-Mj-Ht'])
      expect(normaliseUserCode(typed)).toBe('WDJBMJHT');
  });

  it('refuses what cannot be a user code: wrong length, vowels, digits, other characters, huge input', () => {
    for (const typed of ['', 'WDJB-MJH', 'WDJB-MJHTT', 'WAJB-MJHT', 'WDJB-MJH1', 'WDJB_MJHT', 'W'.repeat(100)])
      expect(normaliseUserCode(typed)).toBeNull();
  });

  it('are stored as the SHA-256 of the normalised form', () => {
    expect(userCodeKey('WDJBMJHT')).toBe(hashSecret('WDJBMJHT'));
  });
});
