import { Command } from 'commander';
import { withStoreOptions, type StoreOptions } from '../store-options.js';
import { cliIo } from '../io.js';

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
    const { startGatehouse } = await import('../../start.js');
    const { createLogger } = await import('../../logging.js');
    const { describeLocation } = await import('../../storage/open.js');
    const { databaseFileExposure } = await import('../../storage/sqlite/permissions.js');
    const { databaseLocation, resolveConfigWithOrigins } = await import('../context.js');
    // Warnings wait for the logger, which needs the configuration's log_level.
    const warnings: string[] = [];
    const { config, file } = resolveConfigWithOrigins(
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
    const exposure = location.engine === 'sqlite' ? databaseFileExposure(location.path) : null;
    if (exposure) logger.warn({ file: exposure.file, mode: exposure.mode }, exposure.message);
    let stopping = false;
    const stop = async (signal: string, close: () => Promise<void>) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        logger.warn('in-flight requests did not finish in time; exiting');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      // Stop accepting, let in-flight requests finish, then release the database.
      await close();
      logger.flush();
      process.exitCode = 0;
    };
    const running = await startGatehouse({
      config,
      logger,
      migrate: options.migrate,
      // Handlers go in just before listening, so before anything announces the server: a SIGTERM
      // sent as soon as the banner appears must find them, not the default action (die at once).
      beforeListen: (close) => {
        process.once('SIGTERM', () => void stop('SIGTERM', close));
        process.once('SIGINT', () => void stop('SIGINT', close));
      },
    });
    // A signal while listening: stop() is already closing what start opened.
    if (stopping) return;
    cliIo().stdout.write(
      [
        `Gatehouse is serving ${running.url} on ${describeLocation(location)}`,
        `Issuer: ${config.issuer}`,
        ...(file ? [`Settings: ${file.path} (every gatehouse command run in its folder or below reads it too)`] : []),
        'Next, in another terminal, register a client:',
        '  npx gatehouse client create --name my-service --grant-type client_credentials',
        // The CLI reads its own settings: pointed elsewhere it would write to ./data/gatehouse.db.
        ...(location.engine === 'postgres' && !file
          ? [
              '  (with the same database and settings: --database or GATEHOUSE_DATABASE_URL, the same GATEHOUSE_* variables)',
            ]
          : []),
        '',
      ].join('\n'),
    );
  });
}
