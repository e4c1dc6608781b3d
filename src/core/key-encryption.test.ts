import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyEncryption } from './key-encryption.js';

/**
 * The encryption of stored private signing keys: a copy of the database without the
 * key_encryption_key must neither reveal nor let anyone alter a key unnoticed.
 */
describe('KeyEncryption', () => {
  const SECRET = 'q3Jx9v0tLr7s2WmYb5eK8cP1nA4dH6gZ';
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

  /** The four dot-separated parts: v1, iv, tag, ciphertext. */
  const parts = (encrypted: string) => encrypted.split('.');
  /** Flips one bit of the base64url part `index`, keeping it valid base64url of the same length. */
  const tamper = (encrypted: string, index: number) => {
    const all = parts(encrypted);
    const bytes = Buffer.from(all[index]!, 'base64url');
    bytes[0] = bytes[0]! ^ 0x01;
    all[index] = bytes.toString('base64url');
    return all.join('.');
  };

  it('decrypts what it encrypted, with the same secret in another instance', () => {
    const encrypted = new KeyEncryption(SECRET).encrypt(pem);
    expect(new KeyEncryption(SECRET).decrypt(encrypted)).toBe(pem);
    // Any text, empty and non-ASCII included.
    const encryption = new KeyEncryption(SECRET);
    for (const text of ['', 'x', 'clé privée ✓', 'y'.repeat(10_000)]) {
      expect(encryption.decrypt(encryption.encrypt(text))).toBe(text);
    }
  });

  it('writes v1.<iv>.<tag>.<ciphertext>, each part base64url (a 12-byte IV and a 16-byte tag)', () => {
    const encrypted = new KeyEncryption(SECRET).encrypt(pem);
    const [version, iv, tag, ciphertext, ...rest] = parts(encrypted);
    expect(rest).toEqual([]);
    expect(version).toBe('v1');
    for (const part of [iv, tag, ciphertext]) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
  });

  it('another secret cannot decrypt it, even one differing in a single character', () => {
    const encrypted = new KeyEncryption(SECRET).encrypt(pem);
    for (const other of [
      `${SECRET.slice(0, -1)}X`,
      `X${SECRET.slice(1)}`,
      `${SECRET} `,
      'a completely different secret value!!',
    ]) {
      expect(() => new KeyEncryption(other).decrypt(encrypted)).toThrow();
    }
  });

  it('refuses an altered IV, tag or ciphertext, a truncated value and an unknown version', () => {
    const encryption = new KeyEncryption(SECRET);
    const encrypted = encryption.encrypt(pem);
    for (const index of [1, 2, 3])
      expect(() => encryption.decrypt(tamper(encrypted, index)), `part ${index}`).toThrow();
    const [, iv, tag, ciphertext] = parts(encrypted);
    // The tag of another encryption of the same text does not fit.
    const [, , otherTag] = parts(encryption.encrypt(pem));
    expect(() => encryption.decrypt(['v1', iv, otherTag, ciphertext].join('.'))).toThrow();
    // A ciphertext cut short.
    const shorter = Buffer.from(ciphertext!, 'base64url').subarray(0, -1).toString('base64url');
    expect(() => encryption.decrypt(['v1', iv, tag, shorter].join('.'))).toThrow();
    // Missing parts, another version, plain text.
    expect(() => encryption.decrypt(['v1', iv, tag].join('.'))).toThrow();
    expect(() => encryption.decrypt(['v2', iv, tag, ciphertext].join('.'))).toThrow();
    expect(() => encryption.decrypt(pem)).toThrow();
    // The untouched value still decrypts.
    expect(encryption.decrypt(encrypted)).toBe(pem);
  });

  it('refuses a truncated auth tag (the first 4, 8, 12 or 15 bytes of the genuine one): only a 16-byte tag is accepted', () => {
    const encryption = new KeyEncryption(SECRET);
    const encrypted = encryption.encrypt(pem);
    const [, iv, tag, ciphertext] = parts(encrypted);
    const full = Buffer.from(tag!, 'base64url');
    // GCM would verify a prefix of the right tag: each byte cut off makes forging 256 times easier.
    for (const length of [4, 8, 12, 13, 14, 15]) {
      const truncated = full.subarray(0, length).toString('base64url');
      expect(() => encryption.decrypt(['v1', iv, truncated, ciphertext].join('.')), `${length}-byte tag`).toThrow();
    }
    // Too long, or a fifth part, is refused as well.
    expect(() =>
      encryption.decrypt(
        ['v1', iv, Buffer.concat([full, Buffer.alloc(1)]).toString('base64url'), ciphertext].join('.'),
      ),
    ).toThrow();
    expect(() => encryption.decrypt([encrypted, 'x'].join('.'))).toThrow();
    expect(encryption.decrypt(encrypted)).toBe(pem);
  });

  it('the output never contains the plaintext, or any 16-character piece of it, in clear or base64', () => {
    const encrypted = new KeyEncryption(SECRET).encrypt(pem);
    expect(encrypted).not.toContain('PRIVATE KEY');
    const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const forms = [pem, body, Buffer.from(pem).toString('base64'), Buffer.from(pem).toString('base64url')];
    for (const form of forms) {
      for (let i = 0; i + 16 <= form.length; i++) expect(encrypted.includes(form.slice(i, i + 16))).toBe(false);
    }
    expect(encrypted).not.toContain(SECRET);
  });

  it('two encryptions of the same text differ (fresh IV each time), and both decrypt', () => {
    const encryption = new KeyEncryption(SECRET);
    const values = new Set(Array.from({ length: 20 }, () => encryption.encrypt(pem)));
    expect(values.size).toBe(20);
    const ivs = new Set([...values].map((value) => parts(value)[1]));
    expect(ivs.size).toBe(20);
    for (const value of values) expect(encryption.decrypt(value)).toBe(pem);
  });
});
