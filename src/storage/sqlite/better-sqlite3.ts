import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

let loaded: typeof Database | undefined;

/**
 * better-sqlite3 (and its native addon), loaded by the first SQLite driver rather than when this
 * layer is imported: a process on PostgreSQL never pays for it. CommonJS, so `require` keeps
 * `openStore` synchronous.
 */
export function betterSqlite3(): typeof Database {
  loaded ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return loaded;
}
