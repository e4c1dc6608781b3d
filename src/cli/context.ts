import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { GatehouseConfig } from '../config/schema.js';
import { openStore, parseDatabaseUrl } from '../storage/open.js';
import type { SqlStore } from '../storage/sql-store.js';
import { ConfigError } from '../config/load.js';

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

/** Opens (and, unless told otherwise, migrates) the configured database, runs `fn`, closes it. */
export async function withStore<T>(
  config: GatehouseConfig,
  fn: (store: SqlStore) => Promise<T>,
  { migrate = true } = {},
): Promise<T> {
  let location;
  try {
    location = parseDatabaseUrl(config.database);
  } catch (error) {
    throw new ConfigError(`database: ${(error as Error).message}`);
  }
  const store = openStore(location, { poolSize: config.database_pool_size });
  try {
    if (migrate) await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}
