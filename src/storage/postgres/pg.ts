import { createRequire } from 'node:module';
import type Pg from 'pg';

let loaded: typeof Pg | undefined;

/**
 * The `pg` module, loaded by the first PostgreSQL driver rather than when this layer is imported:
 * a CLI command on SQLite never pays for it. `pg` is CommonJS, so `require` keeps `openStore` synchronous.
 */
export function pgModule(): typeof Pg {
  loaded ??= createRequire(import.meta.url)('pg') as typeof Pg;
  return loaded;
}
