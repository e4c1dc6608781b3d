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
  /** The algorithm of JWT access tokens (jwt_signing_algorithm): the ring's default. */
  algorithm: SigningAlgorithm;
  /** The longest a token it signs lives (access token or ID token): a retired key stays published at least this long. */
  maxTokenLifetime: number;
}

/** The key cannot be decrypted with the configured key_encryption_key. */
export class KeyDecryptionError extends Error {
  constructor(kid: string) {
    super(
      `signing key ${kid} cannot be decrypted: key_encryption_key differs from the one it was stored with (on SQLite without a configured key, that is the content of <database>.kek)`,
    );
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

/** The keys of one algorithm: each algorithm has a ring of its own. */
function ofAlgorithm(keys: readonly SigningKeyRecord[], algorithm: SigningAlgorithm): SigningKeyRecord[] {
  return keys.filter((key) => key.algorithm === algorithm);
}

/**
 * The key that signs at `now` (among keys of one algorithm): the oldest key still before its retirement. After a rotation
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
 * publishes the same JWKS. There is one current key per algorithm: the access-token algorithm
 * (jwt_signing_algorithm) and each algorithm an ID token has been asked in (RS256 by default,
 * ES256 or EdDSA when a client registered it), each created when first needed. A rotation
 * publishes a new key at once, switches signing to it KEY_PREPUBLICATION_SECONDS later, and keeps
 * the old key published until every token it can have signed has expired.
 */
export class KeyRing {
  private readonly cached = new Map<SigningAlgorithm, { key: ActiveSigningKey; validUntil: number }>();
  private readonly loading = new Map<SigningAlgorithm, Promise<ActiveSigningKey>>();
  /** Public JWKs derived from decrypted private keys, by the stored ciphertext (null: not publishable). */
  private readonly derived = new Map<string, JWK | null>();

  constructor(
    private readonly store: KeyStore,
    private readonly clock: Clock,
    private readonly encryption: KeyEncryption | null,
    private readonly settings: KeyRingSettings,
  ) {}

  /** The algorithm of JWT access tokens. */
  get defaultAlgorithm(): SigningAlgorithm {
    return this.settings.algorithm;
  }

  /**
   * The key new tokens of `algorithm` (default: the access-token algorithm) are signed with; the
   * first call for an algorithm that has no key yet creates one.
   */
  async signingKey(algorithm: SigningAlgorithm = this.settings.algorithm): Promise<ActiveSigningKey> {
    const cached = this.cached.get(algorithm);
    if (cached && this.clock.now() < cached.validUntil) return cached.key;
    let loading = this.loading.get(algorithm);
    if (!loading) {
      loading = this.loadSigningKey(algorithm).finally(() => this.loading.delete(algorithm));
      this.loading.set(algorithm, loading);
    }
    return loading;
  }

  /**
   * Decrypts every key that signs now (no key is created): a wrong key_encryption_key stops
   * start-up instead of failing the first token request that needs a key.
   */
  async checkCurrentKeys(): Promise<void> {
    const keys = await this.store.listSigningKeys();
    for (const algorithm of SIGNING_ALGORITHMS) {
      const current = signingKeyAt(ofAlgorithm(keys, algorithm), this.clock.now());
      if (current) await publicJwkOf(current, this.decrypt(current));
    }
  }

  private async loadSigningKey(algorithm: SigningAlgorithm): Promise<ActiveSigningKey> {
    const now = this.clock.now();
    let current = signingKeyAt(ofAlgorithm(await this.store.listSigningKeys(), algorithm), now);
    current ??= await this.createFirstKey(algorithm);
    const pem = this.decrypt(current);
    // Never sign under a kid the private key does not have: resource servers would not find it.
    await publicJwkOf(current, pem);
    const key: ActiveSigningKey = {
      kid: current.kid,
      algorithm: current.algorithm as SigningAlgorithm,
      privateKey: await importPKCS8(pem, current.algorithm),
    };
    // Look again after a while (another node may have rotated), and exactly when this key retires.
    this.cached.set(algorithm, {
      key,
      validUntil: Math.min(now + SIGNING_KEY_CACHE_SECONDS, current.retiredAt ?? Number.POSITIVE_INFINITY),
    });
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
  private async createFirstKey(algorithm: SigningAlgorithm): Promise<SigningKeyRecord> {
    const candidate = await this.newKey(algorithm);
    if (await this.store.addFirstSigningKey(candidate)) return candidate;
    const winner = signingKeyAt(ofAlgorithm(await this.store.listSigningKeys(), algorithm), this.clock.now());
    if (!winner) throw new Error('no signing key after another node created the first one');
    return winner;
  }

  private async newKey(algorithm: SigningAlgorithm): Promise<SigningKeyRecord> {
    const encryption = this.requireEncryption();
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
   * Creates a new signing key for every algorithm that has a key signing (the access-token one,
   * and each ID tokens use), published now; with no key at all, one of the access-token algorithm.
   * Each signs from KEY_PREPUBLICATION_SECONDS on, or at once with `immediately` (the first key,
   * or an operator who cannot wait). The access-token algorithm's key comes first when it has one.
   */
  async rotateAll({ immediately = false }: { immediately?: boolean } = {}): Promise<SigningKeyRecord[]> {
    this.requireEncryption();
    const existing = await this.store.listSigningKeys();
    const before = this.clock.now();
    // A key stored under another key_encryption_key would stop every node from signing: refuse.
    for (const key of existing.filter((k) => k.retiredAt === null || k.retiredAt > before)) this.decrypt(key);
    // Every algorithm with a key that signs, the access-token one first; none yet: that one alone.
    const inUse = [this.settings.algorithm, ...SIGNING_ALGORITHMS.filter((a) => a !== this.settings.algorithm)].filter(
      (algorithm) => signingKeyAt(ofAlgorithm(existing, algorithm), before),
    );
    const rotated: SigningKeyRecord[] = [];
    for (const algorithm of inUse.length > 0 ? inUse : [this.settings.algorithm]) {
      const record = await this.newKey(algorithm);
      const now = record.createdAt;
      const first = ofAlgorithm(existing, algorithm).length === 0;
      const retireAt = immediately || first ? now : now + KEY_PREPUBLICATION_SECONDS;
      // A node may go on signing with the old key for a few seconds before it looks again.
      await this.store.addSigningKey(record, {
        retireAt,
        publishUntil: retireAt + this.settings.maxTokenLifetime + SIGNING_KEY_CACHE_SECONDS,
      });
      rotated.push(record);
    }
    this.cached.clear();
    return rotated;
  }

  /** rotateAll, returning the first key it created (the access-token algorithm's, when it signs). */
  async rotate(options: { immediately?: boolean } = {}): Promise<SigningKeyRecord> {
    return (await this.rotateAll(options))[0]!;
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

  /** Each key with its state at `now`, current first (one signing key per algorithm). */
  async list(now = this.clock.now()): Promise<Array<SigningKeyRecord & { state: KeyState }>> {
    const keys = await this.store.listSigningKeys();
    const signing = new Set(
      SIGNING_ALGORITHMS.map((algorithm) => signingKeyAt(ofAlgorithm(keys, algorithm), now)).filter(Boolean),
    );
    return keys.map((key) => ({ ...key, state: signing.has(key) ? 'signing' : this.stateOf(key, now) }));
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
