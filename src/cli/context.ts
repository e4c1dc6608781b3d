import { AuditLog } from '../audit/audit-log.js';
import { SecurityEvents, type SecurityEvent, type SecurityEventType } from '../audit/events.js';
import { systemClock } from '../core/clock.js';
import type { GatehouseConfig } from '../config/schema.js';
import { openStore } from '../storage/open.js';
import type { SqlStore } from '../storage/sql-store.js';
import { latestVersion, schemaVersion } from '../storage/migrations/index.js';
import { databaseLocation, loadConfig } from '../config/load.js';
import { resolveKeyEncryptionKey } from '../config/key-file.js';

export { databaseLocation } from '../config/load.js';
import type { StoreOptions } from './store-options.js';
import { cliIo } from './io.js';

/** The configuration; warnings (an unknown GATEHOUSE_* variable) go to stderr unless `warn` takes them. */
export function resolveConfig(
  options: StoreOptions,
  flags: Record<string, unknown> = {},
  warn: (message: string) => void = (message) => void cliIo().stderr.write(`warning: ${message}\n`),
): GatehouseConfig {
  const config = loadConfig({
    file: options.config,
    env: cliIo().env,
    flags: { database: options.database, ...flags },
    warn,
  });
  // The key the server generated beside a SQLite database, when none is configured (never created here).
  return resolveKeyEncryptionKey(config, { create: false, requireForPostgres: false }).config;
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
  { checkSchema = true } = {},
): Promise<T> {
  const location = databaseLocation(config);
  // A command reads a client once at most: no cache, and on PostgreSQL no listener connection.
  const store = openStore(location, { poolSize: config.database_pool_size, clientCache: false });
  const audit = new AdminAudit();
  const log = new AuditLog(store, { warn: (_fields, message) => void cliIo().stderr.write(`warning: ${message}\n`) });
  audit.events.on(log.record);
  try {
    if (checkSchema) await requireCurrentSchema(store);
    return await fn(store, audit);
  } finally {
    // Whatever fn changed before it failed is recorded too.
    await log.close();
    await store.close();
  }
}

/** Fails, naming the way out, when the database is older than this release (or empty). */
async function requireCurrentSchema(store: SqlStore): Promise<void> {
  const version = await schemaVersion(store.driver);
  if (version >= latestVersion) return;
  const where =
    version === 0
      ? 'the database has no schema yet'
      : `the database schema is at version ${version}, this release needs ${latestVersion}`;
  throw new Error(`${where}: run gatehouse migrate`);
}
