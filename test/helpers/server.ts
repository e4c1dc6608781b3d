/**
 * End-to-end helpers: the built CLI (`dist/cli/main.js`) as real child processes.
 *
 * - `startServer` spawns `gatehouse serve` on a free port, captures its stdout and stderr, and
 *   waits for GET /healthz to answer 200. Every server started here is tracked: call
 *   `stopAllServers()` in an `afterAll`/`afterEach` (each is also stopped when its test file ends,
 *   see file-end.ts, and killed if the test process exits first).
 * - `runCli` runs any other CLI command to completion, in this process.
 * - `tokenRequest` / `httpRequest` talk HTTP with global fetch and fail on any 5xx answer.
 *
 * Run `npm run build` first: the servers are the compiled CLI, as users run it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli as runCommandLine, runCliProcess } from './cli.js';
import { atFileEnd } from './file-end.js';
import type { TestDatabase } from './databases.js';

/** Absolute path of the built CLI entry point. */
export const CLI_PATH: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

// A bound, not a speed test: a file that starts five servers beside a dozen CLI processes on two
// cores sees each server answer only after some 15 s of start-up.
const HEALTH_TIMEOUT_MS = 40_000;
const STOP_TIMEOUT_MS = 12_000;
const CLI_TIMEOUT_MS = 30_000;

function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} does not exist: run \`npm run build\` first`);
}

/** One temporary working directory for every child process of this test file (no ./data pollution). */
let workDir: string | undefined;
function childCwd(): string {
  if (!workDir) {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
    workDir = dir;
    atFileEnd(() => {
      rmSync(dir, { recursive: true, force: true });
      workDir = undefined;
    });
  }
  return workDir;
}

/**
 * The child's environment: this process's, minus any GATEHOUSE_* setting that would leak in
 * from the developer's shell, plus the test's own.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GATEHOUSE_')) env[key] = value;
  }
  return { ...env, ...extra };
}

/** The `--database` argument for a test database from ./databases.ts. */
export function databaseArg(database: TestDatabase): string {
  return database.location.engine === 'sqlite' ? `sqlite:${database.location.path}` : database.location.url;
}

/**
 * Applies the migrations in this process (cheaper than a `gatehouse migrate` child process), so
 * the CLI commands and servers started next in parallel do not race to create the schema. The
 * store stays open until `database.cleanup()`.
 */
export async function migrateDatabase(database: TestDatabase): Promise<string> {
  await database.open({ poolSize: 1 }).migrate();
  return databaseArg(database);
}

/** A TCP port nobody listens on right now (127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('no port assigned'))));
    });
  });
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningServer {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  port: number;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  logs(): string;
  /** Sends the signal, waits for the exit (SIGKILL after 12 s). Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<ExitInfo>;
  process: ChildProcess;
}

const running = new Set<RunningServer>();

/** Stops every server still running. Safe to call more than once. */
export async function stopAllServers(): Promise<void> {
  await Promise.allSettled([...running].map((server) => server.stop()));
}

// Whatever happens to the tests, no server outlives its file (see startServer), nor a process the test run.
process.once('exit', () => {
  for (const server of running) server.process.kill('SIGKILL');
});

function waitForExit(child: ChildProcess): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

export interface StartServerOptions {
  /** sqlite:PATH or postgres://… */
  database: string;
  /** Extra environment, e.g. { GATEHOUSE_SUPPORTED_SCOPES: 'read write' }. */
  env?: Record<string, string>;
  /** Extra arguments after `serve --port P --database D`. */
  args?: string[];
}

/** The key_encryption_key of spawned PostgreSQL servers whose test names none (a test value). */
export const TEST_POSTGRES_KEY_ENCRYPTION_KEY = 'spawned-postgres-key-encryption-key-0123456789';

async function startOnce(options: StartServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [CLI_PATH, 'serve', '--port', String(port), '--database', options.database, ...(options.args ?? [])],
    {
      cwd: childCwd(),
      // PostgreSQL needs a key_encryption_key (every node the same): the test one unless the test brings its own.
      env: childEnv(
        options.database.startsWith('postgres')
          ? { GATEHOUSE_KEY_ENCRYPTION_KEY: TEST_POSTGRES_KEY_ENCRYPTION_KEY, ...options.env }
          : options.env,
      ),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = waitForExit(child);
  // Resolves once stdout and stderr are fully read, so logs() after stop() has everything.
  const drained = Promise.all(
    [child.stdout!, child.stderr!].map((stream) => new Promise<void>((done) => stream.once('close', () => done()))),
  );

  let stopping: Promise<ExitInfo> | undefined;
  const server: RunningServer = {
    url,
    port,
    logs: () => output,
    process: child,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        try {
          const info = await exited;
          await Promise.race([drained, sleep(2000)]);
          return info;
        } finally {
          clearTimeout(timer);
          running.delete(server);
        }
      })();
      return stopping;
    },
  };
  running.add(server);
  atFileEnd(() => server.stop());

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let dead: ExitInfo | null = null;
  void exited.then((info) => (dead = info));
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (dead) break;
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return server;
      lastProblem = `GET /healthz answered ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await sleep(100);
  }
  // Decided before the kill below, or a node that was merely slow would read as "killed".
  const why = dead
    ? `exited early (code ${(dead as ExitInfo).code}, signal ${(dead as ExitInfo).signal})`
    : `not healthy after ${HEALTH_TIMEOUT_MS} ms (${lastProblem})`;
  await server.stop('SIGKILL');
  const error = new Error(`gatehouse serve on port ${port} ${why}. Output:\n${output}`);
  (error as Error & { addressInUse?: boolean }).addressInUse = /EADDRINUSE/.test(output);
  throw error;
}

/**
 * Spawns `node dist/cli/main.js serve --port <free port> --database <db>` and waits until
 * GET /healthz answers 200 (40 s at most; the error carries the server's output).
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  assertBuilt();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      // Another process may have taken the "free" port in between: try another.
      if (attempt < 3 && (error as { addressInUse?: boolean }).addressInUse) continue;
      throw error;
    }
  }
}

// --- the CLI -------------------------------------------------------------------

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Appended as `--database <db>` when given. */
  database?: string;
  /** Written to the child's stdin, which is then closed (closed empty when absent). */
  stdin?: string;
  env?: Record<string, string>;
}

/** Runs `gatehouse …args [--database db]` in this process (see helpers/cli.ts), to completion; `serve` as a child. */
export async function runCli(args: string[], { database, stdin, env }: CliOptions = {}): Promise<CliResult> {
  const argv = [...args, ...(database === undefined ? [] : ['--database', database])];
  const options = { stdin, env, timeoutMs: CLI_TIMEOUT_MS };
  // serve (expected to refuse, or `startServer` would be the helper) runs as a child, as users run it.
  const result = await (args[0] === 'serve'
    ? runCliProcess(argv, { ...options, cwd: childCwd() })
    : runCommandLine(argv, options));
  if (result.timedOut) {
    throw new Error(
      `gatehouse ${args.join(' ')} did not finish in ${CLI_TIMEOUT_MS} ms\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return { code: result.code, stdout: result.stdout, stderr: result.stderr };
}

function cliFailure(what: string, result: CliResult): Error {
  return new Error(`${what} exited with ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

export interface CreatedClient {
  client_id: string;
  client_secret: string | null;
  name: string;
  public: boolean;
  grant_types: string[];
  redirect_uris: string[];
  scope: string | null;
  trusted: boolean;
  /** RFC 8707: the resources it may name (--resource). */
  resources: string[];
  created_at: string;
}

/**
 * `gatehouse client create --json …flags` (adds `--name e2e-client` unless flags name it); returns
 * the parsed JSON. `env` is needed for `--scope` (checked against GATEHOUSE_SUPPORTED_SCOPES).
 */
export async function createClient(
  database: string,
  flags: string[] = [],
  env?: Record<string, string>,
): Promise<CreatedClient> {
  const args = ['client', 'create', '--json', ...(flags.includes('--name') ? [] : ['--name', 'e2e-client']), ...flags];
  const result = await runCli(args, { database, env });
  if (result.code !== 0) throw cliFailure(`gatehouse ${args.join(' ')}`, result);
  return JSON.parse(result.stdout) as CreatedClient;
}

/** `gatehouse user create USERNAME EMAIL --password-stdin …extraFlags`, the password on stdin. */
export async function createUser(
  database: string,
  username: string,
  email: string,
  password: string,
  extraFlags: string[] = [],
): Promise<CliResult> {
  const args = ['user', 'create', username, email, '--password-stdin', ...extraFlags];
  const result = await runCli(args, { database, stdin: `${password}\n` });
  if (result.code !== 0) throw cliFailure(`gatehouse user create ${username}`, result);
  return result;
}

// --- HTTP ------------------------------------------------------------------------

export interface HttpResult {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: any;
  text: string;
}

/** fetch + read the body; any 5xx answer is a test failure, whatever the test expected. */
export async function httpRequest(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const response = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(20_000) });
  const text = await response.text();
  if (response.status >= 500) {
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text}`);
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** RFC 6749 §2.3.1 / Appendix B: each part of Basic credentials is form-urlencoded first. */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `Basic base64(formEncode(id):formEncode(secret))`. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}

export interface TokenRequestOptions {
  /** Authenticate with HTTP Basic as [client_id, client_secret]. */
  basic?: [string, string];
  /** Extra or overriding headers (e.g. a hand-made Authorization or Content-Type). */
  headers?: Record<string, string>;
}

/**
 * POST `params` as application/x-www-form-urlencoded to the token endpoint. `url` is the
 * server's base URL (…/oauth/token is added) or the token endpoint itself.
 */
export function tokenRequest(
  url: string,
  /** Pairs, when a parameter repeats (RFC 8707 `resource`). */
  params: Record<string, string> | [string, string][],
  { basic, headers = {} }: TokenRequestOptions = {},
): Promise<HttpResult> {
  const endpoint = /\/oauth\/token$/.test(url) ? url : `${url.replace(/\/+$/, '')}/oauth/token`;
  return httpRequest(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: basicAuthorization(basic[0], basic[1]) } : {}),
      ...headers,
    },
    body: new URLSearchParams(params).toString(),
  });
}
