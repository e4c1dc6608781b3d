import { AuditLog } from '../audit/audit-log.js';
import { SecurityEvents, type SecurityEvent, type SecurityEventType } from '../audit/events.js';
import { systemClock } from '../core/clock.js';
import type { GatehouseConfig } from '../config/schema.js';
import { existsSync } from 'node:fs';
import { describeLocation, openStore, type DatabaseLocation } from '../storage/open.js';
import type { SqlStore } from '../storage/sql-store.js';
import { latestVersion, schemaVersion } from '../storage/migrations/index.js';
import { databaseLocation, loadConfigWithOrigins } from '../config/load.js';
import { resolveKeyEncryptionKey } from '../config/key-file.js';
import { findConfigFile, type ConfigFileChoice } from '../config/discover.js';
import type { SettingOrigin } from '../config/origins.js';

export { databaseLocation } from '../config/load.js';
import type { StoreOptions } from './store-options.js';
import { cliCwd, cliIo } from './io.js';
import { UsageError } from './errors.js';

/** The effective configuration, the file it was read from, and where each setting came from. */
export interface ResolvedConfig {
  config: GatehouseConfig;
  file: ConfigFileChoice | null;
  origins: Map<string, SettingOrigin>;
}

/**
 * The configuration: the file (--config, GATEHOUSE_CONFIG, or gatehouse.yaml found from the
 * working directory up), the environment, then flags. Warnings (an unknown GATEHOUSE_* variable)
 * go to stderr unless `warn` takes them.
 */
export function resolveConfigWithOrigins(
  options: StoreOptions,
  flags: Record<string, unknown> = {},
  warn: (message: string) => void = (message) => void cliIo().stderr.write(`warning: ${message}\n`),
): ResolvedConfig {
  const { env } = cliIo();
  const cwd = cliCwd();
  const file = findConfigFile({ flag: options.config, env, cwd });
  const { config, origins } = loadConfigWithOrigins({
    file: file?.path,
    env,
    flags: { database: options.database, ...flags },
    warn,
    cwd,
  });
  // The key the server generated beside a SQLite database, when none is configured (never created here).
  const { config: withKey, source } = resolveKeyEncryptionKey(config, { create: false, requireForPostgres: false });
  if (source.kind === 'file') origins.set('key_encryption_key', { kind: 'file', path: source.path });
  return { config: withKey, file, origins };
}

export function resolveConfig(
  options: StoreOptions,
  flags: Record<string, unknown> = {},
  warn?: (message: string) => void,
): GatehouseConfig {
  return resolveConfigWithOrigins(options, flags, warn).config;
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
 * Opens the configured database, checks that its schema is current (one query; an administrator's
 * command never migrates: `gatehouse migrate` and `serve` do, so a schema change happens when the
 * operator chose to), runs `fn`, writes the audit events it recorded, closes the database.
 */
export async function withStore<T>(
  config: GatehouseConfig,
  fn: (store: SqlStore, audit: AdminAudit) => Promise<T>,
  { checkSchema = true, create = false } = {},
): Promise<T> {
  const location = databaseLocation(config);
  // Only `migrate` (and `serve`) create a database: a mistyped path must not become a new, empty one.
  if (!create && location.engine === 'sqlite' && location.path !== ':memory:' && !existsSync(location.path))
    throw noDatabase(location);
  // A command reads a client once at most: no cache, and on PostgreSQL no listener connection.
  const store = openStore(location, {
    poolSize: config.database_pool_size,
    clientCache: false,
    mustExist: !create,
  });
  const audit = new AdminAudit();
  const log = new AuditLog(store, { warn: (_fields, message) => void cliIo().stderr.write(`warning: ${message}\n`) });
  audit.events.on(log.record);
  try {
    if (checkSchema) await requireCurrentSchema(store, location);
    return await fn(store, audit);
  } finally {
    // Whatever fn changed before it failed is recorded too.
    await log.close();
    await store.close();
  }
}

/** Misuse (exit 2): the database named is not there, or was never migrated. */
function noDatabase(location: DatabaseLocation): UsageError {
  const where = describeLocation(location).replace(/^(SQLite|PostgreSQL) /, '');
  return new UsageError(
    `no Gatehouse database at ${where} — run \`gatehouse migrate\` to create it, or name the server's ` +
      'database (--database, GATEHOUSE_DATABASE_URL, or run the command where its gatehouse.yaml is)',
  );
}

/** Fails, naming the way out, when the database is older than this release (or empty). */
async function requireCurrentSchema(store: SqlStore, location: DatabaseLocation): Promise<void> {
  const version = await schemaVersion(store.driver);
  if (version >= latestVersion) return;
  if (version === 0) throw noDatabase(location);
  throw new Error(
    `the database schema is at version ${version}, this release needs ${latestVersion}: run gatehouse migrate`,
  );
}
