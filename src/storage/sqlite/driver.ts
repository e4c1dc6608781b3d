import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDriver, SqlExecutor } from '../driver.js';
import { BackgroundCheckpointer } from './checkpointer.js';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The open transaction on a database file, shared by every driver this process opens on that
 * file. Two connections in one process must not both wait for SQLite's write lock: the wait
 * (busy_timeout) blocks the event loop, so the holder could never commit.
 */
interface Gate {
  open: Promise<void> | null;
  drivers: number;
}
const gates = new Map<string, Gate>();

/** better-sqlite3 binds 0/1, not booleans. */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value));
}

/**
 * SQLite through better-sqlite3: synchronous calls, so each statement is atomic within the
 * process. Transactions are `BEGIN IMMEDIATE` (the write lock is taken at the start, so two
 * processes on one file serialise) and, inside the process, any statement issued while a
 * transaction is open (on any connection this process has to the file) waits for it, so another
 * request's write can never slip into it.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly forUpdate = '';
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private readonly gate: Gate;
  private readonly gateKey: string | null;
  private readonly direct: SqlExecutor;
  private queued: Array<{ fn: (tx: SqlExecutor) => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void }> = [];

  private readonly checkpointer: BackgroundCheckpointer | null;

  /**
   * `backgroundCheckpoints` (for long-running servers) moves WAL checkpoints, and their fsyncs,
   * to a worker thread; SQLite's automatic checkpoint then stays only as a backstop.
   */
  constructor(readonly path: string, options: { backgroundCheckpoints?: boolean } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.gateKey = path === ':memory:' ? null : resolve(path);
    let gate = this.gateKey === null ? undefined : gates.get(this.gateKey);
    if (!gate) {
      gate = { open: null, drivers: 0 };
      if (this.gateKey !== null) gates.set(this.gateKey, gate);
    }
    gate.drivers += 1;
    this.gate = gate;
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash or
    // power loss may drop the last transactions. FULL would fsync every token.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    const background = options.backgroundCheckpoints === true && path !== ':memory:';
    // ~80 MB of WAL before the committing connection checkpoints itself (default: ~4 MB).
    if (background) this.db.pragma('wal_autocheckpoint = 20000');
    this.checkpointer = background ? new BackgroundCheckpointer(path) : null;
    const statement = (sql: string) => this.statement(sql);
    this.direct = {
      all: async <T>(sql: string, params: readonly unknown[] = []) => statement(sql).all(...bindable(params)) as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) => statement(sql).get(...bindable(params)) as T | undefined,
      run: async (sql: string, params: readonly unknown[] = []) => statement(sql).run(...bindable(params)).changes,
      script: async (sql: string) => {
        this.db.exec(sql);
      },
    };
  }

  private statement(sql: string): Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  // Each method re-checks the gate after every wait and then runs its statement in the same
  // synchronous step: nothing can open a transaction in between.

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    while (this.gate.open) await this.gate.open;
    return this.direct.all<T>(sql, params);
  }

  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    while (this.gate.open) await this.gate.open;
    return this.direct.get<T>(sql, params);
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    while (this.gate.open) await this.gate.open;
    return this.direct.run(sql, params);
  }

  async script(sql: string): Promise<void> {
    while (this.gate.open) await this.gate.open;
    return this.direct.script(sql);
  }

  /** Always through a (group-committed) transaction: sharing one commit is what makes writes cheap here. */
  async writeAtomically(statements: ReadonlyArray<readonly [string, readonly unknown[]]>): Promise<void> {
    await this.transaction(async (tx) => {
      for (const [sql, params] of statements) await tx.run(sql, params);
    });
  }

  /**
   * Group commit: every transaction requested in one turn of the event loop runs inside one
   * SQLite transaction, each in its own SAVEPOINT (so one failing does not undo the others),
   * and all are committed together. Each caller's promise settles only after that COMMIT, so
   * a response is still sent only once its tokens are durable. Under load this turns dozens
   * of WAL commits into one; alone, a transaction just waits for the next setImmediate.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.queued.length === 1) setImmediate(() => void this.commitQueued());
    });
  }

  private async commitQueued(): Promise<void> {
    while (this.gate.open) await this.gate.open;
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    let finished!: () => void;
    this.gate.open = new Promise<void>((resolve) => (finished = resolve));
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.statement('BEGIN IMMEDIATE').run();
      for (const { fn } of batch) {
        this.statement('SAVEPOINT queued').run();
        try {
          const value = await fn(this.direct);
          this.statement('RELEASE queued').run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          this.statement('ROLLBACK TO queued').run();
          this.statement('RELEASE queued').run();
          outcomes.push({ ok: false, error });
        }
      }
      this.statement('COMMIT').run();
    } catch (error) {
      // BEGIN or COMMIT failed (e.g. SQLITE_BUSY from another process): nothing was stored.
      if (this.db.inTransaction) this.statement('ROLLBACK').run();
      outcomes.length = 0;
      for (let i = 0; i < batch.length; i++) outcomes.push({ ok: false, error });
    } finally {
      this.gate.open = null;
      finished();
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }

  /** A write transaction already excludes every other process on the file. */
  async withExclusiveLock<T>(_name: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  uniqueViolation(error: unknown): string | null {
    const { code, message } = (error ?? {}) as { code?: string; message?: string };
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
    return message ?? '';
  }

  /** Integrity check used by tests and operators. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.checkpointer?.stop();
    this.db.close();
    this.gate.drivers -= 1;
    if (this.gateKey !== null && this.gate.drivers === 0) gates.delete(this.gateKey);
  }
}
