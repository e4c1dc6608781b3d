/**
 * `gatehouse serve` (what `npm start` runs) as an operator starts it: the built CLI in a child
 * process, signals to stop it, HTTP to talk to it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  canBind,
  describeResult,
  freePort,
  listeningPids,
  parseJson,
  queryRows,
  runCliProcess,
  spawnServe,
  type ServeProcess,
} from '../helpers/cli.js';
import { createPostgresDatabase, skipPostgres } from '../helpers/databases.js';
import { migrations } from '../../src/storage/migrations/index.js';

const ALL_VERSIONS = migrations.map((migration) => migration.version);

const BANNER = /Gatehouse is serving (http:\/\/127\.0\.0\.1:(\d+))[^\n]*\n/;

/** Every server a test starts is stopped afterwards, even when the test fails half-way. */
const started: ServeProcess[] = [];
const serve = (args: string[], options: Parameters<typeof spawnServe>[1]) => {
  const server = spawnServe(args, options);
  started.push(server);
  return server;
};

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop('SIGKILL', 1000)));
});

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe('serve in a fresh, empty directory (npm start)', () => {
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'gatehouse-cli-serve-'));
  });

  afterAll(async () => {
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('creates ./data/gatehouse.db, says where it listens and what to do next, answers /healthz, and exits 0 on SIGTERM', async () => {
    expect(await readdir(cwd)).toEqual([]);
    const port = await freePort();
    const server = serve(['--port', String(port)], { cwd });
    const [, url, printedPort] = await server.waitForOutput(BANNER);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(Number(printedPort)).toBe(port);
    // The next step: register a client.
    await server.waitForOutput(/client create/);
    expect(server.output.text).toContain('data/gatehouse.db');

    expect(existsSync(join(cwd, 'data', 'gatehouse.db'))).toBe(true);
    // No key_encryption_key configured: one is generated beside the database, private, and the log says so.
    const keyFile = join(cwd, 'data', 'gatehouse.db.kek');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    // (The log line may reach stdout after the banner.)
    await server.waitForOutput(/key_encryption_key is not set.*gatehouse\.db\.kek/);
    const applied = await queryRows<{ version: number }>(
      { engine: 'sqlite', path: join(cwd, 'data', 'gatehouse.db') },
      'SELECT version FROM schema_migrations',
    );
    expect(applied.map((row) => Number(row.version))).toEqual(ALL_VERSIONS);

    const health = await getJson(`${url}/healthz`);
    expect(health).toEqual({ status: 200, body: { status: 'ok', database: 'sqlite' } });

    // The server runs in the process we started, not in a child of it.
    const pids = listeningPids(port);
    if (pids !== null) expect(pids).toEqual([server.child.pid]);

    const stopped = await server.stop('SIGTERM');
    expect(stopped, server.output.text).toMatchObject({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(5000);
    // Nothing kept the port: a new server can bind it at once.
    expect(await canBind(port)).toBe(true);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('a second start on the same directory reuses the database (nothing to migrate) and stops on SIGINT', async () => {
    const keyFile = join(cwd, 'data', 'gatehouse.db.kek');
    const generatedKey = readFileSync(keyFile, 'utf8');
    const server = serve(['--port', '0'], { cwd });
    const [, url] = await server.waitForOutput(BANNER);
    expect((await getJson(`${url}/healthz`)).status).toBe(200);
    expect(await readdir(join(cwd, 'data'))).toContain('gatehouse.db');
    // The generated key is read again, never replaced (the keys stored under it would be lost).
    expect(readFileSync(keyFile, 'utf8')).toBe(generatedKey);
    const stopped = await server.stop('SIGINT');
    expect(stopped, server.output.text).toMatchObject({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(5000);
  });
});

describe('serve and the CLI read one configuration file', () => {
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'gatehouse-cli-serve-config-'));
    await mkdir(join(cwd, 'sub'));
    await writeFile(join(cwd, 'gatehouse.yaml'), 'database: sqlite:./state/gh.db\nsupported_scopes: [read]\nport: 1\n');
  });

  afterAll(async () => {
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('npm start -- --port P --config gatehouse.yaml: the file found, its paths beside it, the flag over the file', async () => {
    const port = await freePort();
    const server = serve(['--port', String(port), '--config', 'gatehouse.yaml'], { cwd: join(cwd, 'sub') });
    // --config is relative to the working directory: sub/ has no gatehouse.yaml.
    expect((await server.exited).code).toBe(2);
    expect(server.output.text).toMatch(/sub\/gatehouse\.yaml: not found/);

    const found = serve(['--port', String(port)], { cwd: join(cwd, 'sub') });
    const [, url] = await found.waitForOutput(BANNER);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    await found.waitForOutput(/Settings: .*gatehouse\.yaml/);
    expect(found.output.text).toContain(join(cwd, 'state', 'gh.db'));
    expect(existsSync(join(cwd, 'state', 'gh.db'))).toBe(true);
    // A command in a second terminal, in another folder below, reads the same file and database.
    const created = await runCliProcess(
      [
        'client',
        'create',
        '--name',
        'second-terminal',
        '--grant-type',
        'client_credentials',
        '--scope',
        'read',
        '--json',
      ],
      {
        cwd: join(cwd, 'sub'),
      },
    );
    expect(created.code, describeResult(created)).toBe(0);
    const { client_id: id, client_secret: secret } = parseJson<{ client_id: string; client_secret: string }>(created);
    const token = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials&scope=read',
    });
    expect(token.status).toBe(200);
  });
});

describe('serve --no-migrate', () => {
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'gatehouse-cli-serve-nomigrate-'));
  });

  afterAll(async () => {
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('applies nothing; after `migrate` the server works (a client gets a token)', async () => {
    const database = { engine: 'sqlite' as const, path: join(cwd, 'data', 'gatehouse.db') };

    // On a fresh database --no-migrate leaves it empty.
    const fresh = serve(['--port', '0', '--no-migrate'], { cwd });
    await fresh.waitForOutput(BANNER);
    expect(await queryRows(database, "SELECT name FROM sqlite_master WHERE type = 'table'")).toEqual([]);
    expect((await fresh.stop('SIGTERM')).code).toBe(0);

    const migrated = await runCliProcess(['migrate'], { cwd });
    expect(migrated.code, describeResult(migrated)).toBe(0);
    expect(migrated.stdout).toBe(`Applied migrations: ${ALL_VERSIONS.join(', ')}.\n`);
    const created = await runCliProcess(
      ['client', 'create', '--name', 'service', '--grant-type', 'client_credentials', '--json'],
      { cwd },
    );
    expect(created.code, describeResult(created)).toBe(0);
    const { client_id: clientId, client_secret: secret } = parseJson<{ client_id: string; client_secret: string }>(
      created,
    );

    const server = serve(['--port', '0', '--no-migrate'], { cwd });
    const [, url] = await server.waitForOutput(BANNER);
    expect((await getJson(`${url}/healthz`)).status).toBe(200);
    const response = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), access_token: expect.any(String) });
    expect((await server.stop('SIGTERM')).code).toBe(0);
  });
});

describe.skipIf(skipPostgres)('two servers started at once on one fresh PostgreSQL database', () => {
  let database: { url: string; drop(): Promise<void> };

  beforeAll(async () => {
    database = await createPostgresDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('without key_encryption_key, serve refuses to start, naming the setting (nodes cannot invent a shared key)', async () => {
    const server = serve(['--port', '0', '--database', database.url], { cwd: tmpdir() });
    const stopped = await server.exited;
    expect(stopped, server.output.text).toMatchObject({ code: 2 });
    expect(server.output.text).toMatch(/key_encryption_key: required with PostgreSQL/);
  });

  it('both migrate safely (advisory lock), come up and answer /healthz', async () => {
    const servers = [0, 1].map(() =>
      serve(['--port', '0', '--database', database.url], {
        cwd: tmpdir(),
        env: { GATEHOUSE_KEY_ENCRYPTION_KEY: 'two-nodes-share-this-key-encryption-key-0123' },
      }),
    );
    const urls = await Promise.all(servers.map(async (server) => (await server.waitForOutput(BANNER, 30_000))[1]!));
    expect(new Set(urls).size).toBe(2);
    for (const url of urls) {
      expect(await getJson(`${url}/healthz`)).toEqual({ status: 200, body: { status: 'ok', database: 'postgres' } });
    }
    const location = { engine: 'postgres' as const, url: database.url };
    const applied = await queryRows<{ version: number }>(
      location,
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(applied.map((row) => Number(row.version))).toEqual(ALL_VERSIONS);
    const again = await runCliProcess(['migrate', '--database', database.url], { cwd: tmpdir() });
    expect(again.stdout, describeResult(again)).toBe('The database is up to date.\n');

    const stopped = await Promise.all(servers.map((server) => server.stop('SIGTERM')));
    for (const [i, result] of stopped.entries())
      expect(result, servers[i]!.output.text).toMatchObject({ code: 0, signal: null });
  });
});
