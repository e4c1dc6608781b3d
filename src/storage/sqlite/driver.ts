import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { betterSqlite3 } from './better-sqlite3.js';
import type { ClientChangeWatch, SqlDriver, SqlExecutor } from '../driver.js';
import { BackgroundCheckpointer } from './checkpointer.js';
import { createDatabaseFilePrivately } from './permissions.js';

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

interface Queued {
  fn: (tx: SqlExecutor) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** better-sqlite3 binds 0/1, not booleans. */
function bindable(params: readonly unknown[]): readonly unknown[] {
  // Most statements bind no boolean: no copy then.
  for (const value of params)
    if (typeof value === 'boolean') return params.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  return params;
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
  private queued: Queued[] = [];

  private readonly checkpointer: BackgroundCheckpointer | null;
  /** See holdReadPin. */
  private pin: {
    db: Database.Database;
    begin: Statement;
    read: Statement;
    end: Statement;
    timer: NodeJS.Timeout;
  } | null = null;
  private pinWanted = false;

  /**
   * `backgroundCheckpoints` (for long-running servers) moves WAL checkpoints, and their fsyncs,
   * to a worker thread; SQLite's automatic checkpoint then stays only as a backstop.
   */
  constructor(
    readonly path: string,
    options: { backgroundCheckpoints?: boolean; mustExist?: boolean } = {},
  ) {
    if (path !== ':memory:' && !options.mustExist) {
      mkdirSync(dirname(path), { recursive: true });
      createDatabaseFilePrivately(path);
    }
    // mustExist: an administrative command opens the database `migrate` created, never a new one.
    this.db = new (betterSqlite3())(path, { fileMustExist: options.mustExist === true && path !== ':memory:' });
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
    // Statement journals (a SAVEPOINT's, see runBatch, or a multi-row statement's inside a
    // transaction) in memory: on disk (the default) one spills to a temporary file once it holds
    // 64 KiB of pages (a refresh-token rotation in a SAVEPOINT did), and every page is then
    // written to that file before it is changed.
    this.db.pragma('temp_store = MEMORY');
    const background = options.backgroundCheckpoints === true && path !== ':memory:';
    // ~80 MB of WAL before the committing connection checkpoints itself (default: ~4 MB).
    if (background) this.db.pragma('wal_autocheckpoint = 20000');
    this.checkpointer = background ? new BackgroundCheckpointer(path) : null;
    const statement = (sql: string) => this.statement(sql);
    this.direct = {
      all: async <T>(sql: string, params: readonly unknown[] = []) => statement(sql).all(...bindable(params)) as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) =>
        statement(sql).get(...bindable(params)) as T | undefined,
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
    try {
      return await this.direct.run(sql, params);
    } finally {
      this.holdReadPin();
    }
  }

  async script(sql: string): Promise<void> {
    while (this.gate.open) await this.gate.open;
    try {
      return await this.direct.script(sql);
    } finally {
      this.holdReadPin();
    }
  }

  /** Always through a (group-committed) transaction: sharing one commit is what makes writes cheap here. */
  async writeAtomically(statements: ReadonlyArray<readonly [string, readonly unknown[]]>): Promise<void> {
    await this.transaction(async (tx) => {
      for (const [sql, params] of statements) await tx.run(sql, params);
    });
  }

  /**
   * Group commit: every transaction requested in one turn of the event loop runs inside one
   * SQLite transaction and all are committed together. Each caller's promise settles only after
   * that COMMIT, so a response is still sent only once its tokens are durable. Under load this
   * turns dozens of WAL commits into one; alone, a transaction just waits for the next setImmediate.
   *
   * One failing transaction must not undo the others. They run back to back without a SAVEPOINT
   * each (a SAVEPOINT copies every page a transaction changes into a statement journal first, and
   * RELEASE frees it: a third of the cost of a refresh-token rotation); when one throws, the whole
   * batch is rolled back and run again with one SAVEPOINT per transaction, which rolls back only
   * the failing one. So a transaction's function may run twice: it must act only through `tx`
   * (every caller here does).
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
    let outcomes: Outcome[];
    // Not held while this connection writes: a reader elsewhere would keep the WAL from starting over.
    this.releaseReadPin();
    try {
      outcomes = (await this.runBatch(batch, false)) ?? (await this.runBatch(batch, true))!;
    } finally {
      this.holdReadPin();
      this.gate.open = null;
      finished();
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }

  /**
   * Runs the batch in one SQLite transaction. Without `isolated`, returns null (having rolled
   * everything back) as soon as one of several transactions throws; with it, each runs in its
   * own SAVEPOINT and a failing one is rolled back alone.
   */
  private async runBatch(batch: readonly Queued[], isolated: boolean): Promise<Outcome[] | null> {
    const outcomes: Outcome[] = [];
    try {
      this.statement('BEGIN IMMEDIATE').run();
      for (const { fn } of batch) {
        if (!isolated) {
          try {
            outcomes.push({ ok: true, value: await fn(this.direct) });
          } catch (error) {
            if (this.db.inTransaction) this.statement('ROLLBACK').run();
            // Alone in its batch, its rollback undid nothing else.
            return batch.length === 1 ? [{ ok: false, error }] : null;
          }
          continue;
        }
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
      return outcomes;
    } catch (error) {
      // BEGIN or COMMIT failed (e.g. SQLITE_BUSY from another process): nothing was stored.
      if (this.db.inTransaction) this.statement('ROLLBACK').run();
      return batch.map(() => ({ ok: false, error }));
    }
  }

  /**
   * `PRAGMA data_version` changes whenever another connection (another process, or another
   * driver in this one) commits to the file, and never for this connection's own commits. It
   * costs about a third of reading the client row: it opens a read transaction too, but reads
   * no table. Any commit elsewhere (tokens written by another server process on the same file,
   * say) empties the cache: correct, if useless, for several processes writing one file.
   */
  watchClients(): ClientChangeWatch {
    const dataVersion = this.db.prepare('PRAGMA data_version').pluck();
    return {
      version: () => {
        if (!this.db.open) return null;
        if (!this.pinWanted) {
          this.pinWanted = true;
          this.holdReadPin();
        }
        return dataVersion.get() as number;
      },
      // Every commit by any connection changes it: nothing goes unseen.
      maxAgeMs: null,
      close: async () => {},
    };
  }

  /** Other connections see the commit through their data_version; this one's cache is the store's to clear. */
  changeClients<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.transaction(fn);
  }

  /**
   * A second connection that holds a read transaction on the newest snapshot between this
   * connection's writes (renewed after each, and every second). An autocommit read here, such
   * as the client cache's `PRAGMA data_version` on every token request, then shares its lock on
   * the WAL's read mark, which SQLite counts within the process: it takes and drops that lock
   * without the two fcntl() calls it otherwise costs (3.1 µs → 0.5 µs per data_version). It is
   * let go while this connection writes, so the WAL can still start over after a checkpoint;
   * the checkpointer copies everything up to its snapshot. Only an optimisation: on any error
   * it is dropped and tried again at the next write.
   */
  private holdReadPin(): void {
    if (!this.pinWanted || !this.db.open || this.gateKey === null) return;
    try {
      if (!this.pin) {
        const db = new (betterSqlite3())(this.path);
        // Never wait for a lock: the event loop would wait with it.
        db.pragma('busy_timeout = 0');
        const timer = setInterval(() => this.holdReadPin(), 1000);
        timer.unref();
        this.pin = {
          db,
          timer,
          begin: db.prepare('BEGIN'),
          read: db.prepare('SELECT 1 FROM sqlite_master LIMIT 1'),
          end: db.prepare('COMMIT'),
        };
      }
      if (this.pin.db.inTransaction) this.pin.end.run();
      this.pin.begin.run();
      this.pin.read.get();
    } catch {
      this.dropReadPin();
    }
  }

  private releaseReadPin(): void {
    try {
      if (this.pin?.db.inTransaction) this.pin.end.run();
    } catch {
      this.dropReadPin();
    }
  }

  private dropReadPin(): void {
    if (!this.pin) return;
    clearInterval(this.pin.timer);
    try {
      this.pin.db.close();
    } catch {
      // Closing a connection that failed: nothing more to do.
    }
    this.pin = null;
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
    this.pinWanted = false;
    this.dropReadPin();
    await this.checkpointer?.stop();
    this.db.close();
    this.gate.drivers -= 1;
    if (this.gateKey !== null && this.gate.drivers === 0) gates.delete(this.gateKey);
  }
}
