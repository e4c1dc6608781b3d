/**
 * vitest global setup of the integration and system projects (runs in the main process).
 *
 * Migrating a database costs more than copying one, so each run migrates once: a PostgreSQL
 * template database and a SQLite template file, which test/helpers/databases.ts copies for every
 * migrated test database (`CREATE DATABASE … TEMPLATE`, a file copy). Every test still gets a
 * database of its own: advisory locks and LISTEN/NOTIFY are database-wide.
 *
 * Teardown drops this run's databases and files, and those a crashed run left more than a day ago,
 * and stops the workers' Chromium servers (test/helpers/browser-servers.ts).
 * When PostgreSQL does not answer, no template is made: the helpers then fail or skip as before.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { openStore, type DatabaseLocation } from '../src/storage/open.js';
import { stopBrowserServers } from './helpers/browser-servers.js';
import {
  connectAdmin,
  dropRunDatabases,
  isRemovableRun,
  newRunId,
  postgresDatabaseUrl,
  postgresTemplateName,
  runOfSqliteDirectory,
  sqliteRunDirectoryName,
} from './helpers/database-templates.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The templates of this run (see test/helpers/database-templates.ts); null where none could be made. */
    gatehouseTestRun: {
      run: string;
      postgresTemplate: string | null;
      sqliteTemplate: string | null;
      /** A directory of this run's own, removed at teardown (test/helpers/browser-servers.ts keeps endpoints there). */
      runDirectory: string;
    };
  }
}

async function migrate(location: DatabaseLocation): Promise<void> {
  const store = openStore(location, { poolSize: 1 });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
}

async function createPostgresTemplate(run: string): Promise<string | null> {
  let admin: Awaited<ReturnType<typeof connectAdmin>>;
  try {
    admin = await connectAdmin();
  } catch {
    return null;
  }
  try {
    await dropRunDatabases(admin, run);
    const name = postgresTemplateName(run);
    await admin.query(`CREATE DATABASE ${name}`);
    await migrate({ engine: 'postgres', url: postgresDatabaseUrl(name) });
    // A copy cannot be made while anyone is connected to its template.
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
    return name;
  } finally {
    await admin.end().catch(() => {});
  }
}

async function dropPostgresDatabases(run: string): Promise<void> {
  let admin: Awaited<ReturnType<typeof connectAdmin>>;
  try {
    admin = await connectAdmin();
  } catch {
    return;
  }
  try {
    await dropRunDatabases(admin, run);
  } finally {
    await admin.end().catch(() => {});
  }
}

function removeSqliteDirectories(run: string): void {
  for (const entry of readdirSync(tmpdir())) {
    const owner = runOfSqliteDirectory(entry);
    if (owner !== null && isRemovableRun(owner, run)) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
}

async function createSqliteTemplate(runDirectory: string): Promise<string> {
  const path = join(runDirectory, 'template.db');
  await migrate({ engine: 'sqlite', path });
  return path;
}

type TestRun = ProvidedContext['gatehouseTestRun'];

interface SharedRun {
  started?: Promise<TestRun>;
  users: number;
}

// The integration and system projects both list this file and vitest loads it once per project:
// the state lives on globalThis so that a run makes one set of templates, torn down by the last user.
const runHolder = globalThis as { gatehouseTestRun?: SharedRun };
runHolder.gatehouseTestRun ??= { users: 0 };
const shared: SharedRun = runHolder.gatehouseTestRun;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.users += 1;
  shared.started ??= (async () => {
    const run = newRunId();
    removeSqliteDirectories(run);
    const runDirectory = join(tmpdir(), sqliteRunDirectoryName(run));
    mkdirSync(runDirectory, { recursive: true });
    const [postgresTemplate, sqliteTemplate] = await Promise.all([
      createPostgresTemplate(run),
      createSqliteTemplate(runDirectory),
    ]);
    return { run, postgresTemplate, sqliteTemplate, runDirectory };
  })();
  const templates = await shared.started;
  project.provide('gatehouseTestRun', templates);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    shared.started = undefined;
    stopBrowserServers(templates.runDirectory);
    await dropPostgresDatabases(templates.run);
    if (existsSync(templates.runDirectory)) rmSync(templates.runDirectory, { recursive: true, force: true });
  };
}
