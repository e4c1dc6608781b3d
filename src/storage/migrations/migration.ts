import type { SqlExecutor } from '../driver.js';

/** One schema change: applied once, in version order, never edited once released. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Rows the SQL alone cannot write (JSON both engines parse differently), in the same transaction. */
  backfill?: (tx: SqlExecutor) => Promise<void>;
}
