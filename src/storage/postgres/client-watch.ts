import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { ClientChangeWatch, SqlExecutor } from '../driver.js';
import { pgModule } from './pg.js';

/** The channel a change to the clients table is announced on (in the changing transaction, so at its commit). */
export const CLIENTS_CHANNEL = 'gatehouse_clients';
/**
 * Held in shared mode by every listening store instance while its client cache may answer; a
 * writer asks for it exclusively before its change commits, and gets it only once every
 * listener has heard the announcement, emptied its cache and let go.
 */
export const CLIENTS_LOCK = 7_041_004;

/** How often the listener checks its connection, and how old its last answer may be before the cache stops answering. */
const HEARTBEAT_MS = 2_000;
const HEARTBEAT_TIMEOUT_MS = 3_000;
const LIVENESS_MS = 5_000;
/** A writer waits this long for the listeners; longer than LIVENESS_MS, so one that does not answer has stopped answering from its cache by then. */
export const ANNOUNCE_TIMEOUT_MS = 10_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/** Inside the changing transaction: the listeners hear it when it commits. */
export async function announceClientsChanged(tx: SqlExecutor): Promise<void> {
  await tx.get(`SELECT pg_notify('${CLIENTS_CHANNEL}', '')`);
}

/**
 * A writer's place in the queue for CLIENTS_LOCK, taken *before* its change commits: a
 * listener that hears the announcement releases its shared hold and asks for it again, and
 * PostgreSQL queues that request behind the writer's, so the writer gets the lock only once
 * every listener has acted on the announcement. (Asked for after the commit, a listener could
 * release and retake its hold before the writer's request arrived.) It is a connection of its
 * own, outside the pool: a pool of one would otherwise starve the change itself.
 */
export class ListenerBarrier {
  private settled = false;

  private constructor(
    private readonly client: pg.Client,
    private readonly pid: number,
    private readonly granted: Promise<void>,
    private readonly query: (sql: string, params: unknown[]) => Promise<unknown>,
    private readonly withdrawn: { value: boolean },
  ) {
    void granted.then(() => (this.settled = true));
  }

  /** `query` runs a statement on another connection (the pool): it watches and, if need be, withdraws the request. */
  static async queue(
    options: pg.ClientConfig,
    query: (sql: string, params: unknown[]) => Promise<unknown>,
  ): Promise<ListenerBarrier> {
    const client = new (pgModule().Client)(options);
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query(`SET lock_timeout = ${ANNOUNCE_TIMEOUT_MS}`);
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pid = rows[0]!.pid;
      const withdrawn = { value: false };
      const granted = client.query('SELECT pg_advisory_lock($1)', [CLIENTS_LOCK]).then(
        () => {},
        async (error: { code?: string }) => {
          // 55P03 lock_not_available: a listener did not let go in time. It has not answered
          // its heartbeat for longer than LIVENESS_MS either, so its cache no longer answers.
          // Any other failure (this connection lost): the change is committed all the same;
          // after LIVENESS_MS every listener has heard it or stopped answering.
          if (error.code !== '55P03' && !withdrawn.value)
            await new Promise((resolve) => setTimeout(resolve, LIVENESS_MS));
        },
      );
      const started = performance.now();
      while ((await query(LOCK_QUEUED_SQL, [pid])) === undefined) {
        if (performance.now() - started > ANNOUNCE_TIMEOUT_MS)
          throw new Error('the client-cache lock request never reached the queue');
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return new ListenerBarrier(client, pid, granted, query, withdrawn);
    } catch (error) {
      destroy(client);
      throw error;
    }
  }

  /** Resolves once every listener has acted on the change (or the timeout passed). */
  passed(): Promise<void> {
    return this.granted;
  }

  /** Withdraws a request still waiting (the change failed), then ends the connection, which releases the lock. */
  async release(): Promise<void> {
    // A backend waiting for a lock reads nothing from its client until the wait ends.
    this.withdrawn.value = true;
    if (!this.settled) await this.query('SELECT pg_cancel_backend(?)', [this.pid]).catch(() => {});
    await this.client.end().catch(() => destroy(this.client));
  }
}

/** Whether a backend holds or waits for CLIENTS_LOCK (a bigint key: classid = high, objid = low 32 bits). */
export const LOCK_QUEUED_SQL = `SELECT 1 AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = ${CLIENTS_LOCK}
  AND objsubid = 1 AND pid = ?`;

/**
 * The PostgreSQL side of the client cache: a connection of its own that LISTENs on
 * CLIENTS_CHANNEL and holds CLIENTS_LOCK shared. The cache answers only while that connection
 * is up, holds the lock, has heard nothing it has not acted on, and answered its last heartbeat
 * less than LIVENESS_MS ago; otherwise every lookup reads the database, as it would without a
 * cache. On an announcement it empties the cache (the version changes), then releases and
 * retakes the lock, which lets the announcing writer finish.
 *
 * It connects on the first lookup, so a short-lived CLI command that never looks a client up
 * opens no extra connection.
 */
export class PostgresClientWatch implements ClientChangeWatch {
  /** A change made by hand (psql), which announces nothing, is seen within a minute. */
  readonly maxAgeMs = 60_000;
  private client: pg.Client | null = null;
  private started = false;
  private closed = false;
  /** Bumped by every announcement and every (re)connection. */
  private counter = 0;
  /** Connected, listening, holding the lock, nothing pending. */
  private answering = false;
  /** An announcement arrived that the lock has not been cycled for yet. */
  private pending = false;
  private cycling = false;
  private lastAlive = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private backoff = RECONNECT_MIN_MS;

  constructor(private readonly options: pg.ClientConfig) {}

  version(): number | null {
    if (!this.started) this.start();
    if (!this.answering || performance.now() - this.lastAlive > LIVENESS_MS) return null;
    return this.counter;
  }

  private start(): void {
    this.started = true;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new (pgModule().Client)({
      ...this.options,
      keepAlive: true,
      application_name: 'gatehouse client cache',
    });
    this.client = client;
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== CLIENTS_CHANNEL || this.client !== client) return;
      this.counter += 1;
      this.answering = false;
      this.pending = true;
      void this.cycle(client);
    });
    try {
      await client.connect();
      // PostgreSQL itself drops this session (and its lock) ~25 s after its peer vanished, so a
      // writer does not wait for a dead node at every change.
      await client.query('SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3');
      await client.query(`LISTEN ${CLIENTS_CHANNEL}`);
      await client.query('SELECT pg_advisory_lock_shared($1)', [CLIENTS_LOCK]);
    } catch {
      this.lost(client);
      return;
    }
    if (this.client !== client || this.closed) return;
    // Whatever changed before LISTEN was not heard: start from an empty cache.
    this.counter += 1;
    this.backoff = RECONNECT_MIN_MS;
    this.lastAlive = performance.now();
    if (this.pending) void this.cycle(client);
    else this.answering = true;
    this.heartbeat = setInterval(() => void this.beat(client), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Lets every writer waiting on the lock through, then takes it again. */
  private async cycle(client: pg.Client): Promise<void> {
    if (this.cycling) return;
    this.cycling = true;
    try {
      while (this.pending && this.client === client) {
        this.pending = false;
        await client.query('SELECT pg_advisory_unlock_shared($1)', [CLIENTS_LOCK]);
        await client.query('SELECT pg_advisory_lock_shared($1)', [CLIENTS_LOCK]);
      }
      if (this.client === client && !this.pending) {
        this.lastAlive = performance.now();
        this.answering = true;
      }
    } catch {
      this.lost(client);
    } finally {
      this.cycling = false;
    }
  }

  private async beat(client: pg.Client): Promise<void> {
    // While cycling, a query would queue behind a lock wait; the cache does not answer then anyway.
    if (this.cycling || this.client !== client) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), HEARTBEAT_TIMEOUT_MS)),
    );
    try {
      const outcome = await Promise.race([client.query('SELECT 1').then(() => 'ok' as const), timedOut]);
      if (outcome === 'ok') this.lastAlive = performance.now();
      else this.lost(client);
    } catch {
      this.lost(client);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The connection failed or ended: stop answering, drop it, and try again later. */
  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.answering = false;
    this.pending = false;
    this.counter += 1;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    destroy(client);
    if (this.closed) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      void this.connect();
    }, this.backoff);
    this.reconnect.unref();
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.answering = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.reconnect) clearTimeout(this.reconnect);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => destroy(client));
  }
}

function destroy(client: pg.Client): void {
  // end() waits for the server's goodbye, which a vanished peer never sends.
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  client.end().catch(() => {});
}
