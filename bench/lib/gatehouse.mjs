// Gatehouse under test: fresh databases, the CLI (client and user creation), the server pinned
// to a core, and refresh tokens minted through the password grant.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, onCleanup, runChecked, startProcess, waitForHttp } from './proc.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function checkBuild() {
  if (!existsSync(CLI)) throw new Error(`${relative(process.cwd(), CLI)} is missing: run \`npm run build\` first`);
  // Warn when a source file is newer than its compiled output: the numbers would be for old code.
  const newer = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.d.ts')) {
        const built = join(ROOT, 'dist', relative(join(ROOT, 'src'), path)).replace(/\.ts$/, '.js');
        if (!existsSync(built) || statSync(path).mtimeMs > statSync(built).mtimeMs) newer.push(relative(ROOT, path));
      }
    }
  };
  walk(join(ROOT, 'src'));
  return newer;
}

/** The newest modification time under dist/: a change during a run means dist/ was rebuilt under it. */
export function distStamp() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.js')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(ROOT, 'dist'));
  return newest;
}

/** A temp directory for this run (SQLite files, server logs, token files), removed at cleanup. */
export function makeTempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh SQLite file location in `dir` (the file itself is created by the first migration). */
export function sqliteDatabase(dir, name) {
  return { engine: 'sqlite', url: `sqlite:${join(dir, `${name}.db`)}`, describe: `SQLite ${join(dir, `${name}.db`)}` };
}

export async function postgresVersion() {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows } = await client.query('SHOW server_version');
    return rows[0].server_version;
  } finally {
    await client.end();
  }
}

/** Creates `gatehouse_bench_<random>` and registers its DROP for cleanup. */
export async function postgresDatabase() {
  const name = `gatehouse_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  onCleanup(`drop database ${name}`, () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { engine: 'postgres', url: url.toString(), describe: `PostgreSQL database ${name}`, name };
}

const cli = (label, args, options) => runChecked(label, process.execPath, [CLI, ...args], options);

/**
 * `gatehouse migrate`, once per database: the administrative commands below check the schema
 * and refuse an empty database (they never migrate it themselves).
 */
const migrated = new Map();
function migrate(database) {
  if (!migrated.has(database.url))
    migrated.set(database.url, cli('gatehouse migrate', ['migrate', '--database', database.url]));
  return migrated.get(database.url);
}

/** Registers a confidential client, by default allowed client_credentials, password and refresh_token. */
export async function createClient(
  database,
  { extraArgs = [], env, name = 'bench', grantTypes = ['client_credentials', 'password', 'refresh_token'] } = {},
) {
  await migrate(database);
  const { stdout } = await cli(
    'gatehouse client create',
    [
      'client',
      'create',
      '--name',
      name,
      '--database',
      database.url,
      ...grantTypes.flatMap((type) => ['--grant-type', type]),
      '--json',
      ...extraArgs,
    ],
    env ? { env: { ...process.env, ...env } } : undefined,
  );
  const client = JSON.parse(stdout);
  if (!client.client_id || !client.client_secret) throw new Error(`client create printed no credentials: ${stdout}`);
  return {
    id: client.client_id,
    secret: client.client_secret,
    authorization: basicAuthorization(client.client_id, client.client_secret),
  };
}

/** RFC 6749 §2.3.1: form-encode id and secret, then base64. */
export function basicAuthorization(id, secret) {
  const encode = (value) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

export async function createUser(database) {
  const user = { username: 'bench', email: 'bench@example.test', password: `bench-${randomBytes(12).toString('hex')}` };
  await migrate(database);
  await cli(
    'gatehouse user create',
    ['user', 'create', user.username, user.email, '--password-stdin', '--database', database.url],
    {
      input: `${user.password}\n`,
    },
  );
  return user;
}

/**
 * `count` users with random passwords, created through Gatehouse's library API (the CLI takes a
 * second or two per user): `UserAccounts.create`, as `gatehouse user create` does, argon2id
 * included. For the password-grant runs, which log many users in.
 */
export async function createUsers(database, count, prefix = 'bench-user') {
  const { openStore, parseDatabaseUrl, UserAccounts } = await import('gatehouse');
  const store = openStore(parseDatabaseUrl(database.url));
  try {
    await store.migrate();
    const accounts = new UserAccounts(store);
    const users = Array.from({ length: count }, (_, i) => {
      const username = `${prefix}-${String(i + 1).padStart(4, '0')}`;
      return { username, email: `${username}@example.test`, password: `bench-${randomBytes(12).toString('hex')}` };
    });
    for (let i = 0; i < users.length; i += 4)
      await Promise.all(users.slice(i, i + 4).map((user) => accounts.create(user)));
    return users;
  } finally {
    await store.close();
  }
}

/** Writes users for bench/wrk/password.lua ("username<TAB>password" a line); returns the path. */
export function writeUsersFile(path, users) {
  writeFileSync(path, `${users.map((user) => `${user.username}\t${user.password}`).join('\n')}\n`);
  return path;
}

/**
 * Starts `node dist/cli/main.js serve` pinned to `core`, with its stdout (the JSON request log)
 * going to a file as a deployment would, and waits for /healthz.
 */
export async function startGatehouse({ database, core, logLevel, logDir, label, nodeArgs = [], settings = {} }) {
  const port = await freePort();
  const logFile = join(logDir, `${label}.log`);
  const errFile = join(logDir, `${label}.err`);
  const out = openSync(logFile, 'w');
  const err = openSync(errFile, 'w');
  const env = { ...process.env };
  // The run sets the level explicitly (info is Gatehouse's default); nothing from the caller's
  // environment may change what is measured.
  for (const key of Object.keys(env)) if (key.startsWith('GATEHOUSE_')) delete env[key];
  if (logLevel !== 'info') env.GATEHOUSE_LOG_LEVEL = logLevel;
  // PostgreSQL needs the key_encryption_key every node shares (SQLite generates one beside the file).
  if (database.url.startsWith('postgres')) env.GATEHOUSE_KEY_ENCRYPTION_KEY = BENCH_KEY_ENCRYPTION_KEY;
  Object.assign(env, settings);
  const proc = startProcess(
    `gatehouse serve (${label})`,
    'taskset',
    [
      '-c',
      String(core),
      process.execPath,
      ...nodeArgs,
      CLI,
      'serve',
      '--port',
      String(port),
      '--database',
      database.url,
    ],
    { stdio: ['ignore', out, err], env, cwd: logDir },
  );
  closeSync(out);
  closeSync(err);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, proc);
  return { ...proc, url, port, logFile, errFile };
}

/** The bench's key_encryption_key on PostgreSQL (a bench value; every node of a scaling run shares it). */
const BENCH_KEY_ENCRYPTION_KEY = 'bench-key-encryption-key-0123456789abcdefgh';

/** Starts the bare node:http ceiling pinned to `core`. */
export async function startCeiling({ core }) {
  const port = await freePort();
  const proc = startProcess(
    'ceiling server',
    'taskset',
    ['-c', String(core), process.execPath, join(ROOT, 'bench', 'ceiling-server.mjs'), String(port)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, proc);
  return { ...proc, url, port };
}

/**
 * Mints `count` refresh tokens with the password grant (argon2 verification each time, so a
 * few at a time). Each starts its own token family.
 */
export async function mintRefreshTokens(url, client, user, count, concurrency = 4) {
  const tokens = [];
  let next = 0;
  const body = new URLSearchParams({
    grant_type: 'password',
    username: user.username,
    password: user.password,
  }).toString();
  const worker = async () => {
    while (next < count) {
      next += 1;
      const response = await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: client.authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const payload = await response.json();
      if (response.status !== 200 || !payload.refresh_token) {
        throw new Error(`password grant answered ${response.status}: ${JSON.stringify(payload)}`);
      }
      tokens.push(payload.refresh_token);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tokens;
}

/** One client_credentials request outside wrk: proves the setup before load is applied. */
export async function checkClientCredentials(url, client) {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: client.authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const payload = await response.json();
  if (response.status !== 200 || !payload.access_token)
    throw new Error(`client_credentials answered ${response.status}: ${JSON.stringify(payload)}`);
  return response.headers;
}
