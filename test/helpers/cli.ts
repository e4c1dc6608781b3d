/**
 * Helpers to run CLI commands the way an operator runs them, and to check what they did.
 *
 * - `runCli` runs one command line in this process (`runGatehouse` from src/cli/program.ts, the
 *   function `gatehouse` itself calls) with captured stdout/stderr, its own stdin and a cleaned
 *   environment, and returns its exit code and output. In-process because a command costs some
 *   10 ms here against ~0.5 s of CPU for a child Node process, and the suite runs thousands.
 * - `runCliProcess` runs `node dist/cli/main.js` as a child (so run `npm run build` first): for the
 *   tests of the process itself (exit codes as the shell sees them, the working directory, what a
 *   process loads).
 * - `spawnServe` starts `serve` and hands back the child, its captured output and a
 *   `waitForOutput` to wait for a line such as the "serving http://…" banner.
 * - `queryRows` reads a test database directly (better-sqlite3 or pg), bypassing the store, so
 *   tests can check what is really on disk.
 *
 * Commands get the test process's environment minus every GATEHOUSE_* variable, so an
 * operator's own settings never leak into a test; pass `env` to set some. They run in an empty
 * scratch folder unless the test passes `cwd`, so a gatehouse.yaml in the checkout is never read.
 */
import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { runGatehouse } from '../../src/cli/program.js';
import type { DatabaseLocation } from '../../src/storage/open.js';
import { atFileEnd } from './file-end.js';

/** Absolute path of the built CLI entry point. */
export const CLI_PATH: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} does not exist: run \`npm run build\` before the CLI tests`);
}

export interface CliResult {
  /** Exit code; null when the process was killed by a signal (e.g. the timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the command ran past its timeout and was killed. */
  timedOut: boolean;
}

export interface RunOptions {
  /**
   * The working directory: the child's (`runCliProcess`, `spawnServe`), or what an in-process
   * command (`runCli`) takes for its own (CliIo.cwd: where it looks for gatehouse.yaml and what
   * relative paths are relative to). Default: an empty scratch folder of the test file's.
   */
  cwd?: string;
  /** Written to the child's stdin, which is then closed. Without it stdin is an empty pipe (not a TTY). */
  stdin?: string;
  /** Added to the cleaned environment; `undefined` values remove a variable. */
  env?: Record<string, string | undefined>;
  /** Kill the command after this long (default 20 s): a misuse that wrongly starts a server must not hang the suite. */
  timeoutMs?: number;
}

let scratch: string | undefined;

/**
 * The working directory of a command whose test names none: an empty folder of the test file's
 * own, so neither a gatehouse.yaml in the checkout (the README's quick start writes one) nor a
 * relative path reaches the repository.
 */
function defaultCwd(): string {
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-cwd-'));
    scratch = dir;
    atFileEnd(() => {
      rmSync(dir, { recursive: true, force: true });
      scratch = undefined;
    });
  }
  return scratch;
}

/** The test process's environment without any GATEHOUSE_* setting, plus `extra`. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GATEHOUSE_') && value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * At most this many CLI children run at once per test file: each spends ~0.5 s of CPU loading,
 * and starting dozens at once on a small machine only makes every one of them late.
 */
const MAX_CONCURRENT = Math.max(2, availableParallelism());
let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((wake) => waiting.push(wake));
  running += 1;
  try {
    return await fn();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** A stream that keeps what is written to it. */
function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/**
 * Runs one command line in this process, to completion or its timeout (a command still running
 * then is reported as `timedOut` and left to finish on its own).
 */
export async function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  // A server in the test's own process would outlive the test and catch its signals.
  if (args[0] === 'serve') throw new Error('serve runs as a child process here: use runCliProcess or spawnServe');
  const stdout = capture();
  const stderr = capture();
  const io = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from([Buffer.from(options.stdin ?? '')]),
    env: cliEnv(options.env),
    cwd: options.cwd ?? defaultCwd(),
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(null), options.timeoutMs ?? 20_000);
  });
  try {
    const code = await Promise.race([runGatehouse(args, io), timeout]);
    return { code, signal: null, stdout: stdout.text(), stderr: stderr.text(), timedOut: code === null };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `node dist/cli/main.js ...args` as a child process to completion (the timeout counts from the spawn). */
export function runCliProcess(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  assertBuilt();
  return limited(() => spawnCli(args, options));
}

function spawnCli(args: readonly string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: options.cwd ?? defaultCwd(),
      env: cliEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // The child may exit before reading its stdin (EPIPE): that is its business, not a test failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** The non-empty lines of a stream's output. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** Parses a command's JSON output, with the output in the error when it is not JSON. */
export function parseJson<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A one-line summary of a result, for assertion messages. */
export function describeResult(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}${result.timedOut ? ' after timeout' : ''}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

// --- serve -------------------------------------------------------------------

export interface ServeProcess {
  child: ChildProcess;
  /** Everything the child wrote so far, stdout and stderr interleaved as received. */
  readonly output: { text: string };
  /** Resolves with the first match of `pattern` in the output; rejects on timeout or exit. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILLs after `timeoutMs`. */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export interface ServeOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** Starts `node dist/cli/main.js serve ...args` (`args` may start with `serve` or leave it out). */
export function spawnServe(args: readonly string[], options: ServeOptions = {}): ServeProcess {
  assertBuilt();
  const serveArgs = args[0] === 'serve' ? args : ['serve', ...args];
  const child = spawn(process.execPath, [CLI_PATH, ...serveArgs], {
    cwd: options.cwd ?? defaultCwd(),
    env: cliEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  const listeners = new Set<() => void>();
  const append = (chunk: string) => {
    output.text += chunk;
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolvePromise(exitInfo);
      for (const listener of [...listeners]) listener();
    });
    child.on('error', () => {
      exitInfo = { code: null, signal: null };
      resolvePromise(exitInfo);
    });
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<RegExpMatchArray>((resolvePromise, reject) => {
      const check = () => {
        const match = output.text.match(pattern);
        if (match) {
          done();
          resolvePromise(match);
        } else if (exitInfo) {
          done();
          reject(
            new Error(
              `serve exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before printing ${pattern}:\n${output.text}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`serve did not print ${pattern} within ${timeoutMs} ms:\n${output.text}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000) => {
    const started = Date.now();
    if (exitInfo) return { ...exitInfo, ms: 0 };
    child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const result = await exited;
    clearTimeout(killer);
    return { ...result, ms: Date.now() - started };
  };

  return { child, output, waitForOutput, exited, stop };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

/** Resolves true when a fresh listener can bind `port` on 127.0.0.1 (then releases it). */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

/**
 * Linux only: the pids whose open file descriptors include the socket listening on
 * 127.0.0.1:`port` (from /proc/net/tcp). Null where /proc is not available.
 */
export function listeningPids(port: number): number[] | null {
  if (process.platform !== 'linux' || !existsSync('/proc/net/tcp')) return null;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the inode.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        pids.push(Number(entry));
        break;
      }
    }
  }
  return pids;
}

// --- databases -----------------------------------------------------------------

/** The `--database` value for a test database. */
export function databaseUrl(location: DatabaseLocation): string {
  return location.engine === 'sqlite' ? `sqlite:${location.path}` : location.url;
}

/**
 * Runs one query on its own fresh connection (better-sqlite3 or pg), bypassing the store.
 * Write placeholders as `?`; they become `$1…` for PostgreSQL.
 */
export async function queryRows<T = Record<string, unknown>>(
  location: DatabaseLocation,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  if (location.engine === 'sqlite') {
    const db = new Database(location.path, { fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  let n = 0;
  const client = new pg.Client({ connectionString: location.url });
  client.on('error', () => {});
  await client.connect();
  try {
    const result = await client.query(
      sql.replace(/\?/g, () => `$${++n}`),
      params as unknown[],
    );
    return result.rows as T[];
  } finally {
    await client.end().catch(() => {});
  }
}

/** Misuse: exit code 2 and exactly one line on stderr, starting with "gatehouse: ". */
export function expectMisuse(result: CliResult, mentions?: RegExp): void {
  expect(result.code, describeResult(result)).toBe(2);
  expect(lines(result.stderr), describeResult(result)).toHaveLength(1);
  expect(result.stderr).toMatch(/^gatehouse: \S/);
  expect(result.stderr.endsWith('\n')).toBe(true);
  if (mentions) expect(result.stderr).toMatch(mentions);
}

/** Success: exit code 0 and nothing on stderr. */
export function expectSuccess(result: CliResult): void {
  expect(result.code, describeResult(result)).toBe(0);
  expect(result.stderr, describeResult(result)).toBe('');
}
