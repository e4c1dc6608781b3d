import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, databaseLocation } from './load.js';
import type { GatehouseConfig } from './schema.js';

/** Where key_encryption_key came from, for the start-up log. */
export type KeyEncryptionKeySource =
  | { kind: 'configured' }
  /** Development default: generated once beside the SQLite database. */
  | { kind: 'file'; path: string; created: boolean }
  /** An in-memory database: a key for this process only. */
  | { kind: 'memory' }
  /** None (only a command that never signs may run so: `gatehouse user …` on PostgreSQL). */
  | { kind: 'none' };

/** The file beside a SQLite database that holds its generated key_encryption_key. */
export function keyFileFor(databasePath: string): string {
  return `${databasePath}.kek`;
}

/**
 * key_encryption_key, so that ID tokens can always be signed (OpenID Connect needs signing keys,
 * stored encrypted). Configured: used as is. Not configured, on a SQLite file: the key in the file
 * beside the database (`<database>.kek`, mode 0600), created with `create` when missing, so
 * `npm start` signs ID tokens with no setting at all. On PostgreSQL several nodes must share one
 * key, which no node can invent: the server refuses to start without it (`requireForPostgres`).
 */
export function resolveKeyEncryptionKey(
  config: GatehouseConfig,
  { create, requireForPostgres }: { create: boolean; requireForPostgres: boolean },
): { config: GatehouseConfig; source: KeyEncryptionKeySource } {
  if (config.key_encryption_key) return { config, source: { kind: 'configured' } };
  const location = databaseLocation(config);
  if (location.engine === 'postgres') {
    if (requireForPostgres)
      throw new ConfigError(
        'key_encryption_key: required with PostgreSQL (OpenID Connect signs ID tokens with keys stored encrypted in the database, and every node needs the same key): e.g. GATEHOUSE_KEY_ENCRYPTION_KEY=$(openssl rand -base64 32)',
      );
    return { config, source: { kind: 'none' } };
  }
  if (location.path === ':memory:')
    return create
      ? { config: { ...config, key_encryption_key: randomBytes(32).toString('base64') }, source: { kind: 'memory' } }
      : { config, source: { kind: 'none' } };
  const path = keyFileFor(location.path);
  const existing = readKeyFile(path);
  if (existing)
    return { config: { ...config, key_encryption_key: existing }, source: { kind: 'file', path, created: false } };
  if (!create) return { config, source: { kind: 'none' } };
  const generated = randomBytes(32).toString('base64');
  try {
    // The database's folder, as opening the database would create it.
    mkdirSync(dirname(path), { recursive: true });
    // wx: never overwrite a key another process wrote a moment ago; 0600: the key is a secret.
    writeFileSync(path, `${generated}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new ConfigError(`key_encryption_key: cannot write ${path} (${(error as Error).message})`);
    const written = readKeyFile(path);
    if (!written) throw new ConfigError(`key_encryption_key: ${path} is empty or too short`);
    return { config: { ...config, key_encryption_key: written }, source: { kind: 'file', path, created: false } };
  }
  return { config: { ...config, key_encryption_key: generated }, source: { kind: 'file', path, created: true } };
}

function readKeyFile(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`key_encryption_key: cannot read ${path} (${(error as Error).message})`);
  }
  const key = text.trim();
  if (key.length < 32) throw new ConfigError(`key_encryption_key: ${path} must hold at least 32 characters`);
  return key;
}
