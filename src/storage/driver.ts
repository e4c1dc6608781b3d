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
  /** The unique constraint an error violated, or null when it is another error. */
  uniqueViolation(error: unknown): string | null;
  close(): Promise<void>;
}
