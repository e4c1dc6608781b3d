/**
 * Graceful shutdown with requests in flight. test/cli/serve.test.ts already checks that an idle
 * `serve` exits 0 on SIGTERM and SIGINT and frees its port; this adds what happens to work in
 * progress, and to the database connections:
 *
 * - requests the server has already read (password grants, slow because of argon2) and one whose
 *   body is still arriving when the signal comes, all complete with 200, and their tokens are stored;
 * - the listening socket closes at once: new connections are refused while those requests are
 *   still being served;
 * - the process exits by itself with code 0 (nothing left holding the event loop open);
 * - the database is released properly. PostgreSQL: once the process is gone, pg_stat_activity has
 *   no connection with the node's application_name, and the server never saw one of them vanish
 *   without the protocol's Terminate message ("unexpected EOF on client connection" at DEBUG1,
 *   logged by this private cluster; a control test shows the check sees an abandoned connection).
 *   SQLite: the database is one self-contained file again (safe to copy): the -wal file is gone,
 *   which the last connection to close does, and the file passes integrity_check. (A killed
 *   process leaves the -wal behind; a plain process.exit does not, since better-sqlite3 closes
 *   its databases at exit, so for SQLite the exit code is what shows the shutdown ran its course.)
 *
 * Whether a request was "read" is taken from the kernel, not guessed from a sleep: on Linux the
 * server's side of each connection in /proc/net/tcp shows how many received bytes the process has
 * not read yet.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenKey } from '../../src/core/secrets.js';
import { openStore, type DatabaseLocation } from '../../src/storage/open.js';
import { createSqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { queryRows } from '../helpers/cli.js';
import {
  basicAuthorization,
  createClient,
  createUser,
  startServer,
  stopAllServers,
  type RunningServer,
} from '../helpers/server.js';
import {
  checkSqliteIntegrity,
  PrivatePostgres,
  skipPrivatePostgres,
  sleep,
  until,
  type ClientCredentials,
} from './support.js';

const PASSWORD = 'finish what you started';
const IN_FLIGHT = 3;
const ENV = { GATEHOUSE_CLEANUP_INTERVAL: '0', GATEHOUSE_LOG_LEVEL: 'warn' };
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

// --- raw HTTP/1.1 over a socket we control ----------------------------------------------

interface RawAnswer {
  status: number;
  body: string;
  json: any;
}

/** Bytes the server process has received on the connection from `clientPort` but not read yet; null when unknown. */
function unreadByServer(serverPort: number, clientPort: number): number | null {
  if (!existsSync('/proc/net/tcp')) return null;
  const hex = (port: number) => `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const row of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = row.trim().split(/\s+/);
    // local_address rem_address st tx_queue:rx_queue
    if (fields[1]?.endsWith(hex(serverPort)) && fields[2]?.endsWith(hex(clientPort)))
      return parseInt(fields[4]!.split(':')[1]!, 16);
  }
  return -1; // no such connection (yet)
}

/** A POST sent by hand: the first `sendFirst` bytes of the body now, the rest on `finish()`. */
class RawPost {
  readonly answer: Promise<RawAnswer>;
  private readonly socket: Socket;
  private readonly connected: Promise<void>;
  /** The answer has started to arrive (so the request was read, whatever /proc says by now). */
  answering = false;
  answered = false;

  constructor(
    private readonly port: number,
    path: string,
    headers: Record<string, string>,
    private readonly body: string,
    private readonly sendFirst = body.length,
  ) {
    this.socket = connect(port, '127.0.0.1');
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    const head = [
      `POST ${path} HTTP/1.1`,
      `host: 127.0.0.1:${port}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
      '',
      '',
    ].join('\r\n');
    this.socket.write(head + body.slice(0, sendFirst));
    const chunks: Buffer[] = [];
    this.socket.on('data', (chunk: Buffer) => {
      this.answering = true;
      chunks.push(chunk);
    });
    this.answer = new Promise<RawAnswer>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.once('close', () => {
        this.answered = true;
        const text = Buffer.concat(chunks).toString('utf8');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
        if (!status)
          return reject(
            new Error(`no HTTP answer (connection closed after ${text.length} bytes: ${text.slice(0, 200)})`),
          );
        const split = text.indexOf('\r\n\r\n');
        let payload = text.slice(split + 4);
        if (/\r\ntransfer-encoding: chunked/i.test(text.slice(0, split))) payload = dechunk(payload);
        let json: unknown;
        try {
          json = JSON.parse(payload);
        } catch {
          json = undefined;
        }
        resolve({ status, body: payload, json });
      });
    });
    this.answer.catch(() => {});
  }

  /** Resolves once the server process has read everything sent so far. */
  async read(): Promise<void> {
    await this.connected;
    await new Promise<void>((resolve) => this.socket.write('', () => resolve()));
    const clientPort = this.socket.localPort!;
    if (unreadByServer(this.port, clientPort) === null) {
      await sleep(500); // no /proc: give the server time to read
      return;
    }
    await until(
      () => this.answering || unreadByServer(this.port, clientPort) === 0,
      10_000,
      () => `the server to read the request from port ${clientPort}`,
      5,
    );
  }

  finish(): void {
    this.socket.write(this.body.slice(this.sendFirst));
  }
}

function dechunk(payload: string): string {
  let out = '';
  let rest = payload;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** Tries a fresh TCP connection: true when it is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** The node's exit, once it has exited by itself (SIGKILL after 15 s: the server's own grace period is 10 s). */
async function exitOf(node: RunningServer): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = node.process;
  if (child.exitCode === null && child.signalCode === null) {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await new Promise((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
  }
  await node.stop(); // only bookkeeping now: the process is gone
  return { code: child.exitCode, signal: child.signalCode };
}

// --- the scenario -------------------------------------------------------------------------

interface Setup {
  /** The --database value for a node; `name` goes into PostgreSQL's application_name. */
  database(name: string): string;
  location: DatabaseLocation;
  client: ClientCredentials;
}

/**
 * Starts a node, puts IN_FLIGHT password grants and one half-sent one in flight, sends `signal`,
 * and checks what the header comment promises. Returns the node (exited) for engine checks.
 */
async function shutDownWithRequestsInFlight(
  setup: Setup,
  signal: (typeof SIGNALS)[number],
  name: string,
  beforeSignal?: () => Promise<void>,
): Promise<RunningServer> {
  const node = await startServer({ database: setup.database(name), env: ENV });
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: basicAuthorization(setup.client.id, setup.client.secret),
  };
  const body = new URLSearchParams({ grant_type: 'password', username: 'graceful', password: PASSWORD }).toString();
  // Warm-up: the pool has its connections before the signal.
  const warm = new RawPost(node.port, '/oauth/token', headers, body);
  expect((await warm.answer).status).toBe(200);
  await beforeSignal?.();

  const held = new RawPost(node.port, '/oauth/token', headers, body, 10);
  const whole = Array.from({ length: IN_FLIGHT }, () => new RawPost(node.port, '/oauth/token', headers, body));
  await Promise.all([held, ...whole].map((request) => request.read()));

  node.process.kill(signal);
  // The listening socket closes at once, while the requests above are still being served.
  await until(
    () => refused(node.port),
    10_000,
    () => 'new connections to be refused',
    20,
  );
  expect(held.answered).toBe(false);
  held.finish();

  const answers = await Promise.all([held, ...whole].map((request) => request.answer));
  expect(
    answers.map((answer) => [answer.status, typeof answer.json?.access_token]),
    answers.map((a) => a.body).join('\n'),
  ).toEqual(answers.map(() => [200, 'string']));
  // Waited for, not asked for again: a second signal is not part of this scenario.
  const exit = await exitOf(node);
  expect(exit, node.logs()).toEqual({ code: 0, signal: null });

  // The tokens answered during the shutdown were stored before their answers went out.
  const stored = await Promise.all(
    answers.map(
      async (answer) =>
        (
          await queryRows(setup.location, 'SELECT token_hash FROM access_tokens WHERE token_hash = ?', [
            tokenKey(answer.json.access_token),
          ])
        ).length,
    ),
  );
  expect(stored).toEqual(answers.map(() => 1));
  return node;
}

async function createAccounts(database: string): Promise<ClientCredentials> {
  const [created] = await Promise.all([
    createClient(database, ['--name', 'graceful', '--grant-type', 'password', '--grant-type', 'refresh_token']),
    createUser(database, 'graceful', 'graceful@example.com', PASSWORD),
  ]);
  return { id: created.client_id, secret: created.client_secret! };
}

describe('graceful shutdown with requests in flight [sqlite]', () => {
  let db: TestDatabase;
  let setup: Setup;
  let path: string;

  beforeAll(async () => {
    db = await createSqliteDatabase();
    if (db.location.engine !== 'sqlite') throw new Error('unreachable');
    path = db.location.path;
    // Nothing but the node may hold the file open: its -wal file is the evidence of a clean close.
    const store = openStore(db.location);
    await store.migrate();
    await store.close();
    const client = await createAccounts(`sqlite:${path}`);
    setup = { database: () => `sqlite:${path}`, location: db.location, client };
  });

  afterAll(async () => {
    await stopAllServers();
    await db?.cleanup();
  });

  for (const signal of SIGNALS) {
    it(`${signal}: in-flight requests get their 200, new connections are refused, exit 0, the database is closed cleanly`, async () => {
      await shutDownWithRequestsInFlight(setup, signal, signal.toLowerCase(), async () => {
        // Control: while the node has the database open, the -wal file exists.
        expect(existsSync(`${path}-wal`)).toBe(true);
      });
      expect(existsSync(`${path}-wal`)).toBe(false);
      expect(checkSqliteIntegrity(path).problems).toEqual([]);
    }, 60_000);
  }
});

describe.skipIf(skipPrivatePostgres)('graceful shutdown with requests in flight [postgres]', () => {
  let cluster: PrivatePostgres;
  let setup: Setup;

  const connectionsOf = async (application: string) =>
    Number(
      (
        await cluster.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [
          application,
        ])
      )[0]!.n,
    );
  /** Log lines where the server saw a connection of `application` end without a Terminate message. */
  const abandoned = (application: string) =>
    cluster
      .log()
      .split('\n')
      .filter(
        (line) =>
          line.includes(`app=${application} `) &&
          /unexpected EOF on client connection|could not receive data from client|connection reset/i.test(line),
      );

  beforeAll(async () => {
    // DEBUG1: PostgreSQL logs a client that vanished without saying goodbye only at that level
    // (unless a transaction was open).
    cluster = await PrivatePostgres.create({ log_min_messages: 'debug1' });
    await cluster.query('CREATE DATABASE gatehouse');
    const location: DatabaseLocation = { engine: 'postgres', url: cluster.url('gatehouse') };
    const store = openStore(location, { poolSize: 1 });
    try {
      await store.migrate();
    } finally {
      await store.close();
    }
    const client = await createAccounts(location.url);
    setup = { database: (name) => cluster.url('gatehouse', name), location, client };
  });

  afterAll(async () => {
    await stopAllServers();
    await cluster?.destroy();
  });

  it('control: a connection dropped without the Terminate message is seen in the server log', async () => {
    const client = new pg.Client({ connectionString: cluster.url('gatehouse', 'gh-control') });
    client.on('error', () => {});
    await client.connect();
    await client.query('SELECT 1');
    (client as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
    await until(
      () => abandoned('gh-control').length > 0,
      10_000,
      () => `the server to log the dropped connection:\n${cluster.log().slice(-2000)}`,
      20,
    );
  });

  for (const signal of SIGNALS) {
    it(`${signal}: in-flight requests get their 200, new connections are refused, exit 0, every connection is closed properly`, async () => {
      const application = `gh-graceful-${signal.toLowerCase()}`;
      await shutDownWithRequestsInFlight(setup, signal, application, async () => {
        // Control: the node does hold connections under its application_name.
        expect(await connectionsOf(application)).toBeGreaterThan(0);
      });
      // A backend notices its client's goodbye asynchronously: wait (bounded) for them to go.
      await until(
        async () => (await connectionsOf(application)) === 0,
        10_000,
        () => `${application}'s connections to end`,
        50,
      );
      expect(abandoned(application)).toEqual([]);
    }, 60_000);
  }
});
