/**
 * Gatehouse as a library: `startGatehouse({ config })` opens the configured database, wires
 * everything and serves; `close()` releases it all. The rest is what an embedding process needs
 * around it: the configuration, the storage, client and user administration.
 */
export { startGatehouse, type RunningGatehouse, type StartOptions } from './start.js';
export type { Services } from './compose.js';
export type { ServerMetadata } from './core/metadata.js';
export { createLogger } from './logging.js';
export { loadConfig, validateConfig, ConfigError } from './config/load.js';
export type { GatehouseConfig } from './config/schema.js';
export { openStore, parseDatabaseUrl } from './storage/open.js';
export type { Store } from './storage/store.js';
export { ClientRegistry } from './core/clients.js';
export { UserAccounts } from './accounts/users.js';
export { OAuthError } from './core/errors.js';
export { ManualClock, systemClock, type Clock } from './core/clock.js';
export type {
  ExtensionGrant,
  ExtensionGrantDecision,
  ExtensionGrantForClient,
  ExtensionGrantForUser,
  ExtensionGrantRefused,
  ExtensionGrantRequest,
  ExtensionGrantUsers,
  IssuedTokenShape,
} from './core/grants/extension.js';
