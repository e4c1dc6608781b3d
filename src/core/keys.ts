import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { KeyStore, SigningKeyRecord } from './ports.js';
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

/** The stored private key does not belong to the kid or algorithm its row names (the row was altered). */
export class KeyMismatchError extends Error {
  constructor(kid: string) {
    super(`signing key ${kid}: the stored private key does not match its kid or algorithm`);
    this.name = 'KeyMismatchError';
  }
}

/** The key type each algorithm needs. */
const KEY_SHAPES: Record<SigningAlgorithm, { kty: string; crv?: string }> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  ES256: { kty: 'EC', crv: 'P-256' },
  RS256: { kty: 'RSA' },
};

/**
 * The public JWK of a decrypted private key (PKCS#8 PEM), as published: kid = its RFC 7638
 * thumbprint, alg, use sig. Throws KeyMismatchError when that is not the row's kid and algorithm.
 */
async function publicJwkOf(record: Pick<SigningKeyRecord, 'kid' | 'algorithm'>, privatePem: string): Promise<JWK> {
  const jwk = createPublicKey(createPrivateKey(privatePem)).export({ format: 'jwk' }) as JWK;
  const shape = KEY_SHAPES[record.algorithm as SigningAlgorithm] as { kty: string; crv?: string } | undefined;
  if (!shape || jwk.kty !== shape.kty || (shape.crv !== undefined && jwk.crv !== shape.crv))
    throw new KeyMismatchError(record.kid);
  if ((await calculateJwkThumbprint(jwk)) !== record.kid) throw new KeyMismatchError(record.kid);
  return { ...jwk, kid: record.kid, alg: record.algorithm, use: 'sig' };
}

/**
 * The key that signs at `now`: the oldest key still before its retirement. After a rotation
 * the previous key goes on signing until the new one has been published for a while. Ties (two
 * rotations at once retired a key that had not started signing together with its predecessor)
 * go to the older key, then the smaller kid, so every node picks the same one.
 */
export function signingKeyAt(keys: readonly SigningKeyRecord[], now: number): SigningKeyRecord | undefined {
  const retirement = (key: SigningKeyRecord) => key.retiredAt ?? Number.POSITIVE_INFINITY;
  const before = (a: SigningKeyRecord, b: SigningKeyRecord) =>
    retirement(a) !== retirement(b)
      ? retirement(a) < retirement(b)
      : a.createdAt !== b.createdAt
        ? a.createdAt < b.createdAt
        : a.kid < b.kid;
  return keys
    .filter((key) => retirement(key) > now)
    .reduce<SigningKeyRecord | undefined>((best, key) => (!best || before(key, best) ? key : best), undefined);
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
  /** Public JWKs derived from decrypted private keys, by the stored ciphertext (null: not publishable). */
  private readonly derived = new Map<string, JWK | null>();

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
    current ??= await this.createFirstKey();
    const pem = this.decrypt(current);
    // Never sign under a kid the private key does not have: resource servers would not find it.
    await publicJwkOf(current, pem);
    const key: ActiveSigningKey = {
      kid: current.kid,
      algorithm: current.algorithm as SigningAlgorithm,
      privateKey: await importPKCS8(pem, current.algorithm),
    };
    // Look again after a while (another node may have rotated), and exactly when this key retires.
    this.cached = {
      key,
      validUntil: Math.min(now + SIGNING_KEY_CACHE_SECONDS, current.retiredAt ?? Number.POSITIVE_INFINITY),
    };
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
   * The first key, when none signs: stored only if still no key signs when the store checks
   * under its lock, so nodes starting together on an empty database agree on one key (the
   * others' candidates are thrown away and they load the winner).
   */
  private async createFirstKey(): Promise<SigningKeyRecord> {
    const candidate = await this.newKey();
    if (await this.store.addFirstSigningKey(candidate)) return candidate;
    const winner = signingKeyAt(await this.store.listSigningKeys(), this.clock.now());
    if (!winner) throw new Error('no signing key after another node created the first one');
    return winner;
  }

  private async newKey(): Promise<SigningKeyRecord> {
    const encryption = this.requireEncryption();
    const algorithm = this.settings.algorithm;
    const { publicKey, privateKey } = await generateKeyPair(algorithm, {
      extractable: true,
      ...(algorithm === 'RS256' ? { modulusLength: 2048 } : {}),
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    return {
      kid,
      algorithm,
      // Kept for older releases reading the table; never published or trusted (publicJwkOf derives it).
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg: algorithm, use: 'sig' }),
      privateKeyEncrypted: encryption.encrypt(await exportPKCS8(privateKey)),
      createdAt: this.clock.now(),
      retiredAt: null,
      publishUntil: null,
    };
  }

  /**
   * Creates a new signing key, published now. It signs from KEY_PREPUBLICATION_SECONDS on, or
   * at once with `immediately` (the first key, or an operator who cannot wait).
   */
  async rotate({ immediately = false }: { immediately?: boolean } = {}): Promise<SigningKeyRecord> {
    this.requireEncryption();
    const existing = await this.store.listSigningKeys();
    const before = this.clock.now();
    // A key stored under another key_encryption_key would stop every node from signing: refuse.
    for (const key of existing.filter((k) => k.retiredAt === null || k.retiredAt > before)) this.decrypt(key);

    const record = await this.newKey();
    const now = record.createdAt;
    const retireAt = immediately || existing.length === 0 ? now : now + KEY_PREPUBLICATION_SECONDS;
    // A node may go on signing with the old key for a few seconds before it looks again.
    await this.store.addSigningKey(record, {
      retireAt,
      publishUntil: retireAt + this.settings.maxTokenLifetime + SIGNING_KEY_CACHE_SECONDS,
    });
    this.cached = null;
    return record;
  }

  /**
   * The JWKS: every key that signs, will sign, or may have signed a live token. A retired key
   * stays at least until its recorded publishUntil, and at least as long as this server's own
   * access_token_lifetime requires (the rotation may have run with another configuration).
   * Each public key is derived from the decrypted private key, never read from the table: a row
   * whose private key does not decrypt under key_encryption_key, or does not match its kid and
   * algorithm, is not published (so nobody who can only write to the database can add a key).
   */
  async publishedKeys(): Promise<JWK[]> {
    const now = this.clock.now();
    const live = (await this.store.listSigningKeys()).filter((key) => this.stateOf(key, now) !== 'expired');
    const published: JWK[] = [];
    for (const key of live) {
      const jwk = await this.derivePublicJwk(key);
      if (jwk) published.push(jwk);
    }
    // Forget keys no longer published, so the memo stays as small as the JWKS.
    const current = new Set(live.map((key) => key.privateKeyEncrypted));
    for (const ciphertext of this.derived.keys()) if (!current.has(ciphertext)) this.derived.delete(ciphertext);
    return published;
  }

  private async derivePublicJwk(key: SigningKeyRecord): Promise<JWK | null> {
    const memo = this.derived.get(key.privateKeyEncrypted);
    // Memoised by ciphertext, which fixes the private key; kid and algorithm are checked each time.
    if (memo !== undefined) return memo && memo.kid === key.kid && memo.alg === key.algorithm ? memo : null;
    let jwk: JWK | null;
    try {
      jwk = await publicJwkOf(key, this.decrypt(key));
    } catch {
      jwk = null;
    }
    this.derived.set(key.privateKeyEncrypted, jwk);
    return jwk;
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
    const until = Math.max(
      key.publishUntil ?? 0,
      key.retiredAt + this.settings.maxTokenLifetime + SIGNING_KEY_CACHE_SECONDS,
    );
    return until > now ? 'published' : 'expired';
  }
}
