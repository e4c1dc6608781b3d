/**
 * Administrative commands check the schema version (one query) instead of migrating: on an empty
 * database they say there is no Gatehouse database there (exit 2), on an older one they say
 * `run gatehouse migrate` (exit 1), without touching it; after
 * `gatehouse migrate` they work. Also: an unknown GATEHOUSE_* variable is a warning on stderr.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestVersion, migrations } from '../../src/storage/migrations/index.js';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import {
  databaseUrl,
  describeResult,
  expectMisuse,
  expectSuccess,
  lines,
  queryRows,
  runCli,
  type RunOptions,
} from '../helpers/cli.js';

/** The version before the newest (versions may have gaps: each branch is given its own numbers). */
const previousVersion = Math.max(...migrations.map((m) => m.version).filter((v) => v < latestVersion));

/**
 * Every command but serve and migrate, with what it needs to get as far as the database. They
 * share one check (withStore), so PostgreSQL, whose only difference is how a missing table
 * fails, runs two of them: fewer processes to spawn.
 */
const ADMIN_COMMANDS = [
  ['client', 'list'],
  ['client', 'create', '--name', 'never', '--grant-type', 'client_credentials'],
  ['client', 'show', 'nobody'],
  ['user', 'list'],
  ['user', 'deactivate', 'nobody'],
  ['tokens', 'clean'],
  ['keys', 'list'],
  ['audit', 'list'],
];

/** Exit code 1 and one line on stderr that says to migrate. */
function expectMigrateFirst(result: Awaited<ReturnType<typeof runCli>>, schema: RegExp): void {
  expect(result.code, describeResult(result)).toBe(1);
  expect(lines(result.stderr), describeResult(result)).toHaveLength(1);
  expect(result.stderr).toMatch(schema);
  expect(result.stderr).toMatch(/^gatehouse: .*: run gatehouse migrate\n$/);
  expect(result.stdout).toBe('');
}

describeEachEngine('admin commands check the schema version', (factory) => {
  let db: TestDatabase;
  let dir: string;
  let url: string;
  const cli = (args: string[], options: RunOptions = {}) => runCli([...args, '--database', url], options);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-schema-'));
    db = await factory.createDatabase();
    url = databaseUrl(db.location);
  });

  afterAll(async () => {
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('on an empty database each says there is no Gatehouse database there, exits 2 and creates nothing', async () => {
    const commands = factory.engine === 'sqlite' ? ADMIN_COMMANDS : ADMIN_COMMANDS.slice(0, 2);
    const results = await Promise.all(commands.map((args) => cli(args)));
    const where = db.location.engine === 'sqlite' ? db.location.path : new URL(db.location.url).host;
    for (const result of results) {
      expectMisuse(
        result,
        /^gatehouse: no Gatehouse database at .* — run `gatehouse migrate` to create it, or name the server's database \(--database, GATEHOUSE_DATABASE_URL, or run the command where its gatehouse.yaml is\)\n$/,
      );
      expect(result.stderr).toContain(where);
      expect(result.stdout).toBe('');
    }
    // Nothing was created or migrated behind the operator's back.
    if (db.location.engine === 'sqlite') {
      expect(existsSync(db.location.path)).toBe(false);
      return;
    }
    const tables = await queryRows<{ name: string }>(
      db.location,
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables).toEqual([]);
  });

  it('after gatehouse migrate they work', async () => {
    expectSuccess(await cli(['migrate']));
    // user list does not depend on the client: it runs alongside the creation.
    const [created, users] = await Promise.all([
      cli(['client', 'create', '--name', 'after-migrate', '--grant-type', 'client_credentials']),
      cli(['user', 'list']),
    ]);
    expectSuccess(created);
    const listed = await cli(['client', 'list']);
    expectSuccess(listed);
    expect(listed.stdout).toContain('after-migrate');
    expectSuccess(users);
  });

  it('on a database an older release migrated, each says which version it is at and to migrate', async () => {
    // As if the newest migration had not run yet (its changes stay: only the version is looked at).
    await queryRows(db.location, 'DELETE FROM schema_migrations WHERE version = ? RETURNING version', [latestVersion]);
    try {
      const result = await cli(['client', 'list']);
      expectMigrateFirst(
        result,
        new RegExp(`the database schema is at version ${previousVersion}, this release needs ${latestVersion}`),
      );
    } finally {
      const restore =
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'restored', 0) RETURNING version";
      await queryRows(db.location, restore, [latestVersion]);
    }
    expectSuccess(await cli(['client', 'list']));
  });
});

describe('an unknown GATEHOUSE_* variable', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-env-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is a warning on stderr naming the nearest known variable; the command still runs', async () => {
    const database = `sqlite:${join(dir, 'gatehouse.db')}`;
    const env = { GATEHOUSE_ACCES_TOKEN_LIFETIME: '60' };
    const result = await runCli(['migrate', '--database', database], { env });
    expect(result.code, describeResult(result)).toBe(0);
    expect(result.stdout).toMatch(/^Applied migrations: /);
    expect(result.stderr).toBe(
      'warning: GATEHOUSE_ACCES_TOKEN_LIFETIME is not a Gatehouse setting and is ignored ' +
        '(did you mean GATEHOUSE_ACCESS_TOKEN_LIFETIME?)\n',
    );
  });
});
