import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import type { KeyStore, SigningKeyRecord } from '../storage/store.js';
import type { Clock } from './clock.js';
import type { KeyEncryption } from './key-encryption.js';

export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** How long a node keeps using the signing key it loaded before it looks again. */
export const SIGNING_KEY_CACHE_SECONDS = 10;

/**
 * A new key is published this long before it signs anything, so resource servers that cached
 * the JWKS shortly before the rotation (HTTP max-age 60 s; gatehouse/resource refetches on an
 * unknown kid at most every 30 s) already know it when its first token arrives.
 */
export const KEY_PREPUBLICATION_SECONDS = 90;

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

export type KeyState =
  /** Published, signing from its predecessor's retirement on. */
  | 'next'
  | 'signing'
  /** No longer signing; published while tokens it signed may be alive. */
  | 'published'
  | 'expired';

/**
 * The key that signs at `now`: the oldest key still before its retirement. After a rotation
 * the previous key goes on signing until the new one has been published for a while.
 */
export function signingKeyAt(keys: readonly SigningKeyRecord[], now: number): SigningKeyRecord | undefined {
  const retirement = (key: SigningKeyRecord) => key.retiredAt ?? Number.POSITIVE_INFINITY;
  return keys
    .filter((key) => retirement(key) > now)
    .reduce<SigningKeyRecord | undefined>((best, key) => (!best || retirement(key) < retirement(best) ? key : best), undefined);
}

/**
 * The JWT signing keys, kept in the database so every node signs with the same key and
 * publishes the same JWKS. A rotation publishes a new key at once, switches signing to it
 * KEY_PREPUBLICATION_SECONDS later, and keeps the old key published until every token it can
 * have signed has expired.
 */
export class KeyRing {
  private cached: { key: ActiveSigningKey; validUntil: number } | null = null;
  private loading: Promise<ActiveSigningKey> | null = null;

  constructor(
    private readonly store: KeyStore,
    private readonly clock: Clock,
    private readonly encryption: KeyEncryption | null,
    private readonly settings: KeyRingSettings,
  ) {}

  /** The key new tokens are signed with; the first call on an empty database creates one. */
  async signingKey(): Promise<ActiveSigningKey> {
    if (this.cached && this.clock.now() < this.cached.validUntil) return this.cached.key;
    this.loading ??= this.loadSigningKey().finally(() => (this.loading = null));
    return this.loading;
  }

  private async loadSigningKey(): Promise<ActiveSigningKey> {
    const now = this.clock.now();
    let current = signingKeyAt(await this.store.listSigningKeys(), now);
    current ??= await this.rotate({ immediately: true });
    const key: ActiveSigningKey = {
      kid: current.kid,
      algorithm: current.algorithm as SigningAlgorithm,
      privateKey: await importPKCS8(this.decrypt(current), current.algorithm),
    };
    // Look again after a while (another node may have rotated), and exactly when this key retires.
    this.cached = { key, validUntil: Math.min(now + SIGNING_KEY_CACHE_SECONDS, current.retiredAt ?? Number.POSITIVE_INFINITY) };
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

  /**
   * Creates a new signing key, published now. It signs from KEY_PREPUBLICATION_SECONDS on, or
   * at once with `immediately` (the first key, or an operator who cannot wait).
   */
  async rotate({ immediately = false }: { immediately?: boolean } = {}): Promise<SigningKeyRecord> {
    const encryption = this.requireEncryption();
    const existing = await this.store.listSigningKeys();
    const before = this.clock.now();
    // A key stored under another key_encryption_key would stop every node from signing: refuse.
    for (const key of existing.filter((k) => k.retiredAt === null || k.retiredAt > before)) this.decrypt(key);

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
    const retireAt = immediately || existing.length === 0 ? now : now + KEY_PREPUBLICATION_SECONDS;
    // A node may go on signing with the old key for a few seconds before it looks again.
    await this.store.addSigningKey(record, { retireAt, publishUntil: retireAt + this.settings.maxTokenLifetime + SIGNING_KEY_CACHE_SECONDS });
    this.cached = null;
    return record;
  }

  /**
   * The JWKS: every key that signs, will sign, or may have signed a live token. A retired key
   * stays at least until its recorded publishUntil, and at least as long as this server's own
   * access_token_lifetime requires (the rotation may have run with another configuration).
   */
  async publishedKeys(): Promise<JWK[]> {
    const now = this.clock.now();
    return (await this.store.listSigningKeys()).filter((key) => this.stateOf(key, now) !== 'expired').map((key) => JSON.parse(key.publicJwk) as JWK);
  }

  /** Each key with its state at `now`, current first. */
  async list(now = this.clock.now()): Promise<Array<SigningKeyRecord & { state: KeyState }>> {
    const keys = await this.store.listSigningKeys();
    const signing = signingKeyAt(keys, now);
    return keys.map((key) => ({ ...key, state: key === signing ? 'signing' : this.stateOf(key, now) }));
  }

  private stateOf(key: SigningKeyRecord, now: number): KeyState {
    // Not the signing key (list() says which is), and not retired yet: waiting its turn.
    if (key.retiredAt === null || key.retiredAt > now) return 'next';
    const until = Math.max(key.publishUntil ?? 0, key.retiredAt + this.settings.maxTokenLifetime + SIGNING_KEY_CACHE_SECONDS);
    return until > now ? 'published' : 'expired';
  }
}
