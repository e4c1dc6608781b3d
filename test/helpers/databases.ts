/**
 * Test databases for both engines.
 *
 * - SQLite: a fresh file in a new temporary directory, removed on clean-up.
 * - PostgreSQL: a fresh `gatehouse_test_<run>_<hex>` database created through the admin URL
 *   (`GATEHOUSE_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres) and dropped
 *   WITH (FORCE) on clean-up. Every test database is its own: advisory locks and LISTEN/NOTIFY are
 *   database-wide, so tests running in parallel must never share one.
 *
 * A migrated database is a copy of the run's migrated template (made once by test/global-setup.ts:
 * `CREATE DATABASE … TEMPLATE`, or a copy of the SQLite file), so no test pays for the migrations;
 * `migrate()` on it applies nothing. Without the global setup (another config, a script) the
 * database is created empty and migrated, as before.
 *
 * PostgreSQL reachability is probed once when this module loads. With CI=true an unreachable
 * server fails every PostgreSQL suite loudly; elsewhere those suites are skipped with a warning.
 *
 * Suites that must hold for both engines are registered with `describeEachEngine`, which runs
 * the same body once per engine and hands it an `EngineFactory`.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { beforeAll, describe, inject, type ProvidedContext } from 'vitest';
import { openStore, type DatabaseLocation } from '../../src/storage/open.js';
import type { SqlStore } from '../../src/storage/sql-store.js';
import { connectAdmin, postgresAdminUrl, postgresDatabaseUrl, postgresTestDatabaseName } from './database-templates.js';

export { postgresAdminUrl };

/** This run's templates, when test/global-setup.ts made them. */
const testRun = inject('gatehouseTestRun') as ProvidedContext['gatehouseTestRun'] | undefined;

export type Engine = 'sqlite' | 'postgres';

/** In CI the PostgreSQL suites must run: an unreachable server is a failure, not a skip. */
export const requirePostgres: boolean = process.env.CI === 'true';

/** `host:port` of the admin URL, for messages (never the password). */
function postgresAddress(): string {
  try {
    const url = new URL(postgresAdminUrl);
    return `${url.hostname}:${url.port || '5432'}`;
  } catch {
    return '(unparsable GATEHOUSE_TEST_PG_URL)';
  }
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeError).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return error.message || code || error.name;
  }
  return String(error);
}

function unreachableError(cause: unknown): Error {
  const base = `PostgreSQL at ${postgresAddress()} is unreachable`;
  const hint = 'Start PostgreSQL (user postgres, trust auth) or point GATEHOUSE_TEST_PG_URL at an admin database.';
  return new Error(`${requirePostgres ? `${base} and CI=true` : base}: ${describeError(cause)}. ${hint}`, { cause });
}

async function adminClient(): Promise<pg.Client> {
  try {
    return await connectAdmin();
  } catch (error) {
    throw unreachableError(error);
  }
}

let probe: Promise<Error | null> | undefined;

/** Null when PostgreSQL answers, else the (clear) reason it does not. Probed once. */
function probePostgres(): Promise<Error | null> {
  probe ??= (async () => {
    try {
      const client = await adminClient();
      try {
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => {});
      }
      return null;
    } catch (error) {
      return error instanceof Error && error.message.startsWith('PostgreSQL at') ? error : unreachableError(error);
    }
  })();
  return probe;
}

/** Throws the clear "unreachable" error when PostgreSQL does not answer. */
export async function assertPostgresAvailable(): Promise<void> {
  const problem = await probePostgres();
  if (problem) throw problem;
}

// Decided at load time so `describe.skipIf` can use it while tests are collected.
const postgresProblem = await probePostgres();

/** True when the PostgreSQL suites are skipped (unreachable outside CI). */
export const skipPostgres: boolean = postgresProblem !== null && !requirePostgres;

if (postgresProblem && !requirePostgres) {
  console.warn(
    `[gatehouse tests] skipping PostgreSQL suites: ${postgresProblem.message} (set CI=true to make this a failure)`,
  );
}

// --- SQLite ------------------------------------------------------------------

export interface TestStore {
  /** A fresh, migrated store. */
  store: SqlStore;
  /** Closes the store (and any other instance opened on the database) and removes the database. */
  cleanup(): Promise<void>;
}

/** A fresh database that tests can open several store instances on (own connection or pool each). */
export interface TestDatabase {
  engine: Engine;
  location: DatabaseLocation;
  /** Opens another, unmigrated store instance on this database; clean-up closes it. */
  open(options?: { poolSize?: number }): SqlStore;
  /** Closes every instance opened here, then removes the database. Safe to call twice. */
  cleanup(): Promise<void>;
}

function trackStores(engine: Engine, location: DatabaseLocation, remove: () => Promise<void>): TestDatabase {
  const opened: SqlStore[] = [];
  let cleaned: Promise<void> | undefined;
  return {
    engine,
    location,
    open(options) {
      if (cleaned) throw new Error('test database already cleaned up');
      const store = openStore(location, options);
      opened.push(store);
      return store;
    },
    cleanup() {
      cleaned ??= (async () => {
        const closed = await Promise.allSettled(opened.map((store) => store.close()));
        await remove();
        const failed = closed.find((result): result is PromiseRejectedResult => result.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return cleaned;
    },
  };
}

export async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-test-'));
  return trackStores('sqlite', { engine: 'sqlite', path: join(dir, 'gatehouse.db') }, () =>
    rm(dir, { recursive: true, force: true }),
  );
}

async function migrated(database: TestDatabase): Promise<TestStore> {
  try {
    const store = database.open();
    await store.migrate();
    return { store, cleanup: () => database.cleanup() };
  } catch (error) {
    await database.cleanup().catch(() => {});
    throw error;
  }
}

/** A fresh database at the current schema version: a copy of the run's template when there is one. */
export async function createMigratedSqliteDatabase(): Promise<TestDatabase> {
  const database = await createSqliteDatabase();
  if (testRun?.sqliteTemplate && database.location.engine === 'sqlite') {
    try {
      await copyFile(testRun.sqliteTemplate, database.location.path);
    } catch (error) {
      await database.cleanup().catch(() => {});
      throw error;
    }
  }
  return database;
}

export async function createSqliteStore(): Promise<TestStore> {
  return migrated(await createMigratedSqliteDatabase());
}

// --- PostgreSQL ----------------------------------------------------------------

/**
 * Creates a `gatehouse_test_…` database, empty or (`migrated: true`) a copy of the run's migrated
 * template (migrated only if there is a template: callers migrate it either way); `drop()` removes
 * it even with open connections.
 */
export async function createPostgresDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = testRun ? postgresTestDatabaseName(testRun.run) : `gatehouse_test_${randomBytes(8).toString('hex')}`;
  const template = options.migrated ? testRun?.postgresTemplate : null;
  const admin = await adminClient();
  try {
    await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  } finally {
    await admin.end().catch(() => {});
  }
  let dropped: Promise<void> | undefined;
  return {
    url: postgresDatabaseUrl(name),
    drop() {
      // DROP DATABASE forces a checkpoint (a second or two while other workers write): within a
      // run, the global teardown drops every database of the run at once instead.
      if (testRun) return Promise.resolve();
      dropped ??= (async () => {
        const client = await adminClient();
        try {
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await client.end().catch(() => {});
        }
      })();
      return dropped;
    },
  };
}

export async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const { url, drop } = await createPostgresDatabase();
  return trackStores('postgres', { engine: 'postgres', url }, drop);
}

/** A fresh database at the current schema version: a copy of the run's template when there is one. */
export async function createMigratedPostgresDatabase(): Promise<TestDatabase> {
  const { url, drop } = await createPostgresDatabase({ migrated: true });
  return trackStores('postgres', { engine: 'postgres', url }, drop);
}

export async function createPostgresStore(): Promise<TestStore> {
  return migrated(await createMigratedPostgresDatabase());
}

// --- both engines --------------------------------------------------------------

export interface EngineFactory {
  readonly engine: Engine;
  /** A fresh, migrated store on its own database. */
  createStore(): Promise<TestStore>;
  /** A fresh, empty (unmigrated) database to open store instances on. */
  createDatabase(): Promise<TestDatabase>;
  /**
   * A fresh database at the current schema version (`migrate()` applies nothing; call it anyway,
   * it is cheap and keeps a run without the global setup correct).
   */
  createMigratedDatabase(): Promise<TestDatabase>;
}

export const engines: Readonly<Record<Engine, EngineFactory>> = {
  sqlite: {
    engine: 'sqlite',
    createStore: createSqliteStore,
    createDatabase: createSqliteDatabase,
    createMigratedDatabase: createMigratedSqliteDatabase,
  },
  postgres: {
    engine: 'postgres',
    createStore: createPostgresStore,
    createDatabase: createPostgresTestDatabase,
    createMigratedDatabase: createMigratedPostgresDatabase,
  },
};

/**
 * Registers `fn` as one suite per engine, titled `name [sqlite]` / `name [postgres]`.
 * The PostgreSQL suite is skipped when the server is unreachable outside CI; in CI it runs and
 * fails in its first hook with the reason.
 */
export function describeEachEngine(name: string, fn: (factory: EngineFactory) => void): void {
  for (const factory of Object.values(engines)) {
    const skipped = factory.engine === 'postgres' && skipPostgres;
    describe.skipIf(skipped)(`${name} [${factory.engine}]`, () => {
      if (factory.engine === 'postgres') beforeAll(assertPostgresAvailable);
      fn(factory);
    });
  }
}
