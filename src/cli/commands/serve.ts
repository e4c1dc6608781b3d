import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import type { CleanupSchedule } from '../../storage/cleanup-schedule.js';
import type { RedisThrottleStore } from '../../storage/redis-throttle-store.js';
import { withStoreOptions, type StoreOptions } from '../store-options.js';

/** In-flight requests get this long to finish after SIGTERM/SIGINT. */
const SHUTDOWN_GRACE_MS = 10_000;

interface ServeOptions extends StoreOptions {
  port?: string;
  host?: string;
  issuer?: string;
  migrate: boolean;
}

export function serveCommand(): Command {
  return withStoreOptions(
    new Command('serve')
      .description('run the authorization server (in this process)')
      .option('--port <port>', 'port to listen on (default 8080)')
      .option('--host <host>', 'address to listen on (default 127.0.0.1)')
      .option('--issuer <url>', 'issuer URL (default http://HOST:PORT)')
      .option('--no-migrate', 'do not apply pending migrations at start'),
  ).action(async (options: ServeOptions) => {
    // The server (Fastify, prom-client, pino …) is loaded only by the command that runs it.
    const { fromString } = await import('../../config/load.js');
    const { Gatehouse } = await import('../../gatehouse.js');
    const { buildHttpServer } = await import('../../http/server.js');
    const { createLogger } = await import('../../logging.js');
    const { scheduleCleanup } = await import('../../storage/cleanup-schedule.js');
    const { describeLocation, openStore } = await import('../../storage/open.js');
    const { databaseFileExposure } = await import('../../storage/sqlite/permissions.js');
    const { databaseLocation, resolveConfig } = await import('../context.js');
    // Warnings wait for the logger, which needs the configuration's log_level.
    const warnings: string[] = [];
    const config = resolveConfig(
      options,
      {
        port: options.port === undefined ? undefined : fromString('port', options.port, '--port'),
        host: options.host,
        issuer: options.issuer,
      },
      (message) => warnings.push(message),
    );
    const location = databaseLocation(config);
    const logger = createLogger(config.log_level);
    for (const warning of warnings) logger.warn(warning);
    const store = openStore(location, { poolSize: config.database_pool_size, backgroundCheckpoints: true });
    const exposure = location.engine === 'sqlite' ? databaseFileExposure(location.path) : null;
    if (exposure) logger.warn({ file: exposure.file, mode: exposure.mode }, exposure.message);
    if (options.migrate) await store.migrate();
    const throttleStore = config.rate_limit.redis_url ? await connectRedis(config.rate_limit.redis_url) : undefined;
    const gatehouse = new Gatehouse({ config, store, logger, throttleStore });
    // Security events go to the audit_events table (Gatehouse does that) and to the log, but for
    // token.issued and client.authentication_failed: the request's own log line already says it
    // (status 200, or error invalid_client), once per token request.
    gatehouse.events.on((event) => {
      if (event.type !== 'token.issued' && event.type !== 'client.authentication_failed') logger.info({ event }, 'security event');
    });
    // Load (or, on a new database, create) the signing key now: a wrong key_encryption_key
    // stops start-up instead of failing every token request.
    if (config.access_token_format === 'jwt') await gatehouse.keys!.signingKey();
    const app = buildHttpServer(gatehouse, logger);
    // Handlers go in before anything announces the server: a SIGTERM sent as soon as the
    // banner appears must find them, not the default action (die at once).
    let stopping = false;
    let cleanup: CleanupSchedule | undefined;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        logger.warn('in-flight requests did not finish in time; exiting');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      // Stop accepting, let in-flight requests finish, then release the database.
      await app.close();
      await cleanup?.stop();
      await gatehouse.close();
      await throttleStore?.close();
      await store.close();
      logger.flush();
      process.exitCode = 0;
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
    await app.listen({ port: config.port, host: config.host });
    if (config.cleanup_interval > 0 && !stopping) cleanup = scheduleCleanup(store, gatehouse.clock, config.cleanup_interval, logger, config.audit.retention);

    const { port } = app.server.address() as AddressInfo;
    const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
    process.stdout.write(
      [
        `Gatehouse is serving http://${hostForUrl}:${port} on ${describeLocation(location)}`,
        `Issuer: ${config.issuer}`,
        'Next, in another terminal, register a client:',
        '  npx gatehouse client create --name my-service --grant-type client_credentials',
        '',
      ].join('\n'),
    );
  });
}

/** Connects to Redis at start-up, so a wrong rate_limit.redis_url stops the server at once. */
async function connectRedis(url: string): Promise<RedisThrottleStore> {
  // Loaded only when configured: most deployments never need the Redis client.
  const { RedisThrottleStore } = await import('../../storage/redis-throttle-store.js');
  const { ConfigError } = await import('../../config/load.js');
  const throttleStore = new RedisThrottleStore(url);
  try {
    await throttleStore.connect();
  } catch (error) {
    await throttleStore.close();
    throw new ConfigError(`rate_limit.redis_url: cannot connect (${(error as Error).message})`);
  }
  return throttleStore;
}
