import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import type { KeyStore, SigningKeyRecord } from '../storage/store.js';
import type { Clock } from './clock.js';
import type { KeyEncryption } from './key-encryption.js';

export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** How long a node keeps using the signing key it loaded before it looks for a newer one. */
export const SIGNING_KEY_CACHE_SECONDS = 10;

export interface ActiveSigningKey {
  kid: string;
  algorithm: SigningAlgorithm;
  privateKey: CryptoKey;
}

export interface KeyRingSettings {
  algorithm: SigningAlgorithm;
  /** The longest an access token lives: a retired key stays published at least this long. */
  maxTokenLifetime: number;
}

/** The key cannot be decrypted with the configured key_encryption_key. */
export class KeyDecryptionError extends Error {
  constructor(kid: string) {
    super(`signing key ${kid} cannot be decrypted: key_encryption_key differs from the one it was stored with`);
    this.name = 'KeyDecryptionError';
  }
}

/**
 * The JWT signing keys, kept in the database so every node signs with the same current key
 * and publishes the same JWKS. Rotation adds a key and retires the previous one, which stays
 * published until every token it can have signed has expired.
 */
export class KeyRing {
  private cached: { key: ActiveSigningKey; loadedAt: number } | null = null;
  private loading: Promise<ActiveSigningKey> | null = null;

  constructor(
    private readonly store: KeyStore,
    private readonly clock: Clock,
    private readonly encryption: KeyEncryption | null,
    private readonly settings: KeyRingSettings,
  ) {}

  /** The key new tokens are signed with; the first call on an empty database creates one. */
  async signingKey(): Promise<ActiveSigningKey> {
    const now = this.clock.now();
    if (this.cached && now - this.cached.loadedAt < SIGNING_KEY_CACHE_SECONDS) return this.cached.key;
    this.loading ??= this.loadSigningKey().finally(() => (this.loading = null));
    return this.loading;
  }

  private async loadSigningKey(): Promise<ActiveSigningKey> {
    let current = (await this.store.listSigningKeys()).find((key) => key.retiredAt === null);
    current ??= await this.rotate();
    const key: ActiveSigningKey = {
      kid: current.kid,
      algorithm: current.algorithm as SigningAlgorithm,
      privateKey: await importPKCS8(this.decrypt(current), current.algorithm),
    };
    this.cached = { key, loadedAt: this.clock.now() };
    return key;
  }

  private requireEncryption(): KeyEncryption {
    if (!this.encryption) throw new Error('key_encryption_key is not configured');
    return this.encryption;
  }

  private decrypt(record: SigningKeyRecord): string {
    const encryption = this.requireEncryption();
    try {
      return encryption.decrypt(record.privateKeyEncrypted);
    } catch {
      throw new KeyDecryptionError(record.kid);
    }
  }

  /** Creates a new signing key; the current one is retired but stays published. */
  async rotate(): Promise<SigningKeyRecord> {
    const encryption = this.requireEncryption();
    const algorithm = this.settings.algorithm;
    const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'RS256' ? { modulusLength: 2048 } : {}) });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const now = this.clock.now();
    const record: SigningKeyRecord = {
      kid,
      algorithm,
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg: algorithm, use: 'sig' }),
      privateKeyEncrypted: encryption.encrypt(await exportPKCS8(privateKey)),
      createdAt: now,
      retiredAt: null,
      publishUntil: null,
    };
    // A node may sign with the old key for a few more seconds before it notices the new one.
    await this.store.addSigningKey(record, now + this.settings.maxTokenLifetime + SIGNING_KEY_CACHE_SECONDS);
    this.cached = null;
    return record;
  }

  /** The JWKS: every key that may still have signed a live token. */
  async publishedKeys(): Promise<JWK[]> {
    const now = this.clock.now();
    return (await this.store.listSigningKeys())
      .filter((key) => key.publishUntil === null || key.publishUntil > now)
      .map((key) => JSON.parse(key.publicJwk) as JWK);
  }

  list(): Promise<SigningKeyRecord[]> {
    return this.store.listSigningKeys();
  }
}
