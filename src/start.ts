/**
 * The composition root: the one place that opens the storage, wires accounts, audit, keys and
 * grants together and puts the HTTP server in front of them. `gatehouse serve` is this plus signals
 * and a banner; the test harness is this plus a cheap password hasher and a manual clock.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Mailer } from './accounts/mail/mailer.js';
import type { PasswordHasher, PasswordVerifier } from './accounts/passwords.js';
import { ConfigError, databaseLocation } from './config/load.js';
import type { GatehouseConfig } from './config/schema.js';
import type { Clock, IdSource } from './core/clock.js';
import { Gatehouse } from './gatehouse.js';
import { buildHttpServer } from './http/server.js';
import { type CleanupSchedule, scheduleCleanup } from './storage/cleanup-schedule.js';
import { openStore } from './storage/open.js';
import type { SqlStore } from './storage/sql-store.js';
import type { ThrottleStore } from './storage/store.js';

export interface StartOptions {
  config: GatehouseConfig;
  /** An open store (the caller closes it); by default `config.database` is opened here and closed by close(). */
  store?: SqlStore;
  /** Apply pending migrations before serving (default true). */
  migrate?: boolean;
  /** Listen on config.host:config.port (default true); false builds the app for `app.inject` only. */
  listen?: boolean;
  clock?: Clock;
  ids?: IdSource;
  /** argon2id at production cost unless given. */
  passwords?: PasswordHasher | PasswordVerifier;
  mailer?: Mailer;
  /** Silent unless given. */
  logger?: Logger;
  /** Where brute-force counters live: the database unless given; config.rate_limit.redis_url connects Redis. */
  throttleStore?: ThrottleStore;
  /** Security events written to audit_events (default true). */
  auditLog?: boolean;
  /** Run the periodic clean-up every config.cleanup_interval seconds (default true). */
  scheduleCleanup?: boolean;
}

export interface RunningGatehouse {
  app: FastifyInstance;
  /** http://host:port the server listens on (the issuer is config.issuer); '' when not listening. */
  url: string;
  gatehouse: Gatehouse;
  store: SqlStore;
  /** Stops accepting, lets in-flight requests finish, then releases everything start opened. Idempotent. */
  close(): Promise<void>;
}

export async function startGatehouse(options: StartOptions): Promise<RunningGatehouse> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: 'silent' });
  const ownStore = !options.store;
  const store =
    options.store ??
    openStore(databaseLocation(config), { poolSize: config.database_pool_size, backgroundCheckpoints: true });
  const opened: Array<() => Promise<void>> = ownStore ? [() => store.close()] : [];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await close();
  };
  try {
    if (options.migrate ?? true) await store.migrate();
    let throttleStore = options.throttleStore;
    if (!throttleStore && config.rate_limit.redis_url) {
      const redis = await connectRedis(config.rate_limit.redis_url);
      opened.push(() => redis.close());
      throttleStore = redis;
    }
    const gatehouse = new Gatehouse({
      config,
      store,
      logger,
      throttleStore,
      clock: options.clock,
      ids: options.ids,
      passwords: options.passwords,
      mailer: options.mailer,
      auditLog: options.auditLog,
    });
    opened.push(() => gatehouse.close());
    // Security events go to the audit_events table (Gatehouse does that) and to the log, but for
    // token.issued and client.authentication_failed: the request's own log line already says it
    // (status 200, or error invalid_client), once per token request.
    gatehouse.events.on((event) => {
      if (event.type !== 'token.issued' && event.type !== 'client.authentication_failed') {
        logger.info({ event }, 'security event');
      }
    });
    // Load (or, on a new database, create) the signing key now: a wrong key_encryption_key
    // stops start-up instead of failing every token request.
    if (config.access_token_format === 'jwt') await gatehouse.keys!.signingKey();
    const app = buildHttpServer(gatehouse, logger);
    opened.push(() => app.close());
    let url = '';
    if (options.listen ?? true) {
      await app.listen({ port: config.port, host: config.host });
      const { port } = app.server.address() as AddressInfo;
      url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    } else {
      await app.ready();
    }
    let cleanup: CleanupSchedule | undefined;
    if (config.cleanup_interval > 0 && (options.scheduleCleanup ?? true)) {
      cleanup = scheduleCleanup(store, gatehouse.clock, config.cleanup_interval, logger, config.audit.retention);
      opened.push(() => cleanup!.stop());
    }
    let closing: Promise<void> | undefined;
    return { app, url, gatehouse, store, close: () => (closing ??= closeOpened()) };
  } catch (error) {
    await closeOpened().catch(() => {});
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
