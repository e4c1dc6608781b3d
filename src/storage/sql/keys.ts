import type { SqlDriver } from '../driver.js';
import type { KeyStore, SigningKeyRecord } from '../store.js';

/** The signing key ring (KeyStore): rotations queue on an exclusive lock, one current key at a time. */

interface SigningKeyRow {
  kid: string;
  algorithm: string;
  public_jwk: string;
  private_key_encrypted: string;
  created_at: number;
  retired_at: number | null;
  publish_until: number | null;
}

const toSigningKey = (row: SigningKeyRow): SigningKeyRecord => ({
  kid: row.kid,
  algorithm: row.algorithm,
  publicJwk: row.public_jwk,
  privateKeyEncrypted: row.private_key_encrypted,
  createdAt: row.created_at,
  retiredAt: row.retired_at,
  publishUntil: row.publish_until,
});

export class SqlKeys implements KeyStore {
  constructor(private readonly db: SqlDriver) {}

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    // Newest first: the current key, then retired keys by when they were retired (a second's
    // resolution cannot tell apart keys created in the same second; retirement order can).
    return (
      await this.db.all<SigningKeyRow>(
        'SELECT * FROM signing_keys ORDER BY CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END DESC, retired_at DESC, created_at DESC, kid DESC',
      )
    ).map(toSigningKey);
  }

  async addSigningKey(k: SigningKeyRecord, retired: { retireAt: number; publishUntil: number }): Promise<void> {
    // The lock makes concurrent rotations queue (READ COMMITTED alone would let each miss the
    // other's new key and leave several current keys).
    await this.db.withExclusiveLock('signing-keys', () =>
      this.db.transaction(async (tx) => {
        // Every key that would still sign after retireAt stops then: the current key, and (for
        // an immediate rotation) one still in its last seconds or one waiting its turn.
        // Keys of another algorithm are another ring (ID tokens, access tokens): untouched.
        await tx.run(
          'UPDATE signing_keys SET retired_at = ?, publish_until = ? WHERE algorithm = ? AND (retired_at IS NULL OR retired_at > ?)',
          [retired.retireAt, retired.publishUntil, k.algorithm, retired.retireAt],
        );
        await tx.run(
          `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [k.kid, k.algorithm, k.publicJwk, k.privateKeyEncrypted, k.createdAt, k.retiredAt, k.publishUntil],
        );
      }),
    );
  }

  async addFirstSigningKey(k: SigningKeyRecord): Promise<boolean> {
    return this.db.withExclusiveLock('signing-keys', () =>
      this.db.transaction(async (tx) => {
        // Inside the (write) transaction: SQLite's BEGIN IMMEDIATE and PostgreSQL's advisory lock
        // both make this check and the insert one step for every process.
        if (
          await tx.get(
            'SELECT 1 AS n FROM signing_keys WHERE algorithm = ? AND (retired_at IS NULL OR retired_at > ?)',
            [k.algorithm, k.createdAt],
          )
        )
          return false;
        await tx.run(
          `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_encrypted, created_at, retired_at, publish_until)
           VALUES (?, ?, ?, ?, ?, NULL, NULL)`,
          [k.kid, k.algorithm, k.publicJwk, k.privateKeyEncrypted, k.createdAt],
        );
        return true;
      }),
    );
  }
}
