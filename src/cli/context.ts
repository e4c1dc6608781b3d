import type { Command } from 'commander';
import { AuditLog } from '../audit/audit-log.js';
import { SecurityEvents, type SecurityEvent, type SecurityEventType } from '../audit/events.js';
import { systemClock } from '../core/clock.js';
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

/** What an administrator's command did, for the audit log (actor: admin). */
export class AdminAudit {
  /** For services that announce their own events (UserAccounts). */
  readonly events = new SecurityEvents();

  record(type: SecurityEventType, fields: Omit<SecurityEvent, 'type' | 'at' | 'actor'> = {}): void {
    this.events.emit({ type, at: systemClock.now(), actor: 'admin', ...fields });
  }
}

/**
 * Opens (and, unless told otherwise, migrates) the configured database, runs `fn`, writes the
 * audit events it recorded, closes the database.
 */
export async function withStore<T>(
  config: GatehouseConfig,
  fn: (store: SqlStore, audit: AdminAudit) => Promise<T>,
  { migrate = true } = {},
): Promise<T> {
  const location = databaseLocation(config);
  // A command reads a client once at most: no cache, and on PostgreSQL no listener connection.
  const store = openStore(location, { poolSize: config.database_pool_size, clientCache: false });
  const audit = new AdminAudit();
  const log = new AuditLog(store, { warn: (_fields, message) => void process.stderr.write(`warning: ${message}\n`) });
  audit.events.on(log.record);
  try {
    if (migrate) await store.migrate();
    return await fn(store, audit);
  } finally {
    // Whatever fn changed before it failed is recorded too.
    await log.close();
    await store.close();
  }
}
