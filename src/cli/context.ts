import type { Command } from 'commander';
import type { GatehouseConfig } from '../config/schema.js';
import { openStore, parseDatabaseUrl, type DatabaseLocation } from '../storage/open.js';
import type { SqlStore } from '../storage/sql-store.js';
import { ConfigError, loadConfig } from '../config/load.js';

export interface StoreOptions {
  config?: string;
  database?: string;
}

/** Every command that touches the database takes these two options. */
export function withStoreOptions(command: Command): Command {
  return command
    .option('--database <url>', 'sqlite:PATH or postgres://… (default sqlite:./data/gatehouse.db; env GATEHOUSE_DATABASE_URL)')
    .option('--config <file>', 'JSON or YAML configuration file');
}

export function resolveConfig(options: StoreOptions, flags: Record<string, unknown> = {}): GatehouseConfig {
  return loadConfig({ file: options.config, env: process.env, flags: { database: options.database, ...flags } });
}

/** Where the configured database is; a malformed URL is a configuration error naming the key. */
export function databaseLocation(config: GatehouseConfig): DatabaseLocation {
  try {
    return parseDatabaseUrl(config.database);
  } catch (error) {
    throw new ConfigError(`database: ${(error as Error).message}`);
  }
}

/** Opens (and, unless told otherwise, migrates) the configured database, runs `fn`, closes it. */
export async function withStore<T>(
  config: GatehouseConfig,
  fn: (store: SqlStore) => Promise<T>,
  { migrate = true } = {},
): Promise<T> {
  const location = databaseLocation(config);
  const store = openStore(location, { poolSize: config.database_pool_size });
  try {
    if (migrate) await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}
