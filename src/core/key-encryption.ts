import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
/** GCM's full tag length; decryption refuses any other. */
const AUTH_TAG_BYTES = 16;

/** What the signing keys are encrypted for (the HKDF info): the original key, unchanged. */
const SIGNING_KEY_ENCRYPTION = 'signing-key-encryption v1';
/** client_secret_jwt secrets (core/clients.ts): a key of their own under the same key_encryption_key. */
export const CLIENT_SECRET_ENCRYPTION = 'client-secret-encryption v1';

/**
 * Encrypts private signing keys (and client_secret_jwt secrets) for storage: AES-256-GCM under a key derived (HKDF-SHA-256)
 * from the operator's key_encryption_key, so a copy of the database alone cannot sign tokens.
 * Format: v1.<iv>.<tag>.<ciphertext>, each part base64url.
 */
export class KeyEncryption {
  private readonly key: Buffer;

  /**
   * `purpose` keeps the keys derived for different kinds of secret apart: a client secret's
   * ciphertext can never be decrypted as a signing key, nor the other way round.
   */
  constructor(secret: string, purpose: string = SIGNING_KEY_ENCRYPTION) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'gatehouse', purpose, 32));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: AUTH_TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * Throws when the value was encrypted under another key or altered. The tag must be the full
   * 16 bytes: GCM would otherwise accept a truncated tag, and each byte cut off makes a forgery
   * 256 times easier.
   */
  decrypt(encrypted: string): string {
    const [version, iv, tag, ciphertext, ...rest] = encrypted.split('.');
    if (version !== 'v1' || !iv || !tag || ciphertext === undefined || rest.length > 0)
      throw new Error('not an encrypted signing key');
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== AUTH_TAG_BYTES)
      throw new Error('not an encrypted signing key');
    const decipher = createDecipheriv('aes-256-gcm', this.key, ivBytes, { authTagLength: AUTH_TAG_BYTES });
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
