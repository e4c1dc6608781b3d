/**
 * The few things the shared SQL store needs from a database engine. SQL is written once
 * with `?` placeholders; each driver adapts it (PostgreSQL numbers them `$1…`).
 */
export interface SqlExecutor {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs a script of several statements without parameters (migrations). */
  script(sql: string): Promise<void>;
}

/**
 * How a store instance learns that other connections changed the clients table, so that it can
 * keep client records in memory (src/storage/client-cache.ts).
 */
export interface ClientChangeWatch {
  /**
   * A number that stays the same for as long as no other connection has committed a change to
   * the clients table, or null when that cannot be known right now (the cache is then bypassed).
   * Called on every client lookup: synchronous and cheap.
   */
  version(): number | null;
  /**
   * How long a cached record may be used at most (milliseconds), for changes the watch cannot
   * see (on PostgreSQL, an UPDATE typed into psql announces nothing); null when it sees every change.
   */
  readonly maxAgeMs: number | null;
  close(): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Suffix that locks selected rows until commit; SQLite's BEGIN IMMEDIATE already serialises writers. */
  readonly forUpdate: string;
  /** Runs a fixed list of writes atomically, as cheaply as the engine allows (one statement needs no BEGIN). */
  writeAtomically(statements: ReadonlyArray<readonly [sql: string, params: readonly unknown[]]>): Promise<void>;
  /** Runs `fn` in one transaction that takes the write lock at its start. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs `fn` holding a lock that only one process at a time can hold (migrations, clean-up). */
  withExclusiveLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Watches for changes other connections commit to the clients table. */
  watchClients(): ClientChangeWatch;
  /**
   * Runs `fn`, which changes the clients table, in one transaction, and resolves only once every
   * other store instance on the database (any process, any node) can no longer answer from a
   * client cache filled before the commit.
   */
  changeClients<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** The unique constraint an error violated, or null when it is another error. */
  uniqueViolation(error: unknown): string | null;
  close(): Promise<void>;
}
