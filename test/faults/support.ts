/**
 * Helpers for the fault-injection suites (test/faults): a private PostgreSQL cluster the tests
 * may crash and restart, database integrity checks for both engines, raw HTTP that records
 * failures instead of throwing, and a concurrent load generator that remembers every token a
 * 200 answer promised.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { requirePostgres } from '../helpers/databases.js';
import { basicAuthorization, freePort } from '../helpers/server.js';
import { pkcePair } from '../helpers/browser-http.js';

const execFileAsync = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `condition()` holds, checking every `everyMs`; throws `what` after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(everyMs);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

// --- a private PostgreSQL cluster ------------------------------------------------

/** Where initdb and pg_ctl live: GATEHOUSE_TEST_PG_BIN, `pg_config --bindir`, or Debian's /usr/lib/postgresql/<v>/bin. */
function findPostgresBin(): string | null {
  const candidates: string[] = [];
  if (process.env.GATEHOUSE_TEST_PG_BIN) candidates.push(process.env.GATEHOUSE_TEST_PG_BIN);
  try {
    candidates.push(
      execFileSync('pg_config', ['--bindir'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    );
  } catch {
    // no pg_config on the PATH
  }
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}

export const postgresBin: string | null = findPostgresBin();

/**
 * Private clusters are skipped (with a warning) only where the shared PostgreSQL suites are:
 * outside CI. With CI=true a missing initdb fails the suite.
 */
export const skipPrivatePostgres: boolean = postgresBin === null && !requirePostgres;
if (skipPrivatePostgres) {
  console.warn(
    '[gatehouse tests] skipping private-PostgreSQL fault suites: initdb/pg_ctl not found (set GATEHOUSE_TEST_PG_BIN; CI=true makes this a failure)',
  );
}

const runningClusters = new Set<PrivatePostgres>();
process.once('exit', () => {
  for (const cluster of runningClusters) cluster.killNow();
});

/**
 * A throw-away PostgreSQL cluster in a temporary directory, on a free port, with its unix socket
 * in that directory and fsync off (nothing here must survive an OS crash). Unlike the machine's
 * shared server, it can be stopped (`-m immediate`: a crash, no checkpoint) and started again
 * while other tests run. initdb refuses to run as root, so as root every command runs as the
 * `postgres` user (runuser).
 */
export class PrivatePostgres {
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  port = 0;
  private readonly asPostgres: boolean;

  private constructor() {
    if (!postgresBin)
      throw new Error('initdb/pg_ctl not found: install PostgreSQL server binaries or set GATEHOUSE_TEST_PG_BIN');
    this.asPostgres = process.getuid?.() === 0;
    this.dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
    this.dataDir = join(this.dir, 'data');
    this.logFile = join(this.dir, 'postgres.log');
    if (this.asPostgres) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(this.dir, uid, gid);
    }
  }

  /** initdb + start. `settings` go into postgresql.conf. */
  static async create(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
    const cluster = new PrivatePostgres();
    try {
      await cluster.run('initdb', [
        '-D',
        cluster.dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--no-sync',
        '--no-instructions',
      ]);
      for (let attempt = 1; ; attempt++) {
        cluster.port = await freePort();
        const conf = {
          port: String(cluster.port),
          listen_addresses: "'127.0.0.1'",
          unix_socket_directories: `'${cluster.dir}'`,
          // Safe for a database that only ever sees process crashes, never an OS crash: every
          // write still reaches the page cache. (Not synchronous_commit = off: that acknowledges
          // commits still in the WAL buffers, which an immediate stop throws away.)
          fsync: 'off',
          full_page_writes: 'off',
          shared_buffers: "'32MB'",
          max_connections: '60',
          // The application name in every log line: which node left a connection behind.
          log_line_prefix: "'%m [%p] app=%a '",
          ...settings,
        };
        // Later lines win in postgresql.conf: on a retry the new port replaces the old one.
        appendFileSync(
          join(cluster.dataDir, 'postgresql.conf'),
          `\n${Object.entries(conf)
            .map(([k, v]) => `${k} = ${v}`)
            .join('\n')}\n`,
        );
        try {
          await cluster.start();
          break;
        } catch (error) {
          // Someone may have taken the "free" port in between.
          if (attempt >= 3 || !/already in use|could not bind|could not create any TCP/i.test(cluster.log()))
            throw error;
        }
      }
      runningClusters.add(cluster);
      return cluster;
    } catch (error) {
      cluster.remove();
      throw new Error(`could not start a private PostgreSQL cluster: ${(error as Error).message}\n${cluster.log()}`, {
        cause: error,
      });
    }
  }

  private async run(tool: string, args: string[]): Promise<string> {
    const binary = join(postgresBin!, tool);
    const [file, argv] = this.asPostgres ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
    const { stdout } = await execFileAsync(file, argv, { timeout: 60_000, cwd: this.dir });
    return stdout;
  }

  /** postgres://postgres@127.0.0.1:PORT/DATABASE */
  url(database = 'postgres', applicationName?: string): string {
    const url = new URL(`postgres://postgres@127.0.0.1:${this.port}/${database}`);
    if (applicationName) url.searchParams.set('application_name', applicationName);
    return url.toString();
  }

  async start(): Promise<void> {
    await this.run('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  /** `immediate` is a crash: every backend is killed, no checkpoint; the next start recovers from the WAL. */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Starts the cluster unless it is running (pg_ctl status exits 3 when it is not). */
  async ensureRunning(): Promise<void> {
    try {
      await this.run('pg_ctl', ['-D', this.dataDir, 'status']);
    } catch {
      await this.start();
    }
  }

  private frozen: number[] = [];

  /** The postmaster and its children (every backend and auxiliary process), from /proc. */
  private processes(): number[] {
    const postmaster = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // pid (comm) state ppid …; comm may contain spaces and parentheses: split after the last ')'.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === postmaster) children.push(Number(entry));
      } catch {
        // the process ended meanwhile
      }
    }
    return [postmaster, ...children];
  }

  /**
   * SIGSTOP to every process of the cluster: connections stay open and new ones are accepted by
   * the kernel, but nothing answers (a hung host, a network partition). `thaw()` undoes it.
   */
  freeze(): void {
    this.frozen = this.processes();
    for (const pid of this.frozen) process.kill(pid, 'SIGSTOP');
  }

  thaw(): void {
    for (const pid of this.frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    this.frozen = [];
  }

  /** The server's log so far. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Synchronous immediate stop, for process exit. */
  killNow(): void {
    this.thaw();
    try {
      const binary = join(postgresBin!, 'pg_ctl');
      const args = ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'];
      if (this.asPostgres)
        execFileSync('runuser', ['-u', 'postgres', '--', binary, ...args], { stdio: 'ignore', timeout: 20_000 });
      else execFileSync(binary, args, { stdio: 'ignore', timeout: 20_000 });
    } catch {
      // already stopped
    }
  }

  private remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops the cluster (if running) and removes its directory. */
  async destroy(): Promise<void> {
    this.thaw();
    await this.stop('immediate').catch(() => {});
    runningClusters.delete(this);
    this.remove();
  }
}

// --- integrity ---------------------------------------------------------------------

export interface IntegrityReport {
  /** Empty when the check passed; else one line per problem. */
  problems: string[];
  /** What was checked, for the assertion message. */
  checked: string;
}

/** PRAGMA integrity_check (must be exactly "ok") and PRAGMA foreign_key_check (must be empty). */
export function checkSqliteIntegrity(path: string): IntegrityReport {
  const db = new Database(path, { fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const foreignKeys = db.pragma('foreign_key_check') as Array<Record<string, unknown>>;
    const problems = [
      ...(integrity.length === 1 && integrity[0]!.integrity_check === 'ok'
        ? []
        : integrity.map((row) => `integrity_check: ${row.integrity_check}`)),
      ...foreignKeys.map((row) => `foreign_key_check: ${JSON.stringify(row)}`),
    ];
    return { problems, checked: 'PRAGMA integrity_check, PRAGMA foreign_key_check' };
  } finally {
    db.close();
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * amcheck on the whole database: bt_index_check(index, heapallindexed => true) on every B-tree
 * index (catalogs included), verify_heapam on every table of the public schema, and an
 * anti-join per foreign key looking for orphans.
 */
export async function checkPostgresIntegrity(url: string): Promise<IntegrityReport> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  const problems: string[] = [];
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS amcheck');
    const indexes = (
      await client.query<{ oid: number; name: string }>(
        `SELECT c.oid, c.oid::regclass::text AS name
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
          WHERE am.amname = 'btree' AND i.indisvalid AND i.indisready AND c.relpersistence <> 't'`,
      )
    ).rows;
    for (const index of indexes) {
      try {
        await client.query('SELECT bt_index_check($1::regclass, true)', [index.oid]);
      } catch (error) {
        problems.push(`bt_index_check(${index.name}): ${(error as Error).message}`);
      }
    }
    const tables = (
      await client.query<{ oid: number; name: string }>(
        `SELECT c.oid, c.relname AS name FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'`,
      )
    ).rows;
    for (const table of tables) {
      const corrupt = (await client.query('SELECT * FROM verify_heapam($1::regclass)', [table.oid])).rows;
      for (const row of corrupt) problems.push(`verify_heapam(${table.name}): ${JSON.stringify(row)}`);
    }
    const foreignKeys = (
      await client.query<{
        name: string;
        child: string;
        parent: string;
        child_columns: string[];
        parent_columns: string[];
      }>(
        `SELECT con.conname AS name, ch.relname AS child, pa.relname AS parent,
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n)
                        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS child_columns,
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, n)
                        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.n) AS parent_columns
           FROM pg_constraint con JOIN pg_class ch ON ch.oid = con.conrelid JOIN pg_class pa ON pa.oid = con.confrelid
          WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace`,
      )
    ).rows;
    for (const fk of foreignKeys) {
      const notNull = fk.child_columns.map((column) => `c.${quoteIdent(column)} IS NOT NULL`).join(' AND ');
      const joins = fk.child_columns
        .map((column, i) => `p.${quoteIdent(fk.parent_columns[i]!)} = c.${quoteIdent(column)}`)
        .join(' AND ');
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${quoteIdent(fk.child)} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(fk.parent)} p WHERE ${joins})`,
      );
      if (Number(rows[0]!.n) > 0) problems.push(`foreign key ${fk.name}: ${rows[0]!.n} orphan rows in ${fk.child}`);
    }
    if (foreignKeys.length === 0) problems.push('no foreign keys found in the public schema (wrong database?)');
    return {
      problems,
      checked: `bt_index_check on ${indexes.length} indexes, verify_heapam on ${tables.length} tables, ${foreignKeys.length} foreign keys`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

// --- HTTP that records instead of throwing -------------------------------------------

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
  /** Milliseconds from sending to the whole body read. */
  ms: number;
}

/** fetch + read the body; network errors are thrown (the caller records them); no redirects followed. */
export async function send(url: string, init: RequestInit = {}, timeoutMs = 30_000): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json, ms: performance.now() - started };
}

export interface ClientCredentials {
  id: string;
  secret: string;
}

export function postToken(
  baseUrl: string,
  client: ClientCredentials,
  params: Record<string, string>,
  timeoutMs?: number,
): Promise<Answer> {
  return send(
    `${baseUrl}/oauth/token`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuthorization(client.id, client.secret),
      },
      body: new URLSearchParams(params).toString(),
    },
    timeoutMs,
  );
}

/** RFC 7662 introspection by the client the token was issued to: is it active? */
export async function isActive(
  baseUrl: string,
  client: ClientCredentials,
  token: string,
  hint: 'access_token' | 'refresh_token',
): Promise<boolean> {
  const answer = await send(`${baseUrl}/oauth/introspect`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuthorization(client.id, client.secret),
    },
    body: new URLSearchParams({ token, token_type_hint: hint }).toString(),
  });
  if (answer.status !== 200 || typeof answer.json?.active !== 'boolean') {
    throw new Error(`introspection answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  }
  return answer.json.active as boolean;
}

/** One authorization-code round trip (trusted client, signed-in session): the code, or the answer that refused it. */
export async function authorizeCode(
  baseUrl: string,
  clientId: string,
  redirectUri: string,
  sessionCookie: string,
): Promise<{ code: string; verifier: string } | { refused: Answer }> {
  const { verifier, challenge } = pkcePair();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state: 'faults',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const answer = await send(`${baseUrl}/oauth/authorize?${query}`, { headers: { cookie: sessionCookie } });
  const location = answer.headers.get('location');
  const code = answer.status === 302 && location ? new URL(location).searchParams.get('code') : null;
  return code ? { code, verifier } : { refused: answer };
}

// --- load ----------------------------------------------------------------------------

export type AttemptKind = 'client_credentials' | 'password' | 'refresh' | 'authorize' | 'authorization_code';

export interface Attempt {
  kind: AttemptKind;
  node: number;
  /** performance.now() when sent and when answered (or failed). */
  started: number;
  ended: number;
  status?: number;
  error?: string;
  body?: string;
}

export interface TokenPair {
  access: string;
  refresh: string;
}

/** One refresh-token family as the load saw it: every pair a 200 answer issued, in order. */
export interface Chain {
  origin: 'password' | 'authorization_code';
  node: number;
  pairs: TokenPair[];
  /** A rotation of the last refresh token got no 200 (in flight at the kill): it may or may not have happened. */
  uncertainRotation: boolean;
}

export interface LoadOptions {
  nodes: string[];
  client: ClientCredentials;
  username: string;
  password: string;
  redirectUri: string;
  /** Cookie header of a signed-in browser session (for the authorization-code workers). */
  sessionCookie: string;
  workers: number;
}

/**
 * Concurrent clients, each talking to one node (worker i to node i % n) one request at a time:
 * a third ask for client_credentials tokens, a third start refresh-token families with the
 * password grant and a third with an authorization-code exchange, then rotate them a few times
 * before starting another. Every token a 200 answer carried is recorded; a rotation that gets
 * no 200 leaves its family "uncertain" and the worker stops (retrying would be reuse).
 */
export class Load {
  readonly ccTokens: Array<{ token: string; node: number }> = [];
  readonly chains: Chain[] = [];
  readonly attempts: Attempt[] = [];
  successes = 0;
  private stopped = false;
  private active = 0;
  private gate: Promise<void> | null = null;
  private waiting = 0;
  private readonly halted = new Set<number>();
  private readonly done: Promise<void>;

  constructor(private readonly options: LoadOptions) {
    const roles = ['client_credentials', 'password', 'authorization_code'] as const;
    this.done = Promise.all(
      Array.from({ length: options.workers }, async (_, i) => {
        const node = i % options.nodes.length;
        const role = roles[Math.floor(i / options.nodes.length) % roles.length]!;
        this.active++;
        try {
          await (role === 'client_credentials' ? this.ccWorker(node) : this.chainWorker(node, role));
        } finally {
          this.active--;
        }
      }),
    ).then(() => {});
  }

  /**
   * Holds every worker before its next request until all are waiting, then lets them all go at
   * once: right after this resolves, the server has a burst of requests to work through. (A
   * client on a small machine is often slower than the server; without the burst, a kill tends
   * to find the server idle, waiting for the client.)
   */
  async burst(): Promise<void> {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    this.waiting = 0;
    await until(
      () => this.waiting >= this.active,
      30_000,
      () => `${this.active - this.waiting} of ${this.active} workers to finish their request`,
      1,
    );
    this.gate = null;
    release();
  }

  /** Requests of `kind` that got their expected answer (200; 302 for authorize). */
  count(kind: AttemptKind): number {
    return this.attempts.filter((a) => a.kind === kind && (a.status === 200 || a.status === 302)).length;
  }

  /** No new request goes to `node` from now on (its in-flight ones still finish or fail). */
  halt(node: number): void {
    this.halted.add(node);
  }

  /** Stops every worker after its current request; resolves when all have stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private running(node: number): boolean {
    return !this.stopped && !this.halted.has(node);
  }

  /** Sends one request, recording it. Null when it failed or did not answer `expected`. */
  private async attempt(
    kind: AttemptKind,
    node: number,
    request: () => Promise<Answer>,
    expected = 200,
  ): Promise<Answer | null> {
    // Checked before every request, not once per loop: the second step of a flow must not go
    // to a node that was halted (and killed) while its first step was in flight.
    if (this.gate) {
      this.waiting++;
      await this.gate;
    }
    if (!this.running(node)) return null;
    const record: Attempt = { kind, node, started: performance.now(), ended: 0 };
    this.attempts.push(record);
    try {
      const answer = await request();
      record.status = answer.status;
      if (answer.status !== expected) record.body = answer.text.slice(0, 300);
      return answer.status === expected ? answer : null;
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      record.error = `${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
      return null;
    } finally {
      record.ended = performance.now();
    }
  }

  private token(node: number, params: Record<string, string>): Promise<Answer> {
    return postToken(this.options.nodes[node]!, this.options.client, params);
  }

  private async ccWorker(node: number): Promise<void> {
    while (this.running(node)) {
      const answer = await this.attempt('client_credentials', node, () =>
        this.token(node, { grant_type: 'client_credentials' }),
      );
      if (!answer) return;
      this.ccTokens.push({ token: answer.json.access_token, node });
      this.successes++;
    }
  }

  private async chainWorker(node: number, origin: Chain['origin']): Promise<void> {
    const { username, password, client, redirectUri, sessionCookie } = this.options;
    const base = this.options.nodes[node]!;
    while (this.running(node)) {
      let first: Answer | null;
      if (origin === 'password') {
        first = await this.attempt('password', node, () =>
          this.token(node, { grant_type: 'password', username, password }),
        );
      } else {
        let grant: { code: string; verifier: string } | null = null;
        const authorized = await this.attempt(
          'authorize',
          node,
          async () => {
            const result = await authorizeCode(base, client.id, redirectUri, sessionCookie);
            if ('refused' in result) return result.refused;
            grant = result;
            return { status: 302 } as Answer;
          },
          302,
        );
        if (!authorized || !grant) return;
        const { code, verifier } = grant as { code: string; verifier: string };
        first = await this.attempt('authorization_code', node, () =>
          this.token(node, {
            grant_type: 'authorization_code',
            code,
            redirect_uri: redirectUri,
            code_verifier: verifier,
          }),
        );
      }
      if (!first) return;
      const chain: Chain = {
        origin,
        node,
        pairs: [{ access: first.json.access_token, refresh: first.json.refresh_token }],
        uncertainRotation: false,
      };
      this.chains.push(chain);
      this.successes++;
      const rotations = 3 + Math.floor(Math.random() * 6);
      for (let i = 0; i < rotations && this.running(node); i++) {
        const presented = chain.pairs.at(-1)!.refresh;
        const rotated = await this.attempt('refresh', node, () =>
          this.token(node, { grant_type: 'refresh_token', refresh_token: presented }),
        );
        if (!rotated) {
          chain.uncertainRotation = true;
          return;
        }
        chain.pairs.push({ access: rotated.json.access_token, refresh: rotated.json.refresh_token });
        this.successes++;
      }
    }
  }

  /** Requests that did not get their expected answer, described for an assertion message. */
  failures(): Attempt[] {
    return this.attempts.filter(
      (a) => a.ended > 0 && (a.error !== undefined || (a.status !== 200 && a.status !== 302)),
    );
  }

  summary(): string {
    const by = (kind: AttemptKind) => this.count(kind);
    return `${this.attempts.length} requests: ${by('client_credentials')} client_credentials, ${by('password')} password, ${by('authorize')} authorize, ${by('authorization_code')} code exchanges, ${by('refresh')} rotations answered; ${this.failures().length} failed; ${this.chains.length} families`;
  }
}
