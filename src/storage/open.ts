import { resolve } from 'node:path';
import { PostgresDriver } from './postgres/driver.js';
import { SqlStore } from './sql-store.js';
import { SqliteDriver } from './sqlite/driver.js';

export type DatabaseLocation = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

/**
 * `sqlite:PATH` (relative to the working directory, or `sqlite::memory:`) or
 * `postgres://…` / `postgresql://…`. Anything else is refused with the reason.
 */
export function parseDatabaseUrl(value: string): DatabaseLocation {
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    try {
      new URL(value);
    } catch {
      throw new Error('is not a valid postgres:// URL');
    }
    return { engine: 'postgres', url: value };
  }
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length);
    if (!path) throw new Error('needs a file path after "sqlite:", e.g. sqlite:./data/gatehouse.db');
    return { engine: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  throw new Error('must start with sqlite: (e.g. sqlite:./data/gatehouse.db) or postgres://');
}

export interface StoreOptions {
  /** PostgreSQL connections in the pool. */
  poolSize?: number;
  /** SQLite: checkpoint the WAL in a worker thread (for the long-running server). */
  backgroundCheckpoints?: boolean;
  /**
   * Keep client records in memory (default true; see src/storage/client-cache.ts). On
   * PostgreSQL the cache holds one more connection, opened at the first client lookup.
   */
  clientCache?: boolean;
  /** SQLite: open an existing file only, never create one (administrative commands). */
  mustExist?: boolean;
}

export function openStore(location: DatabaseLocation, options: StoreOptions = {}): SqlStore {
  const driver =
    location.engine === 'sqlite'
      ? new SqliteDriver(location.path, {
          backgroundCheckpoints: options.backgroundCheckpoints,
          mustExist: options.mustExist,
        })
      : new PostgresDriver(location.url, { max: options.poolSize });
  return new SqlStore(driver, { clientCache: options.clientCache });
}

/** Where a location points, for messages (never prints a PostgreSQL password). */
export function describeLocation(location: DatabaseLocation): string {
  if (location.engine === 'sqlite') return `SQLite ${location.path}`;
  const url = new URL(location.url);
  if (url.password) url.password = '***';
  return `PostgreSQL ${url.toString()}`;
}
