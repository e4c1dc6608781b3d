/**
 * Names and admin work for the test databases of one vitest run, shared by test/global-setup.ts
 * (the main process: creates the migrated templates, drops everything at the end) and
 * ./databases.ts (the workers: copies a template for each migrated test database).
 *
 * A run id is the start time (7 base-36 digits of seconds) plus 6 random hex digits, so the
 * leftovers of a crashed run can be recognised by name and age alone:
 *   gatehouse_template_<run>            the migrated PostgreSQL template of a run
 *   gatehouse_test_<run>_<hex>          a test database of that run
 *   <tmpdir>/gatehouse-run-<run>/       the run's migrated SQLite template file
 * Names without a run id (`gatehouse_test_<hex>`) are an older helper's, maybe still running
 * elsewhere: they are never touched.
 *
 * This module must not import vitest: the global setup runs outside any test.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The admin database used to create and drop the per-test databases. */
export const postgresAdminUrl: string =
  process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Leftovers of a run that started longer ago than this are dropped by the next run. */
export const STALE_RUN_AGE_MS = 24 * 60 * 60 * 1000;

const RUN_PATTERN = /^([0-9a-z]{7})[0-9a-f]{6}$/;

export function newRunId(now = Date.now()): string {
  return (
    Math.floor(now / 1000)
      .toString(36)
      .padStart(7, '0') + randomBytes(3).toString('hex')
  );
}

/** The start time encoded in a run id, or null when `run` is not one. */
export function runStartedAt(run: string): number | null {
  const match = RUN_PATTERN.exec(run);
  return match ? Number.parseInt(match[1]!, 36) * 1000 : null;
}

export function postgresTemplateName(run: string): string {
  return `gatehouse_template_${run}`;
}

export function postgresTestDatabaseName(run: string): string {
  return `gatehouse_test_${run}_${randomBytes(6).toString('hex')}`;
}

/** The run a database name belongs to, or null when it is not one of ours (or an older helper's). */
export function runOfDatabase(name: string): string | null {
  const match = /^gatehouse_(?:template|test)_([0-9a-z]{13})(?:_[0-9a-f]+)?$/.exec(name);
  return match && runStartedAt(match[1]!) !== null ? match[1]! : null;
}

export function sqliteRunDirectoryName(run: string): string {
  return `gatehouse-run-${run}`;
}

export function runOfSqliteDirectory(name: string): string | null {
  const match = /^gatehouse-run-([0-9a-z]{13})$/.exec(name);
  return match && runStartedAt(match[1]!) !== null ? match[1]! : null;
}

/** Whether leftovers of `run` are to be removed now: this run's, or a run started over a day ago. */
export function isRemovableRun(run: string, currentRun: string, now = Date.now()): boolean {
  if (run === currentRun) return true;
  const startedAt = runStartedAt(run);
  return startedAt !== null && now - startedAt > STALE_RUN_AGE_MS;
}

/** A connected client on the admin database; errors while idle are swallowed (the server may go away). */
export async function connectAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

/** The URL of database `name` on the admin URL's server. */
export function postgresDatabaseUrl(name: string): string {
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * How many DROP DATABASE statements teardown runs at once. Each forces a checkpoint (about a second
 * while other work writes) and concurrent ones share it: measured here, 20 drops took 21 s over 4
 * connections and 0.6 s over 20.
 */
const PARALLEL_DROPS = 20;

/** Drops this run's databases and those of runs older than a day; returns the names dropped. */
export async function dropRunDatabases(admin: pg.Client, currentRun: string): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(
    'SELECT datname FROM pg_database' +
      " WHERE datname LIKE 'gatehouse\\_test\\_%' OR datname LIKE 'gatehouse\\_template\\_%'",
  );
  const doomed = rows
    .map((row) => row.datname)
    .filter((name) => {
      const run = runOfDatabase(name);
      return run !== null && isRemovableRun(run, currentRun);
    });
  // Test databases first: a template cannot be dropped while a copy is being made from it.
  const templates = doomed.filter((name) => name.startsWith('gatehouse_template_'));
  const queue = doomed.filter((name) => !name.startsWith('gatehouse_template_'));
  // Fewer connections (the server's limit is shared with whatever else runs) only make it slower.
  const extra = (
    await Promise.allSettled(Array.from({ length: Math.min(PARALLEL_DROPS, queue.length) - 1 }, () => connectAdmin()))
  ).flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    await Promise.all(
      [admin, ...extra].map(async (client) => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        }
      }),
    );
  } finally {
    await Promise.all(extra.map((client) => client.end().catch(() => {})));
  }
  for (const name of templates) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  return doomed;
}
