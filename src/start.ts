/**
 * Gatehouse's life cycle: open the storage, migrate, compose the services (compose.ts), serve, and
 * close it all again. `gatehouse serve` is this plus signals and a banner; the test harness is this
 * plus a cheap password hasher and a manual clock.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { resolveKeyEncryptionKey } from './config/key-file.js';
import { ConfigError, databaseLocation } from './config/load.js';
import { buildHttpServer } from './http/server.js';
import { type CleanupSchedule, type Every, realEvery, scheduleCleanup } from './storage/cleanup-schedule.js';
import { latestVersion, schemaVersion } from './storage/migrations/index.js';
import { openStore } from './storage/open.js';
import type { SqlStore } from './storage/sql-store.js';

import { composeServices, type ComposeOptions, type Services } from './compose.js';
/** What composeServices takes, but the store: opened from config.database unless given. */
export interface StartOptions extends Omit<ComposeOptions, 'store'> {
  /** An open store (the caller closes it); by default `config.database` is opened here and closed by close(). */
  store?: SqlStore;
  /** Apply pending migrations before serving (default true). */
  migrate?: boolean;
  /** Listen on config.host:config.port (default true); false builds the app for `app.inject` only. */
  listen?: boolean;
  /** Run the periodic clean-up every config.cleanup_interval seconds (default true). */
  scheduleCleanup?: boolean;
  /** What repeats the clean-up: setInterval unless given (a test harness ticks it by hand). */
  every?: Every;
  /** What repeats the back-channel logout worker's look at its queue: setInterval unless given (tests tick it). */
  logoutDeliveryEvery?: Every;
  /**
   * Called once everything is built, just before listening, with the function that closes it all:
   * `gatehouse serve` installs its signal handlers here, so a signal during start-up still ends the
   * process at once while one after the banner finds a server to stop gracefully.
   */
  beforeListen?: (close: () => Promise<void>) => void;
}

export interface RunningGatehouse {
  app: FastifyInstance;
  /** http://host:port the server listens on (the issuer is config.issuer); '' when not listening. */
  url: string;
  /** The wired services (what tests and the CLI reach into). */
  gatehouse: Services;
  /** The periodic clean-up; null when cleanup_interval is 0 or it was not asked for. */
  cleanup: CleanupSchedule | null;
  store: SqlStore;
  /** Stops accepting, lets in-flight requests finish, then releases everything start opened. Idempotent. */
  close(): Promise<void>;
}

/** The shortest retry delay of a back-channel logout (LOGOUT_RETRY_DELAYS): a due retry waits at most this long more. */
const LOGOUT_DELIVERY_TICK_MS = 10_000;

export async function startGatehouse(options: StartOptions): Promise<RunningGatehouse> {
  const logger = options.logger ?? pino({ level: 'silent' });
  // ID tokens need signing keys, stored encrypted: on SQLite without key_encryption_key a key is
  // generated beside the database; PostgreSQL (several nodes, one key) refuses to start without one.
  const { config, source: keySource } = resolveKeyEncryptionKey(options.config, {
    create: true,
    requireForPostgres: true,
  });
  if (keySource.kind === 'file')
    logger.warn(
      { key_file: keySource.path, created: keySource.created },
      `key_encryption_key is not set: the signing keys are encrypted with the key in key_file. In production set key_encryption_key to the content of that file (GATEHOUSE_KEY_ENCRYPTION_KEY="$(cat ${keySource.path})"): a new value cannot decrypt the keys already stored`,
    );
  const ownStore = !options.store;
  const store =
    options.store ??
    openStore(databaseLocation(config), { poolSize: config.database_pool_size, backgroundCheckpoints: true });
  // What this call opened, closed in this order: stop accepting and let in-flight requests finish,
  // stop the schedule, flush mail and audit, then the connections. Each step runs even if one before
  // it failed; the first failure is thrown at the end.
  let app: FastifyInstance | undefined;
  let cleanup: CleanupSchedule | undefined;
  let stopLogoutDeliveries: (() => void) | undefined;
  let gatehouse: Services | undefined;
  let redis: { close(): Promise<void> } | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const steps = [
        () => app?.close(),
        () => cleanup?.stop(),
        () => stopLogoutDeliveries?.(),
        () => gatehouse?.close(),
        () => redis?.close(),
        () => (ownStore ? store.close() : undefined),
      ];
      const failures: unknown[] = [];
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    })());
  try {
    if (options.migrate ?? true) await store.migrate();
    let throttleStore = options.throttleStore;
    if (!throttleStore && config.rate_limit.redis_url) {
      const connected = await connectRedis(config.rate_limit.redis_url);
      redis = connected;
      throttleStore = connected;
    }
    gatehouse = composeServices({
      config,
      store,
      logger,
      throttleStore,
      clock: options.clock,
      ids: options.ids,
      passwords: options.passwords,
      mailer: options.mailer,
      auditLog: options.auditLog,
      grants: options.grants,
      remoteKeySets: options.remoteKeySets,
    });
    // Security events go to the audit_events table (composeServices does that) and to the log, but
    // for token.issued and client.authentication_failed: the request's own log line already says it
    // (status 200, or error invalid_client), once per token request.
    gatehouse.events.on((event) => {
      if (event.type !== 'token.issued' && event.type !== 'client.authentication_failed') {
        logger.info({ event }, 'security event');
      }
    });
    // Load (or, on a new database, create) the access-token signing key now, and check every key
    // that signs: a wrong key_encryption_key stops start-up instead of failing token requests.
    if (config.access_token_format === 'jwt') await gatehouse.keys!.signingKey();
    // (Unless the schema is not there yet: `serve --no-migrate` on an empty database starts.)
    if ((await schemaVersion(store.driver)) >= latestVersion) await gatehouse.keys?.checkCurrentKeys();
    app = buildHttpServer(gatehouse, logger);
    let url = '';
    if (options.listen ?? true) {
      options.beforeListen?.(close);
      await app.listen({ port: config.port, host: config.host });
      const { port } = app.server.address() as AddressInfo;
      url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    } else {
      await app.ready();
    }
    // Not when a stop began while listening: nothing would end the schedule.
    if (config.cleanup_interval > 0 && (options.scheduleCleanup ?? true) && !closing) {
      const { retention } = config.audit;
      cleanup = scheduleCleanup(store, gatehouse.clock, config.cleanup_interval, logger, retention, options.every);
    }
    // Back-Channel Logout: deliveries due for a retry are looked for every LOGOUT_DELIVERY_TICK.
    const worker = gatehouse.logoutDeliveries;
    if (worker && !closing)
      stopLogoutDeliveries = (options.logoutDeliveryEvery ?? realEvery)(LOGOUT_DELIVERY_TICK_MS, () => worker.kick());
    return { app, url, gatehouse, cleanup: cleanup ?? null, store, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/** Connects to Redis at start-up, so a wrong rate_limit.redis_url stops the server at once. */
async function connectRedis(url: string) {
  // Loaded only when configured: most deployments never need the Redis client.
  const { RedisThrottleStore } = await import('./storage/redis-throttle-store.js');
  const throttleStore = new RedisThrottleStore(url);
  try {
    await throttleStore.connect();
  } catch (error) {
    await throttleStore.close();
    throw new ConfigError(`rate_limit.redis_url: cannot connect (${(error as Error).message})`);
  }
  return throttleStore;
}
