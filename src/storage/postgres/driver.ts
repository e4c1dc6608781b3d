import type pg from 'pg';
import type { ClientChangeWatch, SqlDriver, SqlExecutor } from '../driver.js';
import { announceClientsChanged, ListenerBarrier, PostgresClientWatch } from './client-watch.js';
import { pgModule } from './pg.js';

const INT8_OID = 20;

/** Longest wait for a query's answer before it fails as "database unavailable" (503). */
const QUERY_TIMEOUT_MS = 10_000;
/** Migrations (CREATE INDEX on a large table) may take far longer than a request's query. */
const SCRIPT_TIMEOUT_MS = 6 * 3600_000;

/** Epoch seconds are BIGINT; they fit a JS number, so read them as numbers, not strings. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pgModule().types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

interface Prepared {
  name: string;
  text: string;
}

/** Lock ids for pg_advisory_lock, one per purpose (the number is arbitrary but fixed). */
const ADVISORY_LOCKS: Record<string, number> = { migrate: 7_041_001, cleanup: 7_041_002, 'signing-keys': 7_041_003 };

/**
 * PostgreSQL through a `pg` pool. Statements are prepared by name on each connection the
 * first time they run there; `?` placeholders become `$1…`.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly forUpdate = ' FOR UPDATE';
  readonly pool: pg.Pool;
  private readonly prepared = new Map<string, Prepared>();

  constructor(
    private readonly connectionString: string,
    options: { max?: number } = {},
  ) {
    this.pool = new (pgModule().Pool)({
      connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5000,
      // A database that stops answering without closing the connection (a partition, a frozen
      // host) must turn into a 503, not a request that hangs: no answer in 10 s fails the query,
      // and TCP keep-alive notices the dead peer of an idle connection.
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      // A node that vanishes mid-transaction must not hold its row locks for long.
      idle_in_transaction_session_timeout: 30_000,
      types,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => {});
    ({ all: this.all, get: this.get, run: this.run, script: this.script } = this.executor(this.pool));
  }

  private prepare(sql: string): Prepared {
    let prepared = this.prepared.get(sql);
    if (!prepared) {
      let n = 0;
      prepared = { name: `gh_${this.prepared.size}`, text: sql.replace(/\?/g, () => `$${++n}`) };
      this.prepared.set(sql, prepared);
    }
    return prepared;
  }

  private executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
    const query = async (sql: string, params: readonly unknown[]) => {
      const { name, text } = this.prepare(sql);
      return client.query({ name, text, values: params as unknown[] });
    };
    return {
      all: async <T>(sql: string, params: readonly unknown[] = []) => (await query(sql, params)).rows as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) =>
        (await query(sql, params)).rows[0] as T | undefined,
      run: async (sql: string, params: readonly unknown[] = []) => (await query(sql, params)).rowCount ?? 0,
      script: async (sql: string) => {
        await client.query({ text: sql, query_timeout: SCRIPT_TIMEOUT_MS } as pg.QueryConfig);
      },
    };
  }

  readonly all: SqlExecutor['all'];
  readonly get: SqlExecutor['get'];
  readonly run: SqlExecutor['run'];
  readonly script: SqlExecutor['script'];

  async writeAtomically(statements: ReadonlyArray<readonly [string, readonly unknown[]]>): Promise<void> {
    const [only, ...rest] = statements;
    if (!only) return;
    // A single statement is atomic on its own: skip the BEGIN/COMMIT round trips.
    if (rest.length === 0) {
      await this.run(only[0], only[1]);
      return;
    }
    await this.transaction(async (tx) => {
      for (const [sql, params] of statements) await tx.run(sql, params);
    });
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // While a client is checked out the pool does not listen for its errors: a connection lost
    // mid-transaction would be an unhandled 'error' event, which ends the process. The failing
    // query rejects anyway, so the event itself can be ignored.
    const ignoreConnectionError = () => {};
    client.on('error', ignoreConnectionError);
    const release = (broken?: Error) => {
      client.off('error', ignoreConnectionError);
      client.release(broken);
    };
    try {
      await client.query('BEGIN');
      const result = await fn(this.executor(client));
      await client.query('COMMIT');
      release();
      return result;
    } catch (error) {
      // A failed ROLLBACK means the connection is broken: drop it from the pool.
      await client.query('ROLLBACK').then(
        () => release(),
        (rollbackError: Error) => release(rollbackError),
      );
      throw error;
    }
  }

  async withExclusiveLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const key = ADVISORY_LOCKS[name];
    if (key === undefined) throw new Error(`unknown lock ${name}`);
    // The lock lives on a connection of its own, outside the pool: `fn` runs its statements
    // through the pool, and with a pool of one a pooled lock holder would starve it forever.
    const client = new (pgModule().Client)({
      connectionString: this.connectionString,
      connectionTimeoutMillis: 5000,
      types,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      // Ending the session also releases the lock, should the unlock above have failed.
      await client.end().catch(() => {});
    }
  }

  watchClients(): ClientChangeWatch {
    return new PostgresClientWatch({ connectionString: this.connectionString, connectionTimeoutMillis: 5000 });
  }

  /** NOTIFY in the changing transaction; resolve once every listening store instance has acted on it. */
  async changeClients<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const barrier = await ListenerBarrier.queue(
      { connectionString: this.connectionString, connectionTimeoutMillis: 5000 },
      (sql, params) => this.get(sql, params),
    );
    try {
      const result = await this.transaction(async (tx) => {
        const value = await fn(tx);
        await announceClientsChanged(tx);
        return value;
      });
      await barrier.passed();
      return result;
    } finally {
      await barrier.release();
    }
  }

  uniqueViolation(error: unknown): string | null {
    const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
    return code === '23505' ? (constraint ?? '') : null;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
